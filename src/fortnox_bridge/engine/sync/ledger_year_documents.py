"""The documents behind a year's vouchers: the files Fortnox has connected to them
(``/3/voucherfileconnections``), each read once from the archive (``/3/archive/{FileId}``),
kept content-addressed (``store/documents.py``) and linked to its voucher.

One listing serves every year of a sync (its pages hold 500 connections; a sync of one year
asks for that year's only). A file the bridge already holds is never read again; a connection
to a voucher the bridge does not hold (yet) is left for the next look. The kind of a document
comes from the voucher's reference when known, else from its series (the flow's settings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.ledger_year import LedgerYearFlow
from fortnox_bridge.fortnox.errors import NotFoundError
from fortnox_bridge.fortnox.resources.voucher_file_connection import file_name
from fortnox_bridge.store.documents import DocumentFiles, DocumentInfo, DocumentRepository
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.ledger_years import LedgerYearRepository
from fortnox_bridge.store.models import LEDGER_DOCUMENT_ENTITY

PDF, OCTETS = "application/pdf", "application/octet-stream"
NAME_MAX = 200


@dataclass
class DocumentCounts:
    """What one look for a year's documents did."""

    fetched: int = 0
    linked: int = 0


@dataclass(frozen=True)
class YearRef:
    """A year whose documents are looked for: its id in the store and in Fortnox."""

    year_id: int
    fortnox_id: int
    label: str


class LedgerDocuments:
    """Looks for and fetches the documents of some years of one tenant."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        tenant_id: int,
        client: Any,
        files: DocumentFiles,
        flow: LedgerYearFlow,
    ) -> None:
        self.sessions, self.clock, self.tenant_id = sessions, clock, tenant_id
        self.client, self.files, self.flow = client, files, flow

    async def sync(self, years: Sequence[YearRef]) -> dict[int, DocumentCounts]:
        """Look for the documents of ``years``; the counts per year id."""
        if not years:
            return {}
        wanted = {year.fortnox_id: year for year in years}
        if len(years) == 1:
            listing = self.client.voucher_file_connections.for_year(years[0].fortnox_id)
        else:
            listing = self.client.voucher_file_connections.iterate()
        connections: dict[int, list[Any]] = {fortnox_id: [] for fortnox_id in wanted}
        async for connection in listing:
            if connection.voucher_year in wanted and connection.file_id:
                connections[int(connection.voucher_year)].append(connection)
        counts = {}
        for fortnox_id, year in wanted.items():
            counts[year.year_id] = await self._year(year, connections[fortnox_id])
        return counts

    async def _year(self, year: YearRef, connections: list[Any]) -> DocumentCounts:
        counts = DocumentCounts()
        with self.sessions.begin() as session:
            store = LedgerYearRepository(session)
            vouchers = store.voucher_ids(year.year_id)
            held = store.held_documents(self.tenant_id, LEDGER_DOCUMENT_ENTITY)
        pairs: list[tuple[int, int]] = []
        for connection in connections:
            key = (str(connection.voucher_series), _number(connection.voucher_number))
            if key not in vouchers:
                continue  # a voucher the bridge does not hold: looked at again next time
            voucher_id, reference = vouchers[key]
            file_id = str(connection.file_id)
            if file_id not in held:
                kind = self.flow.document_kind(key[0], reference)
                document = await self._fetch(connection, file_id, kind)
                if document is None:
                    continue
                held[file_id] = document
                counts.fetched += 1
            pairs.append((voucher_id, held[file_id]))
        with self.sessions.begin() as session:
            counts.linked = LedgerYearRepository(session).link(self.tenant_id, pairs)
            LedgerYearRepository(session).set_fields(
                year.year_id, documents_synced_at=self.clock.now()
            )
            if counts.fetched or counts.linked:
                EventRepository(session).append(
                    self.tenant_id, "ledger.documents.synced",
                    data={"year": year.label, "fetched": counts.fetched, "linked": counts.linked},
                    now=self.clock.now(), entity_type="ledger.year", external_id=year.label,
                )  # fmt: skip
        return counts

    async def _fetch(self, connection: Any, file_id: str, kind: str) -> int | None:
        """Read one file from the archive and record it; its ``documents.id``."""
        try:
            archived = await self.client.archive.file(file_id)
        except NotFoundError:
            return None  # connected but gone from the archive
        name = file_name(connection) or file_id
        media = archived.content_type or OCTETS
        if media == OCTETS and name.lower().endswith(".pdf"):
            media = PDF
        info = DocumentInfo(
            name=name[:NAME_MAX], content_type=media[:100], size=len(archived.content),
            sha256=self.files.put(archived.content), fortnox_file_id=file_id,
            fetched_at=self.clock.now(),
        )  # fmt: skip
        with self.sessions.begin() as session:
            row = DocumentRepository(session).save(
                self.tenant_id, LEDGER_DOCUMENT_ENTITY, file_id, kind, info
            )
            return row.id


def _number(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1
