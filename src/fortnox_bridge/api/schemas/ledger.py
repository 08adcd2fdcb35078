"""Shapes of the ledger's read routes (``/api/v1/ledger/...``). Amounts are decimal strings
(``"1250.00"``), exact as the ledger holds them; debit is positive, credit negative."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from fortnox_bridge.services.ledger_views import (
    AccountView,
    DocumentView,
    VoucherView,
    YearView,
)


class LedgerYearSummary(BaseModel):
    """A financial year: where its ledger came from, when it was read, what it holds."""

    year: str = Field(description='How the year is named in URLs: "2025", or "2025-07-01" when '
                      "two years start in 2025.")  # fmt: skip
    from_date: dt.date
    to_date: dt.date
    source: str = Field(description="fortnox: read from Fortnox; sie: from an uploaded SIE 4 file.")
    fortnox_id: int | None
    synced_at: dt.datetime | None = Field(description="When the ledger was last read.")
    documents_synced_at: dt.datetime | None
    status: Literal["ok", "error", "not_synced"]
    last_error: str | None
    voucher_count: int
    document_count: int
    sie_name: str | None = Field(description="The uploaded file's name (source sie).")
    sie_findings: list[Any] = Field(description="What the SIE reader found in that file.")

    @classmethod
    def of(cls, view: YearView) -> LedgerYearSummary:
        """The answer for ``view``."""
        return cls(
            year=view.key,
            from_date=view.from_date,
            to_date=view.to_date,
            source=view.source,
            fortnox_id=view.fortnox_id,
            synced_at=view.synced_at,
            documents_synced_at=view.documents_synced_at,
            status=view.status,
            last_error=view.last_error,
            voucher_count=view.voucher_count,
            document_count=view.document_count,
            sie_name=view.sie_name,
            sie_findings=view.sie_findings,
        )


class LedgerAccountOut(BaseModel):
    """An account of a year: its balances and what the year's vouchers moved on it."""

    number: str
    name: str
    sru: str | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    debit: Decimal
    credit: Decimal
    movement: Decimal = Field(description="Debit less credit.")

    @classmethod
    def of(cls, view: AccountView) -> LedgerAccountOut:
        """The answer for ``view`` (the same fields by name)."""
        return cls.model_validate(view, from_attributes=True)


class LedgerRowOut(BaseModel):
    """A row of a voucher (a SIE #TRANS)."""

    line: int
    account: str
    amount: Decimal
    cost_center: str | None
    project: str | None
    text: str | None
    quantity: Decimal | None
    transaction_date: dt.date | None


class LedgerDocumentOut(BaseModel):
    """A document behind a voucher; its bytes are at ``url``."""

    id: int
    kind: str = Field(description="bookkeeping, supplier_invoice or customer_invoice.")
    name: str
    content_type: str
    size: int
    sha256: str
    url: str = Field(description="Where its bytes are (with the API key).")

    @classmethod
    def of(cls, view: DocumentView) -> LedgerDocumentOut:
        """The answer for ``view``."""
        return cls(
            id=view.id,
            kind=view.kind,
            name=view.name,
            content_type=view.content_type,
            size=view.size,
            sha256=view.sha256,
            url=f"/api/v1/ledger/documents/{view.id}",
        )


class LedgerVoucherOut(BaseModel):
    """A voucher with its rows and documents."""

    year: str
    series: str
    number: int
    date: dt.date
    text: str
    registered_on: dt.date | None
    reference_type: str | None
    reference_number: str | None
    total: Decimal = Field(description="The sum of the debit rows.")
    rows: list[LedgerRowOut]
    documents: list[LedgerDocumentOut]

    @classmethod
    def of(cls, view: VoucherView) -> LedgerVoucherOut:
        """The answer for ``view``."""
        return cls(
            year=view.year,
            series=view.series,
            number=view.number,
            date=view.date,
            text=view.text,
            registered_on=view.registered_on,
            reference_type=view.reference_type,
            reference_number=view.reference_number,
            total=view.total,
            rows=[LedgerRowOut.model_validate(row, from_attributes=True) for row in view.rows],
            documents=[LedgerDocumentOut.of(document) for document in view.documents],
        )


class DocumentLinkOut(BaseModel):
    """A signed link to a document: whoever has it reads the document without a key."""

    url: str
    expires_at: dt.datetime
