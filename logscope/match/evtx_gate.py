"""Which evtx records ``analyze`` builds into events: the matcher's record gate, plus the
providers the identity table learns from.

It sits with the matcher because the answer is the signature library's: the evtx reader only
calls the ``evtx_want`` rule it is given, and the worker processes build the same rule from
their own matcher, so neither the pipeline nor the workers have to import each other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..ingest.source import IngestOptions
from .matcher import Matcher

#: Providers whose records feed the identity table or role detection even when no signature
#: wants them (VMMS / Worker events carry VmName and VmId).
IDENTITY_PROVIDERS = ("microsoft-windows-hyper-v",)


def with_evtx_gate(options: IngestOptions, matcher: Matcher) -> IngestOptions:
    """Options that let the evtx parser build full events only for records that can matter.

    The rest are counted, and the first of each (machine, provider, channel) of a file
    becomes a summary event (System fields only) so the host is still known. ``logscope
    events`` and ``keep_events`` never use this.
    """
    def want(provider: str | None, event_id: int | None) -> Any:  # noqa: ANN401
        if provider and provider.casefold().startswith(IDENTITY_PROVIDERS):
            return True
        return matcher.record_gate("evtx", provider, event_id)

    return replace(options, extra={**options.extra, "evtx_want": want})
