"""The fleet index re-analyses a bundle when the parser version changes: only edits that can
change an analysis result may change it."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.hunt import versions


def _version_with_edit(monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """``parser_version()`` as if the package file ``name`` held other bytes."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        data = real(self)
        return data + b"\n# edited\n" if self.as_posix().endswith("/logscope/" + name) else data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    versions.parser_version.cache_clear()
    try:
        return versions.parser_version()
    finally:
        monkeypatch.setattr(Path, "read_bytes", real)
        versions.parser_version.cache_clear()


def test_stop_handling_edits_keep_the_parser_version(monkeypatch: pytest.MonkeyPatch) -> None:
    versions.parser_version.cache_clear()
    base = versions.parser_version()
    assert _version_with_edit(monkeypatch, "signals.py") == base
    assert _version_with_edit(monkeypatch, "__main__.py") == base
    # an edit to the analysis itself is a new version
    assert _version_with_edit(monkeypatch, "pipeline.py") != base
    assert _version_with_edit(monkeypatch, "ingest/codes.py") != base


#: Excluded files that a hunt task does run, each with its reason in ``versions.py``.
_RUN_BUT_EXCLUDED = {"signals.py"}  # imported (a task stops as a run does)


@pytest.mark.parametrize("name", sorted(set(versions._NOT_ANALYSIS_FILES) - {"__main__.py", "signals.py"}))
def test_output_only_edits_keep_the_parser_version(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    pkg = Path(versions.__file__).resolve().parent.parent
    assert (pkg / name).is_file(), f"{name} is listed but not in the package"
    versions.parser_version.cache_clear()
    base = versions.parser_version()
    assert _version_with_edit(monkeypatch, name) == base
    # what the report is built from stays in: a task stores build_report's dict
    assert _version_with_edit(monkeypatch, "report/build.py") != base


def test_built_extensions_do_not_count_their_source_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild (another compiler, another checkout path, which the extension embeds) keeps
    the version; an edit to the .pyx or to its pure twin does not."""
    pkg = Path(versions.__file__).resolve().parent.parent
    built = sorted(p for p in pkg.rglob("_*") if p.suffix in (".c", ".so", ".pyd"))
    if not built:
        pytest.skip("no compiled module built in this checkout")
    versions.parser_version.cache_clear()
    base = versions.parser_version()
    for p in built:
        assert _version_with_edit(monkeypatch, p.relative_to(pkg).as_posix()) == base, p.name
    assert _version_with_edit(monkeypatch, "ingest/evtx/_prescan.pyx") != base
    assert _version_with_edit(monkeypatch, "ingest/evtx/prescan.py") != base


_TASK = """
import json, sys
from pathlib import Path
opened = set()
sys.addaudithook(lambda event, args: opened.add(str(args[0])) if event == "open" and isinstance(args[0], str) else None)
from logscope.hunt.census import Census
from logscope.hunt.result import compact
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
for bundle in sorted(Path(sys.argv[1]).iterdir()):
    census = Census()
    compact(analyze([bundle], IngestOptions(), census=census), census)
print(json.dumps([sorted(m for m in sys.modules if m.startswith("logscope")), sorted(opened)]))
"""


def test_no_excluded_file_is_run_or_read_by_a_hunt_task() -> None:
    """What a hunt task runs (``child._analyse``: analyze, then ``result.compact``) over every
    sample bundle imports no excluded module and opens no excluded data file: an edit there
    cannot change what it stores."""
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    pkg = root / "logscope"
    done = subprocess.run([sys.executable, "-c", _TASK, str(root / "samples" / "bundles")],
                          capture_output=True, text=True, timeout=600, cwd=root, check=True)
    modules, opened = json.loads(done.stdout.splitlines()[-1])
    excluded = [n for n in versions._NOT_ANALYSIS_FILES if n not in _RUN_BUT_EXCLUDED]
    as_module = {"logscope." + n[:-3].replace("/", "."): n for n in excluded if n.endswith(".py")}
    assert "logscope.report.build" in modules  # the run did build the report
    assert not [m for m in modules if m in as_module or m.startswith("logscope.export")]
    read = {Path(p).resolve().relative_to(pkg.resolve()).as_posix() for p in opened
            if Path(p).resolve().is_relative_to(pkg.resolve())}
    assert "data/hresults.yml" in read or any(r.startswith("data/") for r in read)
    assert not [r for r in read if r in excluded or r.startswith(versions._NOT_ANALYSIS_DATA)]


def test_renderer_edits_keep_the_parser_version(monkeypatch: pytest.MonkeyPatch) -> None:
    versions.parser_version.cache_clear()
    base = versions.parser_version()
    for name in ("report/text.py", "report/markdown.py", "report/html.py", "report/svg.py"):
        assert _version_with_edit(monkeypatch, name) == base, name
