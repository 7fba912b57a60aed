"""``message-text``: the last resort for text no other reader claims, read only if it holds a
message a signature knows.

Why gated on the matcher: a ticket often carries nothing but a sentence copied from a dialog,
an e-mail or a chat (``'SQL01' could not initiate a checkpoint operation ... (0x80070050)``).
Reading every unclaimed text as messages would turn READMEs and notes into "evidence"; so the
file is reported ``message-text`` only when at least one of its paragraphs hits a signature,
and otherwise stays ``unknown`` with the reason (how many lines were checked). Work is bounded:
at most ``MAX_LINES`` lines are read, the rest counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from ..events import Event, Locator, is_bare
from ..lazy import regex
from ..ledger import FileLedger
from .codes import find_codes
from .first_look import not_evidence_suffixes
from .paste_clean import CleanLine
from .pasted_lines import is_text, read_clean
from .quiet_text import ALL, CODES, FOREIGN, MATCH, TEMPLATES, VM, Gate, gate_for, may_identify
from .source import KNOWS_KEY, SIGNATURE_DIRS_KEY, IngestOptions, Source
from .understanding import understand
from .vm_refs import find_vm

KIND = "message-text"
#: What a paragraph a template reads becomes (``eventlog_text.pasted_record.KIND``; named
#: here so that reading a message does not load the event-text readers).
EVENT_KIND = "event-text"
KINDS = (KIND,)
#: Lines read from an unclaimed text (a log dump of millions of lines is not a paste).
MAX_LINES = 20_000
#: A paragraph longer than this is read line by line (independent log-like lines).
MAX_PARAGRAPH_LINES = 6
#: ... unless a template reads it whole (checked for paragraphs up to this many lines).
MAX_TEMPLATE_LINES = 60
NO_MESSAGE = "no known message"
#: A one-line PowerShell command (optionally after a ``PS C:\>`` prompt) and its piped cmdlets.
_COMMAND = regex(r"^\s*(?:PS [^>]{0,200}>\s*)?([A-Z][a-z]{1,15}-[A-Za-z]{2,40})\b")
_PIPED = regex(r"\|\s*([A-Z][a-z]{1,15}-[A-Za-z]{2,40})\b")


#: Files named as documentation, provenance notes or code: their quoted messages are not
#: evidence (a bundle's README quoting an error is not that error happening). The list is
#: data (``data/text_markers.yml``): detection leaves such a file out before loading this.
NOT_EVIDENCE_SUFFIXES = not_evidence_suffixes()


def detect(head: bytes, name: str) -> str | None:
    """Any readable text; whether it is kept as ``message-text`` is decided while reading."""
    if name.casefold().endswith(NOT_EVIDENCE_SUFFIXES):
        return None
    return KIND if is_text(head) and any(c.isalpha() for c in head[:4096].decode("latin-1")) else None


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    cleaned = read_clean(source, ledger, options, max_lines=MAX_LINES)
    steps: dict[int, tuple[Event, int]] = {}  # by id: events a step was skipped for
    gate = gate_for(options, KIND, len(cleaned.lines))
    events = [ev for ev in _paragraph_events(cleaned.lines, source.display, gate, steps)
              if ev.message]
    events = _understood(events, ledger, steps)
    knows = _knows(options)
    if any(knows(ev) for ev in events if _may_hit(ev, steps)):
        ledger.kind = KIND
        yield from events
        return
    lines = ledger.info.get("lines", len(cleaned.lines))
    ledger.kind = "unknown"
    ledger.reason = f"text with no known message (checked {lines} lines)"
    ledger.problems = [p for p in ledger.problems if p.code != "paste-repair"]
    ledger.info.pop("paste_repairs", None)
    ledger.skip(NO_MESSAGE, lines if isinstance(lines, int) else 0)


def _understood(events: list[Event], ledger: FileLedger,
                steps: dict[int, tuple[Event, int]]) -> list[Event]:
    """Each paragraph read through the templates. A paragraph a template identifies is a
    provider's event pasted without its labels (kind ``event-text``); the Operation/Context
    paragraphs after it are its description's tail, joined to it rather than read alone.
    One whose ``steps`` leave out the templates holds no anchor: no template reads it, only
    its language is told (when it has another language's words, else nothing is said)."""
    out: list[Event] = []
    for ev in events:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == EVENT_KIND and _localised().continues_description(
                ev.message):
            lang = prev.data.get("message_language", "en")
            if "message_original" in prev.data:
                prev.data["message_original"] += " " + ev.message
            prev.message += " " + _localised().english_block(ev.message, lang)
            prev.locator.end_line = ev.locator.end_line
            find_codes(prev.message).apply(prev)
            continue
        needs = _needs(ev, steps)
        if needs & TEMPLATES and (needs == ALL or may_identify(ev.message)):
            if understand(ev, ledger, ev.locator.line) is not None:
                ev.kind = EVENT_KIND
                ev.data["form"] = "message"
        elif needs & (TEMPLATES | FOREIGN):  # no template's anchor: its language only
            understand(ev, ledger, ev.locator.line, may_match=False)
        out.append(ev)
    return out


def _paragraph_events(lines: list[CleanLine], file: str, gate: Gate | None = None,
                      steps: dict[int, tuple[Event, int]] | None = None) -> Iterator[Event]:
    """One event per paragraph (blank-line or quote/fence separated); long paragraphs per line.

    A paragraph that is a PowerShell command line names the cmdlet of the message that
    follows it (``Get-ClusterResource ... | Set-ClusterParameter ...`` then ``> The request is
    not supported``): the next event gets ``data.cmdlet`` (the pipeline's last cmdlet) and
    ``data.command``, as a PowerShell error record would carry them.
    """
    para: list[CleanLine] = []
    command: tuple[str, str] | None = None
    for cl in [*lines, CleanLine("", 0, 0, -1)]:
        if cl.text.strip() and (not para or cl.block == para[-1].block):
            para.append(cl)
            continue
        if para:
            for i, ev in enumerate(_emit(para, file, gate, steps)):
                if i == 0 and command is not None:
                    ev.data["cmdlet"], ev.data["command"] = command
                yield ev
            command = None
            if len(para) == 1 and (m := _COMMAND.match(para[0].text)):
                command = (_PIPED.findall(para[0].text) or [m.group(1)])[-1], para[0].text.strip()
        para = [cl] if cl.text.strip() else []


def _emit(para: list[CleanLine], file: str, gate: Gate | None = None,
          steps: dict[int, tuple[Event, int]] | None = None) -> Iterator[Event]:
    if not para:
        return
    groups = [para] if len(para) <= MAX_PARAGRAPH_LINES or _one_message(para) else \
        [[cl] for cl in para]
    for group in groups:
        text = " ".join(" ".join(cl.text.split()) for cl in group)
        ev = Event(kind=KIND, file=file, locator=Locator(line=group[0].line,
                                                         end_line=group[-1].end_line),
                   timestamp_desc="Message", message=text)
        needs = ALL if gate is None or steps is None else gate(text)
        if needs != ALL:
            steps[id(ev)] = (ev, needs)  # type: ignore[index]
        if needs & CODES:
            find_codes(text).apply(ev)
        if needs & VM:
            ev.vm_name, ev.vm_id = find_vm(text)
        yield ev


def _needs(ev: Event, steps: dict[int, tuple[Event, int]]) -> int:
    found = steps.get(id(ev))
    return ALL if found is None else found[1]


def _may_hit(ev: Event, steps: dict[int, tuple[Event, int]]) -> bool:
    """False for an event the matcher need not see: bare (``events.is_bare``, as
    ``match/message_gate`` means it) and without the text a signature needs."""
    return bool(_needs(ev, steps) & MATCH) or ev.kind != KIND or not is_bare(ev)


def _one_message(para: list[CleanLine]) -> bool:
    """A long paragraph that a provider's template reads, or that is a description's
    Operation/Context block, is one message, not independent log lines."""
    if len(para) > MAX_TEMPLATE_LINES:
        return False
    localised = _localised()
    return localised.continues_description(para[0].text) or \
        localised.identify(" ".join(cl.text for cl in para)) is not None


def _localised() -> ModuleType:
    """The templates' module, imported when a paragraph first needs it (~2 ms: a manifest's
    lines, which no template reads, never do)."""
    from .. import localised

    return localised


def _knows(options: IngestOptions) -> Callable[[Event], bool]:
    given = options.extra.get(KNOWS_KEY)
    if callable(given):
        return given  # type: ignore[return-value]
    dirs = options.extra.get(SIGNATURE_DIRS_KEY) or ()
    return _matcher_check(tuple(str(d) for d in dirs))  # type: ignore[union-attr]


@lru_cache(maxsize=4)
def _matcher_check(dirs: tuple[str, ...]) -> Callable[[Event], bool]:
    """The signature library's answer, built once per set of ``--signatures`` directories."""
    from ..match.library import load_library
    from ..match.matcher import Matcher

    matcher = Matcher(load_library([Path(d) for d in dirs] or None))
    return lambda ev: bool(matcher.match(ev))
