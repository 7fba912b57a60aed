"""PowerShell error records (kind ``powershell-error``) on real public pastes (data/SOURCES.md):
Microsoft KB 4052082 (Markdown), kubernetes/minikube 6918, hashicorp/vagrant 11027,
canonical/multipass 3090 (zh-CN console, mojibake) and 3748 (log prefixes)."""

from __future__ import annotations

from logscope.ingest.powershell import reader
from tests.pasted_readers.helpers import DATA, accounted, read_sample, read_text


def test_start_vm_markdown_kb4052082():
    # source: https://learn.microsoft.com/en-us/troubleshoot/windows-client/virtualization/
    #         hyper-v-not-start-vm-after-upgrade
    events, led = read_sample("powershell_kb4052082_start_vm_markdown.txt")
    assert led.kind == "powershell-error" and led.records == len(events) == 1
    ev = events[0]
    assert (ev.locator.line, ev.locator.end_line) == (1, 7)
    assert ev.message.splitlines()[0] == "'VM_NAME' failed to start. (Virtual machine IDMachineID)"
    assert "At line" not in ev.message and "CategoryInfo" not in ev.message
    assert ev.data["cmdlet"] == "Start-VM"
    assert ev.data["FullyQualifiedErrorId"] == \
        "OperationFailed,Microsoft.HyperV.PowerShell.Commands.StartVM"
    assert ev.data["CategoryInfo"] == "NotSpecified: (:) [Start-VM], VirtualizationException"
    assert ev.data["exception"] == "Microsoft.HyperV.PowerShell.VirtualizationException"
    # %%3228369022 and (0xC06D007E) are the same code
    assert ev.hresult == "0xC06D007E" and ev.data["hresults"] == ["0xC06D007E"]
    assert ev.vm_name == "VM_NAME" and ev.vm_id is None  # the article blanked the id
    assert ev.time_source == "none" and ev.level == "Error"
    assert any(p.code == "paste-repair" for p in led.problems)
    assert accounted(events, led)


def test_log_prefix_and_module_qualified_cmdlet_minikube6918():
    # source: https://github.com/kubernetes/minikube/issues/6918
    events, led = read_sample("powershell_minikube6918_start_vm_access_denied.txt")
    ev = events[0]
    assert ev.message == ("'minikube' failed to start. (Virtual machine ID "
                          "D43F8370-1920-4398-AAF3-19C8C7B6F0E6)")
    assert ev.data["module"] == "Hyper-V" and ev.data["cmdlet"] == "Start-VM"
    assert ev.data["prefix"].startswith("E0306 15:00:09.591838")
    assert ev.vm_name == "minikube" and ev.vm_id == "d43f8370-1920-4398-aaf3-19c8c7b6f0e6"
    assert ev.data["error_id"] == "AccessDenied" and ev.data["category"] == "PermissionDenied"
    assert accounted(events, led)


def test_script_error_in_code_fence_after_tool_text_vagrant11027():
    # source: https://github.com/hashicorp/vagrant/issues/11027
    events, led = read_sample("powershell_vagrant11027_list_snapshots_vmid_empty.txt")
    assert led.kind == "powershell-error" and len(events) == 1
    ev = events[0]
    assert (ev.locator.line, ev.locator.end_line) == (10, 16)
    # the console wrapped the message after "parameter": joined back
    assert ev.message == "Cannot bind argument to parameter 'VmId' because it is an empty string."
    assert ev.data["script"].endswith("list_snapshots.ps1") and "cmdlet" not in ev.data
    assert ev.data["exception"] == "ParameterBindingValidationException"
    assert led.skip_reasons["not part of an error record"] == 8  # Vagrant's own sentences
    assert accounted(events, led)


def test_two_records_localised_mojibake_multipass3090():
    # source: https://github.com/canonical/multipass/issues/3090
    events, led = read_sample("powershell_multipass3090_zh_mojibake.txt")
    assert led.kind == "powershell-error" and len(events) == 2
    get_vm, start_vm = events
    assert get_vm.data["cmdlet"] == "Get-VM" and get_vm.data["target"] == "my-vm:String"
    assert get_vm.data["exception"] == "Microsoft.HyperV.PowerShell.VirtualizationException"
    assert (start_vm.locator.line, start_vm.locator.end_line) == (10, 19)
    assert start_vm.data["cmdlet"] == "Start-VM" and start_vm.hresult == "0x8007000D"
    # the VM id cut by the console ("...-9B" / "11-44DD...") is joined; the BIOS instance id
    # (once) loses to the VM id (twice)
    assert start_vm.vm_id == "1d9345e7-c301-4ca9-9b11-44dd5670eb42"
    assert "9B11-44DD5670EB42" in start_vm.message
    assert led.skip_reasons["not part of an error record"] == 3  # multipass trace lines
    assert accounted(events, led)


def test_alias_and_cut_record_multipass3748():
    # source: https://github.com/canonical/multipass/issues/3748
    events, led = read_sample("powershell_multipass3748_get_vmcheckpoint.txt")
    ev = events[0]
    assert ev.data["cmdlet"] == "Get-VMSnapshot" and ev.data["invoked"] == "Get-VMCheckpoint"
    assert ev.message == "Unable to find a snapshot matching the given criteria."
    assert "FullyQualifiedErrorId" not in ev.data  # the paste was cut after CategoryInfo
    assert accounted(events, led)


def test_several_pastes_in_one_file_give_several_events():
    parts = [(DATA / n).read_text("utf-8") for n in (
        "powershell_minikube6918_start_vm_access_denied.txt",
        "powershell_kb4052082_start_vm_markdown.txt")]
    events, led = read_text("PS C:\\> Start-VM minikube\n" + parts[0] + "\n" + parts[1])
    assert [e.data["error_id"] for e in events] == ["AccessDenied", "OperationFailed"]
    assert events[1].locator.line == 9
    assert accounted(events, led)


def test_concise_view_and_format_list_forms():
    # grammar checks (not captures): PowerShell 7 ConciseView and $Error[0] | fl *
    concise = ("Checkpoint-VM: Checkpoint operation failed.\n"
               "'DC01' could not initiate a checkpoint operation: There is not enough space "
               "on the disk. (0x80070070). "
               "(Virtual machine ID 8F1E6E3B-1B2C-4D5E-9F00-112233445566)\n")
    events, led = read_text(concise)
    assert led.kind == "powershell-error" and len(events) == 1
    ev = events[0]
    assert ev.data["form"] == "concise" and ev.data["cmdlet"] == "Checkpoint-VM"
    assert ev.hresult == "0x80070070" and ev.vm_name == "DC01"
    listing = ("PSMessageDetails      :\n"
               "Exception             : Microsoft.HyperV.PowerShell.VirtualizationException: "
               "Checkpoint operation failed.\n"
               "TargetObject          :\n"
               "CategoryInfo          : NotSpecified: (:) [Checkpoint-VM], "
               "VirtualizationException\n"
               "FullyQualifiedErrorId : "
               "OperationFailed,Microsoft.HyperV.PowerShell.Commands.CheckpointVM\n")
    events, led = read_text(listing)
    assert led.kind == "powershell-error" and len(events) == 1
    ev = events[0]
    assert ev.data["form"] == "list" and ev.message == "Checkpoint operation failed."
    assert ev.data["exception"] == "Microsoft.HyperV.PowerShell.VirtualizationException"
    assert ev.data["cmdlet"] == "Checkpoint-VM" and ev.data["error_id"] == "OperationFailed"
    assert accounted(events, led)


def test_record_without_message_is_a_problem_with_its_line():
    text = ("At line:1 char:1\n+ Checkpoint-VM -Name x\n"
            "    + CategoryInfo          : NotSpecified: (:) [Checkpoint-VM], "
            "VirtualizationException\n")
    events, led = read_text(text)
    assert len(events) == 1 and events[0].data["cmdlet"] == "Checkpoint-VM"
    assert [p.where for p in led.problems if p.code == "partial-record"] == ["line 1"]


def test_plain_text_is_not_powershell():
    assert reader.detect(b"The VM failed to start : check the logs\n", "x.txt") is None
    assert reader.detect(b"Name : value\nOther : thing\n", "x.txt") is None


def test_huge_input_bounded(monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_LINES", 10)
    one = (DATA / "powershell_minikube6918_start_vm_access_denied.txt").read_text("utf-8")
    noise = "some transcript line\n" * 500
    events, led = read_text((one + "\n" + noise) * 20)
    assert len(events) == 20 and all(e.data["cmdlet"] == "Start-VM" for e in events)
    assert accounted(events, led)


def test_concise_view_message_paragraphs_eryph123():
    # source: https://github.com/eryph-org/eryph/issues/123 (PowerShell 7 ConciseView; the
    # detail paragraph after the blank line holds the code and the cause)
    text = ("```\nExport-VM: Failed to copy file during export.\n\n"
            "Failed to copy file from '...' to '...': The file exists. (0x80070050).\n```\n")
    events, led = read_text(text)
    assert led.kind == "powershell-error" and len(events) == 1
    ev = events[0]
    assert ev.data["form"] == "concise" and ev.data["cmdlet"] == "Export-VM"
    assert ev.message.startswith("Failed to copy file during export.")
    assert ev.message.endswith("The file exists. (0x80070050).")
    assert ev.hresult == "0x80070050"
    assert accounted(events, led)


def test_concise_view_record_ends_at_two_blank_lines_or_a_new_head():
    text = ("Checkpoint-VM: Checkpoint operation failed.\n\n\n"
            "Some prose the person wrote afterwards.\n\n"
            "Export-VM: Failed to copy file during export.\n")
    events, led = read_text(text)
    assert [e.data["cmdlet"] for e in events] == ["Checkpoint-VM", "Export-VM"]
    assert events[0].message == "Checkpoint operation failed."
    assert "prose" not in " ".join(e.message for e in events)
    assert accounted(events, led)
