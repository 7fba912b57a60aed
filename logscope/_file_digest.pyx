# cython: language_level=3
# distutils: libraries = crypto
# logscope: needs-header openssl/evp.h
"""Compiled form of ``file_digest.digest`` (same arguments, same answers; ``file_digest.py`` is
the reference and tests/test_input_hash.py compares the two on real files).

Why compiled: the input hash runs in a thread beside the parse. In Python that thread takes
the GIL back after every open, read, update and close: several times per file, each time
waiting for the main thread to let go of it, which costs both threads CPU and leaves much
of the hashing until the parse is done. Here the whole run of files is read and hashed with
the GIL released; it is taken only to call ``stop`` (every ``STOP_EVERY`` bytes).

The items' bytes are read through pointers into the ``bytes`` objects of a private copy of
the list (exact ``bytes`` only: immutable, and kept alive by that copy while the GIL is
released). The hash is OpenSSL's SHA-256, the library Python's ``hashlib`` uses, linked at
build time: without OpenSSL's development files this module is not built and the twin runs.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.errno cimport EINTR, EISDIR, errno
from libc.stdlib cimport calloc, free
from posix.fcntl cimport O_CLOEXEC, O_RDONLY
from posix.fcntl cimport open as c_open
from posix.stat cimport S_ISDIR, fstat, struct_stat
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


cdef struct Item:
    const char *prefix
    Py_ssize_t prefix_size
    const char *path
    int err  # errno of the open or of the read that failed, else 0
    long long size  # when opened (-1: not opened, or no size)
    long long done  # bytes read


cdef int _call_stop(void *stop, void *raised) noexcept with gil:
    """``stop()``; 1 when it raised (its exception appended to the list ``raised``)."""
    try:
        (<object> stop)()
    except BaseException as exc:
        (<list> raised).append(exc)
        return 1
    return 0


cdef int _hash_all(EVP_MD_CTX *ctx, Item *items, Py_ssize_t count, char *buf,
                   void *stop, void *raised) noexcept nogil:
    """Hash each item's prefix and contents; 0, or 1 when ``stop`` raised (its file closed)."""
    cdef Py_ssize_t i, n
    cdef long long since_stop = 0
    cdef int fd, ok = 1
    cdef struct_stat st
    cdef Item *it
    for i in range(count):
        it = &items[i]
        it.size = -1
        fd = c_open(it.path, O_RDONLY | O_CLOEXEC)
        if fd < 0:
            it.err = errno
            continue
        if fstat(fd, &st) == 0:
            if S_ISDIR(st.st_mode):  # a folder where a file was listed: as Python's open
                c_close(fd)
                it.err = EISDIR
                continue
            it.size = st.st_size
        ok &= EVP_DigestUpdate(ctx, it.prefix, it.prefix_size)
        while True:
            n = c_read(fd, buf, BUFFER)
            if n < 0:
                if errno == EINTR:
                    continue
                it.err = errno
                break
            if n == 0:
                break
            ok &= EVP_DigestUpdate(ctx, buf, n)
            it.done += n
            since_stop += n
            if since_stop >= STOP_EVERY:
                since_stop = 0
                if _call_stop(stop, raised):
                    c_close(fd)
                    return 1
        c_close(fd)
    return 0 if ok else 2


def digest(list items, stop):
    """See ``file_digest.digest``."""
    cdef list keep = list(items)
    cdef list raised = []
    cdef list odd = []
    cdef Py_ssize_t count = len(keep), i
    cdef Item *table = <Item *> calloc(count + 1, sizeof(Item))
    cdef char *buf = <char *> calloc(BUFFER, 1)
    cdef EVP_MD_CTX *ctx = EVP_MD_CTX_new()
    cdef unsigned char md[32]
    cdef unsigned int md_size = 0
    cdef int failed = 0
    try:
        if table == NULL or buf == NULL or ctx == NULL:
            raise MemoryError()
        for i in range(count):
            prefix, path = keep[i]
            if type(prefix) is not bytes or type(path) is not bytes:
                raise TypeError("items are (prefix, path) pairs of bytes")
            if b"\0" in path:
                raise ValueError("embedded null byte")
            table[i].prefix = PyBytes_AS_STRING(prefix)
            table[i].prefix_size = PyBytes_GET_SIZE(prefix)
            table[i].path = PyBytes_AS_STRING(path)
        if EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1:
            raise RuntimeError("OpenSSL's SHA-256 could not be set up")
        with nogil:
            failed = _hash_all(ctx, table, count, buf, <void *> stop, <void *> raised)
        if failed == 1:
            raise raised[0]
        if failed or EVP_DigestFinal_ex(ctx, md, &md_size) != 1 or md_size != 32:
            raise RuntimeError("OpenSSL's SHA-256 failed")
        for i in range(count):
            if table[i].err or table[i].done != table[i].size:
                odd.append((i, table[i].err, table[i].size, table[i].done))
        return bytes(md[:32]), odd
    finally:
        free(table)
        free(buf)
        EVP_MD_CTX_free(ctx)
