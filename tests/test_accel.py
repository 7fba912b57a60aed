"""The compiled forms of the hot loops are really built where a compiler is, and the
pure-Python twins are what ``LOGSCOPE_PURE=1`` runs."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from logscope import accel

ROOT = Path(__file__).resolve().parent.parent


def _compiler_present() -> bool:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc) is not None


def _setup_py():  # noqa: ANN202 - the build script as a module (its setup() runs only as __main__)
    spec = importlib.util.spec_from_file_location("logscope_setup", ROOT / "setup.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", accel.compiled_sources() or ["(none)"])
def test_every_pyx_is_built_where_a_compiler_is(name: str) -> None:
    # setup.py marks the extensions optional so an install without a compiler still works;
    # this test is what makes a silent build failure visible where one should have worked
    if name == "(none)":
        pytest.skip("no .pyx in the package")
    if not _compiler_present():
        pytest.skip("no C compiler: the pure-Python twins run")
    build = _setup_py()
    pyx = ROOT.joinpath(*name.split(".")).with_suffix(".pyx")
    missing = [h for h in build.needed_headers(pyx) if not build.header_available(h)]
    if missing:
        pytest.skip(f"{name} needs {', '.join(missing)}, which this compiler cannot include: "
                    "setup.py leaves it out and its twin runs")
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin and not spec.origin.endswith(".pyx"), (
        f"{name} was not compiled (origin {spec.origin if spec else None}); "
        "rebuild with `pip install -e .` or `python setup.py build_ext --inplace`"
    )
    twin = name.rsplit(".", 1)
    assert twin[1].startswith("_"), "a compiled module is named _NAME beside its twin NAME.py"
    assert importlib.util.find_spec(f"{twin[0]}.{twin[1][1:]}") is not None, (
        f"{name} has no pure-Python twin {twin[0]}.{twin[1][1:]}"
    )


def test_pure_env_selects_the_twin(tmp_path) -> None:
    code = (
        "import logscope.accel as a\n"
        "m = a.load('logscope.no_such_compiled_module', 'logscope.lazy')\n"
        "print(m.__name__, a.FORMS['logscope.lazy'], a.pure_only())\n"
    )
    for env_value, pure in (("1", "True"), ("", "False")):
        env = dict(os.environ, LOGSCOPE_PURE=env_value)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout.split()
        assert out == ["logscope.lazy", "pure", pure]


def test_compiled_module_is_taken_when_importable() -> None:
    # any importable module stands in for a compiled one: load() must prefer it
    if accel.pure_only():
        pytest.skip("LOGSCOPE_PURE is set for this run")
    mod = accel.load("logscope.hresult", "logscope.lazy")
    assert mod.__name__ == "logscope.hresult"
    assert accel.FORMS["logscope.lazy"] == "compiled"


def test_a_pyx_whose_header_is_missing_is_left_out_of_the_build(tmp_path: Path) -> None:
    # a machine without OpenSSL's development files builds the other modules, not this one
    build = _setup_py()
    pyx = tmp_path / "_probe.pyx"
    pyx.write_text("# cython: language_level=3\n# logscope: needs-header no_such_dir/none.h\n")
    assert build.needed_headers(pyx) == ["no_such_dir/none.h"]
    assert not build.header_available("no_such_dir/none.h")
    assert build.needed_headers(ROOT / "logscope" / "_file_digest.pyx") == ["openssl/evp.h"]
    if _compiler_present():
        assert build.header_available("stdio.h")  # the probe itself works where a compiler is
