"""Whether a pasted message was understood: read through a template, or said plainly not.

Why one place: Event Viewer text and a bare pasted message both end as "an event with a
message"; both must read a German or Japanese message the same way (``localised.identify``)
and both must say in the file's accounting when a localised message matched no template,
instead of giving no hint and no reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..events import Event
from ..ledger import FileLedger
from .language import language_of

if TYPE_CHECKING:
    from ..localised import Identified

NOT_UNDERSTOOD = "message not understood"


def understand(ev: Event, ledger: FileLedger, line: int | None,
               label_language: str | None = None, *, may_match: bool = True) -> Identified | None:
    """Read ``ev.message`` through the templates; fill provider and event id where the paste
    did not name them; put the English sentence in ``message`` (the pasted text stays in
    ``data.message_original``). A localised message no template reads is counted in the
    ledger and marked ``data.message_understood = False``. ``may_match=False``: the caller
    knows that no template reads the message (``quiet_text``): only its language is told."""
    if not ev.message:
        return None
    ident = None
    if may_match:  # the templates' module only then (~2 ms to import)
        from ..localised import identify

        ident = identify(ev.message, ev.provider, ev.event_id)
    if ident is not None:
        _apply(ev, ident)
        return ident
    lang = language_of(ev.message)
    if lang == "en" or (lang is None and label_language in (None, "en")):
        return None
    lang = lang or label_language
    ev.data["message_understood"] = False
    ev.data["message_language"] = lang
    ledger.message_not_understood(line, lang)
    if ledger.not_understood == 1:
        used = "its codes, provider, event id and names" if ev.provider else "its codes and names"
        ledger.problem(f"line {line}", f"{NOT_UNDERSTOOD}: {lang} text that no shipped template "
                                       f"reads; only {used} are used", "message-not-understood")
    return None


def _apply(ev: Event, ident: Identified) -> None:
    if ev.provider is None:
        ev.provider = ident.provider
    if ev.event_id is None:
        ev.event_id = ident.event_id
    ev.data["message_template"] = f"{ident.provider}/{ident.event_id} ({ident.lang})"
    ev.data["message_understood"] = True
    # the inserts where an .evtx record keeps them (data.1, data.2 ...), so a signature's
    # "data.2|regex: Writer Name: ..." reads a pasted event as it reads a logged one
    for n, value in enumerate(ident.inserts, 1):
        if value:
            ev.data.setdefault(str(n), value)
    if ident.lang == "en":
        return
    ev.data["message_language"] = ident.lang
    if ident.source:
        ev.data["message_template_source"] = ident.source
    if ident.english:
        ev.data["message_original"] = ev.message
        ev.message = ident.english
