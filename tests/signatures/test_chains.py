"""The catalogue's §12 chains fire end to end on bundles built from the signatures' own examples.

Each bundle is a folder of native records (Event XML exports, a Veeam job log) taken from the
``examples`` of the signatures the chain names, so the chain is tested on the same evidence
the signatures are validated on.
"""

from __future__ import annotations

from pathlib import Path

from logscope.correlate.chains import load_chains
from logscope.ingest.source import IngestOptions
from logscope.match.library import load_library
from logscope.pipeline import analyze

LIB = load_library()


def _example(sid: str, expect: str = "match", i: int = 0) -> str:
    # the one native form of the example (a public example also carries its 'source' URL)
    (_, body), = ((k, v) for k, v in LIB.signatures[sid].examples[expect][i].items()
                  if k != "source")
    return str(body)


def _hints(tmp: Path) -> dict[str, object]:
    return {f.id: f for f in analyze([tmp], IngestOptions()).correlation.hints}


def test_scsi_controller_then_autorecovery_file(tmp_path: Path) -> None:
    host = tmp_path / "HV02"
    host.mkdir()
    # run 1: VMMS 10103 for VM001; run 2 (a day later): 0x80070050 for the same VM
    (host / "vmms-run1.xml").write_text(_example("hyperv.config.no-scsi-controller"), "utf-8")
    (host / "worker-run2.xml").write_text(_example("hyperv.checkpoint.autorecovery-file-exists"),
                                          "utf-8")
    hints = _hints(tmp_path)
    chain = hints["chain.scsi-autorecovery"]
    found = {s["id"]: s["found"] for s in chain.steps}
    assert found == {"symptom": 1, "product": 0, "no-scsi": 1}
    assert chain.vm and chain.vm.lower() == "vm001"


def test_scsi_chain_without_the_cause_says_what_to_collect(tmp_path: Path) -> None:
    (tmp_path / "worker.xml").write_text(_example("hyperv.checkpoint.autorecovery-file-exists"),
                                         "utf-8")
    chain = _hints(tmp_path)["chain.scsi-autorecovery"]
    missing = {m["step"]: m["collect"] for m in chain.missing}
    assert set(missing) == {"product", "no-scsi"}
    assert "EventID=10103" in missing["no-scsi"]


def test_sharing_violation_then_merge_failure(tmp_path: Path) -> None:
    (tmp_path / "Job.Backup_APPSRV.log").write_text(
        _example("veeam.hv.checkpoint-file-in-use"), "utf-8")
    # the 19100 for the same VM (the file-in-use signature's own no_match example)
    (tmp_path / "vmms.xml").write_text(
        _example("hyperv.checkpoint.file-in-use", "no_match"), "utf-8")
    chain = _hints(tmp_path)["chain.sharing-violation"]
    found = {s["id"]: s["found"] for s in chain.steps}
    assert found["symptom"] == 1 and found["merge"] == 1
    assert [m["step"] for m in chain.missing] == ["csv"]


def test_vhds_chain_has_the_acl_follow_up_without_changing_its_confidence() -> None:
    chain = load_chains(LIB.chains_dirs, [], set(LIB.signatures))["chain.vhds-guest-cluster"]
    acl = next(s for s in chain.steps if s.id == "acl")
    assert acl.signatures == ("hyperv.guestcluster.vhds-acl",) and acl.weight == 0
    assert acl.window[0] >= 0  # after the first backup
    assert any("NT VIRTUAL MACHINE" in r for r in chain.hint.remedy)
