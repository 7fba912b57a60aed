"""event-text: Event Viewer text in several languages, wevtutil, Get-WinEvent list/table,
shorthand. Every sample is public text, verbatim (its damage kept); each test names its source."""

from __future__ import annotations

from .helpers import read_text

# https://learn.microsoft.com/en-us/windows/win32/appxpkg/troubleshooting (Markdown quote)
EN_TWINUI = """\
> Log Name: Microsoft-Windows-TWinUI/Operational  
> Source: Microsoft-Windows-Immersive-Shell  
> Date: <*date*>  
> Event ID: 5960  
> Task Category: (5960)  
> Level: Error  
> Keywords:  
> Description:  
> Activation of the app Microsoft.BingNews_8wekyb3d8bbwe!AppexNews for the Windows. Launch contract was blocked with error 0x80073CFC because its package is in state: Modified.  

### Cause
"""

# https://learn.microsoft.com/de-de/windows/win32/appxpkg/troubleshooting
DE_TWINUI = """\
> Protokollname: Microsoft-Windows-TWinUI/Operational  
> Quelle: Microsoft-Windows-Immersive-Shell  
> Datum: <*Datum*>  
> Ereignis-ID: 5960  
> Aufgabenkategorie: (5960)  
> Ebene: Fehler  
> Schlüsselwörter:  
> Beschreibung:  
> Aktivierung des App-Microsoft.BingNews_8wekyb3d8bbwe! AppexErklär für die Windows. Der Startvertrag wurde mit dem Fehler 0x80073CFC, da sich das Paket im Status Geändert befindet.  
"""

# https://learn.microsoft.com/es-es/windows/win32/appxpkg/troubleshooting
ES_TWINUI = """\
> Nombre del registro: Microsoft-Windows-TWinUI/Operational  
> Origen: Microsoft-Windows-Immersive-Shell  
> Fecha: <*fecha*>  
> Id. de evento: 5960  
> Categoría de tarea: (5960)  
> Nivel: Error  
> Palabras clave:  
> Descripción:  
> Activación de la aplicación Microsoft.BingNews_8wekyb3d8bbwe! AppexNews para el Windows. Se bloqueó el inicio del contrato con 0x80073CFC error porque su paquete está en estado: Modificado.  
"""

# https://learn.microsoft.com/ru-ru/windows/win32/appxpkg/troubleshooting
RU_TWINUI = """\
> Имя журнала: Microsoft-Windows-Твинуи/эксплуатация  
> Источник: Microsoft-Windows-иммерсивное-Shell  
> Дата: <*Дата*>  
> Идентификатор события: 5960  
> Категория задачи: (5960)  
> Level: Error  
> Ключевые слова:  
> Описание.  
> Активация приложения Microsoft.BingNews_8wekyb3d8bbwe! Аппексневс для Windows. Контракт запуска заблокирован с ошибкой 0x80073CFC, так как его пакет находится в состоянии: изменен.  
"""

# https://learn.microsoft.com/it-it/sql/relational-databases/errors-events/mssqlserver-17659-database-engine-error
# (Markdown lazy quote: only the first line carries "> ")
IT_SQL = """\
> Nome registro: Applicazione  
Origine: MSSQLServer  
ID evento: 17659  
Categoria attività: Server  
Livello: Informazioni  
Descrizione: Avviso: la tabella di sistema con ID \\% è stata aggiornata direttamente nel database con ID %d ed è possibile che non sia stata mantenuta la coerenza a livello della cache. È necessario riavviare SQL Server.
"""

# https://jpabrs-scem.github.io/blog/AzureVMBackup/CSV_not_Supported/ (two quoted events in
# a Markdown list; VSS 8229 and FailoverClustering 1544)
JA_CSV = """\
- アプリケーション ログ  
  > ログの名前: Application  
  > ソース: VSS  
  > 日付: yyyy/mm/dd HH:mm:ss  
  > イベント ID: 8229  
  > タスクのカテゴリ: なし  
  > レベル: 警告  
  > キーワード: クラシック  
  > ユーザー: N/A  
  > コンピューター: <コンピューター名>  
  > 説明:  
  > エラー 0x00000000, The operation completed successfully.  
  >  により、VSS ライターはイベントを拒否しました。イベントの処理中に VSS ライターがライター コンポーネントに加えた変更は、要求側では利用できません。 VSS ライターをホストしているアプリケーションからの関連イベントについては、イベント ログを参照してください。  
  > 
  > Operation:  
  >    PrepareForSnapshot Event  
  > 
  > Context:  
  >    Execution Context: Writer  
  >    Writer Class Id: {1072ae1c-e5a7-4ea1-9e4a-6f7964656570}  
  >    Writer Name: Cluster Shared Volume VSS Writer  
  >    Writer Instance ID: {a2c1fb45-4c7e-43dc-b4e1-6f4660f40ce4}  
  >    Command Line: C:\\Windows\\Cluster\\clussvc.exe -s  
  >    Process ID: 4004</Data>  
  ![](./CSV_not_Supported/CSV_not_Supported_01.png)  
- システム ログ  
  > ログの名前: System  
  > ソース: Microsoft-Windows-FailoverClustering  
  > 日付: yyyy/mm/dd HH:mm:ss   
  > イベント ID: 1544  
  > タスクのカテゴリ: Cluster Backup/Restore  
  > レベル: 警告  
  > キーワード:  
  > ユーザー: SYSTEM  
  > コンピューター: <コンピューター名>  
  > 説明:  
  > クラスター構成データのバックアップ操作が取り消されました。クラスターのボリューム シャドウ コピー サービス (VSS) ライターが中止要求を受信しました。  
  ![](./CSV_not_Supported/CSV_not_Supported_02.png)  
"""

# Threathunting-book (Chinese ATT&CK notes), "T1562-001-win-使用net stop关闭部分服务",
# https://github.com/rjohnsen/threathunting-book (fork), fenced in ```yml
ZH_4688 = """\
```yml
日志名称:          Security
来源:            Microsoft-Windows-Security-Auditing
日期:            2022/12/26 16:54:49
事件 ID:         4688
任务类别:          Process Creation
级别:            信息
关键字:           审核成功
用户:            暂缺
计算机:           WIN-SAPNNP06AE5.jackma.com
描述:
已创建新进程。

创建者主题:
\t安全 ID:\t\tJACKMA\\Administrator
\t帐户名:\t\tAdministrator
```
"""

# https://github.com/EntropicTech/HyperVReports (README: Get-WinEvent | Format-List output)
LIST_HYPERV = """\
ET-HV-01

TimeCreated  : 4/14/2019 7:55:18 AM
ProviderName : Microsoft-Windows-Hyper-V-Worker
Message      : 'ET-RDP-01' was reset by the guest operating system. (Virtual machine ID 7D563560-D084-404F-9409-6D7D053CFEB3)

TimeCreated  : 4/14/2019 7:55:38 AM
ProviderName : Microsoft-Windows-Hyper-V-Chipset
Message      : 'ET-RDP-01' successfully booted an operating system. (Virtual machine ID 7D563560-D084-404F-9409-6D7D053CFEB3)
"""

# https://learn.microsoft.com/en-us/powershell/dsc/troubleshooting/troubleshooting (Format-Table)
TABLE_DSC = """\
PS C:\\> Get-WinEvent -LogName "Microsoft-Windows-Dsc/Operational"
   ProviderName: Microsoft-Windows-DSC
TimeCreated                     Id LevelDisplayName Message                                                                                                  
-----------                     -- ---------------- -------                                                                                                  
11/17/2014 10:27:23 PM        4102 Information      Job {02C38626-D95A-47F1-9DA2-C1D44A7128E7} : 
"""


def test_english_viewer_text_in_a_markdown_quote() -> None:
    ledger, (ev,) = read_text(EN_TWINUI)
    assert ledger.kind == "event-text"
    assert (ev.provider, ev.channel, ev.event_id, ev.level) == (
        "Microsoft-Windows-Immersive-Shell", "Microsoft-Windows-TWinUI/Operational", 5960, "Error")
    assert ev.message.startswith("Activation of the app Microsoft.BingNews")
    assert ev.hresult == "0x80073CFC" and ev.data["hresults"] == ["0x80073CFC"]
    assert ev.time is None and ev.time_source == "none"      # "<*date*>" is a placeholder
    assert any(p.code == "pasted-date" and p.where == "line 1" for p in ledger.problems)
    assert ledger.info["paste_repairs"]["quote prefix removed"]["count"] == 9
    assert (ev.locator.line, ev.locator.end_line) == (1, 9)


def test_same_event_in_german_spanish_russian_reads_the_same() -> None:
    for text, lang, level in ((DE_TWINUI, "de", "Error"), (ES_TWINUI, "es", "Error"),
                              (RU_TWINUI, "ru", "Error")):
        ledger, (ev,) = read_text(text)
        assert ledger.kind == "event-text", lang
        assert ev.event_id == 5960 and ev.level == level, lang
        assert ev.hresult == "0x80073CFC", lang
        assert ev.data["label_language"] == lang, lang
        assert ev.channel and "TWinUI" in ev.channel or lang == "ru"


def test_italian_lazy_quote_channel_and_level_mapped() -> None:
    ledger, (ev,) = read_text(IT_SQL)
    assert (ev.provider, ev.channel, ev.event_id, ev.level) == (
        "MSSQLServer", "Application", 17659, "Information")
    assert ev.data["task_category"] == "Server"
    assert ev.message.endswith("È necessario riavviare SQL Server.")
    # Italian text, no code in it: said plainly, counted once
    assert ev.data["message_understood"] is False
    assert ledger.not_understood == 1
    assert ledger.as_dict()["messages_not_understood"]["places"] == [{"line": ev.locator.line,
                                                                       "language": "it"}]


def test_japanese_two_events_in_one_paste() -> None:
    ledger, evs = read_text(JA_CSV)
    assert [(e.provider, e.event_id, e.level, e.channel) for e in evs] == [
        ("VSS", 8229, "Warning", "Application"),
        ("Microsoft-Windows-FailoverClustering", 1544, "Warning", "System")]
    vss, clus = evs
    assert "Cluster Shared Volume VSS Writer" in vss.message
    # the Japanese 8229 sentence is read through its template (the same paste is its source)
    assert "イベント ログを参照してください" in vss.data["message_original"]
    assert vss.message.startswith("A VSS writer has rejected an event with error 0x00000000")
    assert vss.data["message_understood"] is True and vss.data["message_language"] == "ja"
    assert "CSV_not_Supported_01.png" not in vss.message   # the description ended with the quote
    assert vss.data["user"] == "N/A" and vss.data["label_language"] == "ja"
    # the 1544 sentence too has its Japanese template (same source): nothing is left unread
    assert clus.host == "<コンピューター名>" and clus.data["message_understood"] is True
    assert clus.message == ("Cluster database backup was cancelled because the cluster VSS "
                            "writer received an abort.")
    assert ledger.not_understood == 0


def test_chinese_fenced_with_local_time() -> None:
    ledger, (ev,) = read_text(ZH_4688)
    assert (ev.provider, ev.event_id, ev.level) == ("Microsoft-Windows-Security-Auditing", 4688,
                                                   "Information")
    assert ev.time is not None and ev.time.isoformat() == "2022-12-26T16:54:49+00:00"
    assert ev.time_source == "local"
    assert ev.host == "WIN-SAPNNP06AE5.jackma.com"
    assert ev.message.startswith("已创建新进程。")
    assert ledger.info["paste_repairs"]["code fence"]["count"] == 2


def test_get_winevent_format_list_two_records_vm_identity() -> None:
    ledger, evs = read_text(LIST_HYPERV)
    assert ledger.kind == "event-text"
    assert [e.provider for e in evs] == ["Microsoft-Windows-Hyper-V-Worker",
                                         "Microsoft-Windows-Hyper-V-Chipset"]
    assert all(e.vm_name == "ET-RDP-01" for e in evs)
    assert evs[0].vm_id == "7d563560-d084-404f-9409-6d7d053cfeb3"
    assert evs[0].time.isoformat() == "2019-04-14T07:55:18+00:00"
    assert evs[0].time_source == "local"


def test_get_winevent_format_table_group_header() -> None:
    ledger, (ev,) = read_text(TABLE_DSC)
    assert ledger.kind == "event-text"
    assert (ev.provider, ev.event_id, ev.level) == ("Microsoft-Windows-DSC", 4102, "Information")
    assert ev.message.startswith("Job {02C38626-D95A-47F1-9DA2-C1D44A7128E7}")
    assert ev.time.isoformat() == "2014-11-17T22:27:23+00:00"


def test_format_table_truncated_message_is_marked() -> None:
    # https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_remote_jobs
    # style output with the console cut ("...")
    text = ("   ProviderName: Microsoft-Windows-Security-Auditing\n\n"
            "TimeCreated                     Id LevelDisplayName Message\n"
            "-----------                     -- ---------------- -------\n"
            "5/11/2017 8:36:51 PM          4720 Information      A user account was created....\n")
    _, (ev,) = read_text(text)
    assert ev.event_id == 4720 and ev.data["truncated"] is True


def test_wevtutil_text_blocks() -> None:
    # wevtutil qe System /c:1 /f:text layout (Event[N]: header, indented labels)
    text = ("Event[0]:\n  Log Name: Microsoft-Windows-Hyper-V-VMMS-Admin\n"
            "  Source: Microsoft-Windows-Hyper-V-VMMS\n  Date: 2026-12-04T10:15:02.1230000Z\n"
            "  Event ID: 19100\n  Task: N/A\n  Level: Error\n  Opcode: Info\n  Keyword: N/A\n"
            "  User: S-1-5-18\n  User Name: NT AUTHORITY\\SYSTEM\n  Computer: HV01\n"
            "  Description: \n'SQL01' background disk merge failed to complete: There is not "
            "enough space on the disk. (0x80070070). (Virtual machine ID "
            "1D6A3C2E-55AB-4C3D-9E8F-0123456789AB)\n\nEvent[1]:\n  Log Name: Application\n"
            "  Source: VSS\n  Date: 2026-12-04T10:16:00.000\n  Event ID: 8193\n  Level: Error\n"
            "  Description: \nVolume Shadow Copy Service error: hr = 0x80042302\n")
    ledger, evs = read_text(text)
    assert [(e.event_id, e.time_source) for e in evs] == [(19100, "utc"), (8193, "local")]
    assert evs[0].vm_name == "SQL01" and evs[0].hresult == "0x80070070"
    assert evs[1].data["vss_error"] == "VSS_E_UNEXPECTED"


def test_shorthand_and_not_a_shorthand() -> None:
    ledger, (ev,) = read_text("Microsoft-Windows-Hyper-V-VMMS-Admin/19100: 'SQL01' background "
                              "disk merge failed to complete: There is not enough space on the "
                              "disk. (0x80070070).\n")
    assert (ev.provider, ev.channel, ev.event_id) == (
        "Microsoft-Windows-Hyper-V-VMMS", "Microsoft-Windows-Hyper-V-VMMS-Admin", 19100)
    assert ev.hresult == "0x80070070"
    ledger, evs = read_text("Note 1: the backup ran at night.\nStep 2: it failed.\n")
    assert ledger.kind != "event-text"


def test_localised_dates_parse_or_are_reported() -> None:
    from logscope.ingest.eventlog_text.pasted_time import parse_pasted_time

    assert parse_pasted_time("04.12.2026 10:15:02", "de").time.day == 4
    assert parse_pasted_time("12/4/2026 10:15:02 AM", "en").time.month == 12
    assert parse_pasted_time("2026/12/04 午後 3:15:02", "ja").time.hour == 15
    amb = parse_pasted_time("04/12/2026 10:15:02", "en")
    assert amb.time is None and "day and month" in amb.problem
