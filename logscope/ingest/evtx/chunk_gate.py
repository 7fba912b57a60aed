"""Whether any record of a 64 KiB chunk can matter to ``analyze``, from the chunk's raw bytes.

Why: on a real bundle almost every chunk holds only records that no signature and no identity
rule can use; the engine would render each of them to JSON only for the fold to count it.
A chunk none of whose bytes could name a wanted (provider, event id), nor an HRESULT that an
any-provider signature looks for, is kept from the engine (it reads as zeros, which evtx skips
without an error) and its records are counted from its header (``ledger.summarized``).

The test is a necessary condition, run at C speed over the chunk's used bytes (the searches
are ``chunk_gate_scan``'s: compiled, by rare anchor bytes, or their RE2 twin; same answers):

- provider names (and the identity / role prefixes) as ASCII or UTF-16LE text: the chunk's
  bytes with every NUL removed and ASCII lower-cased contain the lower-cased name (BinXML
  writes names in templates and string values as UTF-16LE; ANSI values are ASCII);
- for a provider wanted only for some event ids: an id as a 2-byte little-endian value (the
  UInt16 ``EventID`` substitution) or as decimal text (an id written into a template);
- any-provider HRESULTs: the 8 hex digits, the unsigned and the signed decimal as text, and
  the 4 bytes little- and big-endian (HexInt32/UInt32/Int32 values, GUID parts, binary data).

What it cannot see: a name written only with non-ASCII characters that case-fold to ASCII
(the Kelvin sign, long s), and an HRESULT's digits inside a longer number or at an odd nibble
of a hex dump. Both need a crafted log; the corpus test (tests/evtx/test_chunk_skip.py)
checks that results are the same with and without the skip on every real file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ... import accel
from ... import hresult as hr

if TYPE_CHECKING:
    from .fold import Want
    from .run_memo import RunMemo

#: The byte searches: compiled (``_chunk_gate_scan.pyx``) or their RE2 twin, same answers.
scanner = accel.load("logscope.ingest.evtx._chunk_gate_scan",
                     "logscope.ingest.evtx.chunk_gate_scan")
#: ASCII lower-casing for ``bytes.translate`` (which also drops the NULs in the same pass).
_LOWER = bytes(range(256)).lower()


@dataclass(frozen=True, slots=True)
class GateSpec:
    """What ``analyze`` can use, as the chunk gate needs it (built by ``match.evtx_gate``)."""

    #: casefolded provider name (or name prefix) -> event ids it is wanted for; None = all
    providers: Mapping[str, frozenset[int] | None] = field(default_factory=dict)
    #: HRESULTs (``0x%08X``) that some signature looks for in a record of any provider
    hresults: frozenset[str] = frozenset()
    #: False when some signature can use a record of any provider with no cheap condition:
    #: then no chunk may be skipped
    skippable: bool = True


class ChunkGate:
    """``keeps(body)``: False only when no record in the chunk body can be wanted."""

    __slots__ = ("_names", "_eids", "_hr_text", "_hr_prefixes", "_hr_bytes", "skippable",
                 "_forms", "_any_id", "_by_codes", "_form_of", "_memo")

    def __init__(self, spec: GateSpec) -> None:
        self.skippable = spec.skippable
        self._memo: RunMemo | None = None
        self._names = tuple(sorted(spec.providers))
        #: names (and prefixes: identity, roles) wanted whatever the event id
        self._any_id = tuple(n for n in self._names if spec.providers[n] is None)
        self._by_codes: dict[frozenset[str], ChunkGate] = {}
        self._eids: dict[str, tuple[tuple[bytes, bytes], ...] | None] = {}
        for name, eids in spec.providers.items():
            if eids is None or any(not 0 <= e <= 0xFFFF for e in eids):
                self._eids[name] = None  # any event id (or one no UInt16 can hold)
            else:
                self._eids[name] = tuple((e.to_bytes(2, "little"), str(e).encode())
                                         for e in sorted(eids))
        text: set[bytes] = set()
        raw: set[bytes] = set()
        for code in spec.hresults:
            n = int(code, 16)
            text.update(form.lower().encode() for form in hr.insert_forms(code))
            raw.add(n.to_bytes(4, "little"))
            raw.add(n.to_bytes(4, "big"))
        self._hr_text = tuple(sorted(text))
        self._hr_prefixes = tuple(sorted({t[:4] for t in text}))
        self._hr_bytes = tuple(sorted(raw))
        # one linear pass for the common answer (nothing here): every name and code in each
        # form it can take in the lower-cased bytes; the details are sorted out only on a hit
        forms: set[bytes] = set()
        for needle in (*(n.encode() for n in self._names), *text):
            forms.add(needle)
            forms.add(needle.decode().encode("utf-16-le"))
        forms.update(r.lower() for r in raw)
        #: what a form, as matched and ASCII-lower-cased, is of: a name, or None for a code
        self._form_of: dict[bytes, str | None] = {}
        for name in self._names:
            self._form_of[name.encode()] = self._form_of[name.encode("utf-16-le")] = name
        self._form_of.update((t, None) for t in text)
        self._form_of.update((t.decode().encode("utf-16-le"), None) for t in text)
        #: ``first``: the one pass of ``keeps``; ``scan``: the same pass also finds the
        #: ``Computer`` name structures: a chunk it skips needs its computer names, and their
        #: search then costs no pass of its own
        self._forms = scanner.Forms(forms, computer=True)

    def memo(self, want: Want | None) -> RunMemo:
        """What the files read with this gate (one run) share for the rule ``want``
        (``run_memo``): a new one when the rule is another."""
        memo = self._memo
        if memo is None or memo.want is not want:
            from .run_memo import RunMemo  # the walk's modules: with the first file

            memo = self._memo = RunMemo(want)
        return memo

    def keeps(self, body: bytes | memoryview) -> bool:
        """Whether some record of this chunk body (its bytes after the 512-byte header, up to
        the free-space offset; a view of them is searched without a copy) may be wanted."""
        if not self.skippable:
            return True
        span = self._forms.first(body)
        return span is not None and self._confirm(body, span)

    def scan(self, data: bytes | memoryview, start: int) -> tuple[bool, tuple[int, ...] | None]:
        """``keeps(data[start:])``, and for a chunk it would skip, the offsets of the chunk's
        ``Computer`` name structures (what :func:`computer_names` looks for first), from one
        pass: the byte test's pass costs the same with one more form in it."""
        if not self.skippable:
            return True, None
        hit, found = self._forms.scan(data, start)
        if hit is not None:
            return self._confirm(data[start:], hit), None
        return False, _structure_starts(found)

    def _confirm(self, body: bytes | memoryview, first: tuple[int, int]) -> bool:
        """The byte test's details, once some form of a name or code occurs in ``body`` (the
        first match of the one-pass search at ``first``).

        That match mostly settles it (a name wanted for any id, a code, a wanted id's
        UInt16 in the chunk): a sure keep needs no lower-cased copy and no search per name
        (~0.3 ms a chunk); any other answer is the full test's."""
        found = bytes(body[first[0]:first[1]])
        if found in self._hr_bytes:
            return True
        name = self._form_of.get(found.translate(_LOWER), False)
        if name is None:
            return True  # a code's text (a match only Latin-1 folding made is not in the map)
        body = bytes(body)  # ``in`` searches bytes (a view would compare its items)
        if name:
            eids = self._eids[name]
            if eids is None or any(raw in body for raw, _text in eids):
                return True
        return self._full(body)

    def _full(self, body: bytes) -> bool:
        """Whether a name occurs (NULs dropped, ASCII lower-cased) with a wanted id or on
        its own, or a code in any written form."""
        flat = body.translate(_LOWER, b"\x00")
        for name in self._names:
            if name.encode() in flat:
                eids = self._eids[name]
                if eids is None:
                    return True
                for raw, text in eids:
                    if raw in body or text in flat:
                        return True
        if self._hr_text:
            for prefix in self._hr_prefixes:
                if prefix in flat:
                    if any(t in flat for t in self._hr_text):
                        return True
                    break
            for raw in self._hr_bytes:
                if raw in body:
                    return True
        return False


    def wants_any(self, keys: Iterable[tuple[str, int]], body: bytes | memoryview,
                  want: Want) -> bool:
        """Whether a record with one of ``keys`` (provider, event id: every record of the
        chunk, ``chunk_keys``) may be wanted: the fold's own rule ``want``, a name or prefix
        wanted for any id (the identity and role providers: their summary events teach a
        machine's role), and for a rule that depends on an HRESULT in the record's text, that
        code in some written form in the chunk ``body``."""
        code_sets: set[frozenset[str]] = set()
        for provider, eid in keys:
            if provider.casefold().startswith(self._any_id):
                return True
            verdict = want(provider, eid)
            if verdict is False:
                continue
            codes = getattr(verdict, "codes", None)
            if verdict is True or not isinstance(codes, frozenset):
                return True
            code_sets.add(codes)
        return any(self._codes(codes).keeps(body) for codes in code_sets)

    def _codes(self, codes: frozenset[str]) -> ChunkGate:
        gate = self._by_codes.get(codes)
        if gate is None:
            if len(self._by_codes) > 256:  # a few code sets per library; bounded all the same
                self._by_codes.clear()
            gate = self._by_codes[codes] = ChunkGate(GateSpec({}, codes))
        return gate


def chunk_computers(data: bytes | memoryview) -> set[str] | None:
    """The computer names (casefolded) a chunk's templates write, or None when some
    ``Computer`` element may take its value from a record (a substitution) or cannot be read
    (see :func:`computer_names`)."""
    names = computer_names(data)
    return None if names is None else {n.casefold() for n in names}


def computer_names(data: bytes | memoryview, starts: tuple[int, ...] | None = None
                   ) -> list[str] | None:
    """The computer names a chunk's templates write, as written, or None when some
    ``Computer`` element may take its value from a record (a substitution) or cannot be read.

    Why from the templates: Windows writes ``<Computer>`` as literal text in each template
    (one template per event layout and machine), so the names a chunk's records carry are
    the text values of the ``Computer`` elements of its templates. An element start token
    (0x01/0x41, dependency id, size) names the element by the offset of its name structure.
    ``starts``: those name structures' offsets when the caller has them (``ChunkGate.scan``).
    """
    starts = _name_structures(data) if starts is None else starts
    if not starts:
        return []  # no Computer element in this chunk
    # each hit of an offset as a 4-byte value, the next looked for past it (a structure
    # that would start before the chunk, planted at its first bytes, no element can name);
    # the element at each hit is read by the scanner (``chunk_gate_scan.computer_names``)
    return scanner.computer_names(data, tuple(at.to_bytes(4, "little") for at in starts if at >= 0))


def _name_structures(data: bytes | memoryview) -> tuple[int, ...]:
    """Offsets of the ``Computer`` name structures (next offset and hash come first)."""
    return _structure_starts(scanner.structures(data))


def _structure_starts(found: Iterable[int]) -> tuple[int, ...]:
    """Name structure offsets from where their ``Computer`` text was found (the structure's
    next offset and hash come first: 6 bytes)."""
    return tuple(at - 6 for at in found)
