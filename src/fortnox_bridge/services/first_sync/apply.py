"""Applying a decided first-synchronization plan of employees.

Item by item, each ending in one database transaction that records what was done:

- a **pair** is linked with the agreed snapshot; the winning values go to the losing side (one
  partial update in Fortnox; the host record in the mirror, origin ``fortnox``, with a
  ``record.changed`` event); the host always takes Fortnox's ``EmployeeId`` as its employment id;
- a **host-only** employee chosen for creation is created in Fortnox, with the host's employment
  id as ``EmployeeId`` when it has one that is free, else Fortnox assigns one and it comes back to
  the host (``record.changed``);
- a **Fortnox-only** employee chosen for creation becomes host employee ``fortnox-<EmployeeId>``
  (``record.created``);
- whatever was decided ``skip``, or involves a duplicate marked ``skip``, is left out.

Resumable: a create is marked ``working`` (committed) before it is sent; after a crash or a lost
answer the next apply first looks the employee up in Fortnox (by the id it sent, else by e-mail)
and adopts it. A pair's update is the same values again, so repeating it is harmless. The plan
becomes ``applied`` when every item is done or skipped; then the result is e-mailed once. Failed
items keep the plan ``applying``: they are listed (and e-mailed), and apply again retries them.

The tenant's writer is held meanwhile (``engine/tenancy/writer.py``), so no other job writes to the
tenant's Fortnox beside an apply.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from fortnox_bridge.engine.errors import TenantBusyError
from fortnox_bridge.engine.flow.base import normalise
from fortnox_bridge.engine.flow.results import describe_error
from fortnox_bridge.engine.flow.sources import ClientSource, first_error
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.first_sync_plan import differences, email_key
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import FortnoxError, OutcomeUnknown
from fortnox_bridge.services.first_sync.apply_store import ApplyStore, Item, ItemFailed
from fortnox_bridge.services.first_sync.decisions import required_host_fields
from fortnox_bridge.services.first_sync.mail import mail_result
from fortnox_bridge.services.first_sync.plan import COMPARED, host_payload
from fortnox_bridge.store.first_sync import FirstSyncRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository

log = logging.getLogger(__name__)


class Applier(ApplyStore):
    """One apply pass over a plan."""

    async def run(self, source: ClientSource) -> None:
        """Apply every item not done yet, then finish the plan and e-mail the result."""
        try:
            async with self.sync.writers.hold(self.tenant_id, "apply", wait=False):
                before = source.requests_made
                items = self._start()
                client = await source.get()
                left_out = self._left_out()
                for item_id in items:
                    await self._one(item_id, client, left_out)
                await self._finish(source.requests_made - before)
        except TenantBusyError as exc:
            raise TenantBusyError(
                "a sweep, a push or another apply of this tenant is running; try again in a moment"
            ) from exc

    # -- the pass ----------------------------------------------------------------------------------

    def _start(self) -> list[int]:
        now = self.clock.now()
        with self.sessions.begin() as session:
            repo = FirstSyncRepository(session)
            plan = repo.get(self.plan_id, for_update=True)
            assert plan is not None
            plan.status, plan.updated_at = "applying", now
            plan.apply_started_at = plan.apply_started_at or now
            order = {"pair": 0, "fortnox_only": 1, "host_only": 2}
            items = [i for i in repo.items(self.plan_id) if i.kind in order]
            items.sort(key=lambda i: (order[i.kind], i.id))
            return [i.id for i in items if i.status not in ("done", "skipped")]

    def _left_out(self) -> dict[str, str]:
        """Host ids (``host:<id>``) and Fortnox ids (``fortnox:<id>``) of employees involved in
        a duplicate marked skip, with the reason."""
        found: dict[str, str] = {}
        with self.sessions.begin() as session:
            for item in FirstSyncRepository(session).items(self.plan_id, kind="duplicate"):
                if not (item.decision or {}).get("skip"):
                    continue
                side = item.details["side"]
                reason = f"left out: {item.label} (duplicate marked skip)"
                for member in item.details["members"]:
                    found.setdefault(f"{side}:{member['id']}", reason)
        return found

    async def _one(self, item_id: int, client: FortnoxClient, left_out: Mapping[str, str]) -> None:
        item = self._load(item_id)
        reason = left_out.get(f"host:{item.external_id}") or left_out.get(
            f"fortnox:{item.fortnox_id}"
        )
        if reason is None and (item.decision.get("skip") or item.decision.get("create") is False):
            reason = "left out by decision"
        if reason is not None:
            self._record(item.id, "skipped", {"reason": reason})
            return
        try:
            if item.kind == "pair":
                await self._pair(item, client)
            elif item.kind == "host_only":
                await self._create_in_fortnox(item, client)
            else:
                self._create_in_host(item)
        except RUN_STOPPERS:
            raise
        except ItemFailed as exc:
            self._record(item.id, exc.status, dict(item.outcome), error=str(exc))
        except OutcomeUnknown as exc:
            message = f"{exc}; apply again: the employee is looked up before anything is created"
            self._record(item.id, "working", dict(item.outcome), error=message)
        except FortnoxError as exc:
            self._record(item.id, "failed", dict(item.outcome), error=describe_error(exc))

    async def _pair(self, item: Item, client: FortnoxClient) -> None:
        assert item.external_id is not None
        assert item.fortnox_id is not None
        payload, version = self._host_record(item.external_id)
        self._refuse_taken(item.external_id, item.fortnox_id)
        mapped = self.push.map(payload)
        required = required_host_fields()
        to_fortnox: dict[str, Any] = {}
        to_host: dict[str, Any] = {}
        for name, values in differences(mapped, item.fortnox, COMPARED).items():
            side = _winner(item.decision, name)
            if side == "fortnox" and values["fortnox"] is None and name in required:
                side = "host"  # the host cannot do without it: Fortnox gets the host's value
            if side == "host":
                to_fortnox[COMPARED[name]] = values["host"]
            else:
                to_host[name] = values["fortnox"]
        if self._has_employment_id() and payload.get("employment_id") != item.fortnox_id:
            to_host["employment_id"] = item.fortnox_id
        for fortnox_name in employee_fields.PUSH_ONLY.values():
            if fortnox_name in self.push.create_only:
                continue  # never changed after the create (the EmployeeId)
            value = mapped.get(fortnox_name)
            if value is not None and normalise(item.fortnox.get(fortnox_name)) != value:
                to_fortnox[fortnox_name] = value
        final = self._with(payload, to_host)
        if to_fortnox:
            await client.employees.update(item.fortnox_id, to_fortnox)
        outcome = {"to_fortnox": _host_names(to_fortnox), "to_host": to_host}
        self._settle(item, item.external_id, item.fortnox_id, payload, final, version, outcome)

    async def _create_in_fortnox(self, item: Item, client: FortnoxClient) -> None:
        assert item.external_id is not None
        payload, version = self._host_record(item.external_id)
        fields = self.push.map(payload)
        if (
            item.details.get("id_taken") is not None
            and fields.get("employee_id") == item.details["id_taken"]
        ):
            fields.pop("employee_id")
        outcome: dict[str, Any] = {"sent_employee_id": fields.get("employee_id")}
        found = None
        if item.status == "working":
            found = await self._lookup(client, item, outcome["sent_employee_id"], payload)
        if found is None:
            self._refuse_taken(item.external_id, str(fields.get("employee_id", "")))
            self._record(item.id, "working", outcome)  # committed before the request goes out
            stored = await client.employees.create(fields)
            fortnox_id = str(stored.employee_id)
        else:
            fortnox_id, current = found
            changes = {
                name: value
                for name, value in fields.items()
                if name not in self.push.create_only and normalise(current.get(name)) != value
            }
            if changes:
                await client.employees.update(fortnox_id, changes)
            outcome["adopted"] = True
        to_host = {}
        if self._has_employment_id() and payload.get("employment_id") != fortnox_id:
            to_host["employment_id"] = fortnox_id
            outcome["employment_id_assigned"] = fortnox_id
        final = self._with(payload, to_host)
        outcome.update({"fortnox_id": fortnox_id, "to_host": to_host})
        self._settle(
            item, item.external_id, fortnox_id, payload, final, version, outcome, "created"
        )

    async def _lookup(
        self, client: FortnoxClient, item: Item, sent: Any, payload: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any]] | None:
        """The employee an earlier attempt may have created: by the id it sent, else by e-mail,
        among the Fortnox employees nobody is linked to."""
        if self._listing is None:
            self._listing = [
                row.model_dump(mode="json", exclude_none=True)
                async for row in client.employees.iterate()
            ]
        with self.sessions.begin() as session:
            linked = set(LinkRepository(session).by_fortnox_id(self.tenant_id, "employee"))
        free = [row for row in self._listing if str(row.get("employee_id")) not in linked]
        if sent is not None:
            matches = [row for row in free if str(row.get("employee_id")) == str(sent)]
        else:
            wanted = email_key(payload.get("email"))
            matches = [row for row in free if email_key(row.get("email")) == wanted]
        if len(matches) > 1:
            ids = ", ".join(str(row.get("employee_id")) for row in matches)
            raise ItemFailed(
                f"several Fortnox employees ({ids}) could be the one an earlier attempt created; "
                "remove the extra ones in Fortnox and apply again",
                status="working",
            )
        if not matches:
            return None
        fortnox_id = str(matches[0]["employee_id"])
        full = await client.employees.get(fortnox_id)
        return fortnox_id, full.model_dump(mode="json", exclude_none=True)

    # -- Fortnox-only: create in the host ------------------------------------------------------

    def _create_in_host(self, item: Item) -> None:
        assert item.fortnox_id is not None
        external_id = str(item.details["external_id"])
        with self.sessions.begin() as session:
            existing = MirrorRepository(session).get(self.tenant_id, "employee", external_id)
            live = existing is not None and not existing.deleted
        self._refuse_taken(external_id, item.fortnox_id)
        if live:
            raise ItemFailed(f"the host already has an employee with the id {external_id}")
        try:
            payload = host_payload(self.pull, item.fortnox)
        except ValidationError as exc:
            raise ItemFailed(
                f"Fortnox's values do not fit a host employee: {first_error(exc)}; correct the "
                "employee in Fortnox and make a new plan"
            ) from None
        outcome = {"external_id": external_id}
        self._settle(item, external_id, item.fortnox_id, None, payload, 0, outcome, "imported")

    async def _finish(self, requests: int) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            repo = FirstSyncRepository(session)
            plan = repo.get(self.plan_id, for_update=True)
            assert plan is not None
            items = [i for i in repo.items(self.plan_id) if i.kind != "duplicate"]
            complete = all(i.status in ("done", "skipped") for i in items)
            result = _result(items, requests, complete)
            if complete:
                plan.status, plan.applied_at = "applied", now
                result["employee_pull"] = _pull_on(session, self.tenant_id, now)
            plan.result, plan.updated_at = result, now
            notify = not complete or plan.notified_at is None
        if notify and self.sync.notifier is not None:
            sent = await mail_result(
                self.sync.notifier, self.sessions, self.tenant_id, self.plan_id
            )
            if sent and complete:
                with self.sessions.begin() as session:
                    plan = FirstSyncRepository(session).get(self.plan_id)
                    assert plan is not None
                    plan.notified_at = self.clock.now()


def _pull_on(session: Session, tenant_id: int, now: datetime) -> str:
    """Switch ``hr.employee.pull`` on for an applied plan (its settings kept): the two sides
    are linked now and run two-way. ``turned_on``, or ``on`` when it already was."""
    configs = FlowConfigRepository(session)
    row = configs.for_tenant(tenant_id).get(EmployeePull.name)
    if row is not None and row.enabled:
        return "on"
    settings = dict(row.settings) if row is not None else {}
    configs.put(tenant_id, EmployeePull.name, enabled=True, settings=settings, now=now)
    log.info(
        "employee pull switched on by the first synchronization", extra={"tenant_id": tenant_id}
    )
    return "turned_on"


def _winner(decision: Mapping[str, Any], name: str) -> str:
    side = decision.get("winner") or (decision.get("fields") or {}).get(name)
    if side is None:
        raise ItemFailed(
            f"{name} differs since the plan was made and nobody decided which side wins it; "
            "decide it (PATCH the item) or make a new plan"
        )
    return str(side)


def _host_names(fields: Mapping[str, Any]) -> dict[str, Any]:
    back = {f: h for h, f in {**employee_fields.FIELDS, **employee_fields.PUSH_ONLY}.items()}
    return {back.get(name, name): value for name, value in fields.items()}


def _result(items: list[Any], requests: int, complete: bool) -> dict[str, Any]:
    done = [i for i in items if i.status == "done"]
    return {
        "complete": complete,
        "linked": sum(1 for i in done if i.kind == "pair"),
        "updated_in_fortnox": sum(
            1 for i in done if i.kind == "pair" and i.outcome.get("to_fortnox")
        ),
        "updated_in_host": sum(1 for i in done if i.kind == "pair" and i.outcome.get("to_host")),
        "created_in_fortnox": sum(1 for i in done if i.kind == "host_only"),
        "created_in_host": sum(1 for i in done if i.kind == "fortnox_only"),
        "employment_ids_assigned": sum(1 for i in done if i.outcome.get("employment_id_assigned")),
        "skipped": sum(1 for i in items if i.status == "skipped"),
        "failed": sum(1 for i in items if i.status in ("failed", "working")),
        "requests": requests,
    }
