"""The service family's order entities: service objects and the orders done on them.

An order names its customer by Fortnox customer number (``customer_number``), not by the host
id of a ``service_customer`` record: entity references are by host id, so none is declared and
the order push finds the customer among the family's customers by its number.
"""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.flows.service.order_records import HostServiceObject, HostServiceOrder

ENTITIES: tuple[HostEntity, ...] = (
    HostEntity(
        entity="service_object",
        collection="service-objects",
        model=HostServiceObject,
        family="service",
        description="Service objects of a field-service application (the machines and "
        "installations orders are done on); an order's document names them on its rows.",
        reference_fields=("number", "name"),
    ),
    HostEntity(
        entity="service_order",
        collection="service-orders",
        model=HostServiceOrder,
        family="service",
        description="Service, work and sales orders of a field-service application; a ready "
        "one becomes a Fortnox order or invoice, and the bridge writes back its Fortnox "
        "number and whether it is invoiced.",
        reference_fields=("number", "kind"),
    ),
)
