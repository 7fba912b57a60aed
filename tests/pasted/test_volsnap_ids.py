"""volsnap ids as the message table numbers them (volsnap.sys, every version libyal/winevt-kb
lists): 27 is "aborted during detection because a critical control file could not be
opened", 29 the bare "aborted during detection" KB975803 quotes, 28 the on-disk structures
failure. A paste resolves to the id of the text it carries, and a record renders its own id's
text."""

from __future__ import annotations

import pytest

from logscope.messages import render

from .helpers import read_text

KB975803 = ("Event ID: 29 Source: volsnap Type: Error Description: The shadow copies of volume "
            "<drive letter> were aborted during detection.")


def test_kb975803_paste_is_volsnap_29() -> None:
    ledger, (ev,) = read_text(KB975803)
    assert (ev.kind, ev.provider, ev.event_id) == ("event-text", "volsnap", 29)
    assert ev.data["message_understood"] is True and ledger.not_understood == 0


@pytest.mark.parametrize("event_id,tail", [
    (27, "were aborted during detection because a critical control file could not be opened."),
    (29, "were aborted during detection."),
    (28, None),
])
def test_bare_detection_messages_resolve_to_their_own_id(event_id: int, tail: str | None) -> None:
    text = ("The shadow copy of volume D: could not be created due to a failure in creating the "
            "necessary on disk structures." if tail is None
            else f"The shadow copies of volume D: {tail}")
    _ledger, (ev,) = read_text(text)
    assert (ev.provider, ev.event_id) == ("volsnap", event_id)


@pytest.mark.parametrize("event_id,text", [
    (27, "The shadow copies of volume D: were aborted during detection because a critical "
         "control file could not be opened."),
    (28, "The shadow copy of volume D: could not be created due to a failure in creating the "
         "necessary on disk structures."),
    (29, "The shadow copies of volume D: were aborted during detection."),
])
def test_records_render_their_ids_text(event_id: int, text: str) -> None:
    assert render("volsnap", event_id, ["", "D:"]).text == text
