"""First-synchronization plans and their items (see ``models.FirstSyncPlan``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import FirstSyncItem, FirstSyncPlan

#: Plan states in which the entity's flows leave unlinked records alone.
ACTIVE = ("open", "applying")


class FirstSyncRepository:
    """Reads and writes first-synchronization plans within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        tenant_id: int,
        entity_type: str,
        *,
        counts: dict[str, Any],
        items: Iterable[dict[str, Any]],
        now: datetime,
    ) -> FirstSyncPlan:
        """A new open plan with its items (raises ``IntegrityError`` if one is open already)."""
        plan = FirstSyncPlan(
            tenant_id=tenant_id,
            entity_type=entity_type,
            status="open",
            counts=counts,
            result={},
            created_at=now,
            updated_at=now,
        )
        self.session.add(plan)
        self.session.flush()
        for values in items:
            self.session.add(FirstSyncItem(plan_id=plan.id, updated_at=now, **values))
        self.session.flush()
        return plan

    def latest(self, tenant_id: int, entity_type: str) -> FirstSyncPlan | None:
        """The newest plan that was not discarded: the one open, or the last one applied."""
        return self.session.scalars(
            select(FirstSyncPlan)
            .where(
                FirstSyncPlan.tenant_id == tenant_id,
                FirstSyncPlan.entity_type == entity_type,
                FirstSyncPlan.status != "discarded",
            )
            .order_by(FirstSyncPlan.id.desc())
            .limit(1)
        ).first()

    def latest_by_entity(self, tenant_id: int) -> dict[str, FirstSyncPlan]:
        """The newest plan not discarded of every entity the tenant ever planned."""
        rows = self.session.scalars(
            select(FirstSyncPlan)
            .where(FirstSyncPlan.tenant_id == tenant_id, FirstSyncPlan.status != "discarded")
            .order_by(FirstSyncPlan.id)
        )
        return {plan.entity_type: plan for plan in rows}

    def active(self, tenant_id: int, entity_type: str) -> FirstSyncPlan | None:
        """The plan that is open or being applied, if any."""
        plan = self.latest(tenant_id, entity_type)
        return plan if plan is not None and plan.status in ACTIVE else None

    def get(self, plan_id: int, *, for_update: bool = False) -> FirstSyncPlan | None:
        """One plan by id (``for_update``: lock its row until the transaction ends)."""
        query = select(FirstSyncPlan).where(FirstSyncPlan.id == plan_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def items(self, plan_id: int, *, kind: str | None = None) -> list[FirstSyncItem]:
        """The items of a plan in id order, optionally of one kind."""
        query = select(FirstSyncItem).where(FirstSyncItem.plan_id == plan_id)
        if kind is not None:
            query = query.where(FirstSyncItem.kind == kind)
        return list(self.session.scalars(query.order_by(FirstSyncItem.id)))

    def item(self, item_id: int) -> FirstSyncItem | None:
        """One item by id."""
        return self.session.get(FirstSyncItem, item_id)

    def held(self, plan_id: int) -> tuple[set[str], set[str]]:
        """Host ids and Fortnox ids an applied plan left out (skipped by decision)."""
        rows = self.session.execute(
            select(FirstSyncItem.external_id, FirstSyncItem.fortnox_id).where(
                FirstSyncItem.plan_id == plan_id,
                FirstSyncItem.kind != "duplicate",
                FirstSyncItem.status == "skipped",
            )
        )
        host: set[str] = set()
        fortnox: set[str] = set()
        for external_id, fortnox_id in rows:
            if external_id is not None:
                host.add(str(external_id))
            if fortnox_id is not None:
                fortnox.add(str(fortnox_id))
        return host, fortnox
