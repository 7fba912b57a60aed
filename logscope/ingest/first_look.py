"""Which text families may claim a file: one RE2 set over its head, before any family loads.

Why: ``detect`` asks the families in order until one claims the file. For a text file that
no structured family reads (a README, a manifest, a pasted message) that imported every
family's reader, with its grammar, tables and patterns, and ran each detector (~40 ms), to
hear "not mine" from all of them. Each family's detection has cheap necessary conditions (a
vssadmin block has a ``: [N]``, ``: {GUID}`` or ``\\\\?\\`` line, a Veeam log a
``[dd.MM.yyyy`` prefix ...), listed as data in ``data/text_markers.yml``; a family none of
whose patterns is in the head would answer None, so it is neither imported nor asked, and
the verdict is the one the full detection gives (tests compare the two on every text file).

Only plain text is looked at this way: a head that is not UTF-8 or UTF-16 (a legacy code page
is guessed from how much of the head is read), that holds NULs a reader strips, digits of
another script (a reader's ``\\d`` takes them, the markers' digits are ASCII) or an HTML
entity (any character after decoding) goes to every family, as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from .. import datafiles
from .textio import sniff_encoding

TABLE = "text_markers.yml"
#: The views a pattern is matched in (see the data file).
RAW, CLEAN = "raw", "clean"
#: ``{S}``: white space as ``str.isspace`` (and Python's ``\\s``) knows it (``{s}`` inside a
#: class); ``{D}``: an ASCII digit (Python's ``\\d`` takes any script's: a head with one of
#: those goes to every family; ``\\p{Nd}`` would cost ~0.8 ms more to compile).
_SPACES = r"\t-\r\x{1c}-\x{1f}\x{85}\pZ"
_DIGIT = "[0-9]"
_PLAIN = ("utf-8", "utf-16-le", "utf-16-be")
_GZIP = b"\x1f\x8b"
#: False: every family is asked (the full detection, for comparison runs and tests).
ENABLED = True


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    return datafiles.table(TABLE)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def not_evidence_suffixes() -> tuple[str, ...]:
    """Names of documentation, notes and code: never read as pasted messages."""
    return tuple(table()["families"]["message_text"]["not_names"])


def expand(pattern: str) -> str:
    """A data file pattern as RE2 (``{S}``, ``{D}`` spelled out), case-insensitive."""
    return "(?i)" + pattern.replace("{S}", f"[{_SPACES}]").replace("{s}", _SPACES).replace(
        "{D}", _DIGIT)


@lru_cache(maxsize=1)
def _sets() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Per view: one RE2 set of every family's patterns, and the family of each pattern
    (``""`` for the ``every`` patterns, matched in the raw view)."""
    data = table()
    owners: dict[str, list[str]] = {RAW: [], CLEAN: []}
    options = re2.Options()
    options.max_mem = 32 << 20
    options.log_errors = False
    sets = {RAW: re2.Set.SearchSet(options), CLEAN: re2.Set.SearchSet(options)}
    for p in data.get("every") or ():
        sets[RAW].Add(expand(p))
        owners[RAW].append("")
    for family, spec in data["families"].items():
        for view in (RAW, CLEAN):
            for p in spec.get(view) or ():
                sets[view].Add(expand(p))
                owners[view].append(family)
    for s in sets.values():
        s.Compile()
    return sets, owners


def families(head: bytes, name: str) -> frozenset[str] | None:
    """The text families whose detection may claim a file with this head and name, or None
    when every family must be asked (not plain text, or the look is turned off)."""
    if not ENABLED or head.startswith(_GZIP):
        return None
    codec, bom = sniff_encoding(head)
    if codec not in _PLAIN:
        return None
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1:2] == b"\x00"
    if b"\x00" in head[:4096] and not utf16:  # the Veeam reader drops them: another text
        return None
    # decoded as textio.head_text does, with the codec already found (not sniffed twice)
    raw = "\n".join(head[bom:].decode(codec, errors="replace").splitlines())
    if not raw.isascii() and any(c.isdecimal() for c in set(raw) if c > "\x7f"):
        return None  # another script's digits: ``{D}`` is ASCII
    sets, owners = _sets()
    found = {owners[RAW][i] for i in sets[RAW].Match(raw) or ()}
    if "" in found:
        return None
    if not set(owners[CLEAN]) <= found:  # a family the cleaned head may still show
        from .pasted_lines import sniff_clean  # what the pasted readers see (kept for them)

        clean = "\n".join(cl.text for cl in sniff_clean(head).lines)
        found.update(owners[CLEAN][i] for i in sets[CLEAN].Match(clean) or ())
    if not name.casefold().endswith(not_evidence_suffixes()):
        found.add("message_text")  # any text: its own test is cheap (``message_text.detect``)
    return frozenset(found)
