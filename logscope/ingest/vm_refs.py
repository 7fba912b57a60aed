"""The VM a pasted Hyper-V message names: ``'NAME'`` and ``(Virtual machine ID GUID)``.

Why a shared helper: Event Viewer text, PowerShell errors and bare message lines all carry the
VM only inside the sentence (``'SQL01' could not initiate a checkpoint operation ... (Virtual
machine ID 1D6A3C2E-...)``), in the reader's language. The identity table joins names and ids
across files, so every pasted-text reader fills ``vm_name`` / ``vm_id`` the same way.
"""

from __future__ import annotations

from ..lazy import regex

_GUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
#: A GUID at the end of a parenthesis that names an ID, in any language ("Virtual machine
#: ID", "ID des virtuellen Computers", "ID de l'ordinateur virtuel", "仮想マシン ID", ...).
_VM_ID = regex(r"[(（][^()（）]{0,60}?\bID\b[^()（）]{0,40}?[ :：]\{?(" + _GUID + r")\}?\s*[)）]"
                    r"|[(（][^()（）]{0,40}?(?:ID|Id|ИД|ID-)[^()（）]{0,40}?\{?(" + _GUID + r")\}?\s*[)）]")
#: The VM name Hyper-V quotes first: 'NAME', "NAME", «NAME», „NAME“, 「NAME」.
_VM_NAME = regex(r"'([^'\n]{1,100})'|\"([^\"\n]{1,100})\"|«\s?([^»\n]{1,100}?)\s?»"
                      r"|„([^“\n]{1,100})“|「([^」\n]{1,100})」")


def find_vm(text: str) -> tuple[str | None, str | None]:
    """``(vm_name, vm_id)`` named by a Hyper-V message (lower-case id, no braces), or Nones.

    The name is taken only when the message also names a VM id, or when it starts with the
    quoted name (VMMS's own sentence shape), so quoted file names of other messages are not
    mistaken for VMs.
    """
    if not text:
        return None, None
    t = text[:8192]
    vm_id = None
    m = _VM_ID.search(t)
    if m:
        vm_id = (m.group(1) or m.group(2)).lower()
    name = None
    n = _VM_NAME.search(t)
    if n and (vm_id or n.start() <= 2):
        value = next(g for g in n.groups() if g is not None).strip()
        if value and not _looks_like_path(value):
            name = value
    return name, vm_id


def _looks_like_path(value: str) -> bool:
    return "\\" in value or "/" in value or value.lower().endswith((".vhdx", ".avhdx", ".vhd"))


def ascii_vm_patterns() -> list[str]:
    """RE2 that an ASCII text ``find_vm`` names a VM in matches: a GUID (an id, and the
    condition of a name anywhere), or a quote within its first three characters (a name
    at the start). Not matching either, ``find_vm`` finds nothing (``ingest/quiet_text``)."""
    return [_GUID, "(?s)\\A.{0,2}['\"]"]
