"""The first synchronization of employees as the front ends reach it.

:class:`FirstSyncService` is what ``Services.first_sync`` holds: each call runs the
:class:`~fortnox_bridge.services.first_sync.workflow.FirstSync` workflow with the e-mail notifier
and the tenant writers of the engine running beside the front end (``serve``), when there is one,
so an apply queues behind the engine's own jobs of the tenant. Making a plan and applying it read
and write Fortnox through the ``source`` the caller opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.services.first_sync.decisions import Side
from fortnox_bridge.services.first_sync.views import ItemView, PlanView
from fortnox_bridge.services.first_sync.workflow import FirstSync, PlanProgress
from fortnox_bridge.services.hooks import EngineHooks


class FirstSyncService:
    """Plans, decisions and apply of tenants' first synchronization of employees."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, hooks: EngineHooks) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hooks = hooks

    def workflow(self) -> FirstSync:
        """The workflow with the engine's notifier and writers (none without an engine)."""
        engine = self.hooks.service
        if engine is None:
            return FirstSync(self.sessions, self.clock)
        return FirstSync(
            self.sessions, self.clock, notifier=engine.notifier, writers=engine.writers
        )

    async def make_plan(
        self, tenant_id: int, source: ClientSource, progress: PlanProgress | None = None
    ) -> PlanView:
        """Read both sides, match them and store a new open plan (``progress`` hears where
        it stands)."""
        return await self.workflow().make_plan(tenant_id, source, progress)

    def view(
        self, tenant_id: int, *, plan_id: int | None = None, kind: str | None = None
    ) -> PlanView:
        """The tenant's current plan (open, or the last applied), or one of its plans by id."""
        return self.workflow().view(tenant_id, plan_id=plan_id, kind=kind)

    def discard(self, tenant_id: int) -> PlanView:
        """Drop the open plan (nothing it already applied is undone)."""
        return self.workflow().discard(tenant_id)

    def decide(self, tenant_id: int, item_id: int, decision: Mapping[str, Any]) -> ItemView:
        """Record the admin's decision for one item."""
        return self.workflow().decide(tenant_id, item_id, decision)

    def decide_all(
        self,
        tenant_id: int,
        *,
        pairs: Side | None = None,
        host_only: bool | None = None,
        fortnox_only: bool | None = None,
    ) -> PlanView:
        """Decide every item still undecided (see :meth:`FirstSync.decide_all`)."""
        return self.workflow().decide_all(
            tenant_id, pairs=pairs, host_only=host_only, fortnox_only=fortnox_only
        )

    async def apply(self, tenant_id: int, source: ClientSource) -> PlanView:
        """Apply the decided plan and e-mail the result; an applied plan stays as it is."""
        return await self.workflow().apply(tenant_id, source)
