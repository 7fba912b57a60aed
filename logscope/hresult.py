"""One HRESULT decoder for every written form, backed by ``data/hresults.yml``.

Why: the same failure shows as ``0x800423F4`` (VMMS ErrorCode), ``%%2147754996`` (an unresolved
insert), ``2147754996`` / ``-2147212300`` (decimal in product logs), ``0x800423f4`` in prose, or
vssadmin's localized words ``Non-retryable error``. Signatures and correlation compare the
canonical ``0x%08X`` form only.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from . import datafiles
from .lazy import regex

_HEX = regex(r"^(?:0x)?([0-9a-fA-F]{8})$")
_HEX_PREFIXED = regex(r"^-?0x([0-9a-fA-F]{1,8})$")
_DEC = regex(r"^(?:%%)?(-?\d{1,11})$")
#: HRESULT-looking tokens inside free text (``0x800423F4``, ``%%2147754996``).
#: The written forms alone (no look-arounds): what a bulk prefilter searches for.
HRESULT_IN_TEXT_CORE = r"0x[0-9A-Fa-f]{8}|%%\d{9,10}"
HRESULT_IN_TEXT = regex(rf"(?<![0-9A-Za-z])(?:{HRESULT_IN_TEXT_CORE})(?![0-9A-Za-z])")


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    data = datafiles.table("hresults.yml")
    words: dict[str, str] = {}
    for code, texts in data["last_error_texts"].items():
        for t in texts:
            words[fold(t)] = code
    codes = {k.upper().replace("0X", "0x"): v for k, v in data["hresults"].items()}
    names = {v["name"]: k for k, v in codes.items()}
    names.update({alias: codes_key.upper().replace("0X", "0x")
                  for codes_key, aliases in (data.get("aliases") or {}).items()
                  for alias in aliases})
    return {
        "hresults": codes,
        "names": names,
        "wmi": {int(k): v for k, v in data["wmi_return_codes"].items()},
        "words": words,
    }


#: Texts up to this long have their folded form cached (a listing repeats the same few
#: last-error words thousands of times; a long message is folded once and not kept).
FOLD_CACHE_CHARS = 256


def fold(text: str) -> str:
    """Case-, accent-, quote- and whitespace-insensitive form used for localized words."""
    return _fold_cached(text) if len(text) <= FOLD_CACHE_CHARS else _fold(text)


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    if not t.isascii():  # ASCII has no combining marks or curly quotes (a per-character
        # Python loop over every value an HRESULT condition reads cost 0.4 s on the corpus)
        t = "".join(c for c in t if not unicodedata.combining(c))
        t = t.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(t.casefold().split())


def normalize(value: object) -> str | None:
    """Canonical ``0x%08X`` for any written form of an HRESULT, or None if it is not one.

    Accepts ints (signed or unsigned 32-bit), ``0x…`` hex, ``%%<decimal>``, decimal strings,
    and vssadmin last-error words in the languages of ``data/hresults.yml``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _from_int(value)
    text = str(value).strip()
    if not text:
        return None
    m = _HEX_PREFIXED.match(text)
    if m:
        n = int(m.group(1), 16)
        return _from_int(-n if text.startswith("-") else n)
    m = _DEC.match(text)
    if m:
        n = int(m.group(1))
        # plain small decimals are not HRESULTs (event ids, WMI codes): only the
        # 32-bit failure range (high bit set) or an explicit %% insert counts.
        if text.startswith("%%") or n < 0 or n >= 0x80000000:
            return _from_int(n)
        return None
    m = _HEX.match(text)
    if m and not text.isdigit():
        return _from_int(int(m.group(1), 16))
    return _table()["words"].get(fold(text))


_fold_cached = lru_cache(maxsize=4096)(_fold)


def _from_int(n: int) -> str | None:
    if n < 0:
        if n < -(1 << 31):
            return None
        n &= 0xFFFFFFFF
    if n > 0xFFFFFFFF:
        return None
    return f"0x{n:08X}"


def from_last_error(text: str) -> str | None:
    """HRESULT for a vssadmin ``Last error`` text, or None when the text is not known."""
    return _table()["words"].get(fold(text))


def insert_forms(code: str) -> list[str]:
    """How a record's inserts write canonical HRESULT ``code``: its 8 hex digits, the unsigned
    decimal (also the tail of ``%%decimal``) and, for a failure code, the digits of the signed
    decimal (``-2147212300``). Both the record gate and the chunk gate search for these."""
    n = int(code, 16)
    forms = [code[2:], str(n)]
    if n >= 1 << 31:
        forms.append(str((1 << 32) - n))
    return forms


def find_in_text(text: str) -> list[str]:
    """Every HRESULT written in a piece of free text, canonical and de-duplicated, in order."""
    out: list[str] = []
    for m in HRESULT_IN_TEXT.finditer(text):
        code = normalize(m.group())
        if code and code not in out:
            out.append(code)
    return out


def describe(code: str) -> dict[str, str] | None:
    """``{"name": ..., "text": ...}`` for a canonical HRESULT, or None."""
    return _table()["hresults"].get(code)


def spellings(code: str) -> list[str]:
    """The words that stand for ``code`` in text: its symbolic names and aliases, and its
    vssadmin last-error words (folded: lower case, single spaces). A reader that folds lines
    no signature can use searches for them (``match/text_gate``)."""
    t = _table()
    return sorted({n for n, c in t["names"].items() if c == code}
                  | {w for w, c in t["words"].items() if c == code})


def by_name(name: str) -> str | None:
    """Canonical HRESULT of a symbolic name (``VSS_E_INSUFFICIENT_STORAGE``, ``E_FAIL``,
    ``ERROR_DISK_FULL`` as HRESULT_FROM_WIN32), from ``data/hresults.yml``; None if unknown."""
    return _table()["names"].get(name.upper())


def wmi_codes() -> dict[int, str]:
    """Every Hyper-V WMI return code of the data table (32768 → ``Failed``)."""
    return _table()["wmi"]


def wmi_return_code(code: int) -> str | None:
    """Text of a Hyper-V WMI method return code (32768 → ``Failed``)."""
    return _table()["wmi"].get(code)
