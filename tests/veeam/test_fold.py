"""Folding plain Veeam lines (ingest/veeam/fold.py): the report is the one the full
line-by-line read gives -- hits, hints, identities, sessions, counts, problems, line numbers --
on real Veeam text (samples, corpus) and on generated logs around block boundaries.

The fold is made eager here (small blocks, stretches of one line folded) so that every
sample crosses many block boundaries and folds wherever it can.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from logscope.ingest.source import IngestOptions
from logscope.ingest.veeam import fold, plain
from logscope.ingest.veeam.reader import fold_triggers
from logscope.match.library import load_library
from logscope.match.matcher import Matcher
from logscope.match.text_gate import consumer_patterns
from logscope.pipeline import analyze
from logscope.report.build import build_report

PLAIN = "[07.07.2021 16:34:{s:02d}] <01> Info     Plain line {i}\n"


def _report(paths: list[Path], folding: bool, **opts: Any) -> dict[str, Any]:  # noqa: ANN401
    extra = {} if folding else {"veeam_fold": False}
    rep = build_report(analyze(paths, IngestOptions(extra=extra, **opts)))
    rep.pop("meta", None)
    for f in rep.get("files", []):
        f.pop("summarized", None)
    return json.loads(json.dumps(rep, default=str))


def _summarized(paths: list[Path]) -> int:
    a = analyze(paths, IngestOptions())
    return sum(led.summarized for led in a.ledgers)


@pytest.fixture()
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fold, "BLOCK", 257)
    monkeypatch.setattr(fold, "MIN_FOLD", 1)
    monkeypatch.setattr(fold, "DENSE_BLOCKS", 0)  # decide every line, however dense


def _same(paths: list[Path], **opts: Any) -> None:  # noqa: ANN401
    assert _report(paths, True, **opts) == _report(paths, False, **opts)


def _veeam_texts(samples: Path) -> list[Path]:
    return sorted(p for p in (samples / "veeam").iterdir() if p.suffix in (".log", ".txt"))


def test_samples_veeam_same_report(samples: Path, eager: None) -> None:
    # real job logs are dense: nearly every line names something (the spliced test folds)
    _same(_veeam_texts(samples))


BUNDLES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "samples" / "bundles")
                 .iterdir() if p.is_dir())


@pytest.mark.parametrize("bundle", BUNDLES)
def test_sample_bundles_same_report(samples: Path, eager: None, bundle: str) -> None:
    _same([samples / "bundles" / bundle])


def test_corpus_veeam_texts_same_report(shared: Path, eager: None) -> None:
    texts = sorted(p for p in (shared / "corpus" / "text" / "veeam").iterdir()
                   if p.suffix == ".log")
    assert texts
    _same(texts)


def _mixed_log(samples: Path, tmp_path: Path, newline: str = "\n") -> Path:
    """A real job log with runs of plain lines spliced between its entries."""
    real = (samples / "veeam" / "Job.SQL_Backup.Backup.log").read_text("utf-8").splitlines()
    out: list[str] = []
    for k, line in enumerate(real):
        out.append(line + "\n")
        if line.startswith("[") and k % 3 == 0:
            out.extend(PLAIN.format(s=(i * 7) % 60, i=i) for i in range(k % 11))
    path = tmp_path / "Job.Mixed.Backup.log"
    path.write_bytes("".join(out).replace("\n", newline).encode())
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_real_entries_between_plain_runs(samples: Path, tmp_path: Path, eager: None,
                                         newline: str) -> None:
    path = _mixed_log(samples, tmp_path, newline)
    _same([path])
    assert _summarized([path]) > 0


def test_multiline_entries_across_blocks(tmp_path: Path, eager: None) -> None:
    """Continuations, stack frames and a run header land on every block boundary."""
    parts = []
    for i in range(40):
        parts += [PLAIN.format(s=i % 60, i=i) for _ in range(i % 5)]
        parts.append(f"[07.07.2021 16:35:{i % 60:02d}] <07> Error    Failed step {i}\n")
        if i % 2:
            parts.append(f"   continuation text {i}\n\n   after a blank {i}\n")
        if i % 3 == 0:
            parts.append(f"[07.07.2021 16:35:{i % 60:02d}] <07> Error       at Veeam.Frame{i}()\n")
        if i == 20:
            parts += ["=" * 40 + "\n", "Starting new log\n", "UTC offset: 2.00 hours\n"]
    path = tmp_path / "Job.Frames.Backup.log"
    path.write_text("".join(parts))
    for block in (64, 97, 257, 4096):
        fold.BLOCK = block
        rep = _report([path], True)
        assert rep == _report([path], False)
    assert rep["files"][0]["info"]["lines"] == len("".join(parts).splitlines())
    assert _summarized([path]) > 0


def test_line_longer_than_block_and_truncated_last_line(tmp_path: Path, eager: None) -> None:
    body = "".join(PLAIN.format(s=i % 60, i=i) for i in range(30))
    long = "[07.07.2021 16:40:00] <02> Info     " + "y" * 5000 + "\n"
    path = tmp_path / "Job.Long.Backup.log"
    path.write_text(body + long + body + "[07.07.2021 16:41:00] <02> Info     cut he")
    _same([path])
    _same([path], max_line_bytes=2000)  # the long line is cut: same problem, same count
    assert _summarized([path]) > 0


def test_gzip_nul_and_non_ascii(tmp_path: Path, eager: None) -> None:
    body = "".join(PLAIN.format(s=i % 60, i=i) for i in range(50))
    text = (body + "[07.07.2021 16:40:00] <02> Info     Job Name: [Sicherung Büro]\n" + body
            + "[07.07.2021 16:40:01] <02> Info     nul \x00 here\n" + body
            + "[07.07.2021 16:40:02] <02> Info     lone\rcr\n" + body)
    path = tmp_path / "Job.Odd.Backup.log"
    path.write_bytes(text.encode("utf-8") + b"[07.07.2021 16:40:03] <02> Info bad \xff\n")
    _same([path])
    assert _summarized([path]) > 0
    gz = tmp_path / "Job.Odd.Backup.log.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    _same([gz])


def test_counts_and_times_of_a_folded_log(tmp_path: Path) -> None:
    """The default blocks: the ledger counts every entry as read, none skipped, the line
    accounting closes, and only a handful of entries became events."""
    lines = [PLAIN.format(s=i % 60, i=i) for i in range(5000)]
    lines[2500] = "[07.07.2021 16:34:05] <03> Info     Load: Source 95% > Proxy 0% > Target 0%\n"
    lines[1000] = "[07.07.2021 16:20:00] <03> Info     earliest\n"
    lines[4000] = "[07.07.2021 16:50:00] <03> Info     latest\n"
    path = tmp_path / "Job.Plain.Backup.log"
    path.write_text("".join(lines))
    a = analyze([path], IngestOptions())
    led = a.ledgers[0]
    assert (led.records, led.skipped, led.info["lines"]) == (5000, 0, 5000)
    assert led.summarized > 4980
    assert led.info["time_sources"] == {"local": 5000}
    rep = _report([path], True)
    assert rep == _report([path], False)
    sessions = rep["throughput"]["sessions"] if "throughput" in rep else None
    if sessions:
        assert sessions[0]["start"].startswith("2021-07-07T16:20:00")
        assert sessions[0]["end"].startswith("2021-07-07T16:50:00")


def test_census_and_keep_events_read_every_line(tmp_path: Path) -> None:
    path = tmp_path / "Job.Plain.Backup.log"
    path.write_text("".join(PLAIN.format(s=i % 60, i=i) for i in range(300)))
    a = analyze([path], IngestOptions(), keep_events=True)
    assert a.events is not None and len(a.events) == 300
    assert a.ledgers[0].summarized == 0


def test_signature_with_no_text_condition_turns_folding_off() -> None:
    """A Veeam signature that needs no text (say, every Error line) may hit any line: the
    gate then gives no patterns and every line is parsed; an anchored message regex too."""
    matcher = Matcher(load_library(None))
    assert consumer_patterns(matcher, "veeam")
    comps = matcher.index()[("veeam", None, None)]
    levels_only = dataclasses.replace(comps[0].sig, match={"kind": "veeam", "level": "Error"})
    comps.append(dataclasses.replace(comps[0], sig=levels_only, prefilter=None))
    matcher._cache.clear()  # noqa: SLF001
    assert consumer_patterns(matcher, "veeam") is None
    comps[-1] = dataclasses.replace(comps[0], prefilter=("raw", ["^Job failed"]))
    matcher._cache.clear()  # noqa: SLF001
    assert consumer_patterns(matcher, "veeam") is None
    assert fold_triggers("veeam", IngestOptions(extra={"veeam_fold": lambda kind: None})) is None


def _check_prefilter(paths: list[Path]) -> tuple[int, int]:
    """Every real server-log line the trigger pattern passes over, read alone, names nothing
    (no entity, no HRESULT, no throughput sentence) and hits no signature. Returns how many
    plain lines it passed over and how many it flagged."""
    from logscope.events import Event, Locator
    from logscope.hresult import find_in_text
    from logscope.ingest.veeam import entities
    from logscope.ingest.veeam.lines import _new_entry, parse_prefix
    from logscope.match.text_gate import veeam_fold
    from logscope.throughput.extract import needles

    matcher = Matcher(load_library(None))
    triggers = fold.compile_triggers(veeam_fold(matcher)("veeam") or [], plain.SERVER)
    assert triggers is not None
    passed = flagged = 0
    for path in paths:
        for raw in path.read_bytes().splitlines():
            line = raw + b"\n"
            if plain.SERVER.run.match(line).end() != len(line):  # not plain: parsed
                continue
            if triggers.search(line):
                flagged += 1
                continue
            passed += 1
            text = raw.decode()
            m, quote = parse_prefix(text)  # type: ignore[misc]
            msg = _new_entry(1, text, m, quote, None).text
            assert entities.extract(msg) == {}, text
            assert find_in_text(msg) == [], text
            assert not any(n in msg for n in needles()), text
            for level in ("Info", "Warning", "Error"):
                ev = Event(kind="veeam", file=path.name, locator=Locator(line=1), message=msg,
                           level=level)
                assert matcher.match(ev) == [], text
    return passed, flagged


def test_prefilter_on_real_lines(samples: Path) -> None:
    paths = [p for p in (samples / "veeam").iterdir() if p.name.startswith(("Job.", "Task."))]
    passed, flagged = _check_prefilter(paths)
    assert passed >= 5 and flagged >= 20  # it passes over some lines: not simply 'every line'


def test_prefilter_on_corpus_lines(shared: Path) -> None:
    paths = sorted((shared / "corpus" / "text" / "veeam").glob("vbr*.log"))
    passed, flagged = _check_prefilter(paths)
    assert passed + flagged > 0


def test_dense_blocks_parsed_whole_give_the_same_report(samples: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """After a block of mostly interesting lines the next ones are parsed whole, then the
    reader goes back to deciding line by line: same report, and still some lines folded."""
    monkeypatch.setattr(fold, "BLOCK", 300)
    monkeypatch.setattr(fold, "MIN_FOLD", 1)
    monkeypatch.setattr(fold, "DENSE_BLOCKS", 2)
    real = (samples / "veeam" / "Job.SQL_Backup.Backup.log").read_text("utf-8")
    plain = "".join(PLAIN.format(s=i % 60, i=i) for i in range(60))
    path = tmp_path / "Job.Dense.Backup.log"
    path.write_text((real + plain) * 4)
    _same([path])
    assert _summarized([path]) > 0


def _random_log(r: random.Random) -> bytes:
    """A job log of random line kinds: plain lines (times out of order, some impossible
    dates), entity and signature lines, stack frames, continuations, blank lines, run
    headers, quoted lines, NULs, non-ASCII, lone CRs, long lines, a cut last line."""
    out: list[str] = []
    t = 0
    guid = "3f9a1c77-2b6e-4d8a-a1f0-5c2e9d7b4a1{}"

    def stamp() -> str:
        nonlocal t
        t = max(0, t + r.randint(-3, 20))
        day = r.choice(["07.07.2021"] * 12 + ["30.02.2021", "29.02.2020", "31.04.2021",
                                               "00.01.2021", "31.12.9999"])
        frac = r.choice(["", "", ".123", ",5", ".1234567"])
        return f"[{day} {t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}{frac}]"

    for _ in range(r.randint(20, 160)):
        k = r.random()
        tid = r.choice(["01", "18", "7"])
        if k < 0.55:
            out += [f"{stamp()} <{tid}> Info     plain {r.randint(0, 99)}"] * r.randint(1, 6)
        elif k < 0.62:
            out.append(f"{stamp()} <{tid}> Info     " + r.choice([
                "Job Name: [Nightly]", f"Task session '{guid.format(r.randint(0, 9))}' "
                f"created for Vm 'VM{r.randint(0, 3)}'", "Load: Source 9% > Proxy 1% > Target 0%",
                "Primary bottleneck: Source", f"JobSession '{guid.format(1)}'",
                "Failed to create VM recovery checkpoint (mode: Crash consistent). Error code: "
                "'32768'", "code 0x800423F4 seen", "Job Type: [Hyper-V Backup]"]))
        elif k < 0.68:
            s = stamp()
            out += [f"{s} <{tid}> Error    Failed step", f"{s} <{tid}> Error       at X.Y()"]
        elif k < 0.74:
            out += ["   continuation", ""] if r.random() < 0.5 else ["   more text"]
        elif k < 0.78:
            out += ["", "=" * 30, "Starting new log", r.choice(
                ["UTC offset: 2.00 hours", "UTC Time: [7/7/2021 2:00:00 PM]", "Culture: [en-US]"]),
                ""]
        elif k < 0.81:
            out.append(f"> {stamp()} <{tid}> Info     quoted")
        elif k < 0.84:
            out.append(f"{stamp()} <{tid}> Info     " + r.choice(
                ["nul\x00here", "Büro", "lone\rcr", "x" * 1500, "\t tab"]))
        else:
            out.append(f"{stamp()} <{tid}> {r.choice(['Warning', 'Debug', 'Info'])}  plain")
    nl = r.choice(["\n", "\r\n"])
    text = nl.join(out) + (nl if r.random() < 0.8 else "")
    return text.encode("utf-8", "surrogatepass")


def test_random_logs_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for seed in range(30):
        r = random.Random(seed)
        monkeypatch.setattr(fold, "BLOCK", r.choice([64, 150, 257, 1000, 1 << 20]))
        monkeypatch.setattr(fold, "MIN_FOLD", r.choice([1, 2, 5]))
        monkeypatch.setattr(fold, "DENSE_BLOCKS", r.choice([0, 0, 2]))
        path = tmp_path / f"Job.R{seed}.Backup.log"
        path.write_bytes(_random_log(r))
        assert _report([path], True) == _report([path], False), seed
        path.unlink()


def test_text_gate_names_the_kinds_plain_folds() -> None:
    """``match/text_gate`` and the reader spell the foldable kinds out (``plain`` builds its
    grammars on first use: start-up cost); they must stay the grammars' kinds."""
    from logscope.ingest.veeam import reader
    from logscope.match.text_gate import FOLDABLE_KINDS

    assert FOLDABLE_KINDS == reader.FOLDABLE_KINDS == tuple(plain.BY_KIND)
    assert plain.SERVER is plain.BY_KIND["veeam"] and plain.SESSION.kind == "veeam-session"
