"""``logscope collect``: the PowerShell that gathers, on a Hyper-V host and inside a guest,
exactly what logscope reads (issue 17).

Why generated and not a fixed script: the event-log channels follow the signature library
(``channels``) and the host state files follow the hyperv-state reader's object table
(``data/hyperv_state.yml``), so a new signature or a new cmdlet the reader learns is collected
without anyone editing a script. The PowerShell text itself is data
(``data/collect_script.yml``); ``script`` only fills it in.
"""

from __future__ import annotations

from .channels import ROLES, ProviderChannels, channels_by_block
from .script import Window, render

__all__ = ["ROLES", "ProviderChannels", "Window", "channels_by_block", "render"]
