"""Which topic and event type a change of a sandbox register publishes.

The topic names are Fortnox's nineteen; a register the sandbox keeps is mapped to its topic
here, so every write of that register (the API, an action such as ``bookkeep``, the control
API) publishes without code of its own. Event type names follow Fortnox's list
(``customer-updated-v2``, ``offer-canceled-v1`` with one l); where the list only says
``<noun>-*-v1`` the sandbox uses ``created``, ``updated`` and ``deleted`` (a guess, see
``docs/sandbox.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]

#: Every topic Fortnox publishes (``add-topics-v1`` lists any other name as invalid).
TOPICS = frozenset(
    {
        "invoices", "customers", "orders", "offers", "articles", "currencies",
        "termsofdeliveries", "waysofdeliveries", "termsofpayments", "bureau-activities",
        "bureau-assignments", "cost-centers", "financial-years", "messages", "projects",
        "suppliers", "supplier-invoices", "vouchers", "warehouse-stockbalances",
    }
)  # fmt: skip


@dataclass(frozen=True)
class TopicSpec:
    """The topic of one register and the suffixes of its event types."""

    topic: str
    noun: str
    created: str = "created-v1"
    updated: str = "updated-v1"
    deleted: str = "deleted-v1"
    #: Set when the record's ``Cancelled`` turning true is an event of its own.
    cancelled: str | None = None
    #: Set when the record's ``Booked`` turning true is an event of its own.
    bookkeep: str | None = None

    def type_of(self, old: Record | None, new: Record | None) -> str:
        """The event type of a change from ``old`` to ``new`` (``None``: absent)."""
        if new is None:
            suffix = self.deleted
        elif old is None:
            suffix = self.created
        elif self.cancelled and _turned_on(old, new, "Cancelled"):
            suffix = self.cancelled
        elif self.bookkeep and _turned_on(old, new, "Booked"):
            suffix = self.bookkeep
        else:
            suffix = self.updated
        return f"{self.noun}-{suffix}"


#: Register name → its topic. Registers not here (employees, salaries, payments, files, ...)
#: have no topic, as in Fortnox.
BY_REGISTER: dict[str, TopicSpec] = {
    "invoices": TopicSpec("invoices", "invoice", cancelled="cancelled-v1", bookkeep="bookkeep-v1"),
    "customers": TopicSpec("customers", "customer", updated="updated-v2"),
    "orders": TopicSpec("orders", "order", cancelled="cancelled-v1"),
    "offers": TopicSpec("offers", "offer", cancelled="canceled-v1"),
    "articles": TopicSpec("articles", "article"),
    "costcenters": TopicSpec("cost-centers", "cost-center"),
    "financialyears": TopicSpec("financial-years", "financial-year"),
    "projects": TopicSpec("projects", "project"),
    "suppliers": TopicSpec("suppliers", "supplier"),
    "supplierinvoices": TopicSpec(
        "supplier-invoices", "supplier-invoice", cancelled="cancelled-v1", bookkeep="bookkeep-v1"
    ),
    "vouchers": TopicSpec("vouchers", "voucher"),
    "termsofpayments": TopicSpec("termsofpayments", "termsofpayments"),
}


@dataclass(frozen=True)
class Change:
    """What one register change publishes."""

    topic: str
    type: str
    entity_id: str
    extra: Record


def change_of(
    register: str, record_id: str, old: Record | None, new: Record | None
) -> Change | None:
    """The event of a change, or ``None`` when the register has no topic."""
    spec = BY_REGISTER.get(register)
    if spec is None:
        return None
    if spec.topic != "vouchers":
        return Change(spec.topic, spec.type_of(old, new), record_id, {})
    year, series, number = _voucher_parts(record_id, new or old or {})
    extra = {"year": year, "series": series, "id": number}
    return Change(spec.topic, spec.type_of(old, new), str(number), extra)


def _voucher_parts(key: str, record: Record) -> tuple[int | str, str, int | str]:
    """A voucher's financial year id, series and number: its register key is
    ``<year id>/<series>/<number>``."""
    year, _, rest = key.partition("/")
    series, _, number = rest.partition("/")
    year = str(record.get("Year", year))
    series = str(record.get("VoucherSeries", series))
    number = str(record.get("VoucherNumber", number))
    return _int(year), series, _int(number)


def _int(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _turned_on(old: Record, new: Record, name: str) -> bool:
    return not old.get(name) and bool(new.get(name))
