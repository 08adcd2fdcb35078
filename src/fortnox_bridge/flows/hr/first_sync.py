"""The first synchronization of employees: plan, decide, apply, e-mail.

The first time a tenant connects, its host employees and the Fortnox company's employees meet:

1. **Plan** (:meth:`FirstSync.make_plan`): every unlinked host employee and every unlinked
   Fortnox employee is read (the Fortnox list, then each candidate in full) and matched by e-mail,
   then by employment id (``first_sync_plan.py``). The plan lists the pairs with the fields whose
   values differ, the host-only and Fortnox-only employees, the duplicates of e-mail, phone and
   employment id inside either side, and what cannot be created where (a Fortnox employee without
   an e-mail cannot become a host employee). Each line is an item with a stable id.
2. **Decide** (:meth:`FirstSync.decide`, :meth:`FirstSync.decide_all`): per pair, which side wins
   (for all fields or per field); per host-only or Fortnox-only employee, whether to create it on
   the other side; a duplicate is resolved in Fortnox or the host (then a new plan) or marked
   ``skip``, which leaves the employees involved out of this synchronization.
3. **Apply** (:meth:`FirstSync.apply`, in ``first_sync_apply.py``): links the pairs with the
   agreed snapshot, writes the winning values to the losing side, creates what was chosen, and
   e-mails the result to the tenant's recipients. Resumable and idempotent.

While a plan is open the regular employee flows leave unlinked employees alone
(``engine/sync/first_sync.py``); afterwards the two sides run two-way as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import EngineError
from fortnox_bridge.engine.flow.base import Flow, normalise
from fortnox_bridge.engine.flow.sources import ClientSource, first_error
from fortnox_bridge.engine.outbox.notify import Notifier
from fortnox_bridge.engine.sync.context import load_context
from fortnox_bridge.engine.tenancy.workers import new_worker_id
from fortnox_bridge.engine.tenancy.writer import TenantWriters
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.flows.hr.first_sync_plan import (
    Duplicate,
    FortnoxRow,
    HostRow,
    Matching,
    differences,
    label,
    match,
)
from fortnox_bridge.store.first_sync import ACTIVE, FirstSyncRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import FirstSyncItem, FirstSyncPlan

ENTITY = "employee"
Side = Literal["host", "fortnox"]
SIDES: tuple[Side, ...] = ("host", "fortnox")
#: Host field → Fortnox field of the values a plan compares (the employment id is not compared:
#: it flows from Fortnox to the host only).
COMPARED = {h: f for h, f in employee_fields.FIELDS.items() if h != "employment_id"}
#: What a decision of each kind of item may say.
DECISIONS = {
    "pair": ("winner", "fields", "skip"),
    "host_only": ("create", "skip"),
    "fortnox_only": ("create", "skip"),
    "duplicate": ("skip",),
}


class FirstSyncError(EngineError):
    """A first-synchronization request that cannot be done; ``code`` says which kind."""

    code = "first_sync"

    def __init__(self, message: str, *, items: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.items = [dict(item) for item in items]


class NoPlanError(FirstSyncError):
    """There is no plan (or no such item in the tenant's plan)."""

    code = "not_found"


class PlanOpenError(FirstSyncError):
    """A plan is open already: apply it or discard it first."""

    code = "plan_open"


class PlanClosedError(FirstSyncError):
    """The plan (or the item) is applied or discarded: nothing can be decided any more."""

    code = "plan_closed"


class InvalidDecisionError(FirstSyncError):
    """The decision does not fit the item; ``path`` is the part of the decision at fault."""

    code = "invalid_decision"

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class NotReadyError(FirstSyncError):
    """Apply refused: undecided items or unresolved duplicates; ``items`` lists them."""

    code = "not_ready"


@dataclass
class ItemView:
    """One item of a plan as people and the API see it."""

    id: int
    kind: str
    external_id: str | None
    fortnox_id: str | None
    matched_by: str | None
    label: str
    differences: dict[str, Any]
    details: dict[str, Any]
    notes: list[str]
    decision: dict[str, Any] | None
    needs_decision: bool
    status: str
    outcome: dict[str, Any]
    error: str | None
    host: dict[str, Any] = field(default_factory=dict)
    fortnox: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlanView:
    """A plan with its counts and items."""

    id: int
    entity: str
    status: str
    created_at: datetime
    updated_at: datetime
    apply_started_at: datetime | None
    applied_at: datetime | None
    notified_at: datetime | None
    counts: dict[str, int]
    result: dict[str, Any]
    items: list[ItemView]


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

    async def make_plan(self, tenant_id: int, source: ClientSource) -> PlanView:
        """Read both sides, match them and store a new open plan (``PlanOpenError`` if one is
        open already). Reads Fortnox: the list, then each Fortnox employee of a pair or only in
        Fortnox in full."""
        self._refuse_if_open(tenant_id)
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
        client = await source.get()
        listed = [
            FortnoxRow(
                str(row.employee_id),
                row.model_dump(mode="json", exclude_none=True),
                str(row.employee_id) in linked,
            )
            async for row in client.employees.iterate()
        ]
        matching = match(host, listed)
        wanted = [pair[1] for pair in matching.pairs] + matching.fortnox_only
        full: dict[str, dict[str, Any]] = {}
        for fortnox_id in wanted:
            record = await client.employees.get(fortnox_id)
            full[fortnox_id] = _fortnox_fields(pull, record.model_dump(mode="json"))
        items = _items(push, pull, host, listed, matching, full, taken)
        counts = _plan_counts(host, listed, matching, items)
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
            return _plan_view(plan, repo.items(plan.id), kind=kind)

    def discard(self, tenant_id: int) -> PlanView:
        """Drop the open plan (nothing it already applied is undone)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            repo = FirstSyncRepository(session)
            plan = repo.active(tenant_id, ENTITY)
            if plan is None:
                raise NoPlanError("no open first synchronization plan to discard")
            plan.status, plan.updated_at = "discarded", now
            return _plan_view(plan, repo.items(plan.id))

    # -- decisions -------------------------------------------------------------------------------

    def decide(self, tenant_id: int, item_id: int, decision: Mapping[str, Any]) -> ItemView:
        """Record the admin's decision for one item (see :data:`DECISIONS`)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            plan, item = self._open_item(session, tenant_id, item_id)
            item.decision = _checked(item, decision)
            item.updated_at = plan.updated_at = now
            return _item_view(item)

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
                if item.status in ("done", "skipped", "working") or not _needs_decision(item):
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
                    item.decision = _checked(item, wanted)
                    item.updated_at = now
            plan.updated_at = now
            return _plan_view(plan, items)

    # -- apply -----------------------------------------------------------------------------------

    async def apply(self, tenant_id: int, source: ClientSource) -> PlanView:
        """Apply the decided plan (see ``first_sync_apply.py``); an applied plan stays as it is."""
        from fortnox_bridge.flows.hr.first_sync_apply import Applier

        with self.sessions.begin() as session:
            plan = FirstSyncRepository(session).latest(tenant_id, ENTITY)
            if plan is None:
                raise NoPlanError("no first synchronization plan to apply; make one first")
            plan_id, status = plan.id, plan.status
            if status == "applied":
                return _plan_view(plan, FirstSyncRepository(session).items(plan.id))
            _ready(FirstSyncRepository(session).items(plan.id))
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


# -- building a plan -------------------------------------------------------------------------------


def _fortnox_fields(pull: Flow, record: Mapping[str, Any]) -> dict[str, Any]:
    """The Fortnox fields a plan keeps: compared, written by the push only, and state."""
    names = set(pull.pull_fields) | set(employee_fields.PUSH_ONLY.values())
    names |= {pull.fortnox_id_field, "inactive"}
    return {
        name: normalise(record.get(name))
        for name in sorted(names)
        if normalise(record.get(name)) is not None
    }


def _items(
    push: Flow,
    pull: Flow,
    host: Sequence[HostRow],
    listed: Sequence[FortnoxRow],
    matching: Matching,
    full: Mapping[str, dict[str, Any]],
    taken: set[str],
) -> list[dict[str, Any]]:
    hosts = {row.external_id: row for row in host}
    remote = {row.fortnox_id: row for row in listed}
    items: list[dict[str, Any]] = []
    for external_id, fortnox_id, how in matching.pairs:
        items.append(_pair(push, hosts[external_id], fortnox_id, full[fortnox_id], how))
    for external_id in matching.host_only:
        items.append(_host_only(hosts[external_id], remote))
    for fortnox_id in matching.fortnox_only:
        items.append(_fortnox_only(pull, fortnox_id, full[fortnox_id], taken))
    for duplicate in matching.duplicates:
        items.append(_duplicate(duplicate, hosts, remote))
    return items


def _row(kind: str, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": kind,
        "external_id": None,
        "fortnox_id": None,
        "matched_by": None,
        "label": "",
        "host": {},
        "fortnox": {},
        "differences": {},
        "details": {},
        "notes": [],
        "decision": None,
        "status": "pending",
        "outcome": {},
        "error": None,
    }
    base.update(values)
    base["label"] = str(base["label"])[:400]
    return base


def _pair(
    push: Flow, row: HostRow, fortnox_id: str, fortnox: dict[str, Any], how: str
) -> dict[str, Any]:
    payload = dict(row.payload)
    found = differences(push.map(payload), fortnox, COMPARED)
    details: dict[str, Any] = {}
    notes: list[str] = []
    if how == "employment_id":
        notes.append(
            "matched by employment id: the e-mail is missing, different or shared by several "
            "employees"
        )
    if row.employment_id != fortnox_id:
        details["employment_id"] = {"host": row.employment_id, "fortnox": fortnox_id}
        notes.append(f"the host's employment id becomes Fortnox's EmployeeId {fortnox_id}")
    if fortnox.get("email") is None:
        notes.append("no e-mail in Fortnox")
    if fortnox.get("inactive"):
        notes.append("inactive in Fortnox")
    return _row(
        "pair",
        external_id=row.external_id,
        fortnox_id=fortnox_id,
        matched_by=how,
        label=label(payload.get("given_name"), payload.get("family_name"), payload.get("email")),
        host=payload,
        fortnox=fortnox,
        differences=found,
        details=details,
        notes=notes,
    )


def _host_only(row: HostRow, remote: Mapping[str, FortnoxRow]) -> dict[str, Any]:
    payload = dict(row.payload)
    details: dict[str, Any] = {}
    notes: list[str] = []
    wanted = row.employment_id
    if wanted is not None and wanted in remote:
        other = remote[wanted].fields
        details["id_taken"] = wanted
        notes.append(
            f"employment id {wanted} is used in Fortnox by "
            f"{label(other.get('first_name'), other.get('last_name'), other.get('email'))}: "
            "Fortnox assigns another one, which comes back to the host"
        )
    elif wanted is None:
        notes.append("no employment id: Fortnox assigns one, which comes back to the host")
    return _row(
        "host_only",
        external_id=row.external_id,
        label=label(payload.get("given_name"), payload.get("family_name"), payload.get("email")),
        host=payload,
        details=details,
        notes=notes,
    )


def _fortnox_only(
    pull: Flow, fortnox_id: str, fortnox: dict[str, Any], taken: set[str]
) -> dict[str, Any]:
    external_id = f"fortnox-{fortnox_id}"
    details: dict[str, Any] = {"external_id": external_id}
    notes: list[str] = []
    try:
        host_payload(pull, fortnox)
    except ValidationError as exc:
        details["cannot_create"] = (
            f"it cannot become a host employee: {first_error(exc)}; correct it in Fortnox and "
            "make a new plan"
        )
        notes.append(details["cannot_create"])
    if external_id in taken:
        details["cannot_create"] = f"the host already has an employee with the id {external_id}"
        notes.append(details["cannot_create"])
    if fortnox.get("email") is None:
        notes.append("no e-mail in Fortnox: it could not be matched by e-mail")
    if fortnox.get("inactive"):
        notes.append("inactive in Fortnox")
    return _row(
        "fortnox_only",
        fortnox_id=fortnox_id,
        label=label(fortnox.get("first_name"), fortnox.get("last_name"), fortnox.get("email")),
        fortnox=fortnox,
        details=details,
        notes=notes,
    )


def _duplicate(
    duplicate: Duplicate, hosts: Mapping[str, HostRow], remote: Mapping[str, FortnoxRow]
) -> dict[str, Any]:
    members: list[dict[str, Any]] = []
    for member in duplicate.members:
        if duplicate.side == "host":
            row = hosts[member]
            given, family, email = (
                row.payload.get(k) for k in ("given_name", "family_name", "email")
            )
            linked = row.linked
        else:
            fields = remote[member].fields
            given, family, email = (fields.get(k) for k in ("first_name", "last_name", "email"))
            linked = remote[member].linked
        members.append({"id": member, "label": label(given, family, email), "linked": linked})
    where = "the host" if duplicate.side == "host" else "Fortnox"
    field_name = duplicate.field.replace("_", " ")
    return _row(
        "duplicate",
        label=f"{field_name} {duplicate.value} is shared by {len(members)} employees in {where}",
        details={
            "side": duplicate.side,
            "field": duplicate.field,
            "value": duplicate.value,
            "members": members,
        },
        notes=[
            f"make the {field_name} unique in {where} and make a new plan, or mark this "
            "duplicate skip to leave these employees out of this synchronization"
        ],
    )


def host_payload(pull: Flow, fortnox: Mapping[str, Any]) -> dict[str, Any]:
    """A Fortnox employee as a host employee payload, its ``EmployeeId`` as the employment id
    (raises ``ValidationError``)."""
    mapped = {k: v for k, v in pull.unmap(fortnox).items() if v is not None}
    if "employment_id" in pull.record_model.model_fields and fortnox.get(pull.fortnox_id_field):
        mapped["employment_id"] = str(fortnox[pull.fortnox_id_field])
    validated = pull.record_model.model_validate(mapped)
    return validated.model_dump(mode="json", exclude_none=True)


def _plan_counts(
    host: Sequence[HostRow],
    listed: Sequence[FortnoxRow],
    matching: Matching,
    items: Sequence[Mapping[str, Any]],
) -> dict[str, int]:
    pairs = [item for item in items if item["kind"] == "pair"]
    fortnox_only = [item for item in items if item["kind"] == "fortnox_only"]
    return {
        "host": len(host),
        "fortnox": len(listed),
        "linked_before": sum(1 for row in host if row.linked),
        "pairs": len(pairs),
        "pairs_by_email": sum(1 for p in matching.pairs if p[2] == "email"),
        "pairs_by_employment_id": sum(1 for p in matching.pairs if p[2] == "employment_id"),
        "pairs_with_differences": sum(1 for item in pairs if item["differences"]),
        "differences": sum(len(item["differences"]) for item in pairs),
        "host_only": len(matching.host_only),
        "fortnox_only": len(matching.fortnox_only),
        "duplicates": len(matching.duplicates),
        "fortnox_without_email": sum(1 for row in listed if not row.linked and row.email is None),
        "cannot_create": sum(1 for item in fortnox_only if "cannot_create" in item["details"]),
    }


# -- decisions -------------------------------------------------------------------------------------


def _checked(item: FirstSyncItem, decision: Mapping[str, Any]) -> dict[str, Any] | None:
    """The decision as stored, or ``InvalidDecisionError`` saying what fits the item."""
    allowed = DECISIONS[item.kind]
    given = [key for key in ("winner", "fields", "create", "skip") if key in decision]
    if len(given) != 1 or given[0] not in allowed:
        raise InvalidDecisionError(
            f"item {item.id} is a {item.kind.replace('_', '-')} item: decide it with one of "
            + ", ".join(repr(key) for key in allowed)
        )
    key, value = given[0], decision[given[0]]
    if key == "skip":
        if item.kind == "duplicate" and value is False:
            return None  # taken back: the duplicate blocks apply again
        if value is not True:
            raise InvalidDecisionError(
                "'skip' must be true (or false to take a skip back)", path="skip"
            )
        return {"skip": True}
    if key == "create":
        if not isinstance(value, bool):
            raise InvalidDecisionError("'create' must be true or false", path="create")
        if value and "cannot_create" in item.details:
            raise InvalidDecisionError(
                f"item {item.id} cannot be created: " + item.details["cannot_create"],
                path="create",
            )
        return {"create": value}
    if key == "winner":
        if value not in SIDES:
            raise InvalidDecisionError("'winner' must be 'host' or 'fortnox'", path="winner")
        return {"winner": value}
    return {"fields": _field_decisions(item, value)}


def _field_decisions(item: FirstSyncItem, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidDecisionError(
            "'fields' must map differing fields to 'host' or 'fortnox'", path="fields"
        )
    unknown = sorted(set(value) - set(item.differences))
    if unknown:
        raise InvalidDecisionError(
            f"item {item.id} has no difference in {', '.join(unknown)}; its differing fields: "
            + (", ".join(sorted(item.differences)) or "none"),
            path=f"fields.{unknown[0]}",
        )
    bad = sorted(name for name, side in value.items() if side not in SIDES)
    if bad:
        raise InvalidDecisionError(
            f"fields {', '.join(bad)}: the side must be 'host' or 'fortnox'",
            path=f"fields.{bad[0]}",
        )
    required = required_host_fields()
    for name, side in value.items():
        if side == "fortnox" and name in required and item.differences[name]["fortnox"] is None:
            raise InvalidDecisionError(
                f"Fortnox has no {name} for this employee and the host requires one: the host's "
                "value must win (it is written to Fortnox)",
                path=f"fields.{name}",
            )
    previous = dict((item.decision or {}).get("fields") or {})
    winner = (item.decision or {}).get("winner")
    if winner is not None:
        previous = dict.fromkeys(item.differences, winner)
    return {**previous, **{name: str(side) for name, side in value.items()}}


def required_host_fields() -> frozenset[str]:
    """Host employee fields that must have a value."""
    model = EmployeePush.record_model
    return frozenset(name for name, info in model.model_fields.items() if info.is_required())


def _needs_decision(item: FirstSyncItem) -> bool:
    decision = item.decision
    if item.kind == "pair":
        if not item.differences or (decision and ("winner" in decision or "skip" in decision)):
            return False
        decided = set((decision or {}).get("fields") or {})
        return not set(item.differences) <= decided
    return decision is None


def _ready(items: Sequence[FirstSyncItem]) -> None:
    """Refuse apply while items are undecided or duplicates unresolved."""
    waiting = [i for i in items if i.status not in ("done", "skipped") and _needs_decision(i)]
    duplicates = [i for i in waiting if i.kind == "duplicate"]
    undecided = [i for i in waiting if i.kind != "duplicate"]
    listed = [{"id": i.id, "kind": i.kind, "label": i.label} for i in duplicates + undecided]
    if duplicates:
        raise NotReadyError(
            f"{len(duplicates)} duplicate(s) must be resolved first: make the values unique in "
            "Fortnox or the host and make a new plan, or mark them skip to leave the employees "
            "involved out"
            + (f"; {len(undecided)} other item(s) are undecided too" if undecided else ""),
            items=listed,
        )
    if undecided:
        raise NotReadyError(
            f"{len(undecided)} item(s) are undecided: decide them one by one or all at once "
            "(POST /api/v1/hr/first-sync/decide)",
            items=listed,
        )


# -- views -----------------------------------------------------------------------------------------


def _item_view(item: FirstSyncItem) -> ItemView:
    return ItemView(
        id=item.id,
        kind=item.kind,
        external_id=item.external_id,
        fortnox_id=item.fortnox_id,
        matched_by=item.matched_by,
        label=item.label,
        differences=dict(item.differences),
        details=dict(item.details),
        notes=[str(note) for note in item.notes],
        decision=dict(item.decision) if item.decision is not None else None,
        needs_decision=item.status not in ("done", "skipped") and _needs_decision(item),
        status=item.status,
        outcome=dict(item.outcome),
        error=item.error,
        host=dict(item.host),
        fortnox=dict(item.fortnox),
    )


def _plan_view(
    plan: FirstSyncPlan, items: Sequence[FirstSyncItem], *, kind: str | None = None
) -> PlanView:
    views = [_item_view(item) for item in items]
    counts = dict(plan.counts)
    counts["undecided"] = sum(1 for view in views if view.needs_decision)
    for status in ("pending", "working", "done", "skipped", "failed"):
        counts[status] = sum(
            1 for view in views if view.status == status and view.kind != "duplicate"
        )
    return PlanView(
        id=plan.id,
        entity=plan.entity_type,
        status=plan.status,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        apply_started_at=plan.apply_started_at,
        applied_at=plan.applied_at,
        notified_at=plan.notified_at,
        counts=counts,
        result=dict(plan.result),
        items=[view for view in views if kind is None or view.kind == kind],
    )
