"""Provider blocks (``list providers``): a quoted name, a type line, a GUID and a version.
"""

from __future__ import annotations

import re

from ...events import Event, Locator
from .lines import (
    KIND,
    Line,
)
from .writer import _form_text

VERSION_RE = re.compile(r"^\d{1,5}(?:\.\d{1,6}){1,3}$")


class ProviderBlocks:
    """The provider block methods of the vssadmin block parser (mixed into ``parser._Parser``)."""

    def _provider(self, n0: Line) -> Event:
        type_line, id_line, ver_line = self._field(n0), self._field(n0), self._field(n0)
        pid = id_line.guid if id_line.guid_form == "ok" else None
        if pid is None:
            self.ledger.problem(
                f"line {id_line.no}",
                f"provider id is {_form_text(id_line.guid_form)}: {id_line.value!r}",
                f"guid-{id_line.guid_form or 'invalid'}",
            )
        ptype = type_line.value if type_line.value is not None else type_line.text
        version = ver_line.value
        return self._emit(
            "providers",
            Event(
                kind=KIND,
                file=self.display,
                locator=Locator(line=n0.no, end_line=ver_line.no),
                message=f"VSS provider '{n0.name}' ({ptype}), id {pid or '?'}, version {version}",
                data={
                    "listing": "providers",
                    "provider_name": n0.name,
                    "provider_type": ptype,
                    "provider_id": pid,
                    "version": version,
                    "capture": self.capture.index,
                },
            ),
        )
