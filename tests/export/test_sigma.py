"""``logscope export sigma`` checked with pySigma itself: parsing, validators, two real backends
(Splunk and Elasticsearch Lucene with their Windows pipelines), and the exported rules run with
pySigma's SQLite backend over the sample bundles' events, against logscope's own matcher."""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from logscope.cli import app
from logscope.export.sigma import EVENTLOG_KINDS, export_sigma, rule_uuid, table
from logscope.match.matcher import Matcher
from logscope.pipeline import iter_events, load_knowledge

sigma_collection = pytest.importorskip("sigma.collection")
from sigma.backends.elasticsearch import LuceneBackend  # noqa: E402
from sigma.backends.splunk import SplunkBackend  # noqa: E402
from sigma.backends.sqlite import sqliteBackend  # noqa: E402
from sigma.pipelines.elasticsearch.windows import ecs_windows  # noqa: E402
from sigma.pipelines.splunk import splunk_windows_pipeline  # noqa: E402
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline  # noqa: E402
from sigma.processing.transformations import FieldMappingTransformation  # noqa: E402
from sigma.validation import SigmaValidator  # noqa: E402
from sigma.validators.core import validators as core_validators  # noqa: E402
from sigma.validators.sigmahq import validators as sigmahq_validators  # noqa: E402

SigmaCollection = sigma_collection.SigmaCollection
ROOT = Path(__file__).resolve().parents[2]

#: Validators not run, each with why. Everything else pySigma and pySigma-validators-sigmahq
#: ship runs on every rule and must report nothing.
NOT_APPLICABLE = {
    # these load SigmaHQ's taxonomy JSON from the network at run time (none on CI machines)
    "sigmahq_category_event_id": "needs downloaded SigmaHQ data",
    "sigmahq_category_windows_provider_name": "needs downloaded SigmaHQ data",
    "sigmahq_fieldname_cast": "needs downloaded SigmaHQ data",
    "sigmahq_invalid_fieldname": "needs downloaded SigmaHQ data",
    "sigmahq_redundant_field": "needs downloaded SigmaHQ data",
    "sigmahq_filename_prefix": "needs downloaded SigmaHQ data",
    "sigmahq_logsource_unknown": "needs downloaded SigmaHQ data",
    # SigmaHQ repository policy, not Sigma validity
    "sigmahq_unknown_field": "the `logscope` custom field (allowed by the Sigma spec) is the "
                             "logscope id; SigmaHQ's own repository forbids custom fields",
    "sigmahq_status_to_high": "SigmaHQ's ageing rule for newly contributed rules (depends on "
                              "today's date); logscope's status is earned by verified examples",
    "number_as_string": "decimal HRESULT forms are searched as text on purpose (|contains)",
}


@pytest.fixture(scope="module")
def knowledge():  # noqa: ANN201
    return load_knowledge(None)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, knowledge):  # noqa: ANN001, ANN201
    out = tmp_path_factory.mktemp("sigma")
    report = export_sigma(*knowledge, out)
    return out, report


def _rules(out: Path) -> dict[str, list[str]]:
    """signature id -> its rules' texts (one per log source its providers write to)."""
    rules: dict[str, list[str]] = {}
    for p in sorted(out.rglob("*.yml")):
        text = p.read_text("utf-8")
        rules.setdefault(yaml.safe_load(text)["logscope"]["id"], []).append(text)
    return rules


def _rule(out: Path, sid: str) -> str:
    """The one rule of a signature that has one."""
    (text,) = _rules(out)[sid]
    return text


def test_every_eventlog_signature_is_exported_or_explained(exported, knowledge) -> None:
    out, report = exported
    library = knowledge[0]
    by_id = {s.id: s for s in report.signatures}
    assert set(by_id) == set(library.signatures)  # nothing silently dropped
    for sid, sig in library.signatures.items():
        entry = by_id[sid]
        if set(sig.kinds) & EVENTLOG_KINDS:
            assert entry.file, f"{sid}: {entry.not_expressed}"
            assert (out / entry.file).is_file()
            assert "remedy" in entry.not_expressed
        else:
            assert entry.file is None and "no-eventlog-kind" in entry.not_expressed
    # what the reasons say matches the rules' content
    writer_vetoed = by_id["guest.vss.writer-vetoed"].not_expressed
    assert writer_vetoed["insert-position"] and "chain.sqlwriter-checkpoint" in writer_vetoed["chain"]
    assert "Data|contains" in _rule(out, "guest.vss.writer-vetoed")
    assert all("keywords" in r for r in _rules(out)["hyperv.checkpoint.disk-full"])
    assert "derived-field" in by_id["hyperv.checkpoint.disk-full"].not_expressed
    assert "other-kinds" in by_id["guest.vss.provider-veto"].not_expressed
    assert "suppress" in by_id["benign.vss-8194-access-denied"].not_expressed
    assert set(table()["reasons"]) >= {r for s in report.signatures for r in s.not_expressed}
    counts = report.counts()
    assert counts["exported"] + counts["not_exported"] == len(library.signatures)


def test_rule_ids_are_uuid5_of_the_signature_id_and_stable(exported, knowledge, tmp_path) -> None:
    out, report = exported
    ids = [s.rule_id for s in report.signatures if s.rule_id]
    assert len(ids) == len(set(ids))
    ns = uuid.UUID(table()["uuid_namespace"])
    for s in report.signatures:
        if s.rule_id:
            assert uuid.UUID(s.rule_id).version == 5
            assert s.rule_id == str(uuid.uuid5(ns, f"logscope:{s.id}")) == rule_uuid(s.id)
            assert (s.file, s.rule_id) == s.rules[0]
            for file, rid in s.rules[1:]:  # a further log source's rule: id of "<id>@<source>"
                rule = yaml.safe_load((out / file).read_text("utf-8"))
                source = rule["logsource"].get("service") or \
                    rule["detection"]["selection"]["Provider_Name"]  # a provider with no service
                assert rid == rule_uuid(f"{s.id}@{source}")
    all_ids = [rid for s in report.signatures for _f, rid in s.rules]
    assert len(all_ids) == len(set(all_ids))
    again = export_sigma(*knowledge, tmp_path)
    for s in again.signatures:
        for file, _rid in s.rules:
            assert (tmp_path / file).read_bytes() == (out / file).read_bytes()


def test_rules_parse_and_pass_pysigma_and_sigmahq_validators(exported) -> None:
    out, report = exported
    files = sorted(str(p) for p in out.rglob("*.yml"))
    assert len(files) == sum(len(s.rules) for s in report.signatures) == report.counts()["rules"]
    coll = SigmaCollection.load_ruleset(files)
    assert len(coll.rules) == len(files)
    assert [e for r in coll.rules for e in r.errors] == []
    for r in coll.rules:  # SigmaHQ folder/file style
        assert re.fullmatch(r"win_[a-z0-9_]+\.yml", Path(str(r.source.path)).name)
        assert r.logsource.product == "windows"
    run = {k: v for k, v in {**core_validators, **sigmahq_validators}.items()
           if k not in NOT_APPLICABLE}
    assert len(run) > 50
    issues = SigmaValidator(run.values()).validate_rules(coll.rules)
    assert [str(i) for i in issues] == []


def _convert(backend, rule_text: str) -> str:  # noqa: ANN001
    """A fresh parse per backend: pipelines change the rule objects they process."""
    (query,) = backend.convert(SigmaCollection.from_yaml(rule_text))
    return query


def test_every_rule_converts_with_splunk_and_elasticsearch(exported) -> None:
    rules = _rules(exported[0])
    for sid, text in ((sid, t) for sid, texts in rules.items() for t in texts):
        spl = _convert(SplunkBackend(splunk_windows_pipeline()), text)
        lucene = _convert(LuceneBackend(ecs_windows()), text)
        assert spl and lucene, sid
        assert "winlog.provider_name" in lucene or "NOT" in lucene or "*" in lucene, sid


def test_converted_queries(exported) -> None:
    rules = {sid: texts[0] for sid, texts in _rules(exported[0]).items() if len(texts) == 1}
    splunk = SplunkBackend(splunk_windows_pipeline())
    assert _convert(splunk, rules["host.vmms.vhd-mount-failed"]) == \
        'Provider_Name="Microsoft-Windows-Hyper-V-VMMS" EventCode=10111'
    assert _convert(splunk, rules["guest.vss.writer-vetoed"]).startswith(
        'source="WinEventLog:Application" Provider_Name="VSS" EventCode=8229 '
        'Data IN ("*0x800423F0*", "*2147754992*", "*-2147212304*", "*0x800423F1*"')
    lucene = LuceneBackend(ecs_windows())
    assert _convert(lucene, rules["hyperv.merge.failed"]) == (
        "(winlog.provider_name:Microsoft\\-Windows\\-Hyper\\-V\\-VMMS AND event.code:19100) AND "
        "(NOT (*0x80070005* OR *2147942405* OR *\\-2147024891*))")
    assert _convert(lucene, rules["guest.volsnap.shadows-deleted"]) == (
        "winlog.channel:System AND (winlog.provider_name:volsnap AND "
        "(event.code:(25 OR 35 OR 36)))")
    assert _convert(lucene, rules["hyperv.config.no-scsi-controller"]).endswith(
        "AND _exists_:winlog.event_data.VmName")


# --- the rules against the sample bundles' events, with pySigma's SQLite backend ----------

#: logscope's own keys in ``data`` (not written in the record)
_DERIVED = {"hresults", "message_source", "summary_only"}


def _row(ev) -> dict[str, str | int | None]:  # noqa: ANN001
    """An event as a SIEM holds it: System fields, EventData by name, the unnamed inserts as
    ``Data``, and ``_raw`` (the whole record's text) for keyword searches."""
    row: dict[str, str | int | None] = {
        "EventID": ev.event_id, "Provider_Name": ev.provider, "Channel": ev.channel,
        "Computer": ev.host, "EventRecordID": ev.record_id}
    unnamed = []
    for key, value in ev.data.items():
        if key in _DERIVED or value is None:
            continue
        if key.isdigit():
            unnamed.append(str(value))
        else:
            row[key] = str(value)
    row["Data"] = "\n".join(unnamed) if unnamed else None
    row["_raw"] = "\n".join([*(str(v) for k, v in ev.data.items() if k not in _DERIVED),
                             ev.message])
    return row


def _eventlog_events(samples: Path, library) -> list:  # noqa: ANN001
    """Every event-log event of the samples: the bundles, the .evtx samples, and each
    signature's native Event XML examples run through the real parser (not the ``event``
    field maps: those are no records, and may set a computed field without its source)."""
    from logscope.ingest.source import IngestOptions
    from logscope.match.validate import example_events

    events = []
    for root in (samples / "bundles", samples / "evtx"):
        for path in sorted(root.iterdir()):
            events.extend(iter_events([path], IngestOptions(), []))
    for sid in sorted(library.signatures):
        for group in library.signatures[sid].examples.values():
            for example in group:
                if "evtx-xml" in example:
                    events.extend(example_events(example))
    return [ev for ev in events if ev.kind in EVENTLOG_KINDS]


def test_sqlite_backend_hits_the_records_logscope_hits(exported, knowledge, samples) -> None:
    library, _ = knowledge
    matcher = Matcher(library)
    events = _eventlog_events(samples, library)
    rows = [_row(ev) for ev in events]
    expected: dict[str, set[int]] = {}
    for i, ev in enumerate(events):
        for hit in matcher.match(ev):
            expected.setdefault(hit.signature.id, set()).add(i)
    assert len(rows) >= 80 and len(expected) >= 30  # the samples do exercise the rules
    columns = sorted({c for r in rows for c in r} | {"ErrorCode", "ErrorMessage", "VmName"})
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, lambda pat, s: s is not None and re.search(pat, s) is not None)
    quoted = ", ".join(f'"{c}" COLLATE NOCASE' for c in columns)
    db.execute(f"CREATE TABLE logs (rowid_ INTEGER, {quoted})")
    for i, r in enumerate(rows):
        names = ", ".join(f'"{c}"' for c in r)
        db.execute(f"INSERT INTO logs (rowid_, {names}) VALUES (?{', ?' * len(r)})",
                   [i, *r.values()])
    # keywords search the whole record, as Splunk's _raw does
    raw = ProcessingPipeline(name="keywords to _raw", priority=50, items=[ProcessingItem(
        identifier="keywords_raw", transformation=FieldMappingTransformation({None: "_raw"}))])
    compared = 0
    for sid, texts in _rules(exported[0]).items():
        got: set[int] = set()  # a signature's rules together hit what the signature hits
        for text in texts:
            query = _convert(sqliteBackend(raw), text).replace("SELECT *", "SELECT rowid_", 1)
            got |= {i for (i,) in db.execute(query)}
        assert got == expected.get(sid, set()), (sid, texts)
        compared += bool(got)
    assert compared >= 30


def test_cli_export_sigma(tmp_path) -> None:
    res = CliRunner().invoke(app, ["export", "sigma", "--output", str(tmp_path / "rules")])
    assert res.exit_code == 0, res.output
    first = res.stdout.splitlines()[0]
    m = re.match(r"Sigma export to .*: (\d+) of (\d+) signatures exported, (\d+) not exported",
                 first)
    assert m
    files = list((tmp_path / "rules").rglob("*.yml"))
    assert int(m[1]) == len({yaml.safe_load(f.read_text("utf-8"))["logscope"]["id"] for f in files})
    assert "guest.writer.timeout: NOT EXPORTED" in res.stdout
    assert "    - no-eventlog-kind: vssadmin" in res.stdout
    res = CliRunner().invoke(app, ["export", "sigma", "-o", str(tmp_path / "j"), "-f", "json"])
    assert res.exit_code == 0
    import json

    doc = json.loads(res.stdout)
    assert doc["counts"]["exported"] == int(m[1]) and doc["counts"]["rules"] == len(files)
    assert all(s["exported"] == bool(s["file"]) for s in doc["signatures"])
    res = CliRunner().invoke(app, ["export", "sigma", "-o", str(tmp_path / "x"),
                                   "--signatures", str(tmp_path / "missing")])
    assert res.exit_code == 2


# --- one rule per log source ----------------------------------------------------------------

def test_providers_inside_any_give_one_rule_per_log_source(exported) -> None:
    """hyperv.checkpoint.disk-full names VMMS and Worker inside ``any:`` (beside its
    pasted-text form): a rule per channel, each testing only its provider, never one rule
    for "any provider"."""
    out, report = exported
    entry = next(s for s in report.signatures if s.id == "hyperv.checkpoint.disk-full")
    assert len(entry.rules) == 2
    coll = SigmaCollection.load_ruleset([str(out / f) for f, _ in entry.rules])
    by_service = {r.logsource.service: r for r in coll.rules}
    assert set(by_service) == {"hyper-v-vmms", "hyper-v-worker"}
    assert {str(r.id) for r in coll.rules} == {rid for _f, rid in entry.rules}
    for r in coll.rules:  # each names the other as a similar rule
        assert [(str(x.id), x.type.name) for x in r.related.related] == \
            [(rid, "SIMILAR") for _f, rid in entry.rules if rid != str(r.id)]
    spl = _convert(SplunkBackend(splunk_windows_pipeline()),
                   (out / entry.rules[1][0]).read_text("utf-8"))
    assert 'Provider_Name="Microsoft-Windows-Hyper-V-Worker"' in spl and "VMMS" not in spl
    assert not any("any_provider" in f for f, _ in entry.rules)


@pytest.mark.parametrize("sid", ["vss.object-not-found", "vss.writer-timeout-message",
                                 "guest.vss.insufficient-storage"])
def test_a_pasted_text_alternative_is_no_part_of_the_rule(exported, sid: str) -> None:
    """The event-log alternative names VSS; the other reads pasted kinds only. The rule is
    the Application log's, and a code anywhere in any record does not fire it."""
    out, _ = exported
    rule = yaml.safe_load(_rule(out, sid))
    assert rule["logsource"]["service"] == "application"
    assert sorted(rule["detection"]["condition"].split(" and ")) == ["keywords", "selection"]
    assert rule["detection"]["selection"]["Provider_Name"] == "VSS"
