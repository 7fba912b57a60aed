"""diskshadow output: detection and the events (see ``lines`` for the layouts).

Events: one per writer block (``writer_name``, ``writer_id``, ``writer_state``, ``last_error``),
per failed operation (the failure line and its detail lines; codes and ``data.vss_error``),
per excluded writer or component (``Warning``) and per shadow copy created. Commands give
``data.command`` to the events after them; the banner's computer is the host. No line has
its own time: events have ``time_source`` ``none``; the banner's start time is in the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ... import hresult as hr
from ...events import Event, Locator
from ...ledger import FileLedger
from ..codes import apply_codes
from ..paste_clean import CleanLine
from ..paste_read import cleaned_lines
from ..source import IngestOptions, Source
from ..textio import head_text
from . import lines as L

KINDS = ("diskshadow",)
#: Lines cleaned at a time (bounded memory on a huge file); blocks never span more.
CHUNK_LINES = 4000
#: Detail lines kept in one block at most; the rest are counted and skipped.
MAX_BLOCK_LINES = 500
_FAILED_STATES = range(6, 16)


def detect(head: bytes, name: str) -> str | None:
    text = head_text(head[:32768])
    return "diskshadow" if L.detect_score(text.splitlines()[:600]) else None


@dataclass(slots=True)
class _Block:
    kind: str  # writer | error | excluded | shadow
    first: CleanLine
    lines: list[CleanLine] = field(default_factory=list)

    @property
    def end_line(self) -> int:
        return (self.lines[-1] if self.lines else self.first).end_line


class _State:
    def __init__(self, source: Source, ledger: FileLedger) -> None:
        self.source, self.ledger = source, ledger
        self.host = source.host_hint
        self.command: str | None = None
        self.block: _Block | None = None
        self.banner = False


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    st = _State(source, ledger)
    for cl in cleaned_lines(source, ledger, options, CHUNK_LINES):
        yield from _line(cl, st)
    yield from _close(st)


def _close(st: _State) -> Iterator[Event]:
    if st.block is not None:
        yield _event(st.block, st)
        st.block = None


def _line(cl: CleanLine, st: _State) -> Iterator[Event]:
    text, led = cl.text, st.ledger
    s = text.strip()
    if not s:
        yield from _close(st)
        led.skip("blank line")
        return
    if L.BANNER.match(s):
        yield from _close(st)
        st.banner = True
        led.skip("banner line")
        return
    if st.banner and L.COPYRIGHT.match(s):
        led.skip("banner line")
        return
    if st.banner and (m := L.ON_COMPUTER.match(s)) and st.host in (None, st.source.host_hint):
        st.host = m.group("host")
        led.info["computer"] = m.group("host")
        led.info["started"] = m.group("when")
        led.skip("banner line")
        st.banner = False
        return
    st.banner = False
    if L.is_command(s):
        yield from _close(st)
        st.command = L.COMMAND.match(s).group("cmd").strip() or None  # type: ignore[union-attr]
        commands = led.info.setdefault("commands", [])
        if len(commands) < 100 and st.command:
            commands.append({"line": cl.line, "command": st.command})
        led.skip("command line (kept as data.command)")
        return
    if L.SHELL_PROMPT.match(s):
        yield from _close(st)
        led.skip("shell prompt line")
        return
    if L.CUT.match(s):
        yield from _close(st)
        led.skip("cut mark")
        return
    opener = _opener(s)
    if opener is not None:
        yield from _close(st)
        st.block = _Block(opener, cl)
        return
    blk = st.block
    if blk is not None and _continues(blk, cl):
        if len(blk.lines) >= MAX_BLOCK_LINES:
            led.skip("block too long")
            if len(blk.lines) == MAX_BLOCK_LINES:
                led.problem(f"line {cl.line}", f"block of line {blk.first.line} over "
                            f"{MAX_BLOCK_LINES} lines; rest skipped", "long-entry")
                blk.lines.append(cl)
            return
        blk.lines.append(cl)
        return
    yield from _close(st)
    if L.FAILURE.search(s):
        st.block = _Block("error", cl)
        return
    led.skip("diskshadow progress line")


def _opener(s: str) -> str | None:
    if L.WRITER_OPEN.search(s):
        return "writer"
    if L.SHADOW_OPEN.match(s):
        return "shadow"
    if L.EXCLUDED.match(s):
        return "excluded"
    if s.startswith("The last operation failed") or s.startswith("COM call"):
        return "error"
    return None


def _continues(blk: _Block, cl: CleanLine) -> bool:
    """Detail lines: indented, ``label: value`` / ``label = value``, or (for a sentence the
    console wrapped) a line in lower case right after the block's last line."""
    text = cl.text
    last = blk.lines[-1] if blk.lines else blk.first
    if blk.kind == "excluded":
        return text[:1].islower() and cl.line == last.end_line + 1
    if text[:1] in " \t" or text.lstrip()[:1] in "-+":
        return True
    return blk.kind in ("writer", "shadow", "error") and bool(L.FIELD.match(text)) \
        and not L.FAILURE.search(text.split(":", 1)[0])


def _event(blk: _Block, st: _State) -> Event:
    texts = [blk.first.text.strip()] + [c.text.strip().lstrip("-+ ").strip() for c in blk.lines]
    ev = Event(
        kind="diskshadow", file=st.source.display,
        locator=Locator(line=blk.first.line, end_line=blk.end_line),
        timestamp_desc="diskshadow output (no time)", message="\n".join(texts),
        host=st.host, level="Error" if blk.kind == "error" else "Information",
    )
    ev.data["block"] = blk.kind
    if st.command:
        ev.data["command"] = st.command
    if blk.kind == "writer":
        _writer(ev, texts)
    elif blk.kind == "excluded":
        m = L.EXCLUDED.match(texts[0])
        assert m is not None
        ev.writer_name = m.group("w1") or m.group("w2")
        if m.group("comp"):
            ev.data["component"] = m.group("comp")
        ev.level = "Warning"
    elif blk.kind == "shadow":
        m = L.SHADOW_OPEN.match(texts[0])
        ev.data["shadow_id"] = m.group("id").lower() if m else None
    else:
        wm = L.QUOTED_WRITER.search(ev.message)
        if wm:
            ev.writer_name = wm.group("name")
    apply_codes(ev, ev.message)
    _drop_success(ev)
    st.ledger.records += 1
    return ev


def _drop_success(ev: Event) -> None:
    """``0x00000000 (S_OK)`` is the absence of an error, not a code to match on."""
    codes = [c for c in ev.data.get("hresults", []) if c != "0x00000000"]
    if codes:
        ev.data["hresults"] = codes
    else:
        ev.data.pop("hresults", None)
    if ev.hresult == "0x00000000":
        ev.hresult = codes[0] if codes else None


def _writer(ev: Event, texts: list[str]) -> None:
    m = L.WRITER_OPEN.search(texts[0])
    assert m is not None
    ev.writer_name = m.group("name") or m.group("name2")
    guids: list[str] = []
    for t in texts[1:]:
        sm = L.STATE.search(t)
        if sm and ev.writer_state is None:
            ev.writer_state = int(sm.group("n") or sm.group("b"))
            if sm.group("name"):
                ev.data["writer_state_name"] = sm.group("name")
            continue
        fm = L.FAILURE_CODE.search(t)
        if fm and ev.last_error is None:
            code, label = fm.group("hex").upper().replace("0X", "0x"), (fm.group("text") or "")
            known = hr.describe(code)
            ev.last_error = "No error" if int(code, 16) == 0 else (
                label.strip() if label.strip() and "unknown" not in label.lower()
                else known["name"] if known else code)
            if int(code, 16):
                ev.hresult = code
            continue
        guids += [g.lower() for g in L.GUID.findall(t)]
    if guids:
        ev.writer_id = guids[0].strip("{}")
    if len(guids) > 1:
        ev.data["instance_id"] = guids[1].strip("{}")
    failed = (ev.writer_state in _FAILED_STATES or ev.hresult is not None
              or "failed state" in texts[0].lower())
    ev.level = "Error" if failed else "Information"
