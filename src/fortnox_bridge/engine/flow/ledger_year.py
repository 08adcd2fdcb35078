"""Ledger-year flows: a company's general ledger read a whole financial year at a time (the SIE 4
export of the year: chart, objects, every voucher with its rows), stored as its own tables
rather than as mirror records, with the documents behind the vouchers.

The flow declares which years a sweep keeps synced and how a voucher's document is named; the
reading and storing are ``engine/sync/ledger_years.py``'s.
"""

from __future__ import annotations

from typing import ClassVar

from fortnox_bridge.engine.flow.base import Flow, FlowKind

#: The kinds of document behind a voucher.
BOOKKEEPING = "bookkeeping"
SUPPLIER_INVOICE = "supplier_invoice"
CUSTOMER_INVOICE = "customer_invoice"
#: Fortnox's ``ReferenceType`` of a voucher → the kind of its document.
REFERENCE_KINDS = {
    "SUPPLIERINVOICE": SUPPLIER_INVOICE,
    "SUPPLIERPAYMENT": SUPPLIER_INVOICE,
    "INVOICE": CUSTOMER_INVOICE,
    "INVOICEPAYMENT": CUSTOMER_INVOICE,
}


class LedgerYearFlow(Flow):
    """Base of ledger-year flows (see the module)."""

    #: The ledger is stored in its own tables: no mirror record, no link.
    entity: ClassVar[str] = "ledger_year"

    @classmethod
    def flow_kind(cls) -> FlowKind:
        """Applied by the ledger-year strategy."""
        return "ledger_year"

    @property
    def latest_years(self) -> int:
        """How many of the latest financial years a sweep keeps synced."""
        return int(getattr(self.settings, "latest_years", 2))

    @property
    def documents(self) -> bool:
        """Whether the documents behind the vouchers are fetched."""
        return bool(getattr(self.settings, "documents", True))

    def series_kinds(self) -> dict[str, str]:
        """``{voucher series: document kind}`` for vouchers whose reference does not say."""
        settings = self.settings
        kinds = dict.fromkeys(getattr(settings, "customer_invoice_series", []), CUSTOMER_INVOICE)
        kinds.update(
            dict.fromkeys(getattr(settings, "supplier_invoice_series", []), SUPPLIER_INVOICE)
        )
        return kinds

    def document_kind(self, series: str, reference_type: str | None) -> str:
        """The kind of a voucher's document: by its reference when known, else its series."""
        if reference_type and reference_type.upper() in REFERENCE_KINDS:
            return REFERENCE_KINDS[reference_type.upper()]
        return self.series_kinds().get(series, BOOKKEEPING)
