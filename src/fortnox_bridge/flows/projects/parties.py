"""What the customer and supplier flows of the projects family share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: How much of a name a reference shows: enough to recognise the party, short enough for a
#: subject line (Fortnox takes names of up to 1024 characters).
SHOWN_NAME = 60


def party_reference(kind: str, external_id: str, record: Mapping[str, Any] | None) -> str:
    """``customer c-7 (1001 Bygg AB)``: the kind, the host id, the number and the name."""
    number, name = (record or {}).get("number"), (record or {}).get("name")
    if name and len(str(name)) > SHOWN_NAME:
        name = str(name)[: SHOWN_NAME - 1].rstrip() + "…"
    shown = " ".join(str(part) for part in (number, name) if part)
    return f"{kind} {external_id} ({shown})" if shown else f"{kind} {external_id}"
