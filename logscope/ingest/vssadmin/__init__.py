"""``vssadmin list writers | shadows | shadowstorage | providers`` text, any language and
encoding, damaged pastes too: kind ``vssadmin``.

``lines`` (one classified line), ``stream`` (captures, joined one-line listings), ``parser``
(the block state machine) with one module per block shape (``writer``, ``provider``,
``shadow``, ``storage``), ``tables`` (writer ids, states, messages from ``data/``),
``expectations`` (writers that a role implies but a listing lacks), ``reader`` (detect, parse),
``units`` (a file read in blocks and cut at blank lines) and ``replay`` (a paragraph parsed
before is given again from its raw text: capture loops repeat the same writers).
"""

from ...lazy import lazy_attrs

__all__ = ["KIND", "KINDS", "MissingWriter", "Steps", "detect", "expected_writer_problems",
           "parse", "parse_text"]
__getattr__ = lazy_attrs(__name__, dict.fromkeys(__all__, "reader"))  # on first use
