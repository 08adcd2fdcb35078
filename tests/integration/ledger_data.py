"""Tests' helper: a general ledger written straight into the store's ledger tables (years,
accounts, objects, vouchers with rows, documents with their bytes), as the year import leaves it,
for the read side's tests."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from fortnox_bridge.store.documents import DocumentFiles, DocumentInfo, DocumentRepository
from fortnox_bridge.store.models import (
    LedgerAccount,
    LedgerObject,
    LedgerRow,
    LedgerVoucher,
    LedgerVoucherDocument,
    LedgerYear,
)
from fortnox_bridge.store.models.ledger import LEDGER_DOCUMENT_ENTITY

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Row:
    """A row of a voucher to write."""

    account: str
    amount: str
    cost_center: str | None = None
    project: str | None = None
    text: str | None = None


def add_year(
    session: Session,
    tenant_id: int,
    first: dt.date,
    last: dt.date,
    *,
    source: str = "fortnox",
    fortnox_id: int | None = 1,
    synced_at: dt.datetime | None = NOW,
    last_error: str | None = None,
    sie_name: str | None = None,
) -> LedgerYear:
    """A financial year of the tenant."""
    year = LedgerYear(
        tenant_id=tenant_id,
        fortnox_id=fortnox_id,
        from_date=first,
        to_date=last,
        source=source,
        synced_at=synced_at,
        last_error=last_error,
        sie_name=sie_name,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(year)
    session.flush()
    return year


def add_account(
    session: Session,
    year: LedgerYear,
    number: str,
    name: str,
    opening: str | None = None,
    closing: str | None = None,
) -> None:
    """An account of the year's chart with its balances."""
    session.add(
        LedgerAccount(
            tenant_id=year.tenant_id,
            year_id=year.id,
            number=number,
            name=name,
            opening_balance=None if opening is None else Decimal(opening),
            closing_balance=None if closing is None else Decimal(closing),
        )
    )


def add_object(session: Session, year: LedgerYear, dimension: int, code: str, name: str) -> None:
    """A cost centre (1) or project (6) of the year."""
    session.add(
        LedgerObject(
            tenant_id=year.tenant_id, year_id=year.id, dimension=dimension, code=code, name=name
        )
    )


def add_voucher(
    session: Session,
    year: LedgerYear,
    series: str,
    number: int,
    date: dt.date,
    rows: Sequence[Row],
    *,
    text: str = "",
    reference_type: str | None = None,
) -> LedgerVoucher:
    """A voucher with its rows."""
    voucher = LedgerVoucher(
        tenant_id=year.tenant_id,
        year_id=year.id,
        series=series,
        number=number,
        date=date,
        text=text,
        registered_on=date,
        reference_type=reference_type,
        fingerprint=hashlib.sha256(f"{series}{number}{rows}".encode()).hexdigest(),
        changed_at=NOW,
    )
    session.add(voucher)
    session.flush()
    for line, row in enumerate(rows, start=1):
        session.add(
            LedgerRow(
                tenant_id=year.tenant_id,
                voucher_id=voucher.id,
                line=line,
                account=row.account,
                amount=Decimal(row.amount),
                cost_center=row.cost_center,
                project=row.project,
                text=row.text,
            )
        )
    session.flush()
    return voucher


def add_document(
    session: Session,
    files: DocumentFiles,
    voucher: LedgerVoucher,
    file_id: str,
    content: bytes,
    *,
    name: str = "faktura.pdf",
    kind: str = "supplier_invoice",
    content_type: str = "application/pdf",
) -> int:
    """A document with its bytes, linked to ``voucher``; its id."""
    sha256 = files.put(content)
    info = DocumentInfo(name, content_type, len(content), sha256, file_id, NOW)
    row = DocumentRepository(session).save(
        voucher.tenant_id, LEDGER_DOCUMENT_ENTITY, file_id, kind, info
    )
    session.add(
        LedgerVoucherDocument(
            tenant_id=voucher.tenant_id, voucher_id=voucher.id, document_id=row.id
        )
    )
    session.flush()
    return row.id
