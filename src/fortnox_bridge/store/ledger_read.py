"""Reading the general ledger the bridge holds (``store/models/ledger.py``): the years, a year's
accounts with their movement, dimension objects, vouchers with their rows and documents.

Every query names the tenant, so nothing of another tenant is ever read. The write side (the
year import) is its own repository; this module only reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, case, exists, func, select, tuple_
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import (
    Document,
    LedgerAccount,
    LedgerObject,
    LedgerRow,
    LedgerVoucher,
    LedgerVoucherDocument,
    LedgerYear,
)
from fortnox_bridge.store.models.ledger import LEDGER_DOCUMENT_ENTITY

CENT = Decimal("0.01")
#: How many vouchers are read at a time when a whole year is walked (the SIE export).
CHUNK = 500


@dataclass(frozen=True)
class VoucherFilter:
    """What a list of vouchers is narrowed to (``None``: not narrowed)."""

    year_id: int | None = None
    series: str | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    account: str | None = None
    project: str | None = None
    cost_center: str | None = None


#: Where a page of vouchers ends: the last voucher's date, series, number and id.
Position = tuple[dt.date, str, int, int]


@dataclass(frozen=True)
class AccountMovement:
    """An account of a year with what its rows add up to in that year."""

    number: str
    name: str
    sru: str | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    debit: Decimal
    credit: Decimal


def years(session: Session, tenant_id: int) -> list[LedgerYear]:
    """The tenant's financial years, the latest first."""
    return list(
        session.scalars(
            select(LedgerYear)
            .where(LedgerYear.tenant_id == tenant_id)
            .order_by(LedgerYear.from_date.desc())
        )
    )


def voucher_counts(session: Session, tenant_id: int) -> dict[int, int]:
    """How many vouchers each of the tenant's years holds, by year id."""
    query = (
        select(LedgerVoucher.year_id, func.count())
        .where(LedgerVoucher.tenant_id == tenant_id)
        .group_by(LedgerVoucher.year_id)
    )
    return dict(session.execute(query).all())


def document_counts(session: Session, tenant_id: int) -> dict[int, int]:
    """How many documents the vouchers of each of the tenant's years have, by year id."""
    query = (
        select(LedgerVoucher.year_id, func.count(func.distinct(LedgerVoucherDocument.document_id)))
        .join(LedgerVoucher, LedgerVoucher.id == LedgerVoucherDocument.voucher_id)
        .where(LedgerVoucherDocument.tenant_id == tenant_id)
        .group_by(LedgerVoucher.year_id)
    )
    return dict(session.execute(query).all())


def accounts(session: Session, tenant_id: int, year_id: int) -> list[AccountMovement]:
    """The year's chart with each account's debit and credit of the year, in account order;
    an account used by rows but missing from the chart is listed without a name."""
    debit = func.sum(case((LedgerRow.amount > 0, LedgerRow.amount), else_=0))
    credit = func.sum(case((LedgerRow.amount < 0, -LedgerRow.amount), else_=0))
    moved = session.execute(
        select(LedgerRow.account, debit, credit)
        .join(LedgerVoucher, LedgerVoucher.id == LedgerRow.voucher_id)
        .where(LedgerVoucher.year_id == year_id, LedgerVoucher.tenant_id == tenant_id)
        .group_by(LedgerRow.account)
    ).all()
    movement = {account: (_cents(d), _cents(c)) for account, d, c in moved}
    chart = session.scalars(
        select(LedgerAccount).where(
            LedgerAccount.year_id == year_id, LedgerAccount.tenant_id == tenant_id
        )
    )
    found: dict[str, AccountMovement] = {}
    zero = (_cents(0), _cents(0))
    for row in chart:
        d, c = movement.get(row.number, zero)
        found[row.number] = AccountMovement(
            row.number, row.name, row.sru, row.opening_balance, row.closing_balance, d, c
        )
    for number, (d, c) in movement.items():
        if number not in found:
            found[number] = AccountMovement(number, "", None, None, None, d, c)
    return [found[number] for number in sorted(found)]


def _cents(value: object) -> Decimal:
    """A sum as an amount with two decimals (SQLite hands sums back as floats or integers)."""
    return Decimal(str(value or 0)).quantize(CENT)


def objects(session: Session, tenant_id: int, year_id: int) -> list[LedgerObject]:
    """The year's dimension objects (cost centres, projects), by dimension and code."""
    return list(
        session.scalars(
            select(LedgerObject)
            .where(LedgerObject.year_id == year_id, LedgerObject.tenant_id == tenant_id)
            .order_by(LedgerObject.dimension, LedgerObject.code)
        )
    )


def _filtered(tenant_id: int, wanted: VoucherFilter) -> Select[LedgerVoucher]:
    query = select(LedgerVoucher).where(LedgerVoucher.tenant_id == tenant_id)
    if wanted.year_id is not None:
        query = query.where(LedgerVoucher.year_id == wanted.year_id)
    if wanted.series is not None:
        query = query.where(LedgerVoucher.series == wanted.series)
    if wanted.first is not None:
        query = query.where(LedgerVoucher.date >= wanted.first)
    if wanted.last is not None:
        query = query.where(LedgerVoucher.date <= wanted.last)
    for column, value in (
        (LedgerRow.account, wanted.account),
        (LedgerRow.project, wanted.project),
        (LedgerRow.cost_center, wanted.cost_center),
    ):
        if value is not None:
            query = query.where(
                exists().where(
                    LedgerRow.voucher_id == LedgerVoucher.id,
                    LedgerRow.tenant_id == tenant_id,
                    column == value,
                )
            )
    return query


def voucher_page(
    session: Session, tenant_id: int, wanted: VoucherFilter, *, limit: int, after: Position | None
) -> tuple[list[LedgerVoucher], Position | None]:
    """One page of the tenant's vouchers that ``wanted`` lets through, by date, series, number;
    the position of the last one when there are more."""
    order = (LedgerVoucher.date, LedgerVoucher.series, LedgerVoucher.number, LedgerVoucher.id)
    query = _filtered(tenant_id, wanted)
    if after is not None:
        query = query.where(tuple_(*order) > tuple_(*after))
    found = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    if len(found) <= limit:
        return found, None
    last = found[limit - 1]
    return found[:limit], (last.date, last.series, last.number, last.id)


def voucher(
    session: Session, tenant_id: int, year_id: int, series: str, number: int
) -> LedgerVoucher | None:
    """The voucher ``series`` ``number`` of the year, if the bridge holds it."""
    return session.scalar(
        select(LedgerVoucher).where(
            LedgerVoucher.tenant_id == tenant_id,
            LedgerVoucher.year_id == year_id,
            LedgerVoucher.series == series,
            LedgerVoucher.number == number,
        )
    )


def rows_of(session: Session, voucher_ids: Sequence[int]) -> dict[int, list[LedgerRow]]:
    """The rows of each of the vouchers, in their order."""
    found: dict[int, list[LedgerRow]] = defaultdict(list)
    if voucher_ids:
        query = (
            select(LedgerRow)
            .where(LedgerRow.voucher_id.in_(voucher_ids))
            .order_by(LedgerRow.voucher_id, LedgerRow.line)
        )
        for row in session.scalars(query):
            found[row.voucher_id].append(row)
    return found


def documents_of(session: Session, voucher_ids: Sequence[int]) -> dict[int, list[Document]]:
    """The documents of each of the vouchers, by kind and id."""
    found: dict[int, list[Document]] = defaultdict(list)
    if voucher_ids:
        query = (
            select(LedgerVoucherDocument.voucher_id, Document)
            .join(Document, Document.id == LedgerVoucherDocument.document_id)
            .where(LedgerVoucherDocument.voucher_id.in_(voucher_ids))
            .order_by(LedgerVoucherDocument.voucher_id, Document.kind, Document.id)
        )
        for voucher_id, document in session.execute(query):
            found[voucher_id].append(document)
    return found


def year_vouchers(session: Session, tenant_id: int, year_id: int) -> Iterator[LedgerVoucher]:
    """Every voucher of the year by series and number, read a chunk at a time."""
    after: tuple[str, int] | None = None
    while True:
        query = select(LedgerVoucher).where(
            LedgerVoucher.tenant_id == tenant_id, LedgerVoucher.year_id == year_id
        )
        if after is not None:
            query = query.where(tuple_(LedgerVoucher.series, LedgerVoucher.number) > after)
        order = (LedgerVoucher.series, LedgerVoucher.number)
        chunk = list(session.scalars(query.order_by(*order).limit(CHUNK)))
        yield from chunk
        if len(chunk) < CHUNK:
            return
        after = (chunk[-1].series, chunk[-1].number)


def document(session: Session, tenant_id: int, document_id: int) -> Document | None:
    """The tenant's ledger document ``document_id`` (a document of another kind of record, or
    of another tenant, is not found)."""
    return session.scalar(
        select(Document).where(
            Document.id == document_id,
            Document.tenant_id == tenant_id,
            Document.entity_type == LEDGER_DOCUMENT_ENTITY,
        )
    )


def document_vouchers(session: Session, tenant_id: int, document_id: int) -> list[LedgerVoucher]:
    """The vouchers a document belongs to."""
    return list(
        session.scalars(
            select(LedgerVoucher)
            .join(LedgerVoucherDocument, LedgerVoucherDocument.voucher_id == LedgerVoucher.id)
            .where(
                LedgerVoucherDocument.document_id == document_id,
                LedgerVoucher.tenant_id == tenant_id,
            )
            .order_by(LedgerVoucher.date, LedgerVoucher.series, LedgerVoucher.number)
        )
    )
