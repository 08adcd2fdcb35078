"""Finding duplicates: the tenant's Fortnox records of each push flow read once and grouped by
natural key, each group split into the bridge's record, its extras and records not made by the
bridge (see :mod:`~fortnox_bridge.engine.maintenance.repair` for the rules)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.base import Flow, normalise
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.maintenance.repair_report import (
    ADDRESS_FIELDS,
    HANDLED,
    LEFT_ALONE,
    NOT_OURS,
    RUN_KIND,
    SAME_HOST,
    SAME_KEY,
    SHOWN_FIELDS,
    DuplicateGroup,
    Extra,
    RepairProgress,
    RepairReport,
)
from fortnox_bridge.engine.sync.context import TenantContext, load_context
from fortnox_bridge.engine.sync.deriving import is_derived
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.models import Link, PushOperation, Run, RunItem
from fortnox_bridge.store.operations import PushOperationRepository


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
