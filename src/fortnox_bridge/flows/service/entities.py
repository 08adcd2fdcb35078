"""The host entities of the ``service`` family: the registers (customers, articles, prices) and
the work (service objects, orders, time reports), each declared beside its records."""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.flows.service.order_entities import ENTITIES as ORDER_ENTITIES
from fortnox_bridge.flows.service.register_entities import ENTITIES as REGISTER_ENTITIES

ENTITIES: tuple[HostEntity, ...] = REGISTER_ENTITIES + ORDER_ENTITIES
