"""``ledger.year.pull``: each financial year's general ledger from Fortnox, as if its SIE 4 file
had been read (chart, cost centres and projects, every voucher with its rows), with the documents
behind the vouchers (bookkeeping files, supplier invoices, customer invoices).

A sweep keeps the latest ``latest_years`` financial years synced: one request per year (the
year's SIE 4 export) while nothing changed; an unchanged file writes nothing. A year whose ledger
was loaded from an uploaded SIE file is left alone by sweeps. The reading and storing are the
engine's (``engine/sync/ledger_years.py``); see ``docs/flows/ledger.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, field_validator

from fortnox_bridge.engine.flow.base import FlowSettings
from fortnox_bridge.engine.flow.ledger_year import LedgerYearFlow

#: Fortnox's standard series of customer invoices and supplier invoices.
CUSTOMER_INVOICE_SERIES = ("B",)
SUPPLIER_INVOICE_SERIES = ("D",)


def _series(value: object) -> object:
    """The settings form sends one text: ``"B, C"`` (commas or blanks between)."""
    if isinstance(value, str):
        return [item for item in value.replace(",", " ").split() if item]
    return value


def _one_letter_each(value: list[str]) -> list[str]:
    cleaned = [item.strip().upper() for item in value]
    for item in cleaned:
        if len(item) != 1:
            raise ValueError(f"a voucher series is one character, not {item!r}")
    return sorted(set(cleaned))


class LedgerYearSettings(FlowSettings):
    """Settings of ``ledger.year.pull``."""

    latest_years: int = Field(
        default=2,
        ge=1,
        le=10,
        title="Financial years kept synced",
        description="How many of the latest financial years every scheduled sync keeps equal "
        "to Fortnox (one request per year while nothing changed).",
    )
    documents: bool = Field(
        default=True,
        title="Fetch the documents behind the vouchers",
        description="Fetch the files connected to the vouchers (receipts, supplier and "
        "customer invoices), each once.",
    )
    customer_invoice_series: list[str] = Field(
        default=list(CUSTOMER_INVOICE_SERIES),
        title="Voucher series of customer invoices",
        description="A document of a voucher in these series is a customer invoice, unless "
        "the voucher says what it was booked from.",
    )
    supplier_invoice_series: list[str] = Field(
        default=list(SUPPLIER_INVOICE_SERIES),
        title="Voucher series of supplier invoices",
        description="A document of a voucher in these series is a supplier invoice, unless "
        "the voucher says what it was booked from; any other series: a bookkeeping file.",
    )

    _text = field_validator("customer_invoice_series", "supplier_invoice_series", mode="before")(
        _series
    )
    _letters = field_validator("customer_invoice_series", "supplier_invoice_series")(
        _one_letter_each
    )


class LedgerYear(BaseModel):
    """A financial year of the ledger, as the family reads it from Fortnox's list."""

    id: int
    from_date: date
    to_date: date


class LedgerYearPull(LedgerYearFlow):
    """Keeps the latest financial years' general ledger equal to Fortnox."""

    name: ClassVar[str] = "ledger.year.pull"
    resource: ClassVar[str] = "financial_years"
    reads: ClassVar[tuple[str, ...]] = ("vouchers", "voucher_file_connections", "archive")
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "id"
    record_model: ClassVar[type[BaseModel]] = LedgerYear
    pull_fields: ClassVar[frozenset[str]] = frozenset({"id", "from_date", "to_date"})
    Settings: ClassVar[type[FlowSettings]] = LedgerYearSettings
    #: The family is this flow: it runs for every tenant that chose the family.
    base: ClassVar[bool] = True
    order: ClassVar[int] = 150

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A financial year of Fortnox's list as the family's record."""
        return {name: fields.get(name) for name in ("id", "from_date", "to_date")}
