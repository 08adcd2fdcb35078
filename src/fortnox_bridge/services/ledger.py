"""The general ledger the bridge holds, read: a tenant's financial years (source, last sync,
vouchers, last error), a year's accounts with their movement, the year as a SIE 4 file, vouchers
paged and filtered, one voucher with its rows and documents, a document's bytes and signed links
to it (:mod:`~fortnox_bridge.services.ledger_links`).

The ledger is written by the year import (``services.ledger_sync``); this service only reads.
What it hands out is in :mod:`~fortnox_bridge.services.ledger_views`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.services.errors import InvalidInput, NotFound
from fortnox_bridge.services.ledger_links import DocumentLinks, Link
from fortnox_bridge.services.ledger_sie import sie_file
from fortnox_bridge.services.ledger_views import (
    AccountView,
    DocumentContent,
    VoucherQuery,
    VoucherView,
    YearView,
    pick_year,
    voucher_view,
    year_keys,
    year_view,
)
from fortnox_bridge.services.paging import decode_cursor, encode_cursor
from fortnox_bridge.store import ledger_read
from fortnox_bridge.store.documents import DocumentFiles
from fortnox_bridge.store.ledger_read import Position, VoucherFilter
from fortnox_bridge.store.models import LedgerVoucher, LedgerYear
from fortnox_bridge.store.tenants import TenantRepository

__all__ = ["LedgerService", "VoucherQuery"]

#: Where a list of vouchers names its year.
QUERY_YEAR = ("query", "year")


class LedgerService:
    """Reads the tenants' ledgers (see the module)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        files: DocumentFiles,
        secret_keys: Callable[[], str],
        link_lifetime: timedelta = timedelta(minutes=15),
    ) -> None:
        self.sessions, self.clock, self.files = sessions, clock, files
        self.links = DocumentLinks(secret_keys, clock, link_lifetime)

    # -- years and accounts -------------------------------------------------------------------

    def years(self, tenant_id: int) -> list[YearView]:
        """The tenant's financial years, the latest first."""
        with self.sessions.begin() as session:
            found = ledger_read.years(session, tenant_id)
            return _year_views(session, tenant_id, found, found)

    def year(self, tenant_id: int, key: str) -> YearView:
        """The year ``key`` names (``"2025"`` or ``"2025-07-01"``)."""
        with self.sessions.begin() as session:
            found = ledger_read.years(session, tenant_id)
            return _year_views(session, tenant_id, found, [pick_year(found, key)])[0]

    def accounts(self, tenant_id: int, key: str) -> list[AccountView]:
        """The year's accounts with balances and the year's debit and credit, by number."""
        with self.sessions.begin() as session:
            year = _year(session, tenant_id, key)
            return [
                AccountView(
                    a.number, a.name, a.sru, a.opening_balance, a.closing_balance, a.debit, a.credit
                )
                for a in ledger_read.accounts(session, tenant_id, year.id)
            ]

    def sie(self, tenant_id: int, key: str) -> tuple[str, bytes]:
        """The stored year as a SIE 4 file: a file name and its bytes."""
        with self.sessions.begin() as session:
            year = _year(session, tenant_id, key)
            tenant = TenantRepository(session).get(tenant_id)
            company = tenant.name if tenant is not None else ""
            content = sie_file(session, tenant_id, company, year, self.clock)
            return f"ledger-{year.from_date.isoformat()}.se", content

    # -- vouchers -----------------------------------------------------------------------------

    def vouchers(
        self, tenant_id: int, query: VoucherQuery, *, limit: int, cursor: str | None
    ) -> tuple[list[VoucherView], str | None]:
        """One page of the tenant's vouchers by date, series and number, narrowed by ``query``;
        the cursor of the next page, if any."""
        after = _position(cursor)
        with self.sessions.begin() as session:
            years = ledger_read.years(session, tenant_id)
            keys = year_keys(years)
            wanted = VoucherFilter(
                year_id=None if query.year is None else pick_year(years, query.year, QUERY_YEAR).id,
                series=query.series,
                first=query.first,
                last=query.last,
                account=query.account,
                project=query.project,
                cost_center=query.cost_center,
            )
            found, last = ledger_read.voucher_page(
                session, tenant_id, wanted, limit=limit, after=after
            )
            views = self._views(session, found, keys)
        next_cursor = None
        if last is not None:
            next_cursor = encode_cursor([last[0].isoformat(), last[1], last[2], last[3]])
        return views, next_cursor

    def voucher(self, tenant_id: int, key: str, series: str, number: int) -> VoucherView:
        """The voucher ``series`` ``number`` of the year ``key`` names, with rows and documents."""
        with self.sessions.begin() as session:
            years = ledger_read.years(session, tenant_id)
            year = pick_year(years, key)
            found = ledger_read.voucher(session, tenant_id, year.id, series, number)
            if found is None:
                raise NotFound(
                    f"the financial year {key} has no voucher {series}{number} in the bridge",
                    code="ledger_voucher_not_found",
                )
            return self._views(session, [found], year_keys(years))[0]

    @staticmethod
    def _views(
        session: Session, vouchers: list[LedgerVoucher], keys: dict[int, str]
    ) -> list[VoucherView]:
        ids = [voucher.id for voucher in vouchers]
        rows, documents = ledger_read.rows_of(session, ids), ledger_read.documents_of(session, ids)
        return [
            voucher_view(v, keys[v.year_id], rows.get(v.id, []), documents.get(v.id, []))
            for v in vouchers
        ]

    # -- documents ----------------------------------------------------------------------------

    def document(self, tenant_id: int, document_id: int) -> DocumentContent:
        """A ledger document's bytes; 404 when the tenant has no such document or its file is
        gone."""
        with self.sessions.begin() as session:
            found = ledger_read.document(session, tenant_id, document_id)
            info = None if found is None else (found.sha256, found.content_type, found.name)
        content = None if info is None else self.files.get(info[0])
        if info is None or content is None:
            raise NotFound(
                f"there is no ledger document {document_id}: the documents of a voucher are "
                "listed with the voucher",
                code="ledger_document_not_found",
            )
        return DocumentContent(document_id, content, info[1], info[2], info[0])

    def link(self, tenant_id: int, document_id: int) -> Link:
        """A signed link to the tenant's document (see :meth:`shared`)."""
        with self.sessions.begin() as session:
            found = ledger_read.document(session, tenant_id, document_id) is not None
        if not found:
            raise NotFound(
                f"there is no ledger document {document_id}", code="ledger_document_not_found"
            )
        return self.links.make(tenant_id, document_id)

    def shared(self, token: str) -> DocumentContent:
        """The document a link names, while it is valid (``LinkExpired``, ``LinkRefused``)."""
        named = self.links.check(token)
        return self.document(named.tenant_id, named.document_id)


def _year_views(
    session: Session, tenant_id: int, known: list[LedgerYear], shown: list[LedgerYear]
) -> list[YearView]:
    """The views of the ``shown`` years, keyed among all the ``known`` years of the tenant."""
    keys = year_keys(known)
    vouchers = ledger_read.voucher_counts(session, tenant_id)
    documents = ledger_read.document_counts(session, tenant_id)
    return [year_view(y, keys[y.id], vouchers.get(y.id, 0), documents.get(y.id, 0)) for y in shown]


def _year(session: Session, tenant_id: int, key: str) -> LedgerYear:
    return pick_year(ledger_read.years(session, tenant_id), key)


def _position(cursor: str | None) -> Position | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        first, series, number, voucher_id = position
        if type(number) is int and type(voucher_id) is int and isinstance(series, str):
            return dt.date.fromisoformat(first), series, number, voucher_id
    except (TypeError, ValueError):
        pass
    raise InvalidInput(
        "not a cursor of this list: pass next_cursor of the previous page unchanged, or leave "
        "it out to start again",
        code="invalid_cursor",
        field=("query", "cursor"),
        value=cursor,
    )
