"""Repair of duplicates: Fortnox records the bridge made more than once for the same thing.

Before writes to a tenant's Fortnox were serialised, two jobs could both create the same record
(an employee, a day's attendance transaction); the bridge kept a link to one of them and forgot
the others. This module finds those others and removes them where Fortnox allows it.

For every push flow with a natural key (for a derived flow: its part flow, the records it really
writes) the tenant's Fortnox records are read once and grouped by that key (employee: e-mail;
attendance and absence transactions of the payroll flows: employee, day, cause code, project and
cost centre; ``hr.absence.push``: employee, day and cause code). Then:

- **keeper**: the record the bridge's link points at. It stays;
- **extra**: another record under the keeper's key when the bridge *created* the keeper (link
  origin ``created``) and no link of the bridge points at it. Fortnox does not say which program
  made a record, so this is the rule adopt-before-create already lives by: a record with the key
  of one the bridge writes is the bridge's. A record the bridge's own log names as created for a
  host record (the run log and the pending-create markers keep the Fortnox id of each create)
  while the host record is linked to another one is an extra too, whatever its key is now;
- **not ours**: same-key records where the bridge created none of them (it matched or imported
  the linked one, or links none): made in Fortnox by someone else, listed and left alone.

:func:`apply` deletes the extras of flows whose records Fortnox can delete (transactions); a
refusal (the salary period is locked) is reported per record. Records Fortnox cannot delete
(employees: a flow with ``delete_by``) are listed with what to do by hand; one already in the
state the flow's ``delete_by`` describes (an inactive employee) counts as handled. Every delete
and every record left to a person is kept in the item log of a run of kind ``repair``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow, normalise
from fortnox_bridge.engine.flow.results import describe_error
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.sync.context import TenantContext, load_context
from fortnox_bridge.engine.sync.deriving import is_derived
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.fortnox.errors import FortnoxApiError, FortnoxError, NotFoundError
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.models import Link, PushOperation, Run, RunItem
from fortnox_bridge.store.operations import PushOperationRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository

#: ``progress(step, done, total)``: ``read <resource>`` while reading, ``delete`` while applying.
RepairProgress = Callable[[str, int, int], None]
#: The kind of the run an applied repair is kept as.
RUN_KIND = "repair"

# What became of an extra record.
FOUND = "found"  # listed; nothing done yet
DELETED = "deleted"
GONE = "gone"  # not in Fortnox any more when the delete came
REFUSED = "refused"  # Fortnox refused the delete (locked salary period, ...)
BY_HAND = "by_hand"  # Fortnox cannot delete it: a person makes it inactive or merges it
HANDLED = "handled"  # already as the flow's delete_by leaves a record (an inactive employee)
BUSY = "busy"  # a write of its host record is in flight: try again later
LEFT_ALONE = "left_alone"  # not made by the bridge
#: Outcomes that still need something done.
PENDING = frozenset({FOUND, REFUSED, BY_HAND, BUSY})

#: Why a record counts as an extra.
SAME_KEY = "same natural key as the bridge's record"
SAME_HOST = "created by the bridge for the same host record"
NOT_OURS = "not made by the bridge"
#: At most this many differing fields are shown per record.
SHOWN_FIELDS = 4
#: Fields that differ between any two records (where Fortnox serves them): never compared.
ADDRESS_FIELDS = frozenset({"url"})


@dataclass
class Extra:
    """One record beside the keeper, and what became of it."""

    fortnox_id: str
    #: The fields where it differs from the keeper, with its own values (``None``: it lacks it).
    differs: dict[str, Any]
    why: str
    outcome: str = FOUND
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "fortnox_id": self.fortnox_id,
            "differs": self.differs,
            "why": self.why,
            "outcome": self.outcome,
            "message": self.message,
        }


@dataclass
class DuplicateGroup:
    """Records of one flow that share a natural key (or a host record) in Fortnox."""

    flow: str
    resource: str
    #: The natural key's fields as Fortnox shows them, e.g. ``7 · 2026-03-02 · TID · P100 · –``.
    key: str
    #: The record(s) the bridge links (kept).
    keepers: list[str]
    #: The host records of the keepers (link ids).
    host_ids: list[str]
    extras: list[Extra] = field(default_factory=list)
    #: Whether the extras are the bridge's (else: someone else's, left alone).
    ours: bool = True
    #: Whether Fortnox deletes records of this resource (else they are handled by hand).
    deletable: bool = True
    #: What a person does with an extra Fortnox cannot delete.
    by_hand: str = ""
    #: A write of a keeper's host record is in flight: nothing is deleted now.
    busy: bool = False

    @property
    def action(self) -> str:
        """What ``apply`` does with the extras: ``delete``, ``by_hand`` or ``left_alone``."""
        if not self.ours:
            return LEFT_ALONE
        return "delete" if self.deletable else BY_HAND

    @property
    def pending(self) -> list[Extra]:
        """The extras of the bridge's that still need something done."""
        return [e for e in self.extras if self.ours and e.outcome in PENDING]

    def advice(self) -> str:
        """What ``--apply`` would do, or what a person should do, in one sentence."""
        count = sum(1 for e in self.extras if e.outcome == FOUND)
        if not self.ours:
            return "nothing: not made by the bridge, left alone"
        if self.busy:
            return "nothing now: a write of this record is in flight; run the repair again later"
        if not self.deletable:
            if not self.pending:
                return "nothing: the extra ones are inactive already"
            return f"nothing (it cannot): {self.by_hand}"
        if count == 0:
            return "nothing left to delete"
        return f"delete {count} extra record(s)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "flow": self.flow,
            "resource": self.resource,
            "key": self.key,
            "keepers": self.keepers,
            "host_ids": self.host_ids,
            "ours": self.ours,
            "action": self.action,
            "busy": self.busy,
            "advice": self.advice(),
            "extras": [extra.to_dict() for extra in self.extras],
        }


@dataclass
class RepairReport:
    """What the repair found for one tenant (and, applied, what it did)."""

    tenant_id: int
    tenant: str
    applied: bool = False
    groups: list[DuplicateGroup] = field(default_factory=list)
    #: The run the applied repair is kept as (``None`` when nothing was to be done).
    run_id: int | None = None

    @property
    def duplicates(self) -> list[DuplicateGroup]:
        """Groups with extras of the bridge's."""
        return [group for group in self.groups if group.ours]

    @property
    def pending(self) -> int:
        """Extras of the bridge's still in Fortnox that need something done (0: all clean)."""
        return sum(len(group.pending) for group in self.groups)

    def count(self, outcome: str) -> int:
        """How many extras of the bridge's ended as ``outcome``."""
        return sum(1 for g in self.duplicates for e in g.extras if e.outcome == outcome)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the command's ``--json`` and the API)."""
        return {
            "tenant_id": self.tenant_id,
            "tenant": self.tenant,
            "applied": self.applied,
            "run_id": self.run_id,
            "pending": self.pending,
            "groups": [group.to_dict() for group in self.groups],
        }


@dataclass(frozen=True)
class _Target:
    """The records one push flow writes: its flow name, and the flow that maps them."""

    flow: str
    writer: Flow
    #: Whether the run log names the Fortnox id of each create (plain push flows).
    logged: bool

    @property
    def entity(self) -> str:
        return self.writer.entity

    @property
    def resource(self) -> str:
        return self.writer.resource


def targets(context: TenantContext, flows: Iterable[type[Flow]]) -> list[_Target]:
    """The records the tenant's push flows write that a natural key identifies, in sweep
    order; enabled or not (a flow turned off since may have left duplicates)."""
    found = []
    for cls in flows:
        flow = context.flows.get(cls.name)
        if flow is None or flow.direction != "push":
            continue
        derived = is_derived(flow)
        writer: Flow = flow.part(flow.settings, flow.mappings) if is_derived(flow) else flow
        if writer.natural_key:
            found.append(_Target(flow.name, writer, not derived))
    return found


class _Known:
    """What the store knows of the records of the targets: links, the bridge's creates and
    writes in flight."""

    def __init__(self, session: Session, tenant_id: int, chosen: Sequence[_Target]) -> None:
        links = LinkRepository(session)
        operations = PushOperationRepository(session)
        self.links: dict[str, dict[str, Link]] = {}
        self.created: dict[str, dict[str, set[str]]] = {}
        self.busy: dict[str, set[str]] = {}
        for target in chosen:
            by_fortnox = links.by_fortnox_id(tenant_id, target.entity)
            for link in by_fortnox.values():
                session.expunge(link)
            self.links[target.entity] = by_fortnox
            self.created[target.entity] = _created(session, tenant_id, target)
            self.busy[target.entity] = {
                op.external_id for op in operations.active(tenant_id, target.entity)
            }

    def linked(self, resource: str, chosen: Sequence[_Target]) -> set[str]:
        """Fortnox ids of ``resource`` any link of the bridge points at."""
        return {
            fortnox_id
            for target in chosen
            if target.resource == resource
            for fortnox_id in self.links[target.entity]
        }


def _created(session: Session, tenant_id: int, target: _Target) -> dict[str, set[str]]:
    """``{host id: Fortnox ids}`` the bridge's log names as created for each host record: the
    pending-create markers (the last create of each record) and, for plain flows, the run log."""
    found: dict[str, set[str]] = {}
    markers = session.execute(
        select(PushOperation.external_id, PushOperation.fortnox_id).where(
            PushOperation.tenant_id == tenant_id,
            PushOperation.entity_type == target.entity,
            PushOperation.kind == "create",
            PushOperation.fortnox_id.is_not(None),
        )
    )
    rows: list[Any] = list(markers)
    if target.logged:
        rows += session.execute(
            select(RunItem.external_id, RunItem.fortnox_id)
            .join(Run, Run.id == RunItem.run_id)
            .where(
                Run.tenant_id == tenant_id,
                Run.kind != RUN_KIND,
                RunItem.flow == target.flow,
                RunItem.action == "create",
                RunItem.outcome == "ok",
                RunItem.fortnox_id.is_not(None),
            )
        )
    for external_id, fortnox_id in rows:
        found.setdefault(str(external_id), set()).add(str(fortnox_id))
    return found


async def find(
    sessions: sessionmaker[Session],
    tenant_id: int,
    source: ClientSource,
    flows: Sequence[type[Flow]],
    *,
    progress: RepairProgress | None = None,
) -> RepairReport:
    """Read the tenant's Fortnox and list its duplicates (nothing is written)."""
    with sessions.begin() as session:
        context = load_context(session, tenant_id, flows)
        chosen = targets(context, flows)
        known = _Known(session, tenant_id, chosen)
    report = RepairReport(tenant_id, context.name)
    # A flow that never wrote anything cannot have written it twice: no request for it.
    chosen = [t for t in chosen if known.links[t.entity] or known.created[t.entity]]
    resources = list(dict.fromkeys(t.resource for t in chosen))
    for resource in resources:
        writers = [t for t in chosen if t.resource == resource]
        rows = await _read(source, writers[0], progress)
        found = _Sweep(rows, known, known.linked(resource, chosen))
        for target in writers:  # two flows may write one register (absence transactions)
            report.groups += found.ours(target)
        report.groups += found.not_ours()
    return report


async def _read(
    source: ClientSource, target: _Target, progress: RepairProgress | None
) -> dict[str, dict[str, Any]]:
    """Every record of the target's resource, ``{Fortnox id: fields as JSON}``."""
    resource: Any = getattr(await source.get(), target.resource)
    rows: dict[str, dict[str, Any]] = {}
    async for row in resource.iterate():
        data = {k: v for k, v in row.model_dump(mode="json").items() if v is not None}
        fortnox_id = data.get(target.writer.fortnox_id_field)
        if fortnox_id not in (None, ""):
            rows[str(fortnox_id)] = data
        if progress is not None:
            progress(f"read {target.resource}", len(rows), 0)
    return rows


class _Sweep:
    """The duplicate groups of one Fortnox register, flow by flow of those that write it."""

    def __init__(self, rows: Mapping[str, dict[str, Any]], known: _Known, linked: set[str]) -> None:
        self.rows, self.known = rows, known
        #: Ids any link of the bridge points at, in this register.
        self.linked = linked
        #: Ids already counted as some flow's extras.
        self.claimed: set[str] = set()
        #: Same-key records none of the bridge created: ``(target, linked, unlinked)``.
        self.foreign: list[tuple[_Target, list[str], list[str]]] = []

    def ours(self, target: _Target) -> list[DuplicateGroup]:
        """The target's groups with extras of the bridge's: by natural key, then by the host
        record the bridge's log says it created them for."""
        rows, known = self.rows, self.known
        own = known.links[target.entity]
        by_key: dict[str, list[str]] = {}
        for fortnox_id, data in rows.items():
            key = target.writer.key_of(data)
            if key is not None:
                by_key.setdefault(key, []).append(fortnox_id)
        groups: list[DuplicateGroup] = []
        of_keeper: dict[str, DuplicateGroup] = {}
        for key in sorted(by_key):
            ids = sorted(by_key[key])
            keepers = [i for i in ids if i in own]
            others = [i for i in ids if i not in self.linked and i not in self.claimed]
            if len(ids) < 2 or not others:
                continue
            if not any(own[i].origin == "created" for i in keepers):
                if set(ids) & self.linked <= set(own):  # else another flow's record is there
                    self.foreign.append((target, keepers, others))
                continue
            group = _group(target, rows, keepers, known)
            group.extras = [_extra(target, rows, i, keepers[0], SAME_KEY) for i in others]
            self.claimed.update(others)
            groups.append(group)
            of_keeper.update(dict.fromkeys(keepers, group))
        by_host = {link.external_id: link for link in own.values()}
        for host_id, made in sorted(known.created[target.entity].items()):
            link = by_host.get(host_id)
            if link is None or link.fortnox_id not in rows:
                continue  # no keeper in Fortnox to compare with: not for the repair to decide
            keeper = link.fortnox_id
            for fortnox_id in sorted(made - self.linked - self.claimed):
                if fortnox_id not in rows:
                    continue
                if keeper not in of_keeper:
                    of_keeper[keeper] = _group(target, rows, [keeper], known)
                    groups.append(of_keeper[keeper])
                extra = _extra(target, rows, fortnox_id, keeper, SAME_HOST)
                of_keeper[keeper].extras.append(extra)
                self.claimed.add(fortnox_id)
        return groups

    def not_ours(self) -> list[DuplicateGroup]:
        """Same-key records the bridge created none of, each listed once: left alone."""
        groups: list[DuplicateGroup] = []
        shown: set[str] = set()
        for target, keepers, others in self.foreign:
            left = [i for i in others if i not in self.claimed and i not in shown]
            if not left or len(left) + len(keepers) < 2:
                continue
            first = (keepers or left)[0]
            group = _group(target, self.rows, keepers or [first], self.known, ours=False)
            group.keepers = keepers
            group.extras = [_extra(target, self.rows, i, first, NOT_OURS) for i in left]
            for extra in group.extras:
                extra.outcome = LEFT_ALONE
            shown.update(left)
            groups.append(group)
        return groups


def _group(
    target: _Target,
    rows: Mapping[str, dict[str, Any]],
    keepers: list[str],
    known: _Known,
    *,
    ours: bool = True,
) -> DuplicateGroup:
    writer = target.writer
    data = rows[keepers[0]]
    own = known.links[target.entity]
    hosts = [own[k].external_id for k in keepers if k in own]
    delete_by = writer.delete_by
    by_hand = ""
    if delete_by is not None:
        by_hand = (
            f"Fortnox cannot delete {writer.resource.replace('_', ' ')}: make the extra ones "
            f"{_fields(delete_by)} in Fortnox, or merge them into the one kept by hand"
        )
    return DuplicateGroup(
        flow=target.flow,
        resource=target.resource,
        key=" · ".join(str(data.get(name) or "–") for name in writer.natural_key),
        keepers=list(keepers),
        host_ids=hosts,
        ours=ours,
        deletable=delete_by is None,
        by_hand=by_hand,
        busy=bool(set(hosts) & known.busy[target.entity]),
    )


def _extra(
    target: _Target, rows: Mapping[str, dict[str, Any]], fortnox_id: str, keeper: str, why: str
) -> Extra:
    data, kept = rows[fortnox_id], rows[keeper]
    skip = {target.writer.fortnox_id_field, *ADDRESS_FIELDS}
    differs = {
        name: data.get(name)
        for name in sorted(set(data) | set(kept))
        if name not in skip and normalise(data.get(name)) != normalise(kept.get(name))
    }
    extra = Extra(fortnox_id, differs, why)
    delete_by = target.writer.delete_by
    if delete_by is not None and all(data.get(k) == v for k, v in delete_by.items()):
        extra.outcome, extra.message = HANDLED, f"{_fields(delete_by)} already"
    return extra


def _fields(values: Mapping[str, Any]) -> str:
    """``inactive`` for ``{"inactive": True}``; ``status=x`` otherwise."""
    return ", ".join(name if value is True else f"{name}={value}" for name, value in values.items())


def differs_text(extra: Extra) -> str:
    """``hours=1.5, project=–``: how an extra differs from its keeper, shortly."""
    shown = [
        f"{name}={'–' if value in (None, '') else value}" for name, value in extra.differs.items()
    ]
    more = len(shown) - SHOWN_FIELDS
    return ", ".join(shown[:SHOWN_FIELDS]) + (f", +{more} more" if more > 0 else "")


async def apply(
    sessions: sessionmaker[Session],
    clock: Clock,
    report: RepairReport,
    source: ClientSource,
    *,
    progress: RepairProgress | None = None,
    requests_before: int | None = None,
) -> RepairReport:
    """Delete the extras of ``report`` that Fortnox can delete and keep every step in a run of
    kind ``repair``; extras it cannot delete are logged for a person. Refusals are per record.

    The run counts the requests sent since ``source`` made ``requests_before`` (by default:
    from now on, the deletes only)."""
    work = [(g, e) for g in report.duplicates for e in g.extras if e.outcome == FOUND]
    report.applied = True
    if not work:
        return report
    report.run_id = _start(sessions, clock, report, len(work))
    before = source.requests_made if requests_before is None else requests_before
    try:
        for done, (group, extra) in enumerate(work, start=1):
            item = await _handle(source, group, extra)
            _step(sessions, report.run_id, item)
            if progress is not None:
                progress("delete", done, len(work))
    except BaseException as exc:
        error = describe_error(exc) if isinstance(exc, Exception) else "stopped"
        _finish(sessions, clock, report, source.requests_made - before, error=error)
        raise
    _finish(sessions, clock, report, source.requests_made - before)
    return report


async def _handle(source: ClientSource, group: DuplicateGroup, extra: Extra) -> ItemRecord:
    host = group.host_ids[0] if group.host_ids else ""
    why = f"duplicate of {', '.join(group.keepers)} ({group.key}): {extra.why}"
    if group.busy:
        extra.outcome = BUSY
        extra.message = "a write of this record is in flight; run the repair again later"
        return ItemRecord(
            group.flow, host, "delete", "skipped", f"{why}; {extra.message}", extra.fortnox_id
        )
    if not group.deletable:
        extra.outcome, extra.message = BY_HAND, group.by_hand
        return ItemRecord(
            group.flow, host, "report", "skipped", f"{why}; {group.by_hand}", extra.fortnox_id
        )
    resource: Any = getattr(await source.get(), group.resource)
    code = None
    try:
        await resource.delete(extra.fortnox_id)
        extra.outcome, outcome, reason = DELETED, "ok", f"deleted: {why}"
    except NotFoundError:
        extra.outcome, outcome, reason = GONE, "ok", f"already gone from Fortnox: {why}"
    except RUN_STOPPERS:
        raise
    except FortnoxError as exc:
        extra.outcome, extra.message = REFUSED, describe_error(exc)
        outcome, reason = "failed", f"Fortnox refused the delete: {extra.message} ({why})"
        code = exc.code if isinstance(exc, FortnoxApiError) else None
    return ItemRecord(group.flow, host, "delete", outcome, reason, extra.fortnox_id, code)


def _start(sessions: sessionmaker[Session], clock: Clock, report: RepairReport, total: int) -> int:
    with sessions.begin() as session:
        run = RunRepository(session).start(
            report.tenant_id,
            RUN_KIND,
            now=clock.now(),
            params={
                "groups": len(report.duplicates),
                "extras": total,
                "not_ours": sum(len(g.extras) for g in report.groups if not g.ours),
            },
        )
        run.progress_total = total
        return run.id


def _step(sessions: sessionmaker[Session], run_id: int | None, item: ItemRecord) -> None:
    """Keep one item at once, with the run's progress: a crash loses nothing done before it."""
    with sessions.begin() as session:
        runs = RunRepository(session)
        run = runs.get(run_id) if run_id is not None else None
        assert run is not None
        runs.add_items(run.id, [item])
        run.progress_done += 1


def _finish(
    sessions: sessionmaker[Session],
    clock: Clock,
    report: RepairReport,
    requests: int,
    *,
    error: str | None = None,
) -> None:
    counts = {
        "deleted": report.count(DELETED) + report.count(GONE),
        "failed": report.count(REFUSED),
        "skipped": report.count(BY_HAND) + report.count(BUSY),
    }
    status = "failed" if error else ("partial" if counts["failed"] else "succeeded")
    with sessions.begin() as session:
        assert report.run_id is not None
        RunRepository(session).finish(
            report.run_id, status, now=clock.now(), counts=counts, requests=requests, error=error
        )


async def repair_duplicates(
    sessions: sessionmaker[Session],
    clock: Clock,
    tenant_id: int,
    source: ClientSource,
    flows: Sequence[type[Flow]],
    *,
    apply_changes: bool = False,
    writer: AbstractAsyncContextManager[object] | None = None,
    progress: RepairProgress | None = None,
) -> RepairReport:
    """List the tenant's duplicates; with ``apply_changes``, also repair them.

    ``writer`` is held around the reading and the deletes of an applied repair (the tenant's
    one-writer guard, so no other job writes the records being compared); a listing holds
    nothing.
    """
    if not apply_changes:
        return await find(sessions, tenant_id, source, flows, progress=progress)
    async with writer if writer is not None else contextlib.nullcontext():
        before = source.requests_made
        report = await find(sessions, tenant_id, source, flows, progress=progress)
        return await apply(
            sessions, clock, report, source, progress=progress, requests_before=before
        )
