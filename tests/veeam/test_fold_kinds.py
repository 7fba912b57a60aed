"""Folding plain lines of Veeam agent logs and session text (``ingest/veeam/plain.py``): the
report is the one the full line-by-line read gives -- hits, hints, counts, components,
problems, line numbers -- on real agent lines and real session text, spliced between runs of
plain lines, around block boundaries, and on random mixes of every line form the two
grammars know.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from logscope.ingest.veeam import fold
from tests.pasted_readers.helpers import DATA
from tests.veeam.test_fold import _report, _same, _summarized, eager  # noqa: F401 - fixture

AGENT_LOG = DATA / "veeam_agent_linux_veeamsnap25_system_map.log"
SESSION_CORPUS = "corpus/text/veeam"
COMPONENTS = ["vsnap ", "lpbcore", "prtcl ", "", "cli", "net.io", "Agent[2]"]


def _agent_plain(r: random.Random, i: int) -> str:
    comp = r.choice(COMPONENTS)
    tid = r.choice(["139937450014464", "  5084", "6388"])
    return f"[12.10.2021 04:30:{i % 60:02d}.{i % 1000:03d}] <{tid}> {comp}| plain agent line {i}"


def _agent_real() -> list[str]:
    return AGENT_LOG.read_text("utf-8").splitlines()


def test_real_agent_log_same_report(eager: None) -> None:  # noqa: F811
    _same([AGENT_LOG])


def test_real_agent_lines_between_plain_runs(tmp_path: Path, eager: None) -> None:  # noqa: F811
    """The real ERR entry with its ``>>`` lines, a component-less line and a second thread,
    each after a run of plain lines; the ERR entry's head is a neighbour, never folded."""
    r = random.Random(5)
    out: list[str] = []
    for k, line in enumerate(_agent_real() * 3):
        out.extend(_agent_plain(r, i) for i in range(k % 7))
        out.append(line)
    path = tmp_path / "Agent.Spliced.Source.log"
    path.write_text("\n".join(out) + "\n")
    rep = _report([path], True)
    assert rep == _report([path], False)
    assert _summarized([path]) > 0
    # the error entry keeps its continuation lines: its range is the line-by-line one
    errs = [h for h in rep["timeline"] if "Snapshot creation" in (h.get("text") or "")]
    assert all(h["locator"].get("end_line", 0) > h["locator"]["line"] for h in errs)
    assert rep["files"][0]["info"]["components"]["lpbcore"] > 3


@pytest.mark.parametrize("block", [97, 257, 4096])
def test_agent_forms_across_blocks(tmp_path: Path, eager: None, block: int,  # noqa: F811
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Codes written the ways agents write them (negative decimal, names, last-error words),
    a run header with its offset, blank lines, a quoted line, non-ASCII and an overlong line
    land on block boundaries; reports equal, and such a line is a hit in both."""
    monkeypatch.setattr(fold, "BLOCK", block)
    r = random.Random(block)
    specials = [
        "[12.10.2021 04:31:00.000] <6388> vss| ERR |Snapshot failed, error -2147212302",
        "[12.10.2021 04:31:01.000] <6388> vss| WARN|Writer status: Timed out",
        "[12.10.2021 04:31:02.000] <6388> vss| ERR |VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED",
        "[12.10.2021 04:31:03.000] <6388> vss| >> |--tr:continuation of another thread",
        "", "=" * 40, "Starting new log", "UTC offset: 2.00 hours", "",
        "> [12.10.2021 04:31:04.000] <6388> vss| quoted in a mail",
        "[12.10.2021 04:31:05.000] <6388> vss| Sicherung Büro",
        "[12.10.2021 04:31:06.000] <6388> vss| " + "x" * 1500,
        "   an unprefixed line joining the entry before it",
        "[30.02.2021 04:31:07.000] <6388> vss| impossible date",
    ]
    out: list[str] = []
    for k, line in enumerate(specials * 2):
        out.extend(_agent_plain(r, i) for i in range(r.randint(0, 9)))
        out.append(line)
    path = tmp_path / "Agent.Forms.Source.log"
    path.write_text("\n".join(out) + "\n")
    rep = _report([path], True)
    assert rep == _report([path], False)
    assert {h["signature"] for h in rep["hits"]} >= {"vss.writer-timeout-message",
                                                      "vss.max-snapshots-reached"}
    assert _summarized([path]) > 0


def test_agent_components_past_the_cap(tmp_path: Path, eager: None) -> None:  # noqa: F811
    """Over 64 components: counting stops at the 64th both ways (the per-line path)."""
    lines = [f"[12.10.2021 04:30:{i % 60:02d}.000] <77> comp{i % 90}| plain {i}"
             for i in range(400)]
    path = tmp_path / "Agent.Many.Source.log"
    path.write_text("\n".join(lines) + "\n")
    rep = _report([path], True)
    assert rep == _report([path], False)
    assert len(rep["files"][0]["info"]["components"]) == 64
    assert _summarized([path]) > 0


def test_default_blocks_count_every_agent_entry(tmp_path: Path) -> None:
    r = random.Random(1)
    lines = [_agent_plain(r, i) for i in range(5000)]
    path = tmp_path / "Agent.Plain.Source.log"
    path.write_text("\n".join(lines) + "\n")
    from logscope.ingest.source import IngestOptions
    from logscope.pipeline import analyze

    led = analyze([path], IngestOptions()).ledgers[0]
    assert (led.kind, led.records, led.skipped, led.info["lines"]) == ("veeam-agent", 5000, 0, 5000)
    assert led.summarized > 4900
    assert sum(led.info["components"].values()) == sum(1 for x in lines if "> |" not in x)


# -- session text --------------------------------------------------------------------------

def _session_texts(samples: Path, shared: Path | None) -> list[Path]:
    found = [samples / "veeam" / "session.txt",
             DATA / "veeam_agent_session_zfsin354_vss_0x80042306.txt",
             DATA / "veeam_agent_linux_session_veeamsnap12_ioctl.txt"]
    if shared is not None:
        found += sorted((shared / SESSION_CORPUS).glob("session_text_*.log"))
    return found


def _session_plain(r: random.Random, i: int) -> str:
    return r.choice(["Waiting for resources", "> Processing disk 1", "- Queued for processing",
                     "containing writer's data. VSS asynchronous operation",
                     "Retention policy applied", "  [info] Preparing guest"]) + f" {i}"


def test_real_session_text_same_report(samples: Path, shared: Path, eager: None) -> None:  # noqa: F811
    for path in _session_texts(samples, shared):
        _same([path])


def test_real_session_lines_between_plain_runs(samples: Path, shared: Path, tmp_path: Path,
                                               eager: None) -> None:  # noqa: F811
    """Real session text (header with the job and retry, labels, wrapped lines, ``[error]``
    tags with durations, a hit) spliced between runs of short plain lines."""
    r = random.Random(7)
    out: list[str] = []
    for path in _session_texts(samples, shared):
        for k, line in enumerate(path.read_text("utf-8").splitlines()):
            out.extend(_session_plain(r, i) for i in range(k % 9 + 1))
            out.append(line)
    path = tmp_path / "session.txt"
    path.write_text("\r\n".join(out) + "\r\n")
    rep = _report([path], True)
    assert rep == _report([path], False)
    assert rep["hits"] and _summarized([path]) > 0


def _random_session(r: random.Random) -> str:
    out: list[str] = []
    for _ in range(r.randint(20, 150)):
        k = r.random()
        if k < 0.6:
            out += [_session_plain(r, r.randint(0, 99))] * r.randint(1, 6)
        elif k < 0.68:
            out += ["Failed to create snapshot: Backup job failed. Cannot create a shadow copy",
                    "of the volumes containing writer's data. Code: [0x80042306]."]
        elif k < 0.74:
            out += ["Details :", r.choice(["", "Error text after a label"])]
        elif k < 0.78:
            out.append(f"Backup job: Nightly{r.randint(0, 3)} (Retry {r.randint(1, 3)})Created by"
                       f" CORP\\admin at 2{r.randint(0, 8)}/05/2016 22:51. | Failed-- | --")
        elif k < 0.83:
            out.append(r.choice(["Read: 1.2 TB", "Transferred: 310 GB (3.9x)", "Duration: 3:12:40",
                                 "Processing rate: 85 MB/s", "Bottleneck: Target"]))
        elif k < 0.88:
            out.append("      [error] Failed to take volume snapshot" + " " * 40 + "00:00:01")
        elif k < 0.93:
            out.append(r.choice(["", "   ", "> ", "Büro sichern", "tab\there", "x" * 70,
                                 "ends in a colon:"]))
        else:
            out.append("lower case line that might wrap " + "y" * r.randint(0, 40))
    return r.choice(["\n", "\r\n"]).join(out) + "\n"


def _random_agent(r: random.Random) -> str:
    out: list[str] = []
    real = _agent_real()
    for _ in range(r.randint(20, 150)):
        k = r.random()
        if k < 0.6:
            out += [_agent_plain(r, r.randint(0, 999))] * r.randint(1, 6)
        elif k < 0.7:
            out += real[r.randint(0, len(real) - 1):][: r.randint(1, 4)]
        elif k < 0.76:
            out.append(f"[12.10.2021 04:31:00.000] <6388> vss| {r.choice(['ERR ', '>>  ', 'WARN'])}"
                       f"|{r.choice(['Timed out', 'error 2147754994', 'plain'])}")
        elif k < 0.8:
            out += ["", "=" * 30, "Starting new log", "UTC offset: -5.00 hours", ""]
        elif k < 0.86:
            out.append(r.choice(["", "  continued text", "Büro", "[18.05.2020 00:00:15] <01> Info"
                                 "     server form", "[12.10.2021 04:31:00.000] <6388>    |   odd"]))
        else:
            out.append(f"[12.10.2021 04:31:{r.randint(0, 59):02d}] <  5084> Info     level form")
    return r.choice(["\n", "\r\n"]).join(out) + r.choice(["\n", ""])


def _random_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                        make: Callable[[random.Random], str]) -> None:
    folded = 0
    for seed in range(25):
        r = random.Random(seed)
        monkeypatch.setattr(fold, "BLOCK", r.choice([64, 150, 257, 1000, 1 << 20]))
        monkeypatch.setattr(fold, "MIN_FOLD", r.choice([1, 2, 5]))
        monkeypatch.setattr(fold, "DENSE_BLOCKS", r.choice([0, 0, 2]))
        path = tmp_path / name
        path.write_text(make(r))
        assert _report([path], True) == _report([path], False), seed
        folded += _summarized([path])
    assert folded > 0


def test_random_session_text_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _random_same_report(tmp_path, monkeypatch, "session.txt", _random_session)


def test_random_agent_logs_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _random_same_report(tmp_path, monkeypatch, "Agent.R.Source.log", _random_agent)
