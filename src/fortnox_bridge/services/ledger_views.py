"""What the ledger's read side hands out (:class:`~fortnox_bridge.services.ledger.LedgerService`):
plain values for the API and the admin UI, never store rows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound
from fortnox_bridge.store.models import Document, LedgerRow, LedgerVoucher, LedgerYear

#: ``ok``: the last sync went well; ``error``: it failed (``last_error``); ``not_synced``: never
#: read yet.
YearStatus = Literal["ok", "error", "not_synced"]
_YEAR_KEY = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


@dataclass(frozen=True)
class YearView:
    """A financial year the bridge knows, where its ledger came from and when."""

    #: How the year is named in URLs: ``"2025"``, or its first day when two years start in 2025.
    key: str
    from_date: dt.date
    to_date: dt.date
    source: str
    fortnox_id: int | None
    synced_at: dt.datetime | None
    documents_synced_at: dt.datetime | None
    last_error: str | None
    voucher_count: int
    document_count: int
    sie_name: str | None
    sie_findings: list[Any]
    status: YearStatus


@dataclass(frozen=True)
class VoucherQuery:
    """What a list of vouchers is narrowed to (``None``: not narrowed); the year by its key."""

    year: str | None = None
    series: str | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    account: str | None = None
    project: str | None = None
    cost_center: str | None = None


@dataclass(frozen=True)
class AccountView:
    """An account of a year's chart: balances and the year's movement."""

    number: str
    name: str
    sru: str | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    debit: Decimal
    credit: Decimal

    @property
    def movement(self) -> Decimal:
        """Debit less credit: what the year's vouchers moved on the account."""
        return self.debit - self.credit


@dataclass(frozen=True)
class RowView:
    """A row of a voucher."""

    line: int
    account: str
    amount: Decimal
    cost_center: str | None
    project: str | None
    text: str | None
    quantity: Decimal | None
    transaction_date: dt.date | None


@dataclass(frozen=True)
class DocumentView:
    """A document behind a voucher (its bytes are read on their own)."""

    id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    fetched_at: dt.datetime


@dataclass(frozen=True)
class VoucherView:
    """A voucher with its rows and documents."""

    year: str
    series: str
    number: int
    date: dt.date
    text: str
    registered_on: dt.date | None
    reference_type: str | None
    reference_number: str | None
    changed_at: dt.datetime
    rows: list[RowView]
    documents: list[DocumentView]

    @property
    def total(self) -> Decimal:
        """The sum of the debit rows (what the voucher moves)."""
        return sum((row.amount for row in self.rows if row.amount > 0), Decimal(0))


@dataclass(frozen=True)
class DocumentContent:
    """A document's bytes and what they are."""

    id: int
    content: bytes
    content_type: str
    name: str
    sha256: str


def year_keys(years: Sequence[LedgerYear]) -> dict[int, str]:
    """Each year's key (see :attr:`YearView.key`), by year id."""
    starts: dict[int, int] = {}
    for year in years:
        starts[year.from_date.year] = starts.get(year.from_date.year, 0) + 1
    return {
        year.id: str(year.from_date.year)
        if starts[year.from_date.year] == 1
        else year.from_date.isoformat()
        for year in years
    }


def pick_year(
    years: Sequence[LedgerYear], key: str, where: tuple[str, str] = ("path", "year")
) -> LedgerYear:
    """The year ``key`` names: ``"2025"`` (the year starting in 2025) or ``"2025-07-01"`` (its
    first day). 422 for another shape (``where``: the request's field), 404 for no such year,
    409 when ``"2025"`` names two."""
    if not _YEAR_KEY.match(key):
        raise InvalidInput(
            f"{key!r} is not a financial year: give the year it starts in (2025) or its first "
            "day (2025-07-01)",
            code="invalid_year",
            field=where,
            value=key,
        )
    if len(key) == 4:
        found = [year for year in years if year.from_date.year == int(key)]
    else:
        try:
            first = dt.date.fromisoformat(key)
        except ValueError:
            raise InvalidInput(
                f"{key!r} is not a date: give the year's first day as YYYY-MM-DD",
                code="invalid_year",
                field=where,
                value=key,
            ) from None
        found = [year for year in years if year.from_date == first]
    if not found:
        known = ", ".join(year.from_date.isoformat() for year in years) or "none yet"
        raise NotFound(
            f"the bridge holds no financial year {key} (the years it holds start on: {known}); "
            "sync the years first",
            code="ledger_year_not_found",
        )
    if len(found) > 1:
        starts = " and ".join(year.from_date.isoformat() for year in found)
        raise Conflict(
            f"two financial years start in {key} ({starts}): name one by its first day",
            code="ledger_year_ambiguous",
        )
    return found[0]


def year_view(year: LedgerYear, key: str, vouchers: int, documents: int) -> YearView:
    """What is shown of ``year``."""
    status: YearStatus = (
        "error" if year.last_error else ("ok" if year.synced_at is not None else "not_synced")
    )
    return YearView(
        key=key,
        from_date=year.from_date,
        to_date=year.to_date,
        source=year.source,
        fortnox_id=year.fortnox_id,
        synced_at=year.synced_at,
        documents_synced_at=year.documents_synced_at,
        last_error=year.last_error,
        voucher_count=vouchers,
        document_count=documents,
        sie_name=year.sie_name,
        sie_findings=list(year.sie_findings or []),
        status=status,
    )


def document_view(document: Document) -> DocumentView:
    """What is shown of a document."""
    return DocumentView(
        id=document.id,
        kind=document.kind,
        name=document.name,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        fetched_at=document.fetched_at,
    )


def voucher_view(
    voucher: LedgerVoucher, year: str, rows: Sequence[LedgerRow], documents: Sequence[Document]
) -> VoucherView:
    """What is shown of a voucher."""
    return VoucherView(
        year=year,
        series=voucher.series,
        number=voucher.number,
        date=voucher.date,
        text=voucher.text,
        registered_on=voucher.registered_on,
        reference_type=voucher.reference_type,
        reference_number=voucher.reference_number,
        changed_at=voucher.changed_at,
        rows=[
            RowView(
                line=row.line,
                account=row.account,
                amount=row.amount,
                cost_center=row.cost_center,
                project=row.project,
                text=row.text,
                quantity=row.quantity,
                transaction_date=row.transaction_date,
            )
            for row in rows
        ],
        documents=[document_view(document) for document in documents],
    )
