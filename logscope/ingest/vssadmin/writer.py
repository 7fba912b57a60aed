"""Writer blocks (``list writers``): a quoted name, two GUID lines, a ``[N]`` state line and
the last error; ids and states checked against the known-writer table.
"""

from __future__ import annotations

from ...events import Event, Locator
from ...hresult import fold, normalize
from .lines import (
    GUID,
    KIND,
    MARKUP,
    NAME,
    STATE,
    TEXT,
    Line,
    id_form,
)
from .tables import known_writer_id, tables

#: Writer blocks remembered for replay per file (0 turns replay off); cleared when full.
REPLAY_BLOCKS = 4096


def _line_key(line: Line) -> tuple[object, ...]:
    """What a writer block's outcome depends on in one of its lines (not where it was)."""
    return (line.kind, line.text, line.indent, line.label, line.value, line.name, line.guid,
            line.guid_form, line.state, line.state_word, line.block_start)


def _is_guid(line: Line) -> bool:
    return line.kind == GUID and line.guid_form == "ok"


def _form_text(form: str | None) -> str:
    return {
        "masked": "masked in the paste",
        "truncated": "cut off",
        "placeholder": "a placeholder word, not a GUID",
    }.get(form or "", "not a GUID")


def _writer_message(
    name: str,
    state: int | None,
    word: str | None,
    last_error: str | None,
    info: object,
    cut: bool,
) -> str:
    msg = f"Writer '{name}'"
    if state is not None:
        text = word or getattr(info, "text", "")
        msg += f" state [{state}] {text}".rstrip()
        if last_error is not None:
            msg += f", last error: {last_error}"
    if cut:
        msg += " (block cut off)" if state is not None else " (block cut off before its state)"
    return msg


class WriterBlocks:
    """The writer block methods of the vssadmin block parser (mixed into ``parser._Parser``)."""

    def _writer(self, n0: Line, state_at: int | None, ids: int = 0, cut: bool = False) -> Event:
        ledger, cap = self.ledger, self.capture
        id_lines = [self._field(n0) for _ in range(state_at if state_at is not None else ids)]
        state_line = self._field(n0) if state_at is not None else None
        last_line: Line | None = None
        if state_line is not None:
            p = self.stream.peek(0)
            if p is None:
                cut = True
            elif not p.block_start and p.kind not in (STATE, MARKUP) and not _is_guid(p):
                last_line = self._field(n0)
        end = (last_line or state_line or (id_lines[-1] if id_lines else None) or n0).no
        self.complete_writer = last_line is not None and len(id_lines) == 2 and not cut
        key = None
        if self.complete_writer and REPLAY_BLOCKS:
            assert state_line is not None
            key = (_line_key(n0), _line_key(id_lines[0]), _line_key(id_lines[1]),
                   _line_key(state_line), _line_key(last_line))
            seen = self.replays.get(key)
            if seen is not None:  # the same block again: only where it is and its capture change
                self.replay_stats["replayed"] += 1
                msg, wname, wid, wstate, lerr, hres, data = seen
                return self._emit("writers", Event(
                    kind=KIND, file=self.display, locator=Locator(line=n0.no, end_line=end),
                    message=msg, writer_name=wname, writer_id=wid, writer_state=wstate,
                    last_error=lerr, hresult=hres, data={**data, "capture": cap.index}))
        problems = len(ledger.problems) + ledger.problems_dropped
        ev = self._writer_event(n0, id_lines, state_line, last_line, end, cut)
        if key is not None and len(ledger.problems) + ledger.problems_dropped == problems:
            if len(self.replays) >= REPLAY_BLOCKS:
                self.replays.clear()
                self.replay_stats["cleared"] += 1
            # a snapshot: later stages may annotate the event itself
            self.replays[key] = (ev.message, ev.writer_name, ev.writer_id, ev.writer_state,
                                 ev.last_error, ev.hresult, dict(ev.data))
        return ev

    def _writer_event(self, n0: Line, id_lines: list[Line], state_line: Line | None,
                      last_line: Line | None, end: int, cut: bool) -> Event:
        """Parse one writer block whose lines were consumed: its problems and its event."""
        ledger, cap = self.ledger, self.capture
        name = n0.name or ""
        where = f"line {n0.no}"

        if state_line is not None and len(id_lines) != 2:
            ledger.problem(
                where,
                f"writer block '{name}' has {len(id_lines)} id line(s) instead of 2",
                "writer-id-lines",
            )
        writer_id, inferred = self._writer_id(name, id_lines[0] if id_lines else None)
        instance_id = None
        if len(id_lines) >= 2:
            inst = id_lines[1]
            form = id_form(inst)
            if form == "ok":
                instance_id = inst.guid
            else:
                ledger.problem(
                    f"line {inst.no}",
                    f"writer instance id of '{name}' is {_form_text(form)}: {inst.value!r}",
                    f"guid-{form or 'invalid'}",
                )
        state = state_word = None
        if state_line is not None:
            state, state_word = state_line.state, state_line.state_word or None
            self._check_state(state_line, name)
        last_error = hres = None
        if last_line is not None:
            last_error = last_line.value if last_line.value is not None else last_line.text
            # words in any language of hresults.yml, or a code printed as such (0x800423F4)
            hres = normalize(last_error)
        elif state_line is not None and not cut:
            ledger.problem(where, f"writer block '{name}' has no Last error line", "writer-no-last-error")
        if cut:
            missing = "state line" if state_line is None else "Last error line"
            ledger.problem(
                f"line {end}",
                f"writer block '{name}' is cut off at the end of the text (no {missing})",
                "block-cut-off",
            )
            cap.cut_off = True
        elif state_line is None:
            ledger.problem(where, f"writer block '{name}' has no [N] state line", "writer-no-state")

        info = tables().states.get(state) if state is not None else None
        data: dict[str, object] = {
            "listing": "writers",
            "instance_id": instance_id,
            "state_text": state_word,
            "capture": cap.index,
        }
        if info is not None:
            data["state_name"] = info.name
            data["failed"] = info.failed
        if inferred:
            data["writer_id_inferred"] = True
        if cut or state_line is None:
            data["complete"] = False
        if last_error is not None and hres is None:
            data["last_error_known"] = False
        return self._emit(
            "writers",
            Event(
                kind=KIND,
                file=self.display,
                locator=Locator(line=n0.no, end_line=end),
                message=_writer_message(name, state, state_word, last_error, info, cut),
                writer_name=name or None,
                writer_id=writer_id,
                writer_state=state,
                last_error=last_error,
                hresult=hres,
                data=data,
            ),
        )

    def _field(self, head: Line) -> Line:
        """Consume the next line as a field of the block that starts at ``head``."""
        line = self._next()
        assert line is not None  # only called on lines already peeked
        if line.blanks_before and line.first_blank is not None:
            self.capture.note("blank-in-block", line.first_blank)
        if line.indent == 0 and head.kind in (NAME, TEXT) and "joined-lines" not in line.fixes:
            self.capture.note("no-indent", line.no)
        return line

    def _writer_id(self, name: str, line: Line | None) -> tuple[str | None, bool]:
        """The writer class id (printed, or the well-known one when the paste lost it)."""
        known = known_writer_id(name)
        if line is None:
            return known, known is not None
        form = id_form(line)
        if form == "ok":
            if known and line.guid != known:
                self.ledger.problem(
                    f"line {line.no}",
                    f"writer id {line.guid} of '{name}' differs from its well-known id {known} "
                    "(anonymized paste, or a writer reusing the name)",
                    "writer-id-mismatch",
                )
            return line.guid, False
        note = f"; well-known id {known} used" if known else ""
        self.ledger.problem(
            f"line {line.no}",
            f"writer id of '{name}' is {_form_text(form)}: {line.value!r}{note}",
            f"guid-{form or 'invalid'}",
        )
        return known, known is not None

    def _check_state(self, line: Line, name: str) -> None:
        info = tables().states.get(line.state) if line.state is not None else None
        if info is None:
            self.ledger.problem(
                f"line {line.no}",
                f"writer '{name}' has state number [{line.state}], which is not a VSS_WRITER_STATE (0-15)",
                "state-unknown",
            )
            return
        word = line.state_word or ""
        allowed = tables().state_words.get(fold(word)) if word else None
        if allowed is not None and line.state not in allowed:
            self.ledger.problem(
                f"line {line.no}",
                f"writer '{name}': state word {word!r} disagrees with number [{line.state}] "
                f"({info.name}); the number is used",
                "state-word-mismatch",
            )

    def _unquoted_writer(self, line: Line) -> bool:
        """``Writer name: SqlServerWriter`` (quotes lost) followed by two id lines and a state."""
        if not line.value or line.value[0] in "{[(":
            return False
        ahead = self._ahead(3)
        return (
            len(ahead) == 3
            and ahead[2].kind == STATE
            and id_form(ahead[0]) is not None
            and id_form(ahead[1]) is not None
        )
