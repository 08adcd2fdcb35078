"""``/3/customers``: customers; numbers stay reserved after delete."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.customer import Customer, CustomerListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class CustomerResource(Resource[Customer, CustomerListItem]):
    """Customer operations."""

    description = describe("customer")
    model = Customer
    list_model = CustomerListItem
