"""Derived flows: one host record becomes several Fortnox records (an absence → one absence
transaction per scheduled day).

A derived flow reads the mirror like any push flow and is planned only when its record needs a
look, so an idle sweep still costs one read and no request. For each such record it says, in two
steps, which Fortnox records belong to it:

1. ``head(record, related)`` — pure: the fields every part shares (employee, cause code, ...)
   and whether anything belongs in Fortnox at all (an unapproved absence: nothing);
2. ``parts(record, head, client)`` — may *read* Fortnox (the employee's schedule) and returns
   the parts, keyed (by day), as mapped Fortnox fields.

Each part is then an ordinary record of the flow's *part flow* (``part``: its own entity,
resource, natural key and id field): it has its own link (``<host id>@<key>``), its own
pending-create marker and adopt-before-create lookup, and is created, updated (changed fields
only) or deleted by the same :class:`~fortnox_bridge.engine.sync.pushing.PushWriter` as every other
record. An update of the host record is a diff of the part sets.

The host record keeps a link of its own (no Fortnox id) whose snapshot is the last agreed head:
when a record changed but its head did not (an absence's note), nothing is read or written. The
link is ``stale`` while parts are being written, so a crash, a refused part or a held-back day
leaves the record to be looked at again on the next run; it is ``linked`` once every part agrees.

Parts written under a head value that has since changed in a field of ``disconnect_on`` (the
cause code, after the tenant's mapping changed) are *disconnected*: left in Fortnox, their links
marked ``disconnected``, and the record gets no further updates — until Fortnox shows them with
the new value again (someone edited them there), or :meth:`DerivedPusher.push` runs with
``rewrite=True``, which deletes them and writes the record afresh.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Literal, TypeGuard

from sqlalchemy import select

from fortnox_bridge.engine.flow.base import Flow, FlowKind, changed_fields, fingerprint
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.sync.context import TenantContext
from fortnox_bridge.engine.sync.planning import PlannedItem, resolve_references
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS, PushWriter
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.engine.tenancy.workers import triage_active
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import LOCKED_PERIOD_WORDS, FortnoxError, NotFoundError
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link, MirrorRecord
from fortnox_bridge.store.operations import PushOperationRepository

#: Separates a host id from a part key in the part's link (``abs-7@2026-01-05``).
PART_SEPARATOR = "@"
#: State of a part link written under a head value that no longer holds.
DISCONNECTED = "disconnected"

#: Past tense of a part action, for the run log.
DONE = {"create": "created", "update": "updated", "delete": "deleted"}


@dataclass(frozen=True)
class Head:
    """What a derived flow makes of one host record before Fortnox is asked anything."""

    #: Everything that decides the parts (compared with the last agreed head: equal → nothing
    #: to do). Holds the ``disconnect_on`` fields.
    fields: dict[str, Any]
    #: Whether anything of the record belongs in Fortnox now.
    wanted: bool
    #: Why (not): shown in the run log.
    reason: str


@dataclass(frozen=True)
class Parts:
    """The Fortnox records one host record stands for, by part key, as mapped fields."""

    fields: dict[str, dict[str, Any]]
    #: A problem to report although the parts were derived (e.g. "0 scheduled hours").
    warning: str | None = None


class PartFlow(Flow):
    """The head of the Fortnox records a derived flow writes; never run on its own."""

    standalone: ClassVar[bool] = False
    direction: ClassVar[Literal["push", "pull"]] = "push"
    #: Mapped fields held as decimal text (in links, for exact comparison) and sent as numbers.
    numeric_fields: ClassVar[frozenset[str]] = frozenset()


class DerivedFlow(Flow):
    """A push flow whose host records each become several Fortnox records (see module doc)."""

    #: The head of the derived Fortnox records.
    part: ClassVar[type[PartFlow]]
    #: Host fields naming other host records that ``head`` reads, ``{field: entity}``.
    lookups: ClassVar[Mapping[str, str]] = {}
    #: Part fields that tie a written part to the head: when the head's value changes, parts
    #: written under the old one are disconnected instead of updated.
    disconnect_on: ClassVar[tuple[str, ...]] = ()
    #: Head fields that come from the host record itself (an absence's type): a change of a
    #: ``disconnect_on`` value while these stay the same came from a mapping and disconnects.
    own_fields: ClassVar[tuple[str, ...]] = ()
    #: How an admin re-writes disconnected records (shown in the run log).
    rewrite_hint: ClassVar[str] = "re-write the record"

    @classmethod
    def flow_kind(cls) -> FlowKind:
        return "derived"

    def head(
        self, record: Mapping[str, Any], related: Mapping[str, Mapping[str, Any] | None]
    ) -> Head:
        """The head of ``record`` (references already Fortnox ids); ``related`` holds the
        payloads of the ``lookups`` (``None`` when missing or deleted). Pure."""
        raise NotImplementedError

    async def parts(self, record: Mapping[str, Any], head: Head, client: FortnoxClient) -> Parts:
        """The parts of a wanted record; may read Fortnox, never writes."""
        raise NotImplementedError

    def reference_for(
        self,
        external_id: str,
        record: Mapping[str, Any],
        related: Mapping[str, Mapping[str, Any] | None],
    ) -> str:
        """How people recognise the record, with what ``related`` adds (an employee's e-mail)."""
        return self.reference(external_id, record)

    def group_problems(self, result: FlowResult) -> None:
        """After a run: merge the items of one cause into one problem where people think of
        it as one (a locked salary period of an employee, not each of its days). No-op here."""


def part_id(external_id: str, key: str) -> str:
    """The host id of a part's link: ``abs-7@2026-01-05``."""
    return f"{external_id}{PART_SEPARATOR}{key}"


def split_part_id(value: str) -> tuple[str, str]:
    """``abs-7@2026-01-05`` → ``("abs-7", "2026-01-05")``."""
    external_id, _, key = value.rpartition(PART_SEPARATOR)
    return external_id, key


def head_snapshot(head: Head) -> dict[str, Any]:
    """What the record's own link keeps of an agreed head."""
    return {"head": head.fields, "wanted": head.wanted}


def is_derived(flow: Flow) -> TypeGuard[DerivedFlow]:
    """Whether ``flow`` is of kind ``derived`` (one host record → several Fortnox records)."""
    return flow.flow_kind() == "derived"


class _NumericResource:
    """A part resource that sends decimal-text fields as JSON numbers."""

    def __init__(self, inner: Any, names: frozenset[str]) -> None:
        self.inner, self.names = inner, names

    def _numbers(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: Decimal(v) if k in self.names and isinstance(v, str) else v
            for k, v in fields.items()
        }

    async def create(self, record: Mapping[str, Any]) -> Any:
        """Create with numbers as numbers."""
        return await self.inner.create(self._numbers(record))

    async def update(self, record_id: str, changes: Mapping[str, Any]) -> Any:
        """Update with numbers as numbers."""
        return await self.inner.update(record_id, self._numbers(changes))

    async def delete(self, record_id: str) -> None:
        """Delete."""
        await self.inner.delete(record_id)

    async def get(self, record_id: str) -> Any:
        """Read one record."""
        return await self.inner.get(record_id)

    def iterate(self, **options: Any) -> Any:
        """The list."""
        return self.inner.iterate(**options)


@dataclass
class _Outcome:
    """What happened to one host record's parts in this run."""

    writes: dict[str, list[str]] = field(default_factory=dict)  # action → part keys
    failures: list[ItemOutcome] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    busy: bool = False

    def add(self, action: str, key: str) -> None:
        self.writes.setdefault(action, []).append(key)


class DerivedPusher:
    """Runs a derived flow for one tenant: plans each record's parts and writes the diff."""

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope
        self.writer = PushWriter(scope)

    async def push(
        self,
        run: RunInputs,
        flow: DerivedFlow,
        result: FlowResult,
        wanted: Collection[str] | None = None,
        *,
        rewrite: bool = False,
    ) -> None:
        """Bring the parts of the records that need a look (or of ``wanted``) in line (only
        planned in a dry run's scope).

        ``rewrite``: look at every record in ``wanted`` (all records when ``None``), delete the
        parts that are disconnected and write those records afresh.
        """
        rows, live_total = self._rows(flow, only_dirty=not rewrite, wanted=wanted)
        if wanted is None and not rewrite:
            result.unchanged += live_total - sum(1 for record, _ in rows if not record.deleted)
        if not rows:
            return
        part = flow.part(flow.settings, flow.mappings)
        references = self._references(flow, rows)
        related = self._related(flow, rows)
        recover, in_flight = self._operations(part, claim=not self.scope.dry_run)
        state = _Run(
            self, run.context, flow, part, run.source, result, references, related, recover,
            in_flight, rewrite=rewrite,
        )  # fmt: skip
        try:
            for done, (record, link) in enumerate(rows, start=1):
                await state.record(record, link)
                if run.progress is not None:
                    run.progress(flow.name, done, len(rows))
        finally:
            flow.group_problems(result)

    # -- reading the store -------------------------------------------------------------------

    def _rows(
        self, flow: Flow, *, only_dirty: bool, wanted: Collection[str] | None
    ) -> tuple[list[tuple[MirrorRecord, Link | None]], int]:
        with self.scope.sessions.begin() as session:
            mirror = MirrorRepository(session)
            rows = mirror.with_links(
                self.scope.tenant_id, flow.entity, only_dirty=only_dirty, external_ids=wanted
            )
            return rows, mirror.count_live(self.scope.tenant_id, flow.entity)

    def _references(
        self, flow: Flow, rows: list[tuple[MirrorRecord, Link | None]]
    ) -> dict[str, dict[str, str]]:
        resolved: dict[str, dict[str, str]] = {}
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            for host_field, entity in flow.references.items():
                ids = sorted(
                    {str(r.payload[host_field]) for r, _ in rows if r.payload.get(host_field)}
                )
                resolved.setdefault(entity, {}).update(
                    links.fortnox_ids(self.scope.tenant_id, entity, ids)
                )
        return resolved

    def _related(
        self, flow: DerivedFlow, rows: list[tuple[MirrorRecord, Link | None]]
    ) -> dict[str, dict[str, dict[str, Any] | None]]:
        """``{entity: {host id: payload or None when deleted}}`` of the records ``head`` reads."""
        found: dict[str, dict[str, dict[str, Any] | None]] = {}
        with self.scope.sessions.begin() as session:
            mirror = MirrorRepository(session)
            for host_field, entity in flow.lookups.items():
                ids = sorted(
                    {str(r.payload[host_field]) for r, _ in rows if r.payload.get(host_field)}
                )
                table = found.setdefault(entity, {})
                for record, _ in mirror.with_links(self.scope.tenant_id, entity, external_ids=ids):
                    table[record.external_id] = None if record.deleted else dict(record.payload)
        return found

    def _operations(self, part: PartFlow, *, claim: bool) -> tuple[set[str], set[str]]:
        """Parts whose create may have reached Fortnox, and parts another worker is writing."""
        now = self.scope.clock.now()
        with self.scope.sessions.begin() as session:
            return triage_active(
                PushOperationRepository(session),
                self.scope.tenant_id,
                part.entity,
                me=self.scope.owner,
                now=now,
                claim=claim,
            )

    def part_links(self, part: PartFlow, external_id: str) -> dict[str, Link]:
        """The links of one host record's parts, by part key."""
        prefix = external_id + PART_SEPARATOR
        with self.scope.sessions.begin() as session:
            rows = session.scalars(
                select(Link).where(
                    Link.tenant_id == self.scope.tenant_id,
                    Link.entity_type == part.entity,
                    Link.external_id.startswith(prefix, autoescape=True),
                )
            )
            found = {}
            for link in rows:
                owner, key = split_part_id(link.external_id)
                if owner == external_id:
                    session.expunge(link)
                    found[key] = link
            return found

    def disconnected_records(self, part: PartFlow) -> list[str]:
        """Host ids of the records with disconnected parts."""
        with self.scope.sessions.begin() as session:
            ids = session.scalars(
                select(Link.external_id).where(
                    Link.tenant_id == self.scope.tenant_id,
                    Link.entity_type == part.entity,
                    Link.state == DISCONNECTED,
                )
            )
            return sorted({split_part_id(value)[0] for value in ids})


class _Run:
    """One derived flow's pass over its records (state shared by the records of one run)."""

    def __init__(
        self,
        pusher: DerivedPusher,
        context: TenantContext,
        flow: DerivedFlow,
        part: PartFlow,
        source: ClientSource,
        result: FlowResult,
        references: Mapping[str, Mapping[str, str]],
        related: Mapping[str, Mapping[str, dict[str, Any] | None]],
        recover: set[str],
        in_flight: set[str],
        *,
        rewrite: bool,
    ) -> None:
        self.pusher, self.context, self.flow, self.part = pusher, context, flow, part
        self.source, self.result = source, result
        self.references, self.related = references, related
        self.recover, self.in_flight = recover, in_flight
        self.scope = pusher.scope
        self.dry_run, self.rewrite = pusher.scope.dry_run, rewrite
        self._resource: _NumericResource | None = None

    async def resource(self) -> _NumericResource:
        """The part resource (opens the client on first use)."""
        if self._resource is None:
            client = await self.source.get()
            inner = getattr(client, self.part.resource)
            self._resource = _NumericResource(inner, self.part.numeric_fields)
        return self._resource

    # -- one host record ---------------------------------------------------------------------

    async def record(self, record: MirrorRecord, link: Link | None) -> None:
        flow = self.flow
        payload = dict(record.payload)
        related = {
            host_field: self.related.get(entity, {}).get(str(payload.get(host_field)))
            for host_field, entity in flow.lookups.items()
        }
        item = ItemOutcome(
            record.external_id,
            "skip",
            "skipped",
            reference=flow.reference_for(record.external_id, payload, related),
        )
        resolved, missing = resolve_references(flow, payload, self.references)
        head: Head | None = None
        if missing is None:
            try:
                head = flow.head(resolved, related)
            except (KeyError, ValueError, TypeError) as exc:
                if not record.deleted:
                    return self._skip(item, f"the record cannot be mapped: {exc}", problem=True)
        elif not record.deleted:
            return self._skip(item, f"waiting for {missing} to reach Fortnox first", problem=True)
        parts = self.pusher.part_links(self.part, record.external_id)
        if any(split_part_id(pid)[0] == record.external_id for pid in self.in_flight):
            return self._skip(item, "another worker is writing this record right now")
        previous = link.snapshot.get("head") if link is not None else None
        connected, disconnected = self._split(record.external_id, parts, head, previous)
        if disconnected and not self.rewrite:
            disconnected = await self._reconnect(record.external_id, disconnected, head, connected)
        if disconnected and not self.rewrite:
            self._settle_parent(record, link, head, complete=True)
            return self._skip(item, _disconnected_reason(self.flow, disconnected, head))
        if (
            not self.rewrite
            and not record.deleted
            and head is not None
            and link is not None
            and link.state == "linked"
            and link.snapshot == head_snapshot(head)
        ):
            if not self.dry_run:
                self._touch(link, record.version)
            self.result.count("unchanged")
            return None
        target: dict[str, dict[str, Any]] = {}
        warning: str | None = None
        reason = "deleted by the host" if record.deleted else ""
        if head is not None and not record.deleted:
            reason = head.reason
            if head.wanted:
                try:
                    derived = await self.flow.parts(resolved, head, await self.source.get())
                except RUN_STOPPERS:
                    raise
                except FortnoxError as exc:  # a read Fortnox refused: the record waits
                    self._settle_parent(record, link, head, complete=False)
                    item.action = "read"
                    self.result.count("failed", item.fail(exc))
                    return None
                target, warning = derived.fields, derived.warning
        items = self._diff(record, head, target, connected, disconnected)
        await self._apply(record, link, head, items, item, reason, warning)
        return None

    def _split(
        self,
        external_id: str,
        parts: dict[str, Link],
        head: Head | None,
        previous: Mapping[str, Any] | None,
    ) -> tuple[dict[str, Link], dict[str, Link]]:
        """Parts that belong to the current head, and disconnected ones (marked so).

        A part whose ``disconnect_on`` values differ from the head's is disconnected when the
        record's ``own_fields`` did not change since the last agreed head (so the difference
        came from outside the record: a mapping), and stays disconnected until it agrees again.
        A difference the record itself made (another absence type) is an ordinary update.
        """
        connected: dict[str, Link] = {}
        disconnected: dict[str, Link] = {}
        changed: dict[str, str] = {}
        outside = (
            head is not None
            and previous is not None
            and all(previous.get(name) == head.fields.get(name) for name in self.flow.own_fields)
        )
        for key, link in parts.items():
            agrees = head is None or all(
                link.snapshot.get(name) == head.fields.get(name) for name in self.flow.disconnect_on
            )
            if agrees or (link.state != DISCONNECTED and not outside):
                connected[key] = link
                if link.state == DISCONNECTED:
                    changed[key] = "stale"  # matches the mapping again: connected once more
            else:
                disconnected[key] = link
                if link.state != DISCONNECTED:
                    changed[key] = DISCONNECTED
        if changed and not self.dry_run:
            self._set_states(external_id, changed)
        return connected, disconnected

    async def _reconnect(
        self,
        external_id: str,
        disconnected: dict[str, Link],
        head: Head | None,
        connected: dict[str, Link],
    ) -> dict[str, Link]:
        """Read disconnected parts from Fortnox: one edited there to the current head's values
        is connected again; one that is gone is forgotten. Returns those still disconnected."""
        if self.dry_run or head is None:
            return disconnected
        resource = await self.resource()
        still: dict[str, Link] = {}
        for key, link in disconnected.items():
            try:
                found = await resource.get(link.fortnox_id)
            except NotFoundError:
                self._forget(part_id(external_id, key))
                continue
            except RUN_STOPPERS:
                raise
            except FortnoxError:
                still[key] = link
                continue
            data = found.model_dump(mode="json")
            if all(data.get(name) == head.fields.get(name) for name in self.flow.disconnect_on):
                snapshot = {**link.snapshot, **{n: data.get(n) for n in self.flow.disconnect_on}}
                self._save_part(part_id(external_id, key), link, snapshot, state="stale")
                link.snapshot, link.state = snapshot, "stale"
                connected[key] = link
            else:
                still[key] = link
        return still

    def _diff(
        self,
        record: MirrorRecord,
        head: Head | None,
        target: dict[str, dict[str, Any]],
        connected: dict[str, Link],
        disconnected: dict[str, Link],
    ) -> list[PlannedItem]:
        """Part items: create what is new, update what changed, delete what went away (and,
        when re-writing, what is disconnected)."""
        part = self.part
        reference = self.flow.reference(record.external_id, record.payload)
        items: list[PlannedItem] = []
        doomed = dict(disconnected) if self.rewrite else {}
        for key in sorted(set(target) | set(connected) | set(doomed)):
            pid = part_id(record.external_id, key)
            want, have = target.get(key), connected.get(key)
            base = PlannedItem(
                flow=self.flow.name,
                external_id=pid,
                action="unchanged",
                reason="",
                version=record.version,
                reference=f"{reference}, {key}",
            )
            if key in doomed:
                gone = doomed[key]
                items.append(_delete(base, gone, part, "disconnected: deleted to be written again"))
                have = None
            if want is None and have is not None:
                items.append(_delete(base, have, part, "no longer part of the record"))
            elif want is not None and have is None:
                recover = pid in self.recover
                items.append(
                    replace(
                        base,
                        action="create",
                        fields=want,
                        changes=want,
                        natural_key=part.key_of(want),
                        record_date=part.date_of(want),
                        recover=recover,
                        reason="an earlier create may have reached Fortnox: look it up first"
                        if recover
                        else "new",
                    )
                )
            elif want is not None and have is not None:
                if have.state == "linked" and have.snapshot_hash == fingerprint(want):
                    continue
                changes = changed_fields(have.snapshot, want)
                if not changes:
                    items.append(replace(base, fields=want, fortnox_id=have.fortnox_id))
                    continue
                items.append(
                    replace(
                        base,
                        action="update",
                        fields=want,
                        changes=changes,
                        fortnox_id=have.fortnox_id,
                        record_date=part.date_of(want),
                        reason="changed: " + ", ".join(sorted(changes)),
                    )
                )
        return items

    async def _apply(
        self,
        record: MirrorRecord,
        link: Link | None,
        head: Head | None,
        items: list[PlannedItem],
        item: ItemOutcome,
        reason: str,
        warning: str | None,
    ) -> None:
        outcome = _Outcome()
        writes = [i for i in items if i.action in ("create", "update", "delete")]
        for planned in writes:
            refusal = (
                self.context.checks.refusal(
                    planned.record_date, needs_financial_year=self.flow.needs_financial_year
                )
                if planned.record_date
                else None
            )
            if refusal is not None:
                outcome.held.append(f"{split_part_id(planned.external_id)[1]}: {refusal}")
        if outcome.held:
            writes = []  # a day in a locked period holds the whole record back: no half writes
        if self.dry_run:
            for planned in writes:
                outcome.add(planned.action, split_part_id(planned.external_id)[1])
        elif writes:
            self._settle_parent(record, link, head, complete=False)
            resource = await self.resource()
            for planned in writes:
                counter, part_outcome = await self.pusher.writer.apply(self.part, resource, planned)
                key = split_part_id(planned.external_id)[1]
                if counter == "failed" or part_outcome.outcome != "ok":
                    if _locked_refusal(part_outcome) and planned.record_date is not None:
                        await self._learn_locked(planned.record_date)
                    part_outcome.external_id = key
                    outcome.failures.append(part_outcome)
                    if part_outcome.outcome == "skipped":
                        outcome.busy = True
                    else:
                        self.result.count("failed")
                    continue
                outcome.add(planned.action, key)
                self.result.count(counter)
        unchanged = [i for i in items if i.action == "unchanged"]
        if unchanged and not self.dry_run:
            self._touch_parts(unchanged)
        self._report(record, link, head, item, outcome, reason, warning)

    def _report(
        self,
        record: MirrorRecord,
        link: Link | None,
        head: Head | None,
        item: ItemOutcome,
        outcome: _Outcome,
        reason: str,
        warning: str | None,
    ) -> None:
        done = outcome.writes
        summary = "; ".join(
            f"{DONE[action]} {_days(keys)}" for action, keys in sorted(done.items())
        )
        if self.dry_run:
            for planned_action, keys in done.items():
                for _ in keys:
                    self.result.count(DONE[planned_action])
        complete = not (outcome.failures or outcome.held or warning)
        if not self.dry_run and complete:
            self._settle_parent(record, link, head, complete=True)
        item.changes = {action: list(keys) for action, keys in done.items()}
        if outcome.held:
            item.reason = "held back: " + "; ".join(outcome.held)
            item.problem = True
            self.result.count("skipped", item)
            return
        if outcome.failures:
            first = next((f for f in outcome.failures if f.outcome == "failed"), None)
            if first is None:  # only busy parts: another worker is on them
                self._skip(item, "another worker is writing this record right now")
                return
            failed = [f.external_id for f in outcome.failures if f.outcome == "failed"]
            item.action = _action(done) or first.action
            item.outcome, item.problem = "failed", True
            item.status, item.code = first.status, first.code
            item.message = f"Fortnox refused {_days(failed)}: {first.message}"
            item.explanation, item.fix = first.explanation, first.fix
            item.reason = summary or reason
            self.result.items.append(item)
            return
        if warning:
            item.reason = warning + (f" ({summary})" if summary else "")
            item.problem = True
            self.result.count("skipped", item)
            return
        action = _action(done)
        if action is None:
            if record.deleted or (head is not None and not head.wanted):
                # Nothing (left) in Fortnox, as wanted: an ok line closes earlier problems.
                item.outcome = "planned" if self.dry_run else "ok"
                item.reason = f"nothing in Fortnox: {reason}"
                self.result.count("skipped", item)
            else:
                self.result.count("unchanged")
            return
        item.action = action
        item.outcome = "planned" if self.dry_run else "ok"
        item.reason = f"{summary} ({reason})" if reason else summary
        self.result.items.append(item)

    async def _learn_locked(self, day: date) -> None:
        """Fortnox refused a day as locked although the cached facts did not say so (locked
        after the last pre-flight): read the locked period (one request) and keep it, so the
        rest of this run and later sweeps hold those days back instead of trying again."""
        until = day
        try:
            client = await self.source.get()
            found = (await client.locked_period.get()).end_date
            if found is not None and found > until:
                until = found
        except RUN_STOPPERS:
            raise
        except FortnoxError:
            pass  # the refused day is locked at least
        known = self.context.checks.locked_until
        if known is not None and known >= until:
            return
        self.context.checks = replace(self.context.checks, locked_until=until)
        with self.scope.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(self.scope.tenant_id)
            if connection is not None:
                connection.facts = {**connection.facts, "locked_until": until.isoformat()}

    def _skip(self, item: ItemOutcome, reason: str, *, problem: bool = False) -> None:
        item.reason, item.problem = reason, problem
        self.result.count("skipped", item)

    # -- links -------------------------------------------------------------------------------

    def _settle_parent(
        self, record: MirrorRecord, link: Link | None, head: Head | None, *, complete: bool
    ) -> None:
        """The host record's own link: ``stale`` while parts are written, ``linked`` when every
        part agrees; forgotten once a deleted record's parts are gone."""
        if self.dry_run:
            return
        now = self.scope.clock.now()
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            current = links.get(self.scope.tenant_id, self.flow.entity, record.external_id)
            if record.deleted and complete:
                if current is not None:
                    links.remove(current)
                return
            snapshot = head_snapshot(head) if head is not None else {}
            if not complete:
                if current is not None and current.state == "stale":
                    return
                snapshot = dict(current.snapshot) if current is not None else {}
            links.save(
                self.scope.tenant_id,
                self.flow.entity,
                record.external_id,
                fortnox_id="",
                version=record.version,
                snapshot=snapshot,
                snapshot_hash=fingerprint(snapshot),
                now=now,
                state="linked" if complete else "stale",
                origin="derived",
            )

    def _touch(self, link: Link, version: int) -> None:
        with self.scope.sessions.begin() as session:
            found = LinkRepository(session).get(
                self.scope.tenant_id, self.flow.entity, link.external_id
            )
            if found is not None:
                found.synced_version = version

    def _touch_parts(self, items: list[PlannedItem]) -> None:
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            for planned in items:
                found = links.get(self.scope.tenant_id, self.part.entity, planned.external_id)
                if found is not None and found.state == "stale":
                    found.state = "linked"

    def _set_states(self, external_id: str, states: dict[str, str]) -> None:
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            for key, state in states.items():
                found = links.get(self.scope.tenant_id, self.part.entity, part_id(external_id, key))
                if found is not None:
                    found.state = state

    def _save_part(self, pid: str, link: Link, snapshot: dict[str, Any], *, state: str) -> None:
        with self.scope.sessions.begin() as session:
            LinkRepository(session).save(
                self.scope.tenant_id,
                self.part.entity,
                pid,
                fortnox_id=link.fortnox_id,
                version=link.synced_version,
                snapshot=snapshot,
                snapshot_hash=fingerprint(snapshot),
                now=self.scope.clock.now(),
                state=state,
            )

    def _forget(self, pid: str) -> None:
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            found = links.get(self.scope.tenant_id, self.part.entity, pid)
            if found is not None:
                links.remove(found)


def _delete(base: PlannedItem, link: Link, part: PartFlow, reason: str) -> PlannedItem:
    return replace(
        base,
        action="delete",
        fortnox_id=link.fortnox_id,
        fields=dict(link.snapshot),
        record_date=part.date_of(link.snapshot),
        reason=reason,
    )


def _locked_refusal(outcome: ItemOutcome) -> bool:
    """Whether Fortnox refused a write because its date is in the locked period."""
    text = (outcome.message or "").lower()
    return outcome.status == 400 and any(word in text for word in LOCKED_PERIOD_WORDS)


def _action(done: Mapping[str, list[str]]) -> str | None:
    """One word for what happened to a record's parts."""
    kinds = {action for action, keys in done.items() if keys}
    if not kinds:
        return None
    if len(kinds) == 1:
        return kinds.pop()
    return "update"


def _days(keys: list[str]) -> str:
    """``2026-01-05, 2026-01-06`` or, for many, ``2026-01-05 … 2026-06-30 (128)``."""
    ordered = sorted(keys)
    if len(ordered) <= 3:
        return ", ".join(ordered)
    return f"{ordered[0]} … {ordered[-1]} ({len(ordered)})"


def _disconnected_reason(
    flow: DerivedFlow, disconnected: dict[str, Link], head: Head | None
) -> str:
    names = flow.disconnect_on
    old = sorted({str(link.snapshot.get(n)) for link in disconnected.values() for n in names})
    new = [str(head.fields.get(n)) if head else "?" for n in names]
    return (
        f"disconnected: {len(disconnected)} Fortnox record(s) were written with "
        f"{'/'.join(old)}, the record now maps to {'/'.join(new)}; they get no further updates "
        f"(seed behaviour) until edited to match in Fortnox; {flow.rewrite_hint}"
    )
