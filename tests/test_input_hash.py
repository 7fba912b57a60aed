"""The report's ``inputs[].sha256`` keeps its definition bit for bit (a file's SHA-256, as
``Get-FileHash`` gives it; a folder's over its files' relative POSIX paths, ``b"\\0"`` and
contents in the order of sorted paths, symbolic links skipped), computed here by ``hashlib``
on real files; both forms of ``file_digest.digest`` give the same answers; and an input that
changes while it is hashed is told, not a crash."""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from logscope import file_digest as twin
from logscope import input_hash
from logscope.input_hash import digest_of, input_hashes, listing, sha256_of

FORMS = [twin]
if importlib.util.find_spec("logscope._file_digest") is not None:  # built (test_accel says if it should be)
    from logscope import _file_digest as compiled

    FORMS.append(compiled)


def _by_hashlib(root: Path, order: list[str]) -> str:
    h = hashlib.sha256()
    for rel in order:
        h.update(rel.encode() + b"\0" + (root / rel).read_bytes())
    return h.hexdigest()


def _rglob_order(root: Path) -> list[str]:
    """The first form's order, written out again: pathlib's sorted rglob, links skipped."""
    return [p.relative_to(root).as_posix() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()]


def test_a_file_hashes_as_get_filehash_does(samples: Path) -> None:
    files = sorted(p for p in samples.rglob("*") if p.is_file())
    assert len(files) > 20 and any(p.suffix == ".evtx" for p in files)
    for p in files:
        assert sha256_of(p) == hashlib.sha256(p.read_bytes()).hexdigest(), p


def test_a_folder_hashes_its_files_paths_and_contents_in_sorted_order(tmp_path: Path) -> None:
    root = tmp_path / "bundle"
    # names whose order differs between a sort of paths by parts and one of the joined text
    # ("a-b/x" < "a/x" as text), a hidden file, an empty file, a deep one, upper case first
    for rel, data in [("a/x", b"1"), ("a-b/x", b"22"), ("a.b", b""), ("A", b"upper"),
                      (".hidden", b"h"), ("a/deep/er/f.log", b"deep\r\n" * 1000),
                      ("ab", os.urandom(700_000))]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "link-to-file").symlink_to(root / "A")
    (root / "link-to-dir").symlink_to(root / "a", target_is_directory=True)
    (root / "empty-dir").mkdir()
    order = [".hidden", "A", "a/deep/er/f.log", "a/x", "a-b/x", "a.b", "ab"]
    assert _rglob_order(root) == order
    assert sha256_of(root) == _by_hashlib(root, order)
    assert [k for k, _ in listing(root)[0]] == [r.encode() + b"\0" for r in order]


def test_sample_bundles_and_the_corpus_hash_as_before(samples: Path, shared: Path) -> None:
    for root in [*sorted((samples / "bundles").iterdir()), samples / "evtx",
                 shared / "corpus" / "evtx"]:
        assert sha256_of(root) == _by_hashlib(root, _rglob_order(root)), root


def test_a_name_that_is_not_utf8_is_hashed_by_its_bytes(tmp_path: Path) -> None:
    # the first form raised UnicodeEncodeError on such a name; now its bytes as on disk
    name = os.fsdecode(b"caf\xe9.log")
    (tmp_path / name).write_bytes(b"x")
    want = hashlib.sha256(b"caf\xe9.log\0x").hexdigest()
    assert sha256_of(tmp_path) == want


@pytest.mark.parametrize("form", FORMS, ids=lambda m: m.__name__)
def test_both_forms_agree_on_real_files(form, samples: Path) -> None:  # noqa: ANN001
    items = listing(samples)[0]
    assert form.digest(items, lambda: None) == twin.digest(items, lambda: None)
    raw, odd = form.digest(items, lambda: None)
    assert raw.hex() == sha256_of(samples) and odd == []


@pytest.mark.parametrize("form", FORMS, ids=lambda m: m.__name__)
def test_a_file_gone_or_unreadable_is_left_out_and_told(form, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "a").write_bytes(b"aaa")
    (tmp_path / "c").mkdir()  # a folder where a file was listed
    (tmp_path / "d").write_bytes(b"dd")
    items = [(b"a\0", os.fsencode(tmp_path / "a")), (b"b\0", os.fsencode(tmp_path / "b")),
             (b"c\0", os.fsencode(tmp_path / "c")), (b"d\0", os.fsencode(tmp_path / "d"))]
    raw, odd = form.digest(items, lambda: None)
    # neither is opened, and neither adds its prefix
    assert odd == [(1, errno.ENOENT, -1, 0), (2, errno.EISDIR, -1, 0)]
    assert raw == hashlib.sha256(b"a\0aaa" + b"d\0dd").digest()


@pytest.mark.parametrize("form", FORMS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("change", ["shrinks", "grows"])
def test_a_file_that_changes_while_hashed_is_hashed_as_read(form, change: str,  # noqa: ANN001
                                                             tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    block = os.urandom(1 << 16)
    big.write_bytes(block * (2 * twin.STOP_EVERY // len(block)))
    size = big.stat().st_size

    def stop() -> None:  # called after the first STOP_EVERY bytes: change the file there
        with big.open("r+b") as fh:
            if change == "shrinks":
                fh.truncate(twin.STOP_EVERY + 100)
            else:
                fh.seek(0, 2)
                fh.write(b"more")

    raw, odd = form.digest([(b"", os.fsencode(big))], stop)
    now = big.read_bytes()
    assert raw == hashlib.sha256(now).digest()
    assert odd == [(0, 0, size, len(now))] and len(now) != size


@pytest.mark.parametrize("form", FORMS, ids=lambda m: m.__name__)
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files in /proc")
def test_a_stop_ends_the_hash_within_its_step_and_closes_the_file(form, tmp_path: Path) -> None:  # noqa: ANN001
    big = tmp_path / "big.log"
    with big.open("wb") as fh:
        fh.truncate(4 * twin.STOP_EVERY)  # sparse: no disk used
    calls = []

    def stop() -> None:
        calls.append(1)
        raise KeyboardInterrupt

    fds = len(os.listdir("/proc/self/fd"))
    with pytest.raises(KeyboardInterrupt):
        form.digest([(b"", os.fsencode(big))], stop)
    assert calls == [1] and len(os.listdir("/proc/self/fd")) == fds


def test_unsteady_inputs_say_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kept.log").write_bytes(b"kept")
    (tmp_path / "gone.log").write_bytes(b"gone")
    real = input_hash.listing

    def listed_then_removed(root: Path):  # noqa: ANN202 - the listing, then the file goes
        got = real(root)
        (tmp_path / "gone.log").unlink()
        return got

    monkeypatch.setattr(input_hash, "listing", listed_then_removed)
    [entry] = input_hashes([tmp_path])
    assert entry["sha256"] == hashlib.sha256(b"kept.log\0kept").hexdigest()
    assert entry["unsteady"] == [f"{tmp_path / 'gone.log'}: not hashed: No such file or directory"]
    monkeypatch.undo()
    assert input_hashes([tmp_path]) == [{"path": str(tmp_path), "sha256": sha256_of(tmp_path)}]
    assert digest_of(tmp_path / "gone.log")[1] == [f"{tmp_path / 'gone.log'}: not hashed: "
                                                   "No such file or directory"]


def test_a_run_whose_input_changed_says_so_in_a_valid_report(
        tmp_path: Path, samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    from importlib import resources

    import jsonschema

    from logscope.api import analyze

    bundle = tmp_path / "bundle"
    shutil.copytree(samples / "bundles" / "sqlwriter-chain", bundle)
    victim = sorted(p for p in bundle.rglob("*") if p.is_file())[-1]
    real = input_hash.listing

    def listed_then_removed(root: Path):  # noqa: ANN202
        got = real(root)
        victim.unlink()
        return got

    monkeypatch.setattr(input_hash, "listing", listed_then_removed)
    report = analyze(bundle).report
    [entry] = report["meta"]["inputs"]
    assert entry["unsteady"] == [f"{victim}: not hashed: No such file or directory"]
    assert entry["sha256"] == _by_hashlib(bundle, _rglob_order(bundle))
    schema = json.loads(resources.files("logscope.report").joinpath("report.schema.json")
                        .read_text("utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(report)) == []
    # every human format says it too, beside the input's hash (escaped as the rest)
    from logscope.report import render

    for fmt in ("text", "md", "html"):
        out = " ".join(render(report, fmt).split())  # the text report wraps long lines
        told = out.index("changed while hashed")
        assert out.index(entry["sha256"]) < told, fmt
        assert "not hashed: No such file or directory" in out[told:], fmt
    entry["unsteady"] = "not a list"
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(report)) != []


@pytest.mark.parametrize("odd,note", [
    ((0, errno.EIO, 10, 4), "hashed up to a read error after 4 bytes: Input/output error"),
    ((0, 0, 10, 12), "changed while it was hashed (10 bytes when opened, 12 read)"),
    ((0, errno.EACCES, -1, 0), "not hashed: Permission denied"),
])
def test_each_irregular_read_is_told_by_file(odd: tuple, note: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "f.log"
    f.write_bytes(b"x" * 10)
    monkeypatch.setattr(input_hash, "_digest", lambda items, stop: (bytes(32), [odd]))
    assert digest_of(f) == ("00" * 32, [f"{f}: {note}"])
