"""``service.service_customer.push`` and ``service.service_customer.pull``: the field-service
application's customers and Fortnox's, kept in step in the direction the setting ``customers``
chooses (``both``, ``to_fortnox``, ``from_fortnox`` or ``off``).

Customers are matched by customer number, the same in both systems: a Fortnox customer with the
host customer's number is taken over, never created a second time. Both ways, every sweep reads
Fortnox's customers (and an event of the ``customers`` topic reads the one customer at once) and
compares each three ways with the host's record and the last agreed values; a field changed on
both sides is a conflict settled by the tenant's conflict policy. A customer created in Fortnox
becomes a host customer (host id ``fortnox-<number>``), with the setting ``sub_group_on_sync`` as
its sub-group. The organisation number and the country code are sent only when the customer is
created; a deleted host customer is made inactive in Fortnox (its number stays taken).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from fortnox_bridge.flows.service.directions import (
    RegisterPull,
    RegisterPush,
    fortnox_fields,
    host_fields,
)
from fortnox_bridge.flows.service.register_records import HostServiceCustomer

#: Host customer field → Fortnox customer field, compared and sent both ways.
FIELDS = {
    "number": "customer_number",
    "name": "name",
    "address1": "address1",
    "address2": "address2",
    "zip_code": "zip_code",
    "city": "city",
    "phone": "phone1",
    "email": "email",
    "delivery_name": "delivery_name",
    "delivery_address1": "delivery_address1",
    "delivery_zip_code": "delivery_zip_code",
    "delivery_city": "delivery_city",
    "your_reference": "your_reference",
    "organisation_number": "organisation_number",
    "country_code": "country_code",
    "active": "active",
}
#: Sent only when Fortnox creates the customer (the accounting side owns them afterwards).
ON_CREATE = frozenset({"customer_number", "organisation_number", "country_code"})


def to_fortnox(record: Mapping[str, Any]) -> dict[str, Any]:
    """Host customer payload → Fortnox customer fields; empty values are left out."""
    fields = fortnox_fields(FIELDS, record)
    fields["active"] = bool(record.get("active", True))
    return {key: value for key, value in fields.items() if value not in (None, "")}


def to_host(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fortnox customer fields → host fields (only those given; ``None`` removes one)."""
    return host_fields(FIELDS, fields)


class CustomerPush(RegisterPush):
    """Creates and updates Fortnox customers from the field-service application's."""

    name: ClassVar[str] = "service.service_customer.push"
    entity: ClassVar[str] = "service_customer"
    register: ClassVar[str] = "customers"
    standalone: ClassVar[bool] = True
    resource: ClassVar[str] = "customers"
    fortnox_id_field: ClassVar[str] = "customer_number"
    record_model: ClassVar[type[BaseModel]] = HostServiceCustomer
    # Registers before the orders that name them.
    order: ClassVar[int] = 205
    natural_key: ClassVar[tuple[str, ...]] = ("customer_number",)
    natural_key_search: ClassVar[Mapping[str, str]] = {"customer_number": "customernumber"}
    create_only: ClassVar[frozenset[str]] = ON_CREATE
    reference_fields: ClassVar[tuple[str, ...]] = ("number", "name")

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host customer → Fortnox customer fields."""
        return to_fortnox(record)

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``customer c-7 (1001 Fastighets AB)``."""
        if not record:
            return f"customer {external_id}"
        return f"customer {external_id} ({record.get('number')} {record.get('name')})"


class CustomerPull(RegisterPull):
    """Reads Fortnox customers and reconciles them with the host's (the other half)."""

    name: ClassVar[str] = "service.service_customer.pull"
    entity: ClassVar[str] = "service_customer"
    register: ClassVar[str] = "customers"
    standalone: ClassVar[bool] = True
    resource: ClassVar[str] = "customers"
    fortnox_id_field: ClassVar[str] = "customer_number"
    record_model: ClassVar[type[BaseModel]] = HostServiceCustomer
    counterpart: ClassVar[str | None] = CustomerPush.name
    pull_fields: ClassVar[frozenset[str]] = frozenset({*FIELDS.values(), "type"})
    natural_key: ClassVar[tuple[str, ...]] = ("customer_number",)
    #: A customer changed in Fortnox is compared at once (its customer number).
    topics: ClassVar[tuple[str, ...]] = ("customers",)
    # Read before the push of the same sweep: a Fortnox edit is compared before it is sent over.
    order: ClassVar[int] = 150

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox customer fields → host customer fields."""
        return to_host(fields)

    def import_new(self, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """A customer from Fortnox, with the sub-group the setting ``sub_group_on_sync`` gives."""
        host = {k: v for k, v in to_host(fields).items() if v is not None}
        sub_group = getattr(self.settings, "sub_group_on_sync", None)
        if sub_group:
            host["sub_group"] = sub_group
        return host
