"""``GET /3/sie/{Type}?financialyear=<Id>``: a financial year's SIE file (types 1–4).

Fortnox streams the file as SIE is written: CP437 text (``#FORMAT PC8``). The call answers the
bytes as they came, undecoded; reading them is the SIE reader's business
(``fortnox_bridge.formats.sie``). The scope is ``bookkeeping``. Not a register: no catalogue
entry, no model.
"""

from __future__ import annotations

from fortnox_bridge.fortnox.resources.base import Requester

SIE_PATH = "/3/sie"
SIE_TYPES = (1, 2, 3, 4)


class SieResource:
    """The SIE export (see the module)."""

    def __init__(self, client: Requester) -> None:
        self._client = client

    async def export(self, financial_year_id: int | None = None, *, type: int = 4) -> bytes:
        """The SIE file of type ``type`` of the financial year ``financial_year_id`` (its
        ``Id``; ``None``: the year Fortnox holds current)."""
        if type not in SIE_TYPES:
            raise ValueError(f"SIE type must be one of {SIE_TYPES}, not {type!r}")
        params = {"financialyear": financial_year_id} if financial_year_id is not None else None
        response = await self._client.request_raw("GET", f"{SIE_PATH}/{type}", params=params)
        return response.content
