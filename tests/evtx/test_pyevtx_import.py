"""python-evtx imported without the network stack (``ingest/evtx/pyevtx_import.py``): the
stand-in for ``urllib.request`` leaves nothing behind that behaves differently, and python-evtx
renders the same XML either way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SAMPLE = sorted((Path(__file__).resolve().parents[2] / "samples" / "evtx").rglob("*.evtx"))[0]

_CHILD = """
import json, sys
from pathlib import Path
stand_in = sys.argv[1] == "stand-in"
if stand_in:
    from logscope.ingest.evtx import pyevtx_import
    pyevtx_import.load()
else:
    import urllib.request, Evtx.Evtx  # the plain import, network stack and all
from logscope.ingest.evtx import python_engine
from logscope.ledger import FileLedger
loaded = {m: m in sys.modules for m in ("ssl", "http.client", "email.message", "urllib.request")}
with open(sys.argv[2], "rb") as fh:
    xml = [[rid, off, x, err] for rid, off, x, err in python_engine.records(fh, FileLedger("f"))]
import xml.sax.saxutils as sax
import urllib
# what saxutils reads when a SAX parser opens a URL: the real module's function
opener = sax.urllib.request.urlopen
import urllib.request
real = sys.modules["urllib.request"]
print(json.dumps({"loaded": loaded, "xml": xml, "opener_real": opener is real.urlopen,
                  "package_attr_real": urllib.request is real,
                  "real_has_file": bool(getattr(real, "__file__", None)),
                  "escape": sax.escape("<a & b>"), "quote": sax.quoteattr('x"y')}))
"""


def _run(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(SAMPLE)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def test_python_evtx_renders_the_same_without_the_network_stack() -> None:
    plain, lean = _run("plain"), _run("stand-in")
    assert plain["xml"], "the sample gave python-evtx no record"
    assert lean["xml"] == plain["xml"]
    assert (lean["escape"], lean["quote"]) == (plain["escape"], plain["quote"])
    # the point of it: none of the network stack was imported to render
    assert not any(lean["loaded"].values()), lean["loaded"]
    assert all(plain["loaded"].values())


def test_the_stand_in_hands_on_the_real_module() -> None:
    lean = _run("stand-in")
    # saxutils' own use of urllib.request (prepare_input_source) still reaches urlopen, and
    # a later ``import urllib.request`` is the real module, on the package too
    assert lean["opener_real"] and lean["package_attr_real"] and lean["real_has_file"]
