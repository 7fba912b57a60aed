"""What the .evtx files of one ``analyze`` run share: the fold's answer per (provider, event
id), and the record skip's decision per record key.

Why: each file used to ask the fold's rule again for every key it met, and decide again for
every key whether its records are rendered; on a bundle of many small logs (the corpus: 450
files) the same keys come back file after file (the corpus asked the fold 1,213 times for
502 distinct answers).

What makes sharing safe: the answers are the run's own rule's (``want``), keyed by the key
itself (not by a file's key ids), so no file's result depends on the files read before it;
both are bounded as a file's were. The memo lives as long as the run's chunk gate
(``ChunkGate.memo``): nothing is kept from one run to the next, and each worker process has
its own. (Each file keeps its own key reader: template bytes differ from chunk to chunk, so
sharing it saved little and held ~2.5 MB more on the corpus.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: The fold's rule: (provider, event id) -> True, False or a text test.
Want = Callable[[Any, Any], object]


class RunMemo:
    """One run's shared answers (see module doc), for one rule ``want``."""

    __slots__ = ("want", "verdicts", "static")

    def __init__(self, want: Want | None) -> None:
        #: the rule the answers below are of
        self.want = want
        #: (provider, event id) -> ``want``'s answer (``SlotView._verdict``)
        self.verdicts: dict[tuple[Any, Any], object] = {}
        #: (provider, event id, computer) -> the record skip's decision for records of that
        #: key (``RecordSkip._decide``)
        self.static: dict[tuple[Any, Any, Any], Any] = {}
