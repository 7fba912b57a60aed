"""What the Rust engine must not read: looping hash chains and value-multiplying templates.

Why a pass before the engine: ``evtx`` 0.14.0 follows a chunk's name/template hash chains
with no loop check (a chain that points back into itself never returns, holding the GIL) and
renders templates with no budget (a template that uses one value twice, nested in itself,
asks for gigabytes from a 1 KiB record and aborts the process). Neither can be stopped from
Python once the engine has started, so every chunk slot is read once here first; the parser
cuts the looping links and hides the multiplying chunks (``ingest/evtx/guard.py``). The cost
is one C-speed scan per chunk, not per record.

``_prescan.pyx`` is the compiled form of ``chain_loops`` and ``amplifying_templates`` (what
``slot_guard`` runs where it was built); this module is its pure twin and the reference.
"""

from __future__ import annotations

import re
import struct
from typing import IO

from .chunks import CHUNK_HEADER, CHUNK_MAGIC, CHUNK_SIZE, HEADER_SIZE

#: Chunk header tables: 64 name-hash buckets at 0x80, 32 template buckets at 0x180.
CHAIN_TABLES = ((0x80, 64), (0x180, 32))


def chain_loops(data: bytes | bytearray | memoryview) -> list[int]:
    """Chunk offsets of the links that close a loop in a name or template hash chain.

    Why: ``evtx`` 0.14.0 fills its name and template caches by following each bucket's
    chain to a zero link with no loop check, so one changed byte in a link (a chain that
    points back into itself) hangs it forever, holding the GIL. Cutting the closing link
    loses nothing: every node of the loop was already visited, and rendering reads names and
    templates at their own offsets. Each node is walked once per table (linear).
    """
    out: list[int] = []
    end = len(data) - 4
    for table, buckets in CHAIN_TABLES:
        done: set[int] = set()
        if table + 4 * buckets <= len(data):
            heads = _TABLES[buckets].unpack_from(data, table)
        else:  # a slot cut inside its header: the buckets it holds
            heads = tuple(_U32.unpack_from(data, at)[0] for at in range(table, end + 1, 4))
        for bucket, node in enumerate(heads):
            if not node:
                continue  # an empty bucket (most of them)
            at = table + 4 * bucket
            path: set[int] = set()
            while node and node not in done:
                if node in path:
                    out.append(at)
                    break
                if node > end:
                    break  # outside the chunk: the engine fails the chunk cleanly
                path.add(node)
                at = node
                node = _U32.unpack_from(data, at)[0]
            done |= path
    return out


_U32 = struct.Struct("<I")
_TABLES = {n: struct.Struct(f"<{n}I") for _t, n in CHAIN_TABLES}


def find_chain_loops(fh: IO[bytes]) -> list[int]:
    """File offsets of every looping chain link, over every chunk slot with a chunk magic."""
    out: list[int] = []
    fh.seek(HEADER_SIZE)
    offset = HEADER_SIZE
    while True:
        data = fh.read(CHUNK_SIZE)
        if not data:
            return out
        if data[:8] == CHUNK_MAGIC:
            out.extend(offset + at for at in chain_loops(data))
        offset += len(data)


# --- templates that multiply their values: evtx 0.14.0 renders them without a budget ---------

#: A template instance token (0x0C, one byte, template id) whose definition offset lies inside
#: a chunk (its two high bytes zero); zero-width so overlapping candidates are all seen.
#: (``.`` with DOTALL rather than ``[\s\S]`` here and below: any byte, ~15 % faster in ``re``.)
_INSTANCE = re.compile(rb"\x0c(?=.{5}(..)\x00\x00)", re.DOTALL)
#: Inline-name tokens of a template body: open start element, attribute, entity reference,
#: PI target (low six bits; 0x40 is the "more" flag).
_NAMED = {0x01: 7, 0x06: 1, 0x09: 1, 0x0A: 1}
#: Sizes of the fixed-size value types a Value token may hold (MS-EVEN6 2.2.18).
_FIXED = {0x00: 0, 0x03: 1, 0x04: 1, 0x05: 2, 0x06: 2, 0x07: 4, 0x08: 4, 0x09: 8, 0x0A: 8,
          0x0B: 4, 0x0C: 8, 0x0D: 4, 0x0F: 16, 0x10: 8, 0x11: 8, 0x12: 16, 0x14: 4, 0x15: 8}
#: A substitution token (optional or not) with an index below 16 Ki and a value type.
_SUBSTITUTION = re.compile(rb"[\x0d\x0e](.[\x00-\x3f])[\x00-\x15\x21\x81-\x95]", re.DOTALL)


def _template_fan(data: bytes, start: int, end: int) -> int:
    """Most uses of one substitution index in the template body ``data[start:end]``.

    A token walk (MS-EVEN6 BinXML as evtx reads template bodies); past a token it cannot
    size, every substitution-shaped run of the rest counts (over-counting only costs a
    crafted chunk; every corpus template walks to its end)."""
    uses: dict[int, int] = {}
    pos = start
    opened = False  # a root element was read: the bytes are a template body, not noise
    while pos < end:
        tok = data[pos] & 0xBF
        if tok == 0x00:
            break
        if tok in (0x02, 0x03, 0x04):
            pos += 1
        elif tok == 0x0F:
            pos += 4
        elif tok in (0x0D, 0x0E):
            if pos + 4 > end:
                break
            index = data[pos + 1] | data[pos + 2] << 8
            uses[index] = uses.get(index, 0) + 1
            pos += 4
        elif tok in _NAMED:
            head = pos + _NAMED[tok]
            if head + 4 > end:
                break
            name = _U32.unpack_from(data, head)[0]
            pos = head + 4
            if name == pos:  # the name is written inline: link, hash, length, UTF-16, NUL
                if pos + 8 > end:
                    break
                pos += 8 + 2 * (data[pos + 6] | data[pos + 7] << 8) + 2
            if tok == 0x01:
                opened = True
                if data[head - 7] & 0x40:
                    pos += 4  # attribute list size
        elif tok == 0x05 and pos + 2 <= end and data[pos + 1] in _FIXED:
            pos += 2 + _FIXED[data[pos + 1]]
        elif tok in (0x05, 0x07, 0x0B):
            at = pos + (2 if tok == 0x05 else 1)
            if at + 2 > end or (tok == 0x05 and data[pos + 1] != 0x01):
                break  # a value the walk cannot size: the rest is searched below
            pos = at + 2 + 2 * (data[at] | data[at + 1] << 8)
        elif tok == 0x08:
            pos += 3
        else:
            break
    if opened and pos < end and data[pos] != 0x00:
        # the walk lost the token boundaries (a crafted body may still be rendered): count
        # every substitution-shaped byte run of the rest instead
        for match in _SUBSTITUTION.finditer(data, pos, end):
            index = match.group(1)[0] | match.group(1)[1] << 8
            uses[index] = uses.get(index, 0) + 1
    return max(uses.values(), default=0)


#: Uses of one substitution index above which a template multiplies its values. Windows
#: writes each value once; evtx copies a value at every use, and a BinXML value that holds
#: the same template again nests that (64 levels allowed): 30 levels of a 2-use template
#: made evtx 0.14.0 ask for gigabytes from a 1 KiB record (found by a crafted chunk).
MAX_FAN = 1


#: Template verdicts kept per file (``amplifying_templates``' cache), for bodies up to
#: ``CACHED_BODY`` bytes (real ones: a median 0.4 KiB): past this many the cache starts
#: again, so it stays under 4 MiB whatever a file holds.
TEMPLATE_CACHE = 2048
CACHED_BODY = 2048

#: Every 0x0D/0x0E byte with the two bytes after it (overlapping): a superset of the
#: substitution tokens of a body, at C speed.
_SUBSTITUTION_ANY = re.compile(rb"[\x0d\x0e](?=(..))", re.DOTALL)


def _may_repeat(data: bytes, start: int, end: int) -> bool:
    """Whether any two substitution-shaped byte runs of ``data[start:end]`` share an index;
    when none do, no walk can find a repeated substitution (most real bodies: no walk)."""
    indices = _SUBSTITUTION_ANY.findall(data, start, end)
    return len(set(indices)) != len(indices)


#: Template body bytes the check of one slot may read (``slot_work``). Why a budget: each
#: instance token names a body anywhere in the slot, so a crafted slot of ~3,200 tokens
#: naming overlapping 16 KB bodies asks for 52 MB of reading (1.3-1.7 s a slot in the twin,
#: ~29 min for a 64 MB file); past the budget the slot is hidden unchecked, as a hazard.
#: Real slots name each body once and bodies do not overlap, so they add up to less than a
#: slot: the most over every corpus slot, the samples and the generated host log is
#: ``MEASURED_WORK`` (``benchmarks/bench_prescan.py --work``); the budget is 4 slots, 5.3
#: times that (tests/evtx/test_prescan_budget.py checks no real slot reaches it).
WORK_BUDGET = 256 * 1024
MEASURED_WORK = 48_994


class OverBudget(Exception):
    """A slot whose template check would read more than ``WORK_BUDGET`` body bytes
    (``work``: how many, the same count in both forms)."""

    def __init__(self, work: int) -> None:
        super().__init__(f"pre-scan work over budget: {work:,} template body bytes named, "
                         f"{WORK_BUDGET:,} allowed a slot")
        self.work = work


def _named_bodies(data: bytes) -> list[tuple[int, int, int]]:
    """(definition offset, body start, body end) of every template definition an instance
    token of the slot names and evtx would read (inside the slot)."""
    out = []
    size = len(data)
    for low in set(_INSTANCE.findall(data, CHUNK_HEADER)):
        off = low[0] | low[1] << 8
        if off < CHUNK_HEADER or off + 24 > size:
            continue
        start = off + 24
        end = start + _U32.unpack_from(data, off + 20)[0]
        if end <= size:  # evtx rejects a template that overruns its chunk
            out.append((off, start, end))
    return out


def slot_work(data: bytes) -> int:
    """Body bytes ``amplifying_templates`` would read in this slot (its work measure)."""
    return sum(end - start for _off, start, end in _named_bodies(data))


def amplifying_templates(data: bytes, cache: dict[tuple[int, bytes], int] | None = None
                         ) -> list[int]:
    """Chunk offsets of template definitions that use one substitution index more than once.

    Each definition any instance token of the chunk names is checked: a C-speed scan for
    instance tokens and for a superset of substitution tokens, a token walk only for a body
    where two of those share an index (``cache``, keyed by chunk offset and body bytes,
    spares both for the same template at the same place in later chunks: a log's chunks
    often open with the same records). Raises ``OverBudget`` before reading any body when
    the bodies named add up to more than ``WORK_BUDGET`` bytes."""
    cache = {} if cache is None else cache
    out: list[int] = []
    named = _named_bodies(data)
    work = sum(end - start for _off, start, end in named)
    if work > WORK_BUDGET:
        raise OverBudget(work)
    for off, start, end in named:
        key = (start, data[start:end]) if end - start <= CACHED_BODY else None
        fan = cache.get(key) if key is not None else None  # inline names are told by their
        if fan is None:  # offset: same bytes at the same place, same verdict
            fan = _template_fan(data, start, end) if _may_repeat(data, start, end) else 0
            if key is not None:
                if len(cache) >= TEMPLATE_CACHE:
                    cache.clear()
                cache[key] = fan
        if fan > MAX_FAN:
            out.append(off)
    return sorted(out)


def prescan(fh: IO[bytes]) -> tuple[list[int], list[tuple[int, list[int]]], list[tuple[int, int]]]:
    """One read of every chunk slot before the engine runs: the file offsets of looping chain
    links (``chain_loops``), per chunk whose templates multiply their values
    (``amplifying_templates``) its file offset and those templates' chunk offsets, and per
    chunk over the work budget its file offset and work (``OverBudget``)."""
    cuts: list[int] = []
    amplifying: list[tuple[int, list[int]]] = []
    over: list[tuple[int, int]] = []
    cache: dict[tuple[int, bytes], int] = {}
    fh.seek(HEADER_SIZE)
    offset = HEADER_SIZE
    while True:
        data = fh.read(CHUNK_SIZE)
        if not data:
            return cuts, amplifying, over
        if data[:8] == CHUNK_MAGIC:
            cuts.extend(offset + at for at in chain_loops(data))
        # every slot: recovery re-frames the records of a slot whatever its magic
        try:
            if templates := amplifying_templates(data, cache):
                amplifying.append((offset, templates))
        except OverBudget as exc:
            over.append((offset, exc.work))
        offset += len(data)
