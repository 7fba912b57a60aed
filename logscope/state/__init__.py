"""Per-VM Hyper-V state from hyperv-state events (issue 17)."""
