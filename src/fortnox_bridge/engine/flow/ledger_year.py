"""Ledger-year flows: a company's general ledger read a whole financial year at a time (the SIE 4
export of the year: chart, objects, every voucher with its rows), stored as its own tables
rather than as mirror records, with the documents behind the vouchers.

The flow declares which years a sweep keeps synced and how a voucher's document is named; the
reading and storing are ``engine/sync/ledger_years.py``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from fortnox_bridge.engine.flow.base import Flow, FlowKind
from fortnox_bridge.engine.flow.ledger import VOUCHERS_TOPIC, voucher_target

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
#: Fortnox's topic of financial-year events; what such an event reads: the list of years.
YEARS_TOPIC = "financial-years"
YEARS_TARGET = "financial-years"


class LedgerYearFlow(Flow):
    """Base of ledger-year flows (see the module)."""

    #: The ledger is stored in its own tables: no mirror record, no link.
    entity: ClassVar[str] = "ledger_year"

    @classmethod
    def flow_kind(cls) -> FlowKind:
        """Applied by the ledger-year strategy."""
        return "ledger_year"

    def topic_target(self, topic: str, entity_id: str, extras: Mapping[str, Any]) -> str | None:
        """A voucher event names its voucher (``<year id>/<series>/<number>``); a financial-year
        event, the company's list of years (:data:`YEARS_TARGET`)."""
        if topic == YEARS_TOPIC:
            return YEARS_TARGET
        return voucher_target(entity_id, extras) if topic == VOUCHERS_TOPIC else None

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
