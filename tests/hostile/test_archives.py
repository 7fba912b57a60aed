"""Archives: no path escape, every limit trips with a problem entry, the rest is analysed.

Each bomb is generated here, small enough to be quick: the limits are lowered through
``IngestOptions`` where a real-size bomb would be needed to trip the defaults.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zipfile
import zlib
from pathlib import Path

import inflate64
import pytest

from logscope.ingest.bundle import Bundle
from logscope.ingest.source import IngestOptions

from . import zipcraft
from .conftest import GOOD_NAME, GOOD_VSS, assert_good_read, files, run


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# -- path escape ------------------------------------------------------------------------------

@pytest.mark.parametrize("member", ["../../escaped.log", "/tmp/escaped.log", "C:\\escaped.log",
                                    "C:/x/../../escaped.log", "..\\..\\escaped.log",
                                    "a/./../../../escaped.log"])
def test_member_names_never_become_paths(tmp_path: Path, private_tmp: Path, member: str) -> None:
    work = tmp_path / "deep" / "er"
    work.mkdir(parents=True)
    z = _zip(work / "b.zip", {member: GOOD_VSS, GOOD_NAME: GOOD_VSS})
    rep = run(z)
    for f in rep["files"]:
        parts = f["path"].split("/")
        assert ".." not in parts and not f["path"].startswith("/") and ":" not in f["path"]
    escaped = [p for p in tmp_path.rglob("escaped.log")] + [Path("/tmp/escaped.log")]
    assert not any(p.exists() for p in escaped)
    assert list(private_tmp.iterdir()) == []  # the private folder is gone
    # the escaping member itself is still read, under a safe display name
    assert sum(f["kind"] == "vssadmin" for f in rep["files"]) == 2


def test_symlinks_in_a_folder_are_listed_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.log"
    secret.parent.mkdir()
    secret.write_bytes(GOOD_VSS)
    b = tmp_path / "bundle"
    (b / "SQL01" / "VSS").mkdir(parents=True)
    (b / GOOD_NAME).write_bytes(GOOD_VSS)
    (b / "link.log").symlink_to(secret)
    (b / "linkdir").symlink_to(secret.parent, target_is_directory=True)
    (b / "dangling.log").symlink_to(tmp_path / "nowhere")
    rep = run(b)
    fs = files(rep)
    for name in ("bundle/link.log", "bundle/linkdir", "bundle/dangling.log"):
        assert fs[name]["kind"] == "unknown"
        assert "symbolic link" in fs[name]["reason"]
        assert fs[name]["skip_reasons"] == {"symlink": 1}
    assert not any("secret" in p for p in fs)
    assert_good_read(rep)


def test_fifo_in_a_folder_does_not_hang(tmp_path: Path) -> None:
    b = tmp_path / "bundle"
    (b / "SQL01" / "VSS").mkdir(parents=True)
    (b / GOOD_NAME).write_bytes(GOOD_VSS)
    os.mkfifo(b / "pipe.log")
    rep = run(b)
    assert "not a regular file" in files(rep)["bundle/pipe.log"]["reason"]
    assert_good_read(rep)


def test_zip_symlink_entry_is_refused(tmp_path: Path, private_tmp: Path) -> None:
    link = zipcraft.Entry("evil.log", b"/etc/passwd", external_attr=(stat.S_IFLNK | 0o777) << 16)
    good = zipcraft.Entry(GOOD_NAME, GOOD_VSS)
    z = tmp_path / "b.zip"
    z.write_bytes(zipcraft.build([link, good]))
    rep = run(z)
    f = files(rep)["b.zip/evil.log"]
    assert "symbolic link" in f["reason"] and f["problems"]
    assert_good_read(rep)
    assert list(private_tmp.iterdir()) == []


# -- limits -------------------------------------------------------------------------------------

def test_ratio_limit_trips_on_a_deflate_bomb(tmp_path: Path) -> None:
    bomb = bytes(40 << 20)  # 40 MiB of zeros: ~1000:1 with Deflate (over the 32 MiB floor)
    z = _zip(tmp_path / "b.zip", {"bomb.log": bomb, GOOD_NAME: GOOD_VSS})
    rep = run(z)
    f = files(rep)["b.zip/bomb.log"]
    assert "compression ratio limit" in f["reason"]
    assert f["problems"][0]["where"].startswith("member 'bomb.log'")
    assert_good_read(rep)
    # a raised limit lets the same member through (it is then an unknown binary file)
    rep = run(z, max_ratio=5000.0)
    assert files(rep)["b.zip/bomb.log"]["kind"] == "unknown"


def test_lying_size_header_is_caught_on_the_bytes_produced(tmp_path: Path) -> None:
    data = bytes(4 << 20)
    e = zipcraft.Entry("liar.log", zipcraft.deflate(data), method=8, raw_size=100,
                       crc=zlib.crc32(data))
    z = tmp_path / "b.zip"
    z.write_bytes(zipcraft.build([e, zipcraft.Entry(GOOD_NAME, GOOD_VSS)]))
    rep = run(z)
    f = files(rep)["b.zip/liar.log"]
    assert f["kind"] == "unknown" and f["problems"]
    assert_good_read(rep)


def test_member_and_total_size_limits(tmp_path: Path) -> None:
    big = os.urandom(300_000)
    z = _zip(tmp_path / "b.zip", {"a_big.bin": big, GOOD_NAME: GOOD_VSS}, zipfile.ZIP_STORED)
    rep = run(z, max_member_bytes=200_000)
    assert "member size limit" in files(rep)["b.zip/a_big.bin"]["reason"]
    assert_good_read(rep)
    z2 = _zip(tmp_path / "c.zip", {"a1.bin": big, "a2.bin": big, "a3.bin": big})
    rep = run(z2, z, max_total_bytes=700_000)
    fs = files(rep)
    assert "total size limit" in fs["c.zip/a3.bin"]["reason"]
    assert fs["c.zip/a1.bin"]["kind"] == "unknown" and not fs["c.zip/a1.bin"].get("problems")


def test_member_count_limit(tmp_path: Path) -> None:
    members = {f"m{i:03d}.txt": b"x\n" for i in range(30)}
    z = _zip(tmp_path / "many.zip", members)
    good = _zip(tmp_path / "good.zip", {GOOD_NAME: GOOD_VSS})
    # the archive declares more members than allowed: refused whole, before zipfile reads it
    rep = run(z, good, max_members=10)
    f = files(rep)["many.zip"]
    assert "member count limit" in f["reason"] and f["problems"]
    assert_good_read(rep)
    # the bundle-wide count: members past the limit are refused one by one
    zips = [_zip(tmp_path / f"z{k}.zip", {f"m{i:02d}.txt": b"x\n" for i in range(10)})
            for k in range(3)]
    rep = run(good, *zips, max_members=25)
    refused = [p for p, f in files(rep).items() if "member count limit" in (f.get("reason") or "")]
    assert refused == [f"z2.zip/m{i:02d}.txt" for i in range(4, 10)]  # 1 + 10 + 10 + 4 read
    assert_good_read(rep)


def test_nested_zip_bomb_depth_and_ratio(tmp_path: Path, private_tmp: Path,
                                         small_ratio_floor: None) -> None:
    """42.zip in miniature: each level holds several copies of the level below, the leaves are
    zeros. Both the depth limit and the ratio limit trip; nothing is left in the temp folder."""
    zeros = bytes(3 << 20)
    leaf = zipcraft.deflate(zeros)
    level = zipcraft.build([zipcraft.Entry(f"zeros{i}.log", leaf, method=8, raw_size=len(zeros),
                                           crc=zlib.crc32(zeros)) for i in range(2)])
    for depth in range(5):
        level = zipcraft.build([zipcraft.Entry(f"l{depth}_{i}.zip", level) for i in range(2)])
    z = tmp_path / "42.zip"
    z.write_bytes(zipcraft.build([zipcraft.Entry("bomb.zip", level),
                                  zipcraft.Entry(GOOD_NAME, GOOD_VSS)]))
    rep = run(z, max_depth=4)
    deep = [f for f in rep["files"] if "nesting depth" in f["skip_reasons"]]
    assert deep and all("deeper than 4" in f["reason"] for f in deep)
    assert_good_read(rep)
    rep = run(z, max_depth=10)
    leaves = [f for f in rep["files"] if f["path"].endswith(".log") and "zeros" in f["path"]]
    assert leaves and all("compression ratio limit" in f["reason"] for f in leaves)
    assert_good_read(rep)
    assert list(private_tmp.iterdir()) == []


def test_zip_quine_like_self_nesting_stops_at_depth(tmp_path: Path) -> None:
    inner = zipcraft.build([zipcraft.Entry(GOOD_NAME, GOOD_VSS)])
    for _ in range(12):
        inner = zipcraft.build([zipcraft.Entry("again.zip", inner)])
    z = tmp_path / "droste.zip"
    z.write_bytes(inner)
    rep = run(z)  # default depth
    assert any("nesting depth" in f["skip_reasons"] for f in rep["files"])


def test_gzip_inside_gzip_stops_at_depth(tmp_path: Path) -> None:
    data = GOOD_VSS
    for _ in range(10):
        data = gzip.compress(data)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.log.gz").write_bytes(data)
    rep = run(tmp_path / "b")
    assert any("nesting depth" in f["skip_reasons"] for f in rep["files"])
    rep = run(tmp_path / "b", max_depth=12)
    assert_good_read(rep, "x.log" + "!gunzip" * 9)


def test_gzip_bomb_trips_the_ratio_limit(tmp_path: Path, small_ratio_floor: None) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "bomb.log.gz").write_bytes(gzip.compress(bytes(16 << 20)))
    (tmp_path / "b" / "w.log").write_bytes(GOOD_VSS)
    rep = run(tmp_path / "b")
    f = files(rep)["b/bomb.log.gz"]
    assert "compression ratio limit" in f["reason"]
    assert_good_read(rep, "w.log")


def test_mostly_empty_evtx_is_not_taken_for_a_bomb(tmp_path: Path) -> None:
    """Windows grows .evtx files in 1 MiB steps: one chunk in use, the rest zeros, ~155:1."""
    data = b"ElfFile\x00" + os.urandom(4088 + 65536) + bytes(16 * 65536)
    z = _zip(tmp_path / "b.zip", {"HV01/System.evtx": data})
    rep = run(z)
    f = files(rep)["b.zip/HV01/System.evtx"]
    assert f["kind"] == "evtx" and "limit" not in (f.get("reason") or "")


def test_overlapping_entry_bomb_is_refused(tmp_path: Path, private_tmp: Path) -> None:
    raw = zipcraft.overlapping_bomb(GOOD_VSS, 40)
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    assert declared > 39 * len(GOOD_VSS) > len(raw)  # extracting would multiply the bytes
    z = tmp_path / "overlap.zip"
    z.write_bytes(raw)
    rep = run(z, tmp_path / "overlap.zip")
    fs = files(rep)
    over = [f for f in rep["files"] if "overlapping entry" in (f.get("reason") or "")]
    assert len(over) == 2 * 39
    # the one member that overlaps nothing before it is read (its bytes start with the next
    # member's header, so it is itself walked as a zip, within the depth limit)
    assert "overlapping" not in (fs["overlap.zip/f0000.log"].get("reason") or "")
    assert list(private_tmp.iterdir()) == []


def test_entries_sharing_one_local_header_are_refused(tmp_path: Path) -> None:
    good = zipcraft.Entry(GOOD_NAME, GOOD_VSS)
    body = zipcraft.local_header(good) + good.data
    central = b"".join(zipcraft.central_header(zipcraft.Entry(GOOD_NAME, GOOD_VSS), 0)
                       for _ in range(5))
    z = tmp_path / "full.zip"
    z.write_bytes(body + central + zipcraft.end_record(5, len(central), len(body)))
    rep = run(z)
    assert sum("overlapping entry" in (f.get("reason") or "") for f in rep["files"]) == 4
    assert sum(f["kind"] == "vssadmin" for f in rep["files"]) == 1


# -- methods and encryption ---------------------------------------------------------------------

def test_encrypted_member_has_a_clear_message(tmp_path: Path) -> None:
    enc = zipcraft.Entry("secret.log", os.urandom(200), flags=0x1)
    aes = zipcraft.Entry("aes.log", os.urandom(200), method=99, flags=0x1)
    z = tmp_path / "b.zip"
    z.write_bytes(zipcraft.build([enc, aes, zipcraft.Entry(GOOD_NAME, GOOD_VSS)]))
    rep = run(z)
    for name in ("secret.log", "aes.log"):
        f = files(rep)[f"b.zip/{name}"]
        assert "encrypted member" in f["reason"] and "password" in f["reason"]
        assert f["problems"][0]["where"].startswith(f"member '{name}'")
    assert_good_read(rep)


@pytest.mark.parametrize(("method", "label"), [(6, "Implode"), (93, "Zstandard"), (98, "PPMd"),
                                               (77, "unknown")])
def test_unsupported_method_has_a_clear_message(tmp_path: Path, method: int, label: str) -> None:
    z = tmp_path / "b.zip"
    z.write_bytes(zipcraft.build([zipcraft.Entry("odd.log", b"\x00" * 64, method=method),
                                  zipcraft.Entry(GOOD_NAME, GOOD_VSS)]))
    rep = run(z)
    reason = files(rep)["b.zip/odd.log"]["reason"]
    assert f"unsupported compression method: {method} ({label})" in reason
    assert_good_read(rep)


def test_deflate64_member_is_read(tmp_path: Path) -> None:
    """Windows Explorer writes Deflate64 (method 9) for large files: build one with inflate64."""
    d = inflate64.Deflater()
    comp = d.deflate(GOOD_VSS) + d.flush()
    e = zipcraft.Entry(GOOD_NAME, comp, method=9, raw_size=len(GOOD_VSS), crc=zlib.crc32(GOOD_VSS))
    z = tmp_path / "explorer.zip"
    z.write_bytes(zipcraft.build([e]))
    assert zipfile.ZipFile(z).infolist()[0].compress_type == 9
    rep = run(z)
    assert_good_read(rep)
    assert not files(rep)[f"explorer.zip/{GOOD_NAME}"]["problems"]


def test_corrupt_deflate_data_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    comp = bytearray(zipcraft.deflate(GOOD_VSS * 3))
    comp[10:30] = b"\xff" * 20
    e = zipcraft.Entry("broken.log", bytes(comp), method=8, raw_size=len(GOOD_VSS) * 3,
                       crc=zlib.crc32(GOOD_VSS * 3))
    z = tmp_path / "b.zip"
    z.write_bytes(zipcraft.build([e, zipcraft.Entry(GOOD_NAME, GOOD_VSS)]))
    rep = run(z)
    f = files(rep)["b.zip/broken.log"]
    assert "cannot extract" in f["reason"] and f["problems"]
    assert_good_read(rep)


@pytest.mark.parametrize("cut", [10, 100, -10, -30])
def test_truncated_zip_is_a_problem_not_a_crash(tmp_path: Path, cut: int) -> None:
    raw = zipcraft.build([zipcraft.Entry("a.log", GOOD_VSS), zipcraft.Entry("b.log", GOOD_VSS)])
    z = tmp_path / "cut.zip"
    z.write_bytes(raw[:cut])
    (tmp_path / "w.log").write_bytes(GOOD_VSS)
    rep = run(z, tmp_path / "w.log")
    assert files(rep)["cut.zip"]["problems"]
    assert_good_read(rep, "w.log")


# -- temporary folder -----------------------------------------------------------------------------

def test_temp_folder_removed_when_a_parser_raises(tmp_path: Path, private_tmp: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from logscope.ingest import vssadmin

    def boom(*_a: object, **_k: object):  # noqa: ANN202
        raise RuntimeError("parser bug")
        yield  # pragma: no cover

    monkeypatch.setattr(vssadmin, "parse", boom)
    z = _zip(tmp_path / "b.zip", {GOOD_NAME: GOOD_VSS, "n/inner.zip": _zip(
        tmp_path / "inner.zip", {"x.log": GOOD_VSS}).read_bytes()})
    rep = run(z)
    f = files(rep)[f"b.zip/{GOOD_NAME}"]
    assert any("parser failed: RuntimeError: parser bug" in p["message"] for p in f["problems"])
    assert list(private_tmp.iterdir()) == []


EVTX_LIKE = b"ElfFile\x00" + bytes(5000)  # members that must be files (the engines seek)


def test_temp_folder_removed_when_the_consumer_stops(tmp_path: Path) -> None:
    z = _zip(tmp_path / "b.zip", {"a.evtx": EVTX_LIKE, "b.evtx": EVTX_LIKE})
    bundle = Bundle([z], IngestOptions())
    with pytest.raises(KeyError):
        with bundle:
            for src in bundle.sources():
                assert bundle.temp_dir is not None and bundle.temp_dir.is_dir()
                tmp = bundle.temp_dir
                raise KeyError(src.display)
    assert not tmp.exists()


def test_each_member_copy_is_removed_once_read(tmp_path: Path) -> None:
    z = _zip(tmp_path / "b.zip", {f"m{i}.evtx": EVTX_LIKE for i in range(5)})
    with Bundle([z], IngestOptions()) as bundle:
        for src in bundle.sources():
            assert src.fs_path is not None and src.fs_path.exists()
            assert len(list(bundle.temp_dir.iterdir())) == 1  # only the current member


def test_text_members_are_streamed_never_written(tmp_path: Path, private_tmp: Path) -> None:
    z = _zip(tmp_path / "b.zip", {f"m{i}.log": GOOD_VSS for i in range(3)})
    with Bundle([z], IngestOptions()) as bundle:
        for src in bundle.sources():
            assert src.fs_path is None and bundle.temp_dir is None
            assert src.head(20) == GOOD_VSS[:20]
            with src.open() as fh:
                assert fh.read() == GOOD_VSS
    assert list(private_tmp.iterdir()) == []


def test_streamed_member_with_corrupt_data_is_a_read_problem(tmp_path: Path) -> None:
    text = GOOD_VSS.decode("utf-16").encode("utf-8") * 50
    comp = bytearray(zipcraft.deflate(text))
    comp[len(comp) // 2:len(comp) // 2 + 16] = b"\xff" * 16
    e = zipcraft.Entry("w.log", bytes(comp), method=8, raw_size=len(text), crc=zlib.crc32(text))
    z = tmp_path / "b.zip"
    z.write_bytes(zipcraft.build([e, zipcraft.Entry(GOOD_NAME, GOOD_VSS)]))
    rep = run(z)
    f = files(rep)["b.zip/w.log"]
    said = " ".join([f.get("reason") or ""] + [p["message"] for p in f["problems"]])
    assert "corrupt archive member data" in said and "CRC" in said
    assert not any(p["code"] == "parser-error" for p in f["problems"])
    assert_good_read(rep)
