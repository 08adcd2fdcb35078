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
PDF = b"%PDF-1.4 the supplier's invoice"


@dataclass(frozen=True)
class Row:
    """A row of a voucher to write."""

    account: str
    amount: str
    cost_center: str | None = None
    project: str | None = None
    text: str | None = None


#: The vouchers of 2025 in :func:`example_ledger`: series, number, date, text, rows.
VOUCHERS_2025 = (
    ("A", 1, dt.date(2025, 1, 15), "Försäljning",
     [Row("1930", "2000.00"), Row("3001", "-2000.00", cost_center="100")]),
    ("A", 2, dt.date(2025, 2, 1), "Hyra februari",
     [Row("5010", "1000.00", "100", "P1"), Row("1930", "-1000.00")]),
    ("B", 1, dt.date(2025, 1, 20), "Leverantörsfaktura",
     [Row("5010", "3000.00", project="P1"), Row("2440", "-3000.00")]),
    ("B", 2, dt.date(2025, 3, 5), "Betalning", [Row("2440", "3000.00"), Row("1930", "-3000.00")]),
    ("C", 1, dt.date(2025, 2, 10), "Kontorsmaterial",
     [Row("6110", "500.00"), Row("1930", "-500.00")]),
)  # fmt: skip


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


def example_ledger(session: Session, files: DocumentFiles, tenant_id: int) -> int:
    """Two years of a tenant: 2025 from Fortnox (a chart, two objects, five vouchers in three
    series, a supplier invoice's document) and 2024 from a SIE file (one voucher); the
    document's id."""
    year = add_year(session, tenant_id, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    earlier = add_year(
        session,
        tenant_id,
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
        source="sie",
        sie_name="2024.se",
    )
    for number, name, opening, closing in (
        ("1930", "Företagskonto", "10000.00", "7500.00"),
        ("2440", "Leverantörsskulder", "-5000.00", "-5000.00"),
        ("3001", "Försäljning 25 %", None, "-2000.00"),
        ("5010", "Lokalhyra", None, "4000.00"),
    ):
        add_account(session, year, number, name, opening, closing)
    add_object(session, year, 1, "100", "Nord")
    add_object(session, year, 6, "P1", "Projekt Ett")
    made = {
        (series, number): add_voucher(session, year, series, number, date, rows, text=text)
        for series, number, date, text, rows in VOUCHERS_2025
    }
    made[("B", 1)].reference_type = "SUPPLIERINVOICE"
    add_voucher(
        session,
        earlier,
        "A",
        1,
        dt.date(2024, 6, 1),
        [Row("1930", "100.00"), Row("3001", "-100.00")],
    )
    return add_document(session, files, made[("B", 1)], "file-1", PDF, name="Faktura 17 åäö.pdf")
