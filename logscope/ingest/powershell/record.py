"""One PowerShell error record's lines -> its Event fields (contract: PASTED-CONTRACT.md)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ...events import Event, Locator
from ..codes import apply_codes
from . import grammar as G

#: A console line longer than this that does not end a sentence was wrapped by the console.
WRAP_MIN = 60
_ENDS = (".", ")", ":", "!", "?", ";")
_HEXISH = re.compile(r"[0-9A-Fa-f-]+$")


@dataclass(slots=True)
class Record:
    """The lines of one error record as the reader collected them."""

    line: int
    end_line: int = 0
    head: str | None = None  # the command or script named before the message
    prefix: str | None = None  # text a tool's log put before the head
    message: list[str] = field(default_factory=list)
    raw_lengths: list[int] = field(default_factory=list)
    position: str | None = None
    command: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    form: str = "normal"  # normal | concise | list

    def add_message(self, text: str, raw_len: int) -> None:
        self.message.append(text.strip())
        self.raw_lengths.append(raw_len)


def join_message(lines: list[str], lengths: list[int]) -> str:
    """Lines joined back where the console wrapped them; kept apart where Hyper-V wrote
    separate sentences. A GUID or code cut in two is glued without a space."""
    out = ""
    for i, text in enumerate(lines):
        if not text:
            continue
        if not out:
            out = text
            continue
        prev_len = lengths[i - 1] if i else 0
        prev_tail = out.rsplit("\n", 1)[-1]
        if prev_len >= WRAP_MIN and not prev_tail.endswith(_ENDS):
            tail, head = prev_tail.rsplit(" ", 1)[-1], text.split(" ", 1)[0]
            glued = tail + head
            if _HEXISH.match(tail.lstrip("(")) and G.GUID.search(glued) \
                    and not G.GUID.search(tail) and not G.GUID.search(head):
                out += text
            else:
                out += " " + text
        else:
            out += "\n" + text
    return out


def to_event(rec: Record, file: str, host: str | None) -> Event:
    message = join_message(rec.message, rec.raw_lengths)
    if rec.form == "list" and not message:
        message = _exception_message(rec.fields.get("Exception", ""))
    ev = Event(kind="powershell-error", file=file,
               locator=Locator(line=rec.line, end_line=rec.end_line or rec.line),
               timestamp_desc="PowerShell error record (no time)", message=message,
               host=rec.fields.get("PSComputerName") or host, level="Error")
    d = ev.data
    d["form"] = rec.form
    name = rec.head
    if name:
        script = name.lower().endswith(".ps1")
        module, _, short = ("", "", name) if script else name.rpartition("\\")
        if module and "-" in short:
            d["module"] = module
            name = short
    cat = rec.fields.get("CategoryInfo")
    activity = None
    if cat:
        d["CategoryInfo"] = cat
        cm = G.CATEGORY.match(cat)
        if cm:
            d["category"] = cm.group("cat").strip()
            if cm.group("target").strip(":"):
                d["target"] = cm.group("target")
            activity = cm.group("activity").strip() or None
            reason = cm.group("reason")
            if reason:
                d["exception"] = G.table()["exceptions"].get(reason, reason)
    exc = rec.fields.get("Exception")
    if exc:
        typ = exc.split(":", 1)[0].strip()
        if re.fullmatch(r"[A-Za-z_][\w.]{2,200}", typ):
            d["exception"] = typ
    def is_cmdlet(n: str | None) -> bool:
        return bool(n) and "-" in n and not n.lower().endswith(".ps1")  # type: ignore[operator]

    cmdlet = activity if is_cmdlet(activity) else name if is_cmdlet(name) else None
    if cmdlet:
        d["cmdlet"] = cmdlet
    if name and name != cmdlet:
        d["script" if name.lower().endswith(".ps1") else "invoked"] = name
    fq = rec.fields.get("FullyQualifiedErrorId")
    if fq:
        d["FullyQualifiedErrorId"] = fq
        d["error_id"] = fq.split(",", 1)[0].strip()
    for key in ("TargetObject", "ErrorDetails"):
        if rec.fields.get(key):
            d[key] = rec.fields[key]
    if rec.position:
        d["position"] = rec.position
    if rec.command:
        d["command"] = rec.command[0]
    if rec.prefix:
        d["prefix"] = rec.prefix
    _vm(ev, message)
    apply_codes(ev, message)
    return ev


def _exception_message(value: str) -> str:
    typ, sep, rest = value.partition(":")
    return rest.strip() if sep and " " not in typ.strip() else value.strip()


def _vm(ev: Event, message: str) -> None:
    ids = Counter(m.group(1).lower() for m in G.ID_GUID.finditer(message.replace("\n", "")))
    if ids:
        ev.vm_id = ids.most_common(1)[0][0]
    m = G.VM_NAME.search(message)
    if m:
        ev.vm_name = m.group("name")
