"""One derived flow's pass over its records: for each host record, its head, its parts as
Fortnox should hold them, and the difference written part by part."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from fortnox_bridge.engine.flow.base import changed_fields, fingerprint
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.sync.derived_links import PartLinks
from fortnox_bridge.engine.sync.derived_report import (
    PartOutcome,
    disconnected_reason,
    locked_refusal,
    report,
    skip,
)
from fortnox_bridge.engine.sync.deriving import (
    DerivedFlow,
    Head,
    NumericResource,
    PartFlow,
    head_snapshot,
    part_id,
    split_part_id,
)
from fortnox_bridge.engine.sync.planning import PlannedItem, resolve_references
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.engine.sync.refusals import Refusals, keep_basis
from fortnox_bridge.engine.sync.scope import RunInputs
from fortnox_bridge.fortnox.errors import FortnoxError, NotFoundError
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Link, MirrorRecord

if TYPE_CHECKING:
    from fortnox_bridge.engine.sync.derived_push import DerivedPusher


class DerivedRun:
    """One derived flow's pass over its records (state shared by the records of one run)."""

    def __init__(
        self,
        pusher: DerivedPusher,
        run: RunInputs,
        flow: DerivedFlow,
        part: PartFlow,
        result: FlowResult,
        references: Mapping[str, Mapping[str, str]],
        related: Mapping[str, Mapping[str, dict[str, Any] | None]],
        recover: set[str],
        in_flight: set[str],
        *,
        rewrite: bool,
    ) -> None:
        self.pusher, self.context, self.flow, self.part = pusher, run.context, flow, part
        self.source, self.result = run.source, result
        self.references, self.related = references, related
        self.recover, self.in_flight = recover, in_flight
        self.scope = pusher.scope
        self.dry_run, self.rewrite = pusher.scope.dry_run, rewrite
        self._resource: NumericResource | None = None
        #: What the current record's parts need made in Fortnox before they are written.
        self._prepare: Callable[[], Awaitable[None]] | None = None
        self.links = PartLinks(pusher.scope, flow, part)
        hours = None if rewrite else run.context.refusal_retry_hours
        self.refusals = Refusals.load(pusher.scope, flow, hours)

    async def resource(self) -> NumericResource:
        """The part resource (opens the client on first use)."""
        if self._resource is None:
            client = await self.source.get()
            inner = getattr(client, self.part.resource)
            self._resource = NumericResource(inner, self.part.numeric_fields)
        return self._resource

    # -- one host record ---------------------------------------------------------------------

    async def record(self, record: MirrorRecord, link: Link | None) -> None:
        flow = self.flow
        self._prepare = None
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
                    return skip(
                        self.result, item, f"the record cannot be mapped: {exc}", problem=True
                    )
        elif not record.deleted:
            return skip(
                self.result, item, f"waiting for {missing} to reach Fortnox first", problem=True
            )
        parts = self.pusher.part_links(self.part, record.external_id)
        if any(split_part_id(pid)[0] == record.external_id for pid in self.in_flight):
            return skip(self.result, item, "another worker is writing this record right now")
        previous = link.snapshot.get("head") if link is not None else None
        connected, disconnected = self.links.split(record.external_id, parts, head, previous)
        if disconnected and not self.rewrite:
            disconnected = await self._reconnect(record.external_id, disconnected, head, connected)
        if disconnected and not self.rewrite:
            self.links.settle_parent(record, link, head, complete=True)
            return skip(self.result, item, disconnected_reason(self.flow, disconnected, head))
        if link is not None and self._agrees(record, link, head):
            if not self.dry_run:
                self.links.touch(link, record.version)
            self.result.count("unchanged")
            return None
        refusal = self.refusals.holding(record.external_id, record.version)
        if refusal is not None:  # Fortnox refused it and nothing changed since
            return skip(self.result, item, self.refusals.reason(refusal))
        await self._write(record, link, head, resolved, item, (connected, disconnected))
        keep_basis(flow, item, record.version)
        return None

    def _agrees(self, record: MirrorRecord, link: Link, head: Head | None) -> bool:
        """Whether the record's head is the last agreed one: nothing to read or write."""
        return (
            not self.rewrite
            and not record.deleted
            and head is not None
            and link.state == "linked"
            and link.snapshot == head_snapshot(head)
        )

    async def _write(
        self,
        record: MirrorRecord,
        link: Link | None,
        head: Head | None,
        resolved: dict[str, Any],
        item: ItemOutcome,
        parts: tuple[dict[str, Link], dict[str, Link]],
    ) -> None:
        """Read the parts the record wants now, and create, update or delete the difference."""
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
                    self.links.settle_parent(record, link, head, complete=False)
                    item.action = "read"
                    self.result.count("failed", item.fail(exc))
                    item.refused = False  # a read, not a write: tried again next sweep
                    return
                if derived.held is not None:
                    skip(self.result, item, f"held back: {derived.held}", problem=True)
                    return
                target, warning = derived.fields, derived.warning
                reason = f"{reason}; {derived.note}" if derived.note else reason
                if derived.prepare is not None and not self.dry_run:
                    self._prepare = derived.prepare
        items = self._diff(record, target, *parts)
        await self._apply(record, link, head, items, item, reason, warning)

    async def _prepared(self, item: ItemOutcome) -> bool:
        """Make what the record's parts need in Fortnox first (once); ``False`` (the record
        failed) when Fortnox refused it."""
        prepare, self._prepare = self._prepare, None
        if prepare is None:
            return True
        try:
            await prepare()
        except RUN_STOPPERS:
            raise
        except FortnoxError as exc:  # what the parts need could not be made
            item.action = "create"
            self.result.count("failed", item.fail(exc))
            return False
        return True

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
                self.links.forget(part_id(external_id, key))
                continue
            except RUN_STOPPERS:
                raise
            except FortnoxError:
                still[key] = link
                continue
            data = found.model_dump(mode="json")
            if all(data.get(name) == head.fields.get(name) for name in self.flow.disconnect_on):
                snapshot = {**link.snapshot, **{n: data.get(n) for n in self.flow.disconnect_on}}
                self.links.save_part(part_id(external_id, key), link, snapshot, state="stale")
                link.snapshot, link.state = snapshot, "stale"
                connected[key] = link
            else:
                still[key] = link
        return still

    def _diff(
        self,
        record: MirrorRecord,
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
                items.append(self._create(base, want))
            elif want is not None and have is not None:
                if have.state == "linked" and have.snapshot_hash == fingerprint(want):
                    continue
                items.append(self._update(base, have, want))
        return items

    def _create(self, base: PlannedItem, want: dict[str, Any]) -> PlannedItem:
        recover = base.external_id in self.recover
        return replace(
            base,
            action="create",
            fields=want,
            changes=want,
            natural_key=self.part.key_of(want),
            record_date=self.part.date_of(want),
            recover=recover,
            reason="an earlier create may have reached Fortnox: look it up first"
            if recover
            else "new",
        )

    def _update(self, base: PlannedItem, have: Link, want: dict[str, Any]) -> PlannedItem:
        changes = changed_fields(have.snapshot, want)
        if not changes:  # agrees once sent as numbers: unchanged, the link is linked again
            return replace(base, fields=want, fortnox_id=have.fortnox_id)
        return replace(
            base,
            action="update",
            fields=want,
            changes=changes,
            fortnox_id=have.fortnox_id,
            record_date=self.part.date_of(want),
            reason="changed: " + ", ".join(sorted(changes)),
        )

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
        outcome = PartOutcome()
        writes = [i for i in items if i.action in ("create", "update", "delete")]
        outcome.held += self._refused_days(writes)
        if outcome.held:
            writes = []  # a day in a locked period holds the whole record back: no half writes
        if self.dry_run:
            for planned in writes:
                outcome.add(planned.action, split_part_id(planned.external_id)[1])
        elif writes:
            self.links.settle_parent(record, link, head, complete=False)
            if not await self._prepared(item):
                return
            resource = await self.resource()
            for planned in writes:
                counter, part_outcome = await self.pusher.writer.apply(self.part, resource, planned)
                key = split_part_id(planned.external_id)[1]
                if counter == "failed" or part_outcome.outcome != "ok":
                    if locked_refusal(part_outcome) and planned.record_date is not None:
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
            self.links.touch_parts(unchanged)
        if not self.dry_run and not (outcome.failures or outcome.held or warning):
            self.links.settle_parent(record, link, head, complete=True)
        nothing_wanted = record.deleted or (head is not None and not head.wanted)
        report(
            self.result,
            item,
            outcome,
            reason=reason,
            warning=warning,
            nothing_wanted=nothing_wanted,
            dry_run=self.dry_run,
        )

    def _refused_days(self, writes: list[PlannedItem]) -> list[str]:
        """``"<part>: <why>"`` of the writes on a day the tenant's Fortnox does not take (a
        locked period, no financial year where the flow needs one)."""
        refused = []
        for planned in writes:
            refusal = (
                self.context.checks.refusal(
                    planned.record_date, needs_financial_year=self.flow.needs_financial_year
                )
                if planned.record_date
                else None
            )
            if refusal is not None:
                refused.append(f"{split_part_id(planned.external_id)[1]}: {refusal}")
        return refused

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


def _delete(base: PlannedItem, link: Link, part: PartFlow, reason: str) -> PlannedItem:
    return replace(
        base,
        action="delete",
        fortnox_id=link.fortnox_id,
        fields=dict(link.snapshot),
        record_date=part.date_of(link.snapshot),
        reason=reason,
    )
