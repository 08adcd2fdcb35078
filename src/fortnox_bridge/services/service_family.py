"""What the admin UI's Service tab shows of a tenant using the service family: the family's one
settings form (stored as the settings of its settings flow), each flow of the family with when
it last synced without failing, and the service orders the bridge sent with Fortnox's document
number and whether they are invoiced (their invoice PDF is ``service_orders``').

When a flow last synced is when it last ran through without a failure (kept by the engine
with each run it records; a sweep with nothing to do records none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.base import Flow, family_of
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.flow_config import FlowConfigService
from fortnox_bridge.store.models import Link, MirrorRecord

#: The family this module serves.
FAMILY = "service"
#: The flow whose stored settings every flow of the family runs with.
SETTINGS_FLOW = "service.service_order.push"
#: The host entity of the service orders.
ORDER_ENTITY = "service_order"
#: How many orders the tab lists (the newest changed first).
ORDER_LIMIT = 200


@dataclass(frozen=True)
class FamilyFlow:
    """A flow of the family as the tenant has it."""

    name: str
    direction: str
    enabled: bool
    #: When the flow last synced without failing (``None``: not yet).
    last_ok: datetime | None


@dataclass(frozen=True)
class SentOrder:
    """A host service order and what became of it in Fortnox."""

    number: str
    kind: str
    customer_number: str
    order_date: str
    #: Fortnox's document number (the integration reference), ``None`` while not sent.
    fortnox_reference: str | None
    #: ``order`` or ``invoice``: what the order became in Fortnox.
    fortnox_document: str | None
    invoiced: bool
    invoiced_on: date | None
    updated_at: datetime
    #: Whether the order is linked to a Fortnox document (also when the host dropped the
    #: reference the bridge wrote back).
    sent: bool = False


@dataclass(frozen=True)
class ServiceCounts:
    """What the bridge holds of a tenant's service family (the demo prints it)."""

    #: Orders with a Fortnox document, of them still orders and invoices in Fortnox.
    sent: int
    orders: int
    invoices: int
    articles: int
    #: Article prices with a value.
    prices: int


class ServiceFamily:
    """The Service tab's reads (see the module's docstring)."""

    def __init__(self, sessions: sessionmaker[Session], flow_config: FlowConfigService) -> None:
        self.sessions = sessions
        self.flow_config = flow_config

    def settings_flow(self) -> type[Flow]:
        """The flow that holds the family's settings; :class:`NotFound` without it."""
        return self.flow_config.flow(SETTINGS_FLOW)

    def settings(self, tenant_id: int) -> dict[str, Any]:
        """The tenant's stored settings of the family (``{}``: the defaults)."""
        config = self.flow_config.configs(tenant_id).get(SETTINGS_FLOW)
        return dict(config.settings) if config is not None else {}

    def save_settings(self, tenant_id: int, settings: dict[str, Any]) -> None:
        """Replace the family's settings, checked by the settings model (raises pydantic's
        ``ValidationError``, nothing saved); the settings flow stays on or off as it is."""
        self.settings_flow()
        self.flow_config.change(
            tenant_id, SETTINGS_FLOW, enabled=None, settings=settings, replace=True
        )

    def flows(self, tenant_id: int) -> list[FamilyFlow]:
        """The family's flows the tenant has (none unless it uses the family), in sweep order,
        with when each last synced without failing."""
        return [
            FamilyFlow(each.flow.name, each.flow.direction, each.enabled, each.last_synced_at)
            for each in self.flow_config.tenant_flows(tenant_id)
            if _ours(each.flow)
        ]

    def flow_names(self, tenant_id: int) -> list[str]:
        """The names of the family's flows that run for the tenant."""
        return [each.name for each in self.flows(tenant_id) if each.enabled]

    def orders(self, tenant_id: int, *, limit: int = ORDER_LIMIT) -> list[SentOrder]:
        """The tenant's live service orders, the newest changed first."""
        return self._orders(tenant_id, None, limit)

    def order(self, tenant_id: int, number: str) -> SentOrder:
        """One live service order by its host id; :class:`NotFound` without it."""
        found = self._orders(tenant_id, number, 1)
        if not found:
            raise NotFound(f"no service order {number!r}", code="service_order_not_found")
        return found[0]

    def _orders(self, tenant_id: int, number: str | None, limit: int) -> list[SentOrder]:
        query = (
            select(MirrorRecord, Link.fortnox_id)
            .outerjoin(
                Link,
                and_(
                    Link.tenant_id == MirrorRecord.tenant_id,
                    Link.entity_type == MirrorRecord.entity_type,
                    Link.external_id == MirrorRecord.external_id,
                ),
            )
            .where(
                MirrorRecord.tenant_id == tenant_id,
                MirrorRecord.entity_type == ORDER_ENTITY,
                MirrorRecord.deleted.is_(False),
            )
        )
        if number is not None:
            query = query.where(MirrorRecord.external_id == number)
        query = query.order_by(MirrorRecord.updated_at.desc(), MirrorRecord.id.desc())
        with self.sessions.begin() as session:
            rows = session.execute(query.limit(limit)).all()
            return [_order(record.external_id, record, linked) for record, linked in rows]

    def counts(self, tenant_id: int) -> ServiceCounts:
        """The tenant's orders sent (as orders; as invoices: created as one, or invoiced in
        Fortnox), live articles and prices with a value."""
        sent = [o for o in self.orders(tenant_id, limit=10_000) if o.fortnox_reference]
        invoices = sum(1 for o in sent if o.fortnox_document == "invoice" or o.invoiced)
        with self.sessions.begin() as session:
            live = {
                entity: list(
                    session.scalars(
                        select(MirrorRecord.payload).where(
                            MirrorRecord.tenant_id == tenant_id,
                            MirrorRecord.entity_type == entity,
                            MirrorRecord.deleted.is_(False),
                        )
                    )
                )
                for entity in ("service_article", "service_price")
            }
        return ServiceCounts(
            sent=len(sent),
            orders=len(sent) - invoices,
            invoices=invoices,
            articles=sum(1 for row in live["service_article"] if row.get("active", True)),
            prices=sum(1 for row in live["service_price"] if row.get("price") is not None),
        )


def _ours(flow: type[Flow]) -> bool:
    return family_of(flow) == FAMILY


def _order(external_id: str, record: MirrorRecord, linked: str | None) -> SentOrder:
    payload = record.payload or {}
    invoiced_on = payload.get("invoiced_on")
    # The link holds the order's own number (Fortnox's external reference), never Fortnox's
    # document number: only the written-back reference names the document.
    reference = payload.get("fortnox_reference")
    return SentOrder(
        number=str(payload.get("number") or external_id),
        kind=str(payload.get("kind") or ""),
        customer_number=str(payload.get("customer_number") or ""),
        order_date=str(payload.get("order_date") or ""),
        fortnox_reference=str(reference) if reference else None,
        fortnox_document=payload.get("fortnox_document") or ("order" if reference else None),
        invoiced=bool(payload.get("invoiced")),
        invoiced_on=date.fromisoformat(invoiced_on) if isinstance(invoiced_on, str) else None,
        updated_at=record.updated_at,
        sent=bool(reference or linked),
    )
