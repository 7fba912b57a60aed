"""A pasted message that a template identifies fires the same signature however it arrives: as
Event Viewer text (source and id labelled), as a wevtutil block, or as the bare sentence (the
template gives it provider and id). Only text no template reads (a message cut short) is left to
the ``*-message`` twins. Texts are quoted from public pages (named per case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.events import Event
from logscope.match.library import load_library
from logscope.match.matcher import Matcher

from .helpers import read_text

REALWORLD = Path(__file__).resolve().parents[1] / "realworld"

CASES = [
    # backup.education thread-5: volsnap 25 as the thread quotes it
    ("volsnap", 25, "guest.volsnap.shadows-deleted",
     "The shadow copies of volume C: were deleted because the shadow copy storage could not grow "
     "in time. Consider reducing the IO load on the system or choose a shadow copy storage volume "
     "that is not being shadow copied."),
    # KB826936: the Windows Server 2003 wording of volsnap 25 (localised/en.yml)
    ("volsnap", 25, "guest.volsnap.shadows-deleted",
     "The shadow copies of volume VolumeName were aborted because the diff area file could not "
     "grow in time. Consider reducing the IO load on this system to avoid this problem in the "
     "future."),
    # harryjohn.org (B3): volsnap 41
    ("volsnap", 41, "guest.volsnap.insufficient-storage",
     "When preparing a new volume shadow copy for volume C:, the shadow copy storage on volume C: "
     "did not have sufficiently large contiguous blocks. Consider deleting unnecessary files on "
     "the shadow copy storage volume or use a different shadow copy storage volume."),
    # systemcenter.wiki (cluster management pack knowledge): FailoverClustering 1584
    ("Microsoft-Windows-FailoverClustering", 1584, "csv.backup-not-prepared",
     "A backup application initiated a VSS snapshot on Cluster Shared Volume 'Volume1' "
     "('C:\\ClusterStorage\\Volume1') without properly preparing the volume for snapshot. This "
     "snapshot may be invalid and the backup may not be usable for restore operations."),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_library())


def _hits(matcher: Matcher, evs: list[Event]) -> set[str]:
    return {h.signature.id for ev in evs for h in matcher.match(ev)}


def _event_viewer(provider: str, event_id: int, message: str) -> str:
    return (f"Log Name:      System\nSource:        {provider}\nDate:          14.03.2026 09:02:01\n"
            f"Event ID:      {event_id}\nTask Category: None\nLevel:         Error\n"
            f"Keywords:      Classic\nUser:          N/A\nComputer:      SQL01.contoso.local\n"
            f"Description:\n{message}\n")


@pytest.mark.parametrize("provider,event_id,sig,message", CASES, ids=lambda v: str(v)[:24])
def test_bare_message_and_event_viewer_text_fire_the_same_signature(
        matcher: Matcher, provider: str, event_id: int, sig: str, message: str) -> None:
    _, bare = read_text(message)
    _, labelled = read_text(_event_viewer(provider, event_id, message))
    assert [(e.kind, e.provider, e.event_id) for e in bare] == [("event-text", provider, event_id)]
    assert [(e.kind, e.event_id) for e in labelled] == [("event-text", event_id)]
    assert sig in _hits(matcher, bare)
    assert _hits(matcher, bare) == _hits(matcher, labelled)


@pytest.mark.parametrize("case,event_id,sig", [
    ("vss-kb833167-volsnap-nonpaged-pool", 5, "guest.volsnap.insufficient-memory"),
    ("vss-kb833167-volsnap-free-space-computation", 20, "guest.volsnap.shadows-aborted"),
])
def test_kb833167_one_line_events_are_read_by_the_2003_wordings(
        matcher: Matcher, case: str, event_id: int, sig: str) -> None:
    ledger, evs = read_text((REALWORLD / case / "evidence.txt").read_text("utf-8"))
    assert ledger.kind == "message-text"
    ev, = evs
    assert (ev.kind, ev.provider, ev.event_id) == ("event-text", "volsnap", event_id)
    assert ev.data["message_template"] == f"volsnap/{event_id} (en)"
    assert ev.data["2"] == "X:"  # the volume, where an .evtx record keeps it
    assert "message_original" not in ev.data  # English stays as pasted
    assert _hits(matcher, evs) == {sig}


def test_a_message_cut_short_is_left_to_the_twin(matcher: Matcher) -> None:
    ledger, evs = read_text("The shadow copies of volume C: were deleted because the shadow copy "
                            "storage could not grow in time. ...")
    ev, = evs
    assert (ev.kind, ev.provider, ev.event_id) == ("message-text", None, None)
    assert _hits(matcher, evs) == {"guest.volsnap.shadows-deleted-message"}


@pytest.mark.parametrize("event_id,sig,message", [
    # the VSS 12289 and 8193 templates (logscope/data/messages/vss.yml) with the inserts that a
    # requester's failure gives them
    (12289, "vss.object-not-found",
     "Volume Shadow Copy Service error: Unexpected error DeviceIoControl(\\\\?\\Volume{5f4c3b2a-"
     "0000-0000-0000-100000000000},0x0053c008,...). hr = 0x80042308, The specified object was "
     "not found."),
    (8193, "vss.writer-timeout-message",
     "Volume Shadow Copy Service error: Unexpected error calling routine WaitForMultipleObjects. "
     "hr = 0x800423F2, The writer's timeout expired between the Freeze and Thaw events."),
], ids=["0x80042308", "0x800423F2"])
def test_a_code_in_an_identified_message_is_read_both_ways(
        matcher: Matcher, event_id: int, sig: str, message: str) -> None:
    """The code signatures read pasted events too: identifying a bare VSS message as its event
    (event-text) must not hide the HRESULT it carries from them."""
    _, bare = read_text(message)
    _, labelled = read_text(_event_viewer("VSS", event_id, message).replace("System", "Application"))
    assert [(e.kind, e.provider, e.event_id) for e in bare] == [("event-text", "VSS", event_id)]
    assert sig in _hits(matcher, bare)
    assert _hits(matcher, bare) == _hits(matcher, labelled)
