"""Per-VM Hyper-V state from hyperv-state events (issue 17).

Modules: ``model`` (Capture, VmState, DiskChain ...; names from
``data/hyperv_state_model.yml``), ``collector`` (keeps the events, groups them into captures),
``build`` (a capture → VmStates), ``chains`` (differencing-disk chains), ``facts`` (VmState →
fact events for ``signatures/state/``), ``trend`` (a chain across captures), ``section`` (the
report's Hyper-V state section).
"""

from .collector import FACT, KIND, StateCollector
from .section import register, section

__all__ = ["FACT", "KIND", "StateCollector", "register", "section"]

register()
