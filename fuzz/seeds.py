"""Seed inputs per target: real captures from ../shared/corpus (skipped when absent), the
repository's samples, and archives built here around them (never stored bombs)."""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Bigger seeds only slow each run down; the structure is in the first chunks.
MAX_SEED = 160 << 10


def shared_dir() -> Path | None:
    env = os.environ.get("LOGSCOPE_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared"]:
        if (cand / "corpus").is_dir():
            return cand
    return None


def _files(root: Path | None, pattern: str, limit: int) -> list[bytes]:
    if root is None or not root.is_dir():
        return []
    out = []
    for p in sorted(root.rglob(pattern)):
        if p.is_file() and not p.name.endswith(".source") and p.stat().st_size <= MAX_SEED:
            out.append(p.read_bytes())
        if len(out) >= limit:
            break
    return out


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@cache
def seeds(target: str) -> tuple[bytes, ...]:
    shared = shared_dir()
    corpus = shared / "corpus" if shared else None
    samples = ROOT / "samples"
    vss = _files(corpus / "text" / "vssadmin" if corpus else None, "*.txt", 40) + \
        _files(samples / "bundles", "*.log", 5)
    vee = _files(corpus / "text" / "veeam" if corpus else None, "*.log", 40) + \
        _files(samples / "veeam", "*.*", 10)
    evt = _files(corpus / "evtx" if corpus else None, "*.evtx", 12)
    if target == "vssadmin":
        out = vss
    elif target == "veeam":
        out = vee
    elif target in ("evtx-rust", "evtx-python"):
        out = evt or [b"ElfFile\x00" + bytes(4088)]
    elif target == "evtx-gated":  # logs whose chunks the gate keeps and the record skip cuts
        out = _files(samples / "evtx", "*.evtx", 12) + evt
    elif target in ("textio", "detect"):
        out = vss[:10] + vee[:10] + [e[:8192] for e in evt[:4]]
    elif target == "bundle":
        text = (vss[:2] + vee[:2]) or [b"x\n"]
        out = [
            _zip({"HV01/vss.txt": text[0], "VBR01/Job.x.Backup.log": text[-1]}),
            _zip({"a.log": text[0]}, zipfile.ZIP_STORED),
            _zip({"outer/inner.zip": _zip({"HV01/x.log": text[-1]}),
                  "r.log.gz": gzip.compress(text[0])}),
            _zip({"System.evtx": (evt or [b"ElfFile\x00" + bytes(4088)])[0][:70_000]}),
        ]
    else:
        raise KeyError(target)
    return tuple(out) or (b"",)
