# cython: language_level=3
# distutils: libraries = crypto
"""Compiled form of ``file_digest.digest`` (same arguments, same answers; ``file_digest.py`` is
the reference and tests/test_input_hash.py compares the two on real files).

Why compiled: the input hash runs in a thread beside the parse. In Python that thread takes
the GIL back after every open, read, update and close: several times per file, each time
waiting for the main thread to let go of it, which costs both threads CPU and leaves most of
the hashing until the parse is done. Here the GIL is released from a file's open to its
close and taken only for the next item and for ``stop`` (every ``STOP_EVERY`` bytes).

The hash is OpenSSL's SHA-256 (the library Python's ``hashlib`` uses; linked at build time:
without OpenSSL's development files this module is not built and the twin runs).
"""

from libc.errno cimport EINTR, errno
from libc.stdlib cimport free, malloc
from posix.fcntl cimport O_CLOEXEC, O_RDONLY
from posix.fcntl cimport open as c_open
from posix.stat cimport fstat, struct_stat
from posix.unistd cimport close as c_close
from posix.unistd cimport read as c_read

from . import file_digest as _twin


cdef extern from "openssl/evp.h" nogil:
    ctypedef struct EVP_MD_CTX
    ctypedef struct EVP_MD
    EVP_MD_CTX *EVP_MD_CTX_new()
    void EVP_MD_CTX_free(EVP_MD_CTX *ctx)
    const EVP_MD *EVP_sha256()
    int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *kind, void *engine)
    int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *data, size_t count)
    int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *size)

cdef Py_ssize_t BUFFER = _twin.BUFFER
cdef long long STOP_EVERY = _twin.STOP_EVERY


def digest(list items, stop):
    """See ``file_digest.digest``."""
    cdef EVP_MD_CTX *ctx = EVP_MD_CTX_new()
    cdef char *buf = <char *> malloc(BUFFER)
    cdef unsigned char md[32]
    cdef unsigned int md_size = 0
    cdef const char *path
    cdef const char *prefix
    cdef Py_ssize_t prefix_size, n = 0, i = 0
    cdef int fd, err, ok = 1
    cdef long long size, done, since_stop = 0
    cdef struct_stat st
    cdef list odd = []
    if ctx == NULL or buf == NULL:
        free(buf)
        EVP_MD_CTX_free(ctx)
        raise MemoryError()
    try:
        if EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1:
            raise RuntimeError("OpenSSL's SHA-256 could not be set up")
        for item in items:
            key, name = item  # both bytes (a TypeError otherwise, as the twin's)
            path = name
            prefix = key
            prefix_size = len(key)
            with nogil:
                fd = c_open(path, O_RDONLY | O_CLOEXEC)
                if fd < 0:
                    err = errno
                else:
                    err = 0
                    size = st.st_size if fstat(fd, &st) == 0 else -1
                    ok &= EVP_DigestUpdate(ctx, prefix, prefix_size)
            if fd < 0:
                odd.append((i, err, -1, 0))
                i += 1
                continue
            try:
                done = 0
                while True:
                    with nogil:
                        while True:
                            n = c_read(fd, buf, BUFFER)
                            if n < 0 and errno == EINTR:
                                continue
                            if n <= 0:
                                break
                            ok &= EVP_DigestUpdate(ctx, buf, n)
                            done += n
                            since_stop += n
                            if since_stop >= STOP_EVERY:
                                break
                        if n < 0:
                            err = errno
                    if n <= 0:
                        break
                    since_stop = 0  # STOP_EVERY bytes since the last call
                    stop()
            finally:
                c_close(fd)
            if err or done != size:
                odd.append((i, err, size, done))
            i += 1
        if not ok or EVP_DigestFinal_ex(ctx, md, &md_size) != 1 or md_size != 32:
            raise RuntimeError("OpenSSL's SHA-256 failed")
        return bytes(md[:32]), odd
    finally:
        free(buf)
        EVP_MD_CTX_free(ctx)
