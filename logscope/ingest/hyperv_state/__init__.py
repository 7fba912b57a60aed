"""Hyper-V host and guest state listings (issue 17): kind ``hyperv-state``.

``Get-VM``, ``Get-VMSnapshot``, ``Get-VMHardDiskDrive``, ``Get-VMScsiController``, ``Get-VHD``,
``Get-VHDSet`` / ``Get-VHDSnapshot``, ``Get-ClusterSharedVolume``, ``Get-VMIntegrationService``
and directory listings of a VM folder, as Format-List, Format-Table, ConvertTo-Json or
Export-Csv. Modules: ``tables`` (the object table, ``data/hyperv_state.yml``), ``format_list``,
``format_table``, ``structured`` (JSON, CSV), ``dirlist``, ``times``, ``normalize`` (record →
event), ``reader`` (detect, parse). The per-VM state built from these events is
``logscope.state``.
"""

from ...lazy import lazy_attrs

__all__ = ["KIND", "KINDS", "detect", "parse", "parse_lines"]
__getattr__ = lazy_attrs(__name__, dict.fromkeys(__all__, "reader"))  # on first use
