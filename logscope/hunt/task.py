"""The Dask task: analyse one bundle in a child process and classify how that ended.

Runs in a worker (one thread): hands the bundle to the worker's zygote, waits at most the
wall-clock timeout, kills the child when it is exceeded, and turns the wait status into the
bundle's status: ``ok``, ``timeout``, ``oom``, ``crash`` or ``error`` (with the tail of the
child's stderr). It never raises for a bundle's sake; only the death of the worker itself
reaches the driver (as ``KilledWorker``, then ``lost``).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from . import child

#: Bytes of the child's stderr kept in the bundle's ``error`` column.
STDERR_TAIL = 2000
#: Rust's message when an allocation fails under the address-space limit (then it aborts).
_ALLOC_FAILED = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory")


class ReplyError(ValueError):
    """A zygote reply that breaks the protocol; the message names which reply and quotes it."""


#: The two replies per bundle, by the key that makes each (for the error's place).
_REPLIES = {"pid": "reply 1 (the child's pid)", "status": "reply 2 (the child's end status)"}


def _checked(line: bytes, want: str, pid: int | None) -> dict[str, Any]:
    """``line`` parsed as reply ``want`` ("pid", or "status" of child ``pid``), else
    :class:`ReplyError`. Why so strict: a reply taken on trust (a status for another child,
    a pid that is not a number) would desynchronise every later bundle on this worker."""
    why = None
    try:
        reply = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        reply, why = None, f"not JSON ({exc})"
    if why is None:
        if not isinstance(reply, dict) or type(reply.get("pid")) is not int or reply["pid"] <= 0:
            why = 'not an object with a "pid" number'
        elif want == "pid" and set(reply) != {"pid"}:
            why = 'a pid reply has only "pid"'
        elif want == "status" and type(reply.get("status")) is not int:
            why = 'no "status" number'
        elif want == "status" and reply["pid"] != pid:
            why = f"the status of pid {reply['pid']}, not of the child {pid}"
    if why is not None:
        quoted = line[:120].decode("utf-8", "replace") + ("..." if len(line) > 120 else "")
        raise ReplyError(f"{_REPLIES[want]}: {why}: {quoted!r}")
    return reply  # type: ignore[no-any-return]


class _Zygote:
    """The worker's fork server (``zygote.py``), started on first use, restarted if gone."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.scratch = Path(tempfile.mkdtemp(prefix="logscope-hunt-"))
        #: Bytes read from the zygote's stdout past the last line handed out.
        self.pending = b""

    def ensure(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "logscope.hunt.zygote"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
            self.pending = b""
        return self.proc

    def stop(self) -> None:
        """Kill the zygote (its running child dies with it: ``PR_SET_PDEATHSIG``); the next
        bundle starts a new one. For a zygote whose replies can no longer be trusted."""
        proc, self.proc, self.pending = self.proc, None, b""
        if proc is None:
            return
        proc.kill()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:  # unkillable (D state): left to the worker's end
            pass
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass

    def reply(self, proc: subprocess.Popen[bytes], timeout: float | None, want: str = "pid",
              pid: int | None = None) -> dict[str, Any] | None:
        """The zygote's next line as reply ``want`` (see :func:`_checked`), or None when
        ``timeout`` seconds pass first.

        Reads the pipe's fd with ``os.read`` into ``pending``, never through the buffered
        ``proc.stdout``: a child that ends at once (a crash) gets both its lines written
        before a slow task reads the first, and a buffered ``readline`` would take the
        second into a buffer that ``select`` cannot see, so the wait for it would last the
        whole ``--timeout`` (an hour by default) with the answer already in hand.
        """
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0)
        while b"\n" not in self.pending:
            if deadline is not None:
                ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
                if not ready:
                    return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("the worker's zygote process ended")
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return _checked(line, want, pid)


_ZYGOTE: _Zygote | None = None


def run_bundle(spec: dict[str, Any]) -> dict[str, Any]:
    """Analyse one bundle; the result row for the driver (``status`` always set)."""
    global _ZYGOTE
    if _ZYGOTE is None:
        _ZYGOTE = _Zygote()
    z = _ZYGOTE
    spec = {**spec, "worker_pid": os.getpid()}
    result = z.scratch / f"{spec['sha'][:16]}.json"
    errors = z.scratch / f"{spec['sha'][:16]}.stderr"
    t0 = time.monotonic()
    out: dict[str, Any] = {"sha": spec["sha"], "status": "error", "error": None,
                           "seconds": 0.0, "result": None, "worker": _worker_name()}
    try:
        proc = z.ensure()
        assert proc.stdin is not None
        proc.stdin.write(orjson.dumps({"spec": spec, "result": str(result),
                                       "stderr": str(errors)}) + b"\n")
        proc.stdin.flush()
        pid = z.reply(proc, None)["pid"]  # type: ignore[index]
        ended = z.reply(proc, float(spec["timeout"]), "status", pid)
        timed_out = ended is None
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                # it ended on its own as the wait ran out: the zygote reaped it, so the
                # status on its way is the truth, not a timeout
                timed_out = False
            ended = z.reply(proc, None, "status", pid)
        out.update(_classify(ended["status"], timed_out, errors, result,  # type: ignore[index]
                             spec))
    except ReplyError as exc:
        z.stop()  # out of step with this task: every later bundle would get wrong answers
        out.update(status="crash", error=f"the worker's zygote process broke its protocol, "
                                         f"{exc}; it was killed, a new one takes the next bundle")
    except (OSError, EOFError, ValueError) as exc:
        z.stop()
        out.update(status="crash", error=f"the analysis process could not be run: {exc}")
    finally:
        out["seconds"] = round(time.monotonic() - t0, 3)
        for p in (result, errors):
            p.unlink(missing_ok=True)
    return out


def _classify(status: int, timed_out: bool, errors: Path, result: Path,
              spec: dict[str, Any]) -> dict[str, Any]:
    tail = _tail(errors)
    if timed_out:
        return {"status": "timeout",
                "error": f"no result after {spec['timeout']:g} s (wall clock); killed" +
                         (f"\n{tail}" if tail else "")}
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        raw = tail.encode()
        if any(m in raw for m in _ALLOC_FAILED):
            return {"status": "oom", "error": f"killed by {sig} after an allocation failed "
                                              f"under --max-memory\n{tail}"}
        if sig == "SIGKILL":
            return {"status": "crash", "error": "killed by SIGKILL from outside logscope "
                                                f"(the kernel's OOM killer?)\n{tail}".rstrip()}
        return {"status": "crash", "error": f"killed by {sig}\n{tail}".rstrip()}
    code = os.WEXITSTATUS(status)
    if code == child.EXIT_OK:
        try:
            return {"status": "ok", "result": orjson.loads(result.read_bytes())}
        except (OSError, orjson.JSONDecodeError) as exc:
            return {"status": "crash", "error": f"the result could not be read: {exc}"}
    if code == child.EXIT_OOM:
        return {"status": "oom", "error": tail or "MemoryError under --max-memory"}
    if code in (child.EXIT_ERROR, child.EXIT_LIBRARY):
        return {"status": "error", "error": tail or f"exit code {code}"}
    return {"status": "crash", "error": f"exit code {code}\n{tail}".rstrip()}


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(size - STDERR_TAIL, 0))
            return fh.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"
