"""The first synchronization of employees: plan, decide, apply, e-mail.

The first time a tenant connects, its host employees and the Fortnox company's employees meet:

1. **Plan** (:meth:`FirstSync.make_plan`): every unlinked host employee and every unlinked
   Fortnox employee is read (the Fortnox list, then each candidate in full) and matched by e-mail,
   then by employment id (the hr family's ``flows/hr/first_sync_plan.py``; the items are built in
   ``plan.py``). The plan lists the pairs with the fields whose values differ, the host-only and
   Fortnox-only employees, the duplicates of e-mail, phone and employment id inside either side,
   and what cannot be created where (a Fortnox employee without an e-mail cannot become a host
   employee). Each line is an item with a stable id.
2. **Decide** (:meth:`FirstSync.decide`, :meth:`FirstSync.decide_all`, rules in
   ``decisions.py``): per pair, which side wins (for all fields or per field); per host-only or
   Fortnox-only employee, whether to create it on the other side; a duplicate is resolved in
   Fortnox or the host (then a new plan) or marked ``skip``, which leaves the employees involved
   out of this synchronization.
3. **Apply** (:meth:`FirstSync.apply`, in ``apply.py``): links the pairs with the agreed
   snapshot, writes the winning values to the losing side, creates what was chosen, and e-mails
   the result to the tenant's recipients (``mail.py``). Resumable and idempotent.

While a plan is open the regular employee flows leave unlinked employees alone
(``engine/sync/first_sync.py``); afterwards the two sides run two-way as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.outbox.notify import Notifier
from fortnox_bridge.engine.sync.context import load_context
from fortnox_bridge.engine.tenancy.workers import new_worker_id
from fortnox_bridge.engine.tenancy.writer import TenantWriters
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.flows.hr.first_sync_plan import FortnoxRow, HostRow, match
from fortnox_bridge.services.first_sync.apply import Applier
from fortnox_bridge.services.first_sync.decisions import Side, checked, ready
from fortnox_bridge.services.first_sync.errors import NoPlanError, PlanClosedError, PlanOpenError
from fortnox_bridge.services.first_sync.plan import (
    ENTITY,
    fortnox_fields,
    plan_counts,
    plan_items,
)
from fortnox_bridge.services.first_sync.views import (
    ItemView,
    PlanView,
    item_view,
    needs_decision,
    plan_view,
)
from fortnox_bridge.store.first_sync import ACTIVE, FirstSyncRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import FirstSyncItem, FirstSyncPlan

#: Told where making a plan stands: ``progress(step, done, total)`` with the step ``host``
#: (reading the host's employees), ``fortnox`` (Fortnox's list, ``done`` read so far),
#: ``details`` (each Fortnox employee of a pair or only in Fortnox, ``done`` of ``total``) and
#: ``matching`` (matching and saving the plan).
PlanProgress = Callable[[str, int, int], None]


def _quiet(step: str, done: int, total: int) -> None:
    """No one follows the plan's progress."""


class FirstSync:
    """Plans, decisions and apply of a tenant's first synchronization of employees."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        notifier: Notifier | None = None,
        owner: str | None = None,
        writers: TenantWriters | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.notifier = notifier
        self.owner = owner or new_worker_id()
        #: The one-writer rule; share the sync service's so jobs of this process queue up.
        self.writers = writers or TenantWriters(sessions, clock)

    # -- plan ------------------------------------------------------------------------------------

    async def make_plan(
        self, tenant_id: int, source: ClientSource, progress: PlanProgress | None = None
    ) -> PlanView:
        """Read both sides, match them and store a new open plan (``PlanOpenError`` if one is
        open already). Reads Fortnox: the list, then each Fortnox employee of a pair or only in
        Fortnox in full; ``progress`` hears where it stands."""
        tell = progress or _quiet
        self._refuse_if_open(tenant_id)
        tell("host", 0, 0)
        push, pull = self.flows(tenant_id)
        with self.sessions.begin() as session:
            rows = MirrorRepository(session).with_links(tenant_id, ENTITY)
            linked = set(LinkRepository(session).by_fortnox_id(tenant_id, ENTITY))
            host = [
                HostRow(record.external_id, dict(record.payload), link is not None)
                for record, link in rows
                if not record.deleted
            ]
            taken = {record.external_id for record, _ in rows if not record.deleted}
        tell("fortnox", 0, 0)
        client = await source.get()
        listed = []
        async for row in client.employees.iterate():
            listed.append(
                FortnoxRow(
                    str(row.employee_id),
                    row.model_dump(mode="json", exclude_none=True),
                    str(row.employee_id) in linked,
                )
            )
            tell("fortnox", len(listed), 0)
        matching = match(host, listed)
        wanted = [pair[1] for pair in matching.pairs] + matching.fortnox_only
        full: dict[str, dict[str, Any]] = {}
        tell("details", 0, len(wanted))
        for done, fortnox_id in enumerate(wanted, start=1):
            record = await client.employees.get(fortnox_id)
            full[fortnox_id] = fortnox_fields(pull, record.model_dump(mode="json"))
            tell("details", done, len(wanted))
        tell("matching", 0, 0)
        items = plan_items(push, pull, host, listed, matching, full, taken)
        counts = plan_counts(host, listed, matching, items)
        try:
            with self.sessions.begin() as session:
                plan = FirstSyncRepository(session).create(
                    tenant_id, ENTITY, counts=counts, items=items, now=self.clock.now()
                )
                plan_id = plan.id
        except IntegrityError:
            self._refuse_if_open(tenant_id)
            raise
        return self.view(tenant_id, plan_id=plan_id)

    def view(
        self, tenant_id: int, *, plan_id: int | None = None, kind: str | None = None
    ) -> PlanView:
        """The tenant's current plan (open, or the last applied), or one of its plans by id."""
        with self.sessions.begin() as session:
            repo = FirstSyncRepository(session)
            plan = repo.get(plan_id) if plan_id is not None else repo.latest(tenant_id, ENTITY)
            if plan is None or plan.tenant_id != tenant_id:
                raise NoPlanError(
                    "no first synchronization of employees has been planned yet; make a plan "
                    "(POST /api/v1/hr/first-sync or 'fortnox-bridge hr first-sync plan')"
                )
            return plan_view(plan, repo.items(plan.id), kind=kind)

    def discard(self, tenant_id: int) -> PlanView:
        """Drop the open plan (nothing it already applied is undone)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            repo = FirstSyncRepository(session)
            plan = repo.active(tenant_id, ENTITY)
            if plan is None:
                raise NoPlanError("no open first synchronization plan to discard")
            plan.status, plan.updated_at = "discarded", now
            return plan_view(plan, repo.items(plan.id))

    # -- decisions -------------------------------------------------------------------------------

    def decide(self, tenant_id: int, item_id: int, decision: Mapping[str, Any]) -> ItemView:
        """Record the admin's decision for one item (see :data:`DECISIONS`)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            plan, item = self._open_item(session, tenant_id, item_id)
            item.decision = checked(item, decision)
            item.updated_at = plan.updated_at = now
            return item_view(item)

    def decide_all(
        self,
        tenant_id: int,
        *,
        pairs: Side | None = None,
        host_only: bool | None = None,
        fortnox_only: bool | None = None,
    ) -> PlanView:
        """Decide every item still undecided: the winning side of pairs, whether host-only and
        Fortnox-only employees are created on the other side. A Fortnox employee that cannot
        become a host employee (no e-mail, ...) is left out rather than created."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            plan = self._active(session, tenant_id)
            items = FirstSyncRepository(session).items(plan.id)
            for item in items:
                if item.status in ("done", "skipped", "working") or not needs_decision(item):
                    continue
                wanted: dict[str, Any] | None = None
                if item.kind == "pair" and pairs is not None:
                    chosen = dict((item.decision or {}).get("fields") or {})
                    fields = {name: chosen.get(name, pairs) for name in item.differences}
                    wanted = {"fields": fields} if chosen else {"winner": pairs}
                elif item.kind == "host_only" and host_only is not None:
                    wanted = {"create": host_only}
                elif item.kind == "fortnox_only" and fortnox_only is not None:
                    creatable = "cannot_create" not in item.details
                    wanted = {"create": fortnox_only and creatable}
                if wanted is not None:
                    item.decision = checked(item, wanted)
                    item.updated_at = now
            plan.updated_at = now
            return plan_view(plan, items)

    # -- apply -----------------------------------------------------------------------------------

    async def apply(self, tenant_id: int, source: ClientSource) -> PlanView:
        """Apply the decided plan (see ``apply.py``); an applied plan stays as it is."""
        with self.sessions.begin() as session:
            plan = FirstSyncRepository(session).latest(tenant_id, ENTITY)
            if plan is None:
                raise NoPlanError("no first synchronization plan to apply; make one first")
            plan_id, status = plan.id, plan.status
            if status == "applied":
                return plan_view(plan, FirstSyncRepository(session).items(plan.id))
            ready(FirstSyncRepository(session).items(plan.id))
        push, pull = self.flows(tenant_id)
        applier = Applier(self, tenant_id, plan_id, push, pull)
        await applier.run(source)
        return self.view(tenant_id, plan_id=plan_id)

    # -- helpers -----------------------------------------------------------------------------------

    def flows(self, tenant_id: int) -> tuple[Flow, Flow]:
        """The tenant's employee push and pull flows, with its settings."""
        with self.sessions.begin() as session:
            context = load_context(session, tenant_id, [EmployeePush, EmployeePull])
        return context.flows[EmployeePush.name], context.flows[EmployeePull.name]

    def _refuse_if_open(self, tenant_id: int) -> None:
        with self.sessions.begin() as session:
            plan = FirstSyncRepository(session).active(tenant_id, ENTITY)
            if plan is not None:
                raise PlanOpenError(
                    f"first synchronization plan {plan.id} is {plan.status} (made "
                    f"{plan.created_at:%Y-%m-%d %H:%M} UTC): apply it, or discard it "
                    "(DELETE /api/v1/hr/first-sync) before making a new one"
                )

    def _active(self, session: Session, tenant_id: int) -> FirstSyncPlan:
        repo = FirstSyncRepository(session)
        plan = repo.active(tenant_id, ENTITY)
        if plan is not None:
            return plan
        latest = repo.latest(tenant_id, ENTITY)
        if latest is not None:
            raise PlanClosedError(
                f"plan {latest.id} is {latest.status}: nothing can be decided any more; make a "
                "new plan to synchronize the employees it left out"
            )
        raise NoPlanError("no first synchronization plan yet; make one first")

    def _open_item(
        self, session: Session, tenant_id: int, item_id: int
    ) -> tuple[FirstSyncPlan, FirstSyncItem]:
        repo = FirstSyncRepository(session)
        item = repo.item(item_id)
        plan = repo.get(item.plan_id) if item is not None else None
        if item is None or plan is None or plan.tenant_id != tenant_id:
            raise NoPlanError(f"no item {item_id} in this tenant's first synchronization plans")
        if plan.status not in ACTIVE:
            raise PlanClosedError(
                f"item {item_id} belongs to plan {plan.id}, which is {plan.status}"
            )
        if item.status in ("done", "skipped"):
            raise PlanClosedError(f"item {item_id} is applied already ({item.status})")
        if item.status == "working":
            raise PlanClosedError(
                f"item {item_id} was being created in Fortnox when apply stopped; apply again "
                "to settle it before deciding anything else"
            )
        return plan, item
