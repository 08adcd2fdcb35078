"""The general ledger the bridge holds per tenant and financial year: the years, their chart of
accounts, dimension objects (cost centres, projects), vouchers with their rows, and which
fetched documents belong to which voucher.

A year's ledger comes from one source at a time: Fortnox (read through its SIE export) or a SIE 4
file the tenant uploaded. Whatever the source, the year is stored the same way, so the read side
does not care where it came from.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fortnox_bridge.store.models.base import Base

#: Where a year's ledger comes from.
LEDGER_SOURCES = ("fortnox", "sie")
#: The kinds of document behind a voucher.
DOCUMENT_KINDS = ("bookkeeping", "supplier_invoice", "customer_invoice")
#: The ``documents.entity_type`` of a document fetched for the ledger (its ``external_id`` is
#: Fortnox's file id, its ``kind`` one of :data:`DOCUMENT_KINDS`).
LEDGER_DOCUMENT_ENTITY = "ledger.document"


class LedgerYear(Base):
    """One financial year of a tenant, and where and when its ledger was last read."""

    __tablename__ = "ledger_years"
    __table_args__ = (UniqueConstraint("tenant_id", "from_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: Fortnox's id of the financial year (``None`` for a year known only from a SIE file).
    fortnox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date] = mapped_column(Date)
    #: ``fortnox`` or ``sie`` (see :data:`LEDGER_SOURCES`).
    source: Mapped[str] = mapped_column(String(10), default="fortnox", server_default="fortnox")
    account_chart: Mapped[str | None] = mapped_column(String(50), nullable=True)
    #: When the ledger was last read (from Fortnox or a file) and stored.
    synced_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: When the documents of the year's vouchers were last looked for.
    documents_synced_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: Why the last sync failed (``None`` after a good one).
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The SHA-256 of the SIE file last read for the year: the same bytes again change nothing.
    sie_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The uploaded file's name and what the reader found in it (a year whose source is ``sie``).
    sie_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sie_findings: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    voucher_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class LedgerAccount(Base):
    """An account of a year's chart, with its balances at the start and end of the year."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("year_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    year_id: Mapped[int] = mapped_column(ForeignKey("ledger_years.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    sru: Mapped[str | None] = mapped_column(String(10), nullable=True)
    opening_balance: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    closing_balance: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)


class LedgerObject(Base):
    """An object of a dimension in a year (dimension 1: cost centre, 6: project)."""

    __tablename__ = "ledger_objects"
    __table_args__ = (UniqueConstraint("year_id", "dimension", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    year_id: Mapped[int] = mapped_column(ForeignKey("ledger_years.id", ondelete="CASCADE"))
    dimension: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))


class LedgerVoucher(Base):
    """A voucher of a year, numbered per series; its rows are :class:`LedgerRow`."""

    __tablename__ = "ledger_vouchers"
    __table_args__ = (
        UniqueConstraint("year_id", "series", "number"),
        Index("ix_ledger_vouchers_tenant_date", "tenant_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    year_id: Mapped[int] = mapped_column(ForeignKey("ledger_years.id", ondelete="CASCADE"))
    series: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(500), default="", server_default="")
    registered_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: What the voucher was booked from in Fortnox (``SUPPLIERINVOICE``, ``INVOICE``, ...) and
    #: that record's number, when known (the SIE export does not say).
    reference_type: Mapped[str | None] = mapped_column(String(30), nullable=True)
    reference_number: Mapped[str | None] = mapped_column(String(50), nullable=True)
    #: A digest of the voucher and its rows as read: an unchanged voucher is not written again.
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: When the bridge stored this version of the voucher.
    changed_at: Mapped[dt.datetime]


class LedgerRow(Base):
    """A row of a voucher (a SIE ``#TRANS``), in the voucher's order."""

    __tablename__ = "ledger_rows"
    __table_args__ = (
        UniqueConstraint("voucher_id", "line"),
        Index("ix_ledger_rows_tenant_account", "tenant_id", "account"),
        Index("ix_ledger_rows_tenant_project", "tenant_id", "project"),
        Index("ix_ledger_rows_tenant_cost_center", "tenant_id", "cost_center"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    voucher_id: Mapped[int] = mapped_column(ForeignKey("ledger_vouchers.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    account: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    cost_center: Mapped[str | None] = mapped_column(String(50), nullable=True)
    project: Mapped[str | None] = mapped_column(String(50), nullable=True)
    text: Mapped[str | None] = mapped_column(String(500), nullable=True)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 4), nullable=True)
    transaction_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class LedgerVoucherDocument(Base):
    """A fetched document (a row of ``documents``) that belongs to a voucher."""

    __tablename__ = "ledger_voucher_documents"
    __table_args__ = (UniqueConstraint("voucher_id", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    voucher_id: Mapped[int] = mapped_column(ForeignKey("ledger_vouchers.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
