"""Progress on stderr while a bundle is read: a rich bar on a terminal, nothing when piped.

The bundle is streamed, so the number of files is not known up front: the bar pulses and
counts files read, with the current file's name.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

from .escape import terminal


class ProgressBar:
    """Context manager giving the pipeline's ``progress(name, n)`` callback (or None)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Any = None
        self._task: Any = None
        self.files = 0

    def __enter__(self) -> Callable[[str, int], None] | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

        self._progress = Progress(
            SpinnerColumn(), TextColumn("reading"), BarColumn(bar_width=20),
            TextColumn("{task.completed} files"), TextColumn("{task.description}"),
            console=Console(file=sys.stderr), transient=True)
        self._progress.start()
        self._task = self._progress.add_task("", total=None)
        return self.update

    def update(self, name: str, _n: int = 0) -> None:
        self.files += 1
        shown = terminal(name)
        if len(shown) > 40:
            shown = "…" + shown[-39:]
        self._progress.update(self._task, completed=self.files, description=shown)

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
