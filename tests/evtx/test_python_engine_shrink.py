"""A log that shrinks while python-evtx reads it (a live log, a bundle on a share).

Why a subprocess: the engine used to map the whole file, and touching a mapped page past the
new end of the file raises SIGBUS, which kills the process, not just the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from test_evtx_writer import events_xml, write

from logscope.ingest.evtx.chunks import CHUNK_SIZE, HEADER_SIZE

#: Cuts the file named by argv[1] to its header when python-evtx starts on its first chunk
#: (the chunk's slot is read or mapped by then), then runs ``analyze --engine python``.
DRIVER = textwrap.dedent("""
    import os, sys
    from logscope.ingest.evtx import python_engine
    target, bundle, out = sys.argv[1:4]
    original = python_engine._chunk_records
    def shrink_first(*args, **kwargs):
        if os.path.getsize(target) > {header}:
            os.truncate(target, {header})
        return original(*args, **kwargs)
    python_engine._chunk_records = shrink_first
    from logscope.cli import main
    sys.argv = ["logscope", "analyze", bundle, "--engine", "python", "--format", "json", "-o", out]
    main()
""").replace("{header}", str(HEADER_SIZE))


def test_file_shrinking_while_read_is_a_problem_not_a_crash(tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    data = write(events_xml(300))
    assert len(data) >= HEADER_SIZE + 2 * CHUNK_SIZE  # chunks after the one being read
    target = bundle / "Live.evtx"
    target.write_bytes(data)
    other = bundle / "Other.evtx"
    other.write_bytes(write(events_xml(3)))
    out = tmp_path / "report.json"

    done = subprocess.run([sys.executable, "-c", DRIVER, str(target), str(bundle), str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-2000:])

    files = {f["path"].replace("\\", "/").rsplit("/", 1)[-1]: f
             for f in json.loads(out.read_text(encoding="utf-8"))["files"]}
    live = files["Live.evtx"]
    shrank = [p for p in live["problems"] if "shrank" in p["message"]]
    assert shrank, live["problems"]
    assert shrank[0]["code"] == "evtx-truncated"
    assert f"0x{HEADER_SIZE + CHUNK_SIZE:X}" in shrank[0]["where"]  # the first slot not read
    assert 0 < live["records"] < 300  # the chunk read before the cut still counts
    assert files["Other.evtx"]["records"] == 3 and not files["Other.evtx"]["problems"]


#: Recovery's python-evtx rendering (``render_at``, on the default engine's path too): the
#: file is cut after the first chunk's record is rendered; the second chunk's records come
#: back as errors saying so.
RENDER = textwrap.dedent("""
    import json, os, sys
    from logscope.ingest.evtx import python_engine
    from logscope.ingest.evtx.chunks import HEADER_SIZE, CHUNK_SIZE, iter_chunks
    path = sys.argv[1]
    with open(path, "rb") as fh:
        frames = [(rid, off, c.offset) for c in iter_chunks(fh) for rid, off in c.records[:2]]
    out = []
    with open(path, "rb") as fh:
        for rid, off, xml, error in python_engine.render_at(fh, frames):
            out.append([rid, xml is not None, error])
            if len(out) == 1:
                os.truncate(path, HEADER_SIZE + CHUNK_SIZE)
    print(json.dumps(out))
""")


def test_recovery_rendering_of_a_shrinking_file_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "Live.evtx"
    path.write_bytes(write(events_xml(300)))
    done = subprocess.run([sys.executable, "-c", RENDER, str(path)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    out = json.loads(done.stdout)
    assert [ok for _rid, ok, _e in out[:2]] == [True, True]  # the first chunk: read before the cut
    later = out[2:]
    assert later and all(not ok and "shrank" in error for _rid, ok, error in later)


def test_frames_past_the_end_of_a_file_cut_before_rendering():
    """Frames found while the file was whole, rendered after it was cut: errors, no raise."""
    import io

    from logscope.ingest.evtx import python_engine
    from logscope.ingest.evtx.chunks import iter_chunks

    data = write(events_xml(300))
    frames = [(rid, off, c.offset) for c in iter_chunks(io.BytesIO(data)) for rid, off in c.records[:1]]
    assert len(frames) >= 3
    cut = io.BytesIO(data[:HEADER_SIZE + CHUNK_SIZE])
    out = list(python_engine.render_at(cut, frames))
    assert out[0][2] is not None and out[0][3] is None
    assert all(xml is None and "shrank" in error for _rid, _off, xml, error in out[1:])


def test_a_record_pointing_past_its_chunk_fails_as_in_the_rust_engine(shared):
    """A corpus record whose string reads 200 KB past its chunk: an error, not a render of
    the next chunks' bytes (they gave a UnicodeDecodeError) nor of empty values."""
    from logscope.ingest.evtx import python_engine
    from logscope.ledger import FileLedger

    path = (shared / "corpus/evtx/omerbenamram-evtx/samples/"
            "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS_4Operational.evtx")
    with open(path, "rb") as fh:
        got = {rid: (xml, error) for rid, _off, xml, error in python_engine.records(fh, FileLedger("f"))}
    xml, error = got[6335011]
    assert xml is None and "read past the record's chunk" in error and "0x11000" in error
    past = [rid for rid, (_x, e) in got.items() if e and "past the record's chunk" in e]
    assert past == [6335011]  # no other record of the file reads outside its chunk
