"""The images of ledger records: a voucher booked from a supplier invoice brings the file
connected to that invoice (the scanned invoice).

The flow names the supplier invoice (:meth:`LedgerFlow.document_source
<fortnox_bridge.engine.flow.ledger.LedgerFlow.document_source>`); the file is found with one list
request (``/3/supplierinvoicefileconnections?supplierinvoicenumber=``), its bytes read once from
the archive (``/3/archive/{FileId}``), kept in the run's :class:`~fortnox_bridge.store.documents.
DocumentFiles` store and described on the bridge's record (``image``). A record with an image is
never asked about again; one whose invoice has no file yet is asked about at its re-checks
(bounded by the flow's ``recheck_per_sweep``). Nothing is fetched in a dry run or without a
document store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fortnox_bridge.engine.flow.ledger import LedgerFlow
from fortnox_bridge.engine.sync.ledger_store import LedgerStore
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.fortnox.errors import NotFoundError
from fortnox_bridge.store.documents import DocumentInfo

#: The media type of a file Fortnox sends as bytes without saying (named ``*.pdf``).
PDF = "application/pdf"
OCTETS = "application/octet-stream"
#: The longest file name kept (the ``documents`` table's column).
NAME_MAX = 200


@dataclass
class Wanted:
    """A record whose image is to be looked for, and the supplier invoice that has it."""

    external_id: str
    source: str


class DocumentFetcher:
    """Looks for and fetches the images of one ledger flow's records in one sweep."""

    def __init__(self, scope: RunScope, flow: LedgerFlow, client: Any, store: LedgerStore):
        self.scope, self.flow, self.client, self.store = scope, flow, client, store
        self.waiting: list[Wanted] = []

    @property
    def active(self) -> bool:
        """Whether images are fetched at all in this run."""
        return bool(self.scope.documents is not None and not self.scope.dry_run and self.client)

    def want(self, external_id: str, fields: dict[str, Any] | None) -> None:
        """Look for the record's image at the next :meth:`fetch` (if it may have one)."""
        source = self.flow.document_source(fields or {}) if self.active else None
        if source is not None and not (fields or {}).get(self.flow.image_field):
            self.waiting.append(Wanted(external_id, source))

    async def fetch(self) -> None:
        """Fetch the images wanted since the last call (none held in a transaction)."""
        waiting, self.waiting = self.waiting, []
        for wanted in waiting:
            if not self.store.has_image(wanted.external_id):
                await self._fetch_one(wanted)

    async def _fetch_one(self, wanted: Wanted) -> None:
        page = await self.client.supplier_invoice_file_connections.list_page(
            search={"supplierinvoicenumber": wanted.source}
        )
        # Fortnox is asked for the invoice's files only; the number is checked all the same.
        found = [c for c in page.items if str(c.supplier_invoice_number) == wanted.source]
        if not found or not found[0].file_id:
            return  # no file yet: looked for again at the record's next re-check
        connection = found[0]
        try:
            archived = await self.client.archive.file(str(connection.file_id))
        except NotFoundError:
            return  # connected but gone from the archive: looked for again at the re-check
        name = str(connection.name or connection.file_id)
        kind = archived.content_type or OCTETS
        if kind == OCTETS and name.lower().endswith(".pdf"):
            kind = PDF
        assert self.scope.documents is not None  # checked by ``active``
        sha256 = self.scope.documents.put(archived.content)
        info = DocumentInfo(
            name=name[:NAME_MAX], content_type=kind[:100], size=len(archived.content),
            sha256=sha256, fortnox_file_id=str(connection.file_id),
            fetched_at=self.scope.clock.now(),
        )  # fmt: skip
        self.store.image(wanted.external_id, info)
