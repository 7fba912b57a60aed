"""Per-VM Hyper-V state from hyperv-state events (issue 17).

Modules: ``model`` (Capture, VmState, DiskChain ...; names from
``data/hyperv_state_model.yml``), ``collector`` (keeps the events, groups them into captures),
``build`` (a capture → VmStates), ``chains`` (differencing-disk chains), ``facts`` (VmState →
fact events for ``signatures/state/``), ``trend`` (a chain across captures), ``section`` (the
report's Hyper-V state section).

Start-up: importing the package loads only the collector, light until a state listing comes;
``section`` registers the report section when a report that holds one is rendered
(``report.sections.PROVIDERS``) and builds it (``report.build``) for a run that had one.
"""

from .collector import FACT, KIND, StateCollector

__all__ = ["FACT", "KIND", "StateCollector"]
