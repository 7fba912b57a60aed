"""What the .evtx files of one ``analyze`` run share: the record keys read so far, and the
fold's answer per key.

Why: each file used to start a new key reader (``walks``) and ask the fold's rule again for
every key. On a bundle of many small logs (the corpus: 450 files, most of one chunk) the same
templates, layouts and (provider, event id) keys come back file after file, and reading them
again was most of the cost of a chunk the byte test keeps (~70 us a walk).

What makes sharing safe: everything remembered is keyed by content (a template's bytes with
the names they point to, a layout's descriptor bytes, a key's value bytes, a key) and the
answers are the run's own rule's (``want``); no file's result depends on the files read
before it. The memo lives as long as the run's chunk gate (``ChunkGate.memo``): nothing is
kept from one run to the next, and each worker process has its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .chunk_keys import KeyReader
from .walks import key_reader

#: The fold's rule: (provider, event id) -> True, False or a text test.
Want = Callable[[Any, Any], object]


class RunMemo:
    """One run's shared key reader and answers (see module doc), for one rule ``want``."""

    __slots__ = ("want", "verdicts", "reader", "static", "epoch")

    def __init__(self, want: Want | None) -> None:
        #: the rule the answers below are of
        self.want = want
        #: (provider, event id) -> ``want``'s answer (``SlotView._verdict``)
        self.verdicts: dict[tuple[Any, Any], object] = {}
        #: record keys read chunk after chunk, of the walk's form (``walks``)
        self.reader: KeyReader = key_reader()
        #: key id -> the record skip's decision for it (``RecordSkip._decide``), for the
        #: key ids of the reader's epoch ``epoch`` (the record skip clears it on a new one)
        self.static: dict[int, Any] = {}
        self.epoch = self.reader.epoch
