"""The typer option types several commands share (``Annotated`` aliases); the enums, the
path parser and the helpers they use live in ``values.py`` (typer-free) and are importable
from here as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .values import (Engine, Fmt, Severity, _check_paths, _die, _limits, _options,  # noqa: F401
                     _progress, _utc_time, _workers, path_parser)

PathsArg = Annotated[list[Path], typer.Argument(parser=path_parser("PATHS"), help="Bundle folders, zips or single files.")]
EngineOpt = Annotated[Engine, typer.Option("--engine", help="EVTX engine: rust (evtx) or python (python-evtx).")]
SigOpt = Annotated[list[Path] | None, typer.Option("--signatures", parser=path_parser("--signatures"), help="Extra signature folder (repeatable; later wins).")]
OffsetOpt = Annotated[str | None, typer.Option("--veeam-utc-offset", help="UTC offset of Veeam servers' local time, ±HH:MM.")]
# Archive limits (hostile input); defaults fit real Veeam exports, raise them for bigger bundles.
TotalOpt = Annotated[str | None, typer.Option("--max-total-size", help="Most bytes extracted from archives in all (default 32G).")]
MemberOpt = Annotated[str | None, typer.Option("--max-member-size", help="Most bytes of one archive member (default 8G).")]
MembersOpt = Annotated[int | None, typer.Option("--max-members", help="Most archive members read (default 200000).")]
RatioOpt = Annotated[float | None, typer.Option("--max-ratio", help="Highest compression ratio of a member over 32 MiB (default 200).")]
DepthOpt = Annotated[int | None, typer.Option("--max-depth", help="Deepest archive nesting, zip or gzip (default 4).")]
AllowSigOpt = Annotated[bool, typer.Option("--allow-signature-errors", help="Go on when a --signatures folder has problems (they become warnings).")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=0, help="Processes for .evtx files (0 = one per core for 256 MB+ of input, else 1; 1 = no pool).")]
FmtOpt = Annotated[Fmt, typer.Option("--format", "-f", help="Report format.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", parser=path_parser("--output"), help="Write the report here.")]
FailOnOpt = Annotated[Severity | None, typer.Option("--fail-on", help="Exit 1 when a hint this severe or worse is found.")]
