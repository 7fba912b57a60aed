# cython: language_level=3
"""Compiled form of ``chunk_gate_scan`` (the chunk gate's byte searches); the same answers,
span for span.

Why not RE2: its DFA steps through every byte of a chunk (~1.4 ns a byte here) for an answer
that is mostly "nothing here". This scan looks for each form by one byte of it, its *anchor*
(the form's rarest byte in real evtx chunks, ``data/evtx_byte_freq.yml``, preferring bytes
another form already uses), 16 bytes at a time (SSE2 compares where the compiler has them),
and compares a form only where its anchor byte is. Leftmost-first as RE2's alternation: after
a form is found, anchors up to the farthest anchor offset past its start are still tried,
and of the forms that start at the same place the first in sorted order is taken.

Memory safety (the bytes are an attacker's): every read of the buffer is at an index checked
against its length ``n`` first (a 16-byte load only when ``q + 16 <= n``; a form compared
only when ``start >= 0`` and ``start + size <= n``); the tables are sized from the forms.
"""

from libc.stdint cimport uint8_t, uint32_t
from libc.string cimport memcmp, memset
from cpython.mem cimport PyMem_Free, PyMem_Malloc

from .chunk_gate_scan import COMPUTER_NAME
from .gate_anchors import pick_anchors

cdef extern from *:
    """
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    #include <immintrin.h>
    #define LS_X86 1
    #else
    #define LS_X86 0
    #endif

    /* The anchor bytes, as each way of testing 32 bytes at once needs them. */
    typedef struct {
        unsigned char member[256];  /* nonzero for an anchor byte */
        unsigned char lo[16];       /* nibble tables: lo[b & 15] & hi[b >> 4] != 0 for */
        unsigned char hi[16];       /* every anchor byte b (and maybe a few others) */
    } ls_anchors;

    static int ls_have_avx2 = -1;

    #if LS_X86
    /* ls_next's loop with AVX2: the tables loaded once a call, not once a block (a call and
       a vzeroupper every 32 bytes cost more than the test itself). */
    __attribute__((target("avx2")))
    static Py_ssize_t ls_next_avx2(const unsigned char *d, Py_ssize_t q, Py_ssize_t end,
                                   const ls_anchors *set, unsigned *mask) {
        __m256i lo_t = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)set->lo));
        __m256i hi_t = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)set->hi));
        __m256i nib = _mm256_set1_epi8(0x0f);
        __m256i zero = _mm256_setzero_si256();
        for (; q + 32 <= end; q += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(d + q));
            __m256i lo = _mm256_and_si256(v, nib);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
            __m256i m = _mm256_and_si256(_mm256_shuffle_epi8(lo_t, lo),
                                         _mm256_shuffle_epi8(hi_t, hi));
            unsigned bits = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, zero));
            if (bits) {
                *mask = bits;
                return q;
            }
        }
        *mask = 0;
        return q;
    }
    #endif

    /* Bit i set when p[i] (i < 32) may be an anchor byte (every one is; the caller checks
       member[] of each). Reads p[0 .. 32). The portable test: where AVX2 is, ls_next runs
       ls_next_avx2 instead. */
    static inline unsigned ls_block(const unsigned char *p, const ls_anchors *set) {
        unsigned mask = 0;
        int j;
        const unsigned char *m = set->member;
        unsigned any = 0;
        for (j = 0; j < 32; j++) any |= m[p[j]];  /* mostly none: no branch per byte */
        if (any)
            for (j = 0; j < 32; j++)
                if (m[p[j]]) mask |= 1u << j;
        return mask;
    }

    /* From block start ``q``, the first block d[q .. q + 32) (q + 32 <= end) in which some
       byte may be an anchor: its start, its bits in ``mask``. None before ``end``: the first
       start with q + 32 > end, and mask 0. (The blocks skipped are those ls_block answers 0
       for: the same hits, fewer calls.) */
    static inline Py_ssize_t ls_next(const unsigned char *d, Py_ssize_t q, Py_ssize_t end,
                                     const ls_anchors *set, unsigned *mask) {
        unsigned bits;
    #if LS_X86
        if (ls_have_avx2 < 0) {
            __builtin_cpu_init();
            ls_have_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
        }
        if (ls_have_avx2) return ls_next_avx2(d, q, end, set, mask);
    #endif
        for (; q + 32 <= end; q += 32) {
            bits = ls_block(d + q, set);
            if (bits) {
                *mask = bits;
                return q;
            }
        }
        *mask = 0;
        return q;
    }

    /* 1: the byte-table loop even where AVX2 is (tests: its answers must be the same). */
    static void ls_portable(int on) { ls_have_avx2 = on ? 0 : -1; }

    /* The index of the lowest set bit of a nonzero mask. */
    static inline int ls_lowest(unsigned mask) {
    #if defined(__GNUC__)
        return __builtin_ctz(mask);
    #else
        int i = 0;
        while (!(mask & 1u)) { mask >>= 1; i++; }
        return i;
    #endif
    }
    """
    ctypedef struct ls_anchors:
        unsigned char member[256]
        unsigned char lo[16]
        unsigned char hi[16]
    Py_ssize_t ls_next(const unsigned char* d, Py_ssize_t q, Py_ssize_t end,
                       const ls_anchors* set, unsigned* mask) noexcept nogil
    int ls_lowest(unsigned mask) noexcept nogil
    void ls_portable(int on) noexcept nogil


cdef enum:
    HASH_BITS = 16
    BUCKET_SHIFT = 4  # 4,096 buckets of the 65,536 filter bits
    BUCKETS = 1 << (HASH_BITS - BUCKET_SHIFT)
    BIT_BYTES = 1 << (HASH_BITS - 3)

cdef uint32_t CASE_BITS = 0x20202020u
cdef uint8_t _FOLD[256]
for _b in range(256):
    _FOLD[_b] = _b + 32 if 65 <= _b <= 90 else _b


cdef inline uint32_t _hash(uint32_t key) noexcept nogil:
    return (key * 2654435761u) >> (32 - HASH_BITS)


cdef inline uint32_t _key(const unsigned char* d, Py_ssize_t n, Py_ssize_t p,
                          uint32_t mask) noexcept nogil:
    """The filter key at ``p`` (0 <= p < n): the 4 bytes from there little-endian, ASCII case
    bit set, masked to the forms' shortest width; bytes past ``n`` read as 0."""
    cdef uint32_t x = 0
    cdef Py_ssize_t i
    if p + 4 <= n:
        x = (<uint32_t>d[p] | (<uint32_t>d[p + 1] << 8) | (<uint32_t>d[p + 2] << 16)
             | (<uint32_t>d[p + 3] << 24))
    else:
        for i in range(n - p):
            x |= (<uint32_t>d[p + i]) << (8 * i)
    return (x | CASE_BITS) & mask


cdef class Forms:
    """Byte forms found ignoring ASCII case (as RE2 folds Latin-1 text: ASCII letters only;
    ``exact``: as they are), and with ``computer`` the exact ``Computer`` name structure as
    well (``scan``)."""

    cdef uint8_t member[256]      # per byte value, a bit per shift: anchor - window start
    cdef ls_anchors set           # the anchor bytes, for ``ls_next``
    cdef uint8_t bits[BIT_BYTES]  # the filter: hashes of the forms' anchor windows
    cdef uint32_t bucket_at[BUCKETS + 1]  # forms by hash bucket
    cdef uint32_t* keys          # each form's anchor window (case bit set, masked)
    cdef Py_ssize_t* offsets     # where in the form its window starts
    cdef Py_ssize_t* ranks       # RE2's alternation order (the forms sorted)
    cdef Py_ssize_t* starts      # each form's bytes in ``text`` (folded, or as is when exact)
    cdef Py_ssize_t* sizes
    cdef uint8_t* exact          # compared as is, not ignoring case
    cdef uint8_t* structure      # the ``Computer`` name structure (not a form)
    cdef bytes text
    cdef const unsigned char* tp  # into ``text``, which the object keeps
    cdef Py_ssize_t count
    cdef Py_ssize_t reach        # the farthest anchor offset
    cdef uint32_t mask

    def __cinit__(self, forms, bint computer=False, bint exact=False):
        cdef Py_ssize_t i, at = 0, b = 0
        cdef uint32_t key, h
        ordered = sorted(set(forms))
        if not all(ordered):
            raise ValueError("an empty form matches everywhere")
        entries = [(bytes(f) if exact else bytes(f).lower(), exact) for f in ordered]
        if computer:
            entries.append((COMPUTER_NAME, True))
        self.count = len(entries)
        width = min([4] + [len(f) for f, _ in entries])
        self.mask = 0xFFFFFFFFu >> (8 * (4 - width))
        n = max(self.count, 1)
        self.keys = <uint32_t*>PyMem_Malloc(n * sizeof(uint32_t))
        self.offsets = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        self.ranks = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        self.starts = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        self.sizes = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        self.exact = <uint8_t*>PyMem_Malloc(n * sizeof(uint8_t))
        self.structure = <uint8_t*>PyMem_Malloc(n * sizeof(uint8_t))
        if not (self.keys and self.offsets and self.ranks and self.starts and self.sizes
                and self.exact and self.structure):
            raise MemoryError()
        picked = pick_anchors(entries, width)
        memset(self.member, 0, 256)
        for window, anchor, values in picked:
            for v in values:
                self.member[v] |= 1 << (anchor - window)
        memset(&self.set, 0, sizeof(ls_anchors))
        his = []
        for v in range(256):
            if self.member[v]:
                self.set.member[v] = 1
                if v >> 4 not in his:
                    his.append(v >> 4)
                # a bit per high nibble (shared when there are more than 8: a superset)
                self.set.hi[v >> 4] |= 1 << (his.index(v >> 4) % 8)
                self.set.lo[v & 15] |= 1 << (his.index(v >> 4) % 8)
        self.reach = max([anchor for _w, anchor, _v in picked], default=0)
        placed = []
        for rank, ((form, is_exact), (offset, _a, _v)) in enumerate(zip(entries, picked)):
            key = _key(form, len(form), offset, self.mask)
            placed.append((_hash(key) >> BUCKET_SHIFT, rank, key, offset, form, is_exact))
        placed.sort()
        memset(self.bits, 0, BIT_BYTES)
        for i, (bucket, rank, key, offset, form, is_exact) in enumerate(placed):
            h = _hash(key)
            self.bits[h >> 3] |= 1 << (h & 7)
            while b <= bucket:
                self.bucket_at[b] = i
                b += 1
            self.keys[i] = key
            self.offsets[i] = offset
            self.ranks[i] = rank
            self.starts[i] = at
            self.sizes[i] = len(form)
            self.exact[i] = is_exact
            self.structure[i] = computer and rank == self.count - 1
            at += len(form)
        while b <= BUCKETS:
            self.bucket_at[b] = self.count
            b += 1
        self.text = b"".join(p[4] for p in placed)
        self.tp = self.text

    def __dealloc__(self):
        PyMem_Free(self.keys)
        PyMem_Free(self.offsets)
        PyMem_Free(self.ranks)
        PyMem_Free(self.starts)
        PyMem_Free(self.sizes)
        PyMem_Free(self.exact)
        PyMem_Free(self.structure)

    cdef inline bint _is_at(self, const unsigned char* d, Py_ssize_t n, Py_ssize_t i,
                            Py_ssize_t s) noexcept nogil:
        """Whether form ``i`` occurs at ``s`` (checked to lie in the buffer first)."""
        cdef Py_ssize_t j, k = self.sizes[i]
        cdef const unsigned char* t = self.tp + self.starts[i]
        if s < 0 or k > n - s:
            return False
        if self.exact[i]:
            return memcmp(d + s, t, k) == 0
        for j in range(k):
            if _FOLD[d[s + j]] != t[j]:
                return False
        return True

    cdef Py_ssize_t _search(self, const unsigned char* d, Py_ssize_t n, Py_ssize_t pos,
                            Py_ssize_t forms_from, list found, Py_ssize_t* size):
        """The leftmost start >= ``forms_from`` of a form (-1: none; its size in ``size``),
        looking at starts >= ``pos``; each exact name structure seen before that answer is
        settled is appended to ``found`` (if a list)."""
        cdef Py_ssize_t q = pos, end = n, s, p, r, base, best = -1, best_rank = 0, i
        cdef uint32_t key, h
        cdef uint8_t shifts
        cdef unsigned hits
        cdef int a
        while q < end:
            if q + 32 <= end:  # 32 bytes in the buffer: the next block with anchor bits
                q = ls_next(d, q, end, &self.set, &hits)
                base = q
                if not hits:
                    continue  # none before the last whole block: the bytes after, one by one
                q += 32
            else:
                base = q
                hits = self.member[d[q]] != 0
                q += 1
            while hits:
                r = base + ls_lowest(hits)
                hits &= hits - 1
                if r >= end:
                    break
                shifts = self.member[d[r]]
                while shifts:  # each shift this byte anchors a window at, lowest first
                    a = ls_lowest(shifts)
                    shifts &= shifts - 1
                    if r < a:
                        break  # the window would start before the buffer (so would the rest)
                    p = r - a
                    key = _key(d, n, p, self.mask)
                    h = _hash(key)
                    if not self.bits[h >> 3] & (1 << (h & 7)):
                        continue
                    for i in range(self.bucket_at[h >> BUCKET_SHIFT],
                                   self.bucket_at[(h >> BUCKET_SHIFT) + 1]):
                        s = p - self.offsets[i]
                        if self.keys[i] != key or s < pos or not self._is_at(d, n, i, s):
                            continue
                        if self.structure[i]:
                            if found is not None and best < 0:
                                found.append(s)
                        elif s >= forms_from and (best < 0 or s < best or (
                                s == best and self.ranks[i] < best_rank)):
                            best, best_rank, size[0] = s, self.ranks[i], self.sizes[i]
                            # a form that starts before it has its anchor at most this far on
                            end = min(n, best + self.reach + 1)
        return best

    def first(self, const unsigned char[::1] data not None, Py_ssize_t pos=0):
        """The span of the first form at or after ``pos`` (RE2's leftmost-first), or None."""
        cdef Py_ssize_t n = data.shape[0]
        cdef Py_ssize_t size = 0
        if pos < 0 or pos > n or n == 0:
            return None
        cdef Py_ssize_t at = self._search(&data[0], n, pos, pos, None, &size)
        return None if at < 0 else (at, at + size)

    def scan(self, const unsigned char[::1] data not None, Py_ssize_t start):
        """(the first form's span in ``data[start:]``, relative to ``start``, or None; when
        none, the offsets of every exact ``Computer`` name structure in ``data``)."""
        cdef Py_ssize_t n = data.shape[0]
        cdef Py_ssize_t size = 0
        found = []
        if n == 0:
            return None, ()
        start = min(max(start, 0), n)
        cdef Py_ssize_t at = self._search(&data[0], n, 0, start, found, &size)
        if at >= 0:
            return (at - start, at - start + size), None
        return None, tuple(sorted(set(found)))  # by the order their anchors came in


def _portable(bint on):
    """Test 32 bytes at a time by the byte table, not AVX2, until called with False (what
    a CPU or compiler without AVX2 runs; for the tests)."""
    ls_portable(on)


cdef Py_ssize_t _NAME_SIZE = len(COMPUTER_NAME)
cdef Forms _STRUCTURES = None  # built when first asked for (the anchor table's load)


def structures(const unsigned char[::1] data not None):
    """Offsets of every exact ``Computer`` name structure in ``data`` (where it starts)."""
    global _STRUCTURES
    if _STRUCTURES is None:
        _STRUCTURES = Forms((), True)
    return _STRUCTURES.scan(data, len(data))[1]


#: ``ref_hits``' searches by the values looked for (a chunk mostly has its name structure at
#: the offset of the chunk before), bounded as the twin's
_REFS: dict = {}


cdef Forms _ref_forms(refs):
    """The search for the 4-byte values ``refs`` (remembered, bounded as the twin's); None
    for no values; ValueError for a value of another length."""
    if any(len(ref) != 4 for ref in refs):
        raise ValueError("a reference is 4 bytes")
    if not refs:
        return None
    key = tuple(refs)
    cdef Forms forms = _REFS.get(key)
    if forms is None:
        if len(_REFS) >= 256:  # a crafted file with a new offset in every chunk
            _REFS.clear()
        forms = _REFS[key] = Forms(refs, exact=True)
    return forms


def ref_hits(const unsigned char[::1] data not None, refs):
    """Where one of the 4-byte values ``refs`` occurs, left to right, the next looked for
    after the 4 bytes of each hit (as RE2's search from there finds them)."""
    cdef Py_ssize_t n = data.shape[0], pos = 0, size = 0, at
    cdef Forms forms = _ref_forms(refs)
    hits = []
    if forms is None or n < 4:
        return hits
    while True:
        at = forms._search(&data[0], n, pos, pos, None, &size)
        if at < 0:
            return hits
        hits.append(at)
        pos = at + 4


def computer_names(const unsigned char[::1] data not None, refs):
    """The twin's ``computer_names``: the names written as text right after each element
    start that names the ``Computer`` structure by one of ``refs`` (None: some such element
    is not written that way). Every read is checked against ``n`` first."""
    cdef Py_ssize_t n = data.shape[0], pos = 0, size = 0, hit, start, cur, chars, avail
    cdef const unsigned char* d
    cdef Forms forms = _ref_forms(refs)
    found = []
    if forms is None or n < 4:
        return found
    d = &data[0]
    while True:
        hit = forms._search(d, n, pos, pos, None, &size)
        if hit < 0:
            return found
        pos = hit + 4  # the next reference is looked for past this one's 4 bytes
        start = hit - 7
        if start < 0 or (d[start] != 0x01 and d[start] != 0x41):
            continue  # the 4 bytes occur, but not as an element's name offset
        cur = hit + 4
        if (<uint32_t>d[hit] | (<uint32_t>d[hit + 1] << 8) | (<uint32_t>d[hit + 2] << 16)
                | (<uint32_t>d[hit + 3] << 24)) == <uint32_t>cur:
            cur += 6 + _NAME_SIZE  # the name is written inline here
        if d[start] == 0x41:
            return None  # attributes on Computer: not the layout Windows writes
        if cur >= n or d[cur] != 0x02:
            return None
        cur += 1
        if cur + 2 > n or d[cur] != 0x05 or d[cur + 1] != 0x01:
            return None  # a substitution (0x0D/0x0E) or another value type
        avail = n - (cur + 2)  # the character count as the twin's slice reads it
        chars = (d[cur + 2] | (d[cur + 3] << 8) if avail >= 2
                 else d[cur + 2] if avail == 1 else 0)
        if chars and cur + 4 + 2 * chars > n:
            return None
        name = ((<const char*>d)[cur + 4:cur + 4 + 2 * chars].decode("utf-16-le", "replace")
                if chars else "")
        if "\ufffd" in name or "\x00" in name:
            return None  # not text the engine would write the same way
        if name not in found:
            found.append(name)
