"""``projects.project_customer.push``: host customers → Fortnox customers (``/3/customers``).

Customers are matched by customer number, which must therefore be the same in both systems: a
Fortnox customer with the host customer's number is taken over (only the fields that differ are
sent), never created a second time. Name, addresses, phone numbers, e-mail, terms of payment,
VAT registration number and type (company or private person) follow every change; the number,
country code, VAT type and organisation number are sent only when the customer is created, so
what the accounting side set up later in Fortnox is not overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import ExistingPolicy, Flow
from fortnox_bridge.flows.projects.parties import party_reference
from fortnox_bridge.flows.projects.records import HostProjectCustomer

#: Host customer field → Fortnox customer field, sent at every change.
FIELDS = {
    "name": "name",
    "address1": "address1",
    "address2": "address2",
    "zip_code": "zip_code",
    "city": "city",
    "phone": "phone1",
    "mobile": "phone2",
    "email": "email",
    "terms_of_payment": "terms_of_payment",
    "vat_number": "vat_number",
}
#: Host customer field → Fortnox customer field, sent only when the customer is created.
ON_CREATE = {
    "number": "customer_number",
    "country_code": "country_code",
    "vat_type": "vat_type",
    "organisation_number": "organisation_number",
}


class CustomerExport(Flow):
    """Creates and updates Fortnox customers from the project application's customers.

    A deleted host customer is made inactive in Fortnox rather than deleted: Fortnox keeps the
    invoices of a customer, and its number stays taken either way.
    """

    name: ClassVar[str] = "projects.project_customer.push"
    entity: ClassVar[str] = "project_customer"
    resource: ClassVar[str] = "customers"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "customer_number"
    record_model: ClassVar[type[BaseModel]] = HostProjectCustomer
    # Exports, before the projects (a project's invoices name the customer).
    order: ClassVar[int] = 205
    # Off until a tenant of a project application turns it on: other tenants send no such
    # customers and need not grant the customer scope.
    #: A base flow: runs for every tenant of the projects family.
    base: ClassVar[bool] = True
    natural_key: ClassVar[tuple[str, ...]] = ("customer_number",)
    natural_key_search: ClassVar[Mapping[str, str]] = {"customer_number": "customernumber"}
    match_existing: ClassVar[bool] = True
    create_only: ClassVar[frozenset[str]] = frozenset(ON_CREATE.values())
    delete_by: ClassVar[Mapping[str, Any] | None] = {"active": False}
    undelete_by: ClassVar[Mapping[str, Any]] = {"active": True}

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host customer payload → Fortnox customer fields; empty values are left out."""
        fields = {target: record.get(source) for source, target in {**FIELDS, **ON_CREATE}.items()}
        kind = record.get("type")
        fields["type"] = str(kind).upper() if kind else None
        return {key: value for key, value in fields.items() if value not in (None, "")}

    def existing_policy(self) -> ExistingPolicy:
        """A Fortnox customer with the host customer's number is that customer: adopt it."""
        return "adopt"

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``customer c-7 (1001 Bygg AB)``."""
        return party_reference("customer", external_id, record)
