"""logscope explain: a pasted message on argv or stdin, through the analyze pipeline."""

from __future__ import annotations

import json
import subprocess
import sys

# https://mskb.pkisolutions.com/kb/3175561 (KB3175561 archive), error message 2
KB_MSG = "<VMName> could not initiate a checkpoint operation: The file exists. (0x80070050)."


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logscope", "explain", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_explain_argument_json_and_fail_on() -> None:
    r = _run(KB_MSG, "--format", "json", "--fail-on", "medium")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert report["hints"][0]["id"] == "hyperv.checkpoint.autorecovery-file-exists"
    assert report["files"][0]["path"] == "<argument>"
    assert report["files"][0]["kind"] == "message-text"
    assert "logscope-explain-" not in r.stdout


def test_explain_stdin_with_email_quoting() -> None:
    r = _run("-", stdin="> " + KB_MSG + "\n")
    assert r.returncode == 0, r.stderr
    assert "AutoRecovery.avhdx" in r.stdout
    assert "<stdin> line 1" in r.stdout


def test_explain_says_plainly_when_nothing_is_recognised() -> None:
    r = _run("The weather was fine yesterday.")
    assert r.returncode == 0
    assert r.stdout.startswith("No known message was recognised in the pasted text")
    assert "does not mean the backup is fine" in r.stderr


def test_explain_without_text_is_a_usage_error() -> None:
    r = _run("-", stdin="   \n")
    assert r.returncode == 2 and "no text given" in r.stderr


def test_explain_says_when_the_text_is_localised_and_not_understood() -> None:
    # a German volsnap line as a Checkmk logwatch check reported it (see test_localised.py)
    r = _run('volsnap Die Schattenkopien von Volume "V:" wurden gelöscht.')
    assert r.returncode == 0
    first = r.stdout.splitlines()[0]
    assert first.startswith("No known message was recognised")
    assert "1 localised message(s) not understood (de at line 1)" in first
