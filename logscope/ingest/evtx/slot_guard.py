"""The engine's known hangs and aborts, found and cut in each slot before the engine reads it.

Why apart from ``slots``: the slot view decides what the engine sees (read once, skip, hide
records); the hazard cut is one rule applied to every slot it serves and to every slot the
engine never asked for (``SlotView.drain``), with its own findings for the ledger
(``guard.hazard_problems``): looping chain links cut, and a chunk whose templates multiply
values, or whose check would cost over the budget, hidden by zeroing its magic (``prescan``
finds all three).
"""

from __future__ import annotations

from ... import accel
from .chunks import CHUNK_MAGIC, CHUNK_SIZE, HEADER_SIZE
from .prescan import OverBudget

#: ``chain_loops`` and ``amplifying_templates``: compiled (``_prescan.pyx``) or the twin
#: (``prescan.py``), the same answers (tests/evtx/test_prescan_forms.py).
_scan = accel.load("logscope.ingest.evtx._prescan", "logscope.ingest.evtx.prescan")


class SlotGuard:
    """The cuts made in one file's slots, and the slots as patched."""

    __slots__ = ("cuts", "amplifying", "over_budget", "hidden", "patched", "_template_cache")

    def __init__(self) -> None:
        #: File offsets of cut chain links; (chunk offset, template offsets) of chunks hidden
        #: because their templates multiply values.
        self.cuts: list[int] = []
        self.amplifying: list[tuple[int, list[int]]] = []
        #: (chunk offset, work) of chunks hidden unchecked: their check was over the budget
        #: (``prescan.WORK_BUDGET``)
        self.over_budget: list[tuple[int, int]] = []
        #: File offsets of the chunks of either list: hidden (magic zeroed), which the engine
        #: then errs on and recovery leaves alone
        self.hidden: set[int] = set()
        #: Per slot index: the slot as patched (served again on a later read)
        self.patched: dict[int, bytes] = {}
        self._template_cache: dict[tuple[int, bytes], int] = {}

    def guarded(self, offset: int, data: bytes) -> bytes:
        """The slot as the engine may read it: hazards found, reported, cut."""
        cuts = ([offset + at for at in _scan.chain_loops(data)]
                if data.startswith(CHUNK_MAGIC) else [])
        try:
            templates = _scan.amplifying_templates(data, self._template_cache)
        except OverBudget as over:  # left unchecked: hidden as a found hazard is
            self.over_budget.append((offset, over.work))
            hidden = True
        else:
            hidden = bool(templates)
            if hidden:
                self.amplifying.append((offset, templates))
        if hidden:
            self.hidden.add(offset)
            cuts += [offset, offset + 4]  # the chunk magic reads as zero: the engine skips it
        if not cuts:
            return data
        self.cuts += [c for c in cuts if not (hidden and c in (offset, offset + 4))]
        patched = bytearray(data)
        for at in cuts:
            patched[at - offset:at - offset + 4] = bytes(4)
        out = bytes(patched)
        self.patched[(offset - HEADER_SIZE) // CHUNK_SIZE] = out
        return out
