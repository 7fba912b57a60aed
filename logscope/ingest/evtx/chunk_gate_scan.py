"""The chunk gate's byte searches (``chunk_gate``), in pure Python over RE2: the reference.

``_chunk_gate_scan.pyx`` is the compiled twin (``logscope.accel`` picks the form); both answer
the same on every input, span for span (tests/evtx/test_chunk_gate_scan.py):

- ``Forms(forms).first(data)``: the span of the first form at its leftmost start (ASCII case
  ignored; among forms that start there, the first in sorted order), as one RE2 alternation;
- ``Forms(forms, computer=True).scan(data, start)``: that span within ``data[start:]``, and
  when there is none, the offsets of the exact ``Computer`` name structures (one pass);
- ``structures(data)``: those offsets alone; ``ref_hits(data, refs)``: where the 4-byte
  values ``refs`` occur, each next one looked for past the 4 bytes of the last;
  ``computer_names(data, refs)``: the names written at those places (one call a chunk: its
  loop over the hits is compiled too).
"""

from __future__ import annotations

from collections.abc import Iterable

import re2

#: The element name ``Computer`` as a chunk's name structure writes it (length, UTF-16LE, NUL).
COMPUTER_NAME = b"\x08\x00" + "Computer".encode("utf-16-le") + b"\x00\x00"
_NAME_RE = re2.escape(COMPUTER_NAME)


def _latin1() -> re2.Options:
    """RE2 over bytes as bytes (Latin-1): twice the speed of ``re`` on a 64 KiB chunk.
    Its case folding (``case_sensitive = False``) pairs ASCII letters only."""
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.log_errors = False
    return options


_BYTES = _latin1()
#: RE2's own search (see ``_find``): None on a google-re2 whose wrapper moved it.
_UNANCHORED = getattr(getattr(getattr(getattr(re2, "_re2", None), "RE2", None), "Anchor", None),
                      "UNANCHORED", None)
_COMPUTER_RE = re2.compile(_NAME_RE, _BYTES)
#: ``ref_hits``' searches by the values looked for: a chunk of a file mostly has its name
#: structure at the offset of the chunk before (37 distinct in the corpus's 1,151 chunks),
#: and a compile costs ~16 us.
_REFS: dict[tuple[bytes, ...], re2._Regexp] = {}


class Forms:
    """Byte forms found ignoring ASCII case; with ``computer`` also the exact ``Computer``
    name structure (``scan``)."""

    __slots__ = ("_forms", "_joint", "_longest")

    def __init__(self, forms: Iterable[bytes], computer: bool = False) -> None:
        ordered = sorted(set(forms))
        if not all(ordered):
            raise ValueError("an empty form matches everywhere")
        options = _latin1()
        options.max_mem = 16 << 20
        # case-insensitive over the raw bytes rather than a lower-cased copy (saves a 64 KiB
        # copy per chunk)
        options.case_sensitive = False
        pattern = b"|".join(re2.escape(f) for f in ordered)
        self._forms = re2.compile(pattern, options) if ordered else None
        #: the same pass also finds the ``Computer`` name structures (``scan``)
        self._joint = (re2.compile(b"|".join(filter(None, (pattern, _NAME_RE))), options)
                       if computer else None)
        self._longest = max(map(len, ordered), default=0)

    def first(self, data: bytes | memoryview, pos: int = 0) -> tuple[int, int] | None:
        """The span of the first form at or after ``pos`` (RE2's leftmost-first), or None."""
        return None if self._forms is None else _find(self._forms, data, pos)

    def scan(self, data: bytes | memoryview, start: int
             ) -> tuple[tuple[int, int] | None, tuple[int, ...] | None]:
        """(the first form's span in ``data[start:]``, relative to ``start``, or None; when
        none, the offsets of every exact ``Computer`` name structure in ``data``).

        Each match of the joint search is checked for a form starting anywhere in it (a
        window of the longest form past its end): a form that a name structure's match
        hides is still seen, and the span is the leftmost-first one."""
        if self._joint is None:
            raise ValueError("scan needs Forms(..., computer=True)")
        found = list(structures(data[:start + len(COMPUTER_NAME) - 1]))
        forms = self._forms
        span = _find(self._joint, data, start)
        while span is not None:
            at, end = span
            hit = None if forms is None else _find(forms, data[at:end + self._longest])
            if hit is not None and hit[0] < end - at:  # one past it: the next search's
                first = at - start + hit[0]
                return (first, first + hit[1] - hit[0]), None
            if data[at:end] == COMPUTER_NAME:  # the search is case-insensitive
                found.append(at)
            span = _find(self._joint, data, end)
        return None, tuple(found)


def structures(data: bytes | memoryview) -> tuple[int, ...]:
    """Offsets of every exact ``Computer`` name structure in ``data`` (where it starts)."""
    found = []
    span = _find(_COMPUTER_RE, data)
    while span is not None:
        found.append(span[0])
        span = _find(_COMPUTER_RE, data, span[1])
    return tuple(found)


def ref_hits(data: bytes | memoryview, refs: tuple[bytes, ...]) -> list[int]:
    """Where one of the 4-byte values ``refs`` occurs, left to right, the next looked for
    after the 4 bytes of each hit. One pass for them all (``bytes.find`` needles ending in
    zeros are slow in UTF-16 text), compiled once per set of values."""
    if any(len(ref) != 4 for ref in refs):
        raise ValueError("a reference is 4 bytes")
    if not refs:
        return []
    regex = _REFS.get(refs)
    if regex is None:
        if len(_REFS) >= 256:  # a crafted file with a new offset in every chunk
            _REFS.clear()
        regex = _REFS[refs] = re2.compile(b"|".join(re2.escape(r) for r in refs), _BYTES)
    hits = []
    span = _find(regex, data)
    while span is not None:
        hits.append(span[0])
        span = _find(regex, data, span[0] + 4)
    return hits


def computer_names(data: bytes | memoryview, refs: tuple[bytes, ...]) -> list[str] | None:
    """The names written as text right after each element start that names the ``Computer``
    name structure by one of the 4-byte offsets ``refs`` (``ref_hits``), in order, each once;
    None when some such element is not written that way (see ``chunk_gate.computer_names``)."""
    found: list[str] = []
    for hit in ref_hits(data, refs):
        start = hit - 7
        if start < 0 or data[start] not in (0x01, 0x41):
            continue  # the 4 bytes occur, but not as an element's name offset
        cur = hit + 4
        if int.from_bytes(data[hit:cur], "little") == cur:
            cur += 6 + len(COMPUTER_NAME)  # the name is written inline here
        if data[start] == 0x41:
            return None  # attributes on Computer: not the layout Windows writes
        if data[cur:cur + 1] != b"\x02":
            return None
        cur += 1
        token = data[cur:cur + 2]
        if token != b"\x05\x01":
            return None  # a substitution (0x0D/0x0E) or another value type
        n = int.from_bytes(data[cur + 2:cur + 4], "little")
        raw = data[cur + 4:cur + 4 + 2 * n]
        if len(raw) != 2 * n:
            return None
        name = str(raw, "utf-16-le", "replace")
        if "\ufffd" in name or "\x00" in name:
            return None  # not text the engine would write the same way
        if name not in found:
            found.append(name)
    return found


def _find(regex: re2._Regexp, data: bytes | memoryview, pos: int = 0) -> tuple[int, int] | None:
    """The span of the first match at or after ``pos``: RE2's own search, without the
    wrapper's generator and match object (~2 us a call; a chunk takes several). The
    compiled object is the wrapper's ``_regexp`` (google-re2 as pinned in constraints.txt;
    tests/evtx/test_chunk_scan.py runs through it); any other google-re2 takes the public
    ``search``."""
    inner = getattr(regex, "_regexp", None) if _UNANCHORED is not None else None
    if inner is None:  # a wrapper without those internals: its public search, same span
        m = regex.search(data, pos)
        return None if m is None else m.span()
    span = inner.Match(_UNANCHORED, data, pos, len(data))[0]
    return None if span[0] < 0 else span
