"""Applying a pull flow: read Fortnox once, then reconcile (two-way) or import (Fortnox-owned).

Two-way (the pull flow has a ``counterpart`` push flow): every Fortnox record is compared with the
bridge's side and the last agreed snapshot (``merge.three_way``). Fortnox-only changes update the
mirror (origin ``fortnox``) so the host sees them; conflicts follow the tenant's policy; the push
flow then sends whatever the bridge side still has to say. Unlinked Fortnox records are matched to
unlinked host records by natural key (a first sync), or reported, or imported when the flow's
settings say so.

Import (no counterpart): see ``importing.py``.

A read costs one request per 500 records; with a ``cursor_param`` it asks only for records
changed since the cursor minus the overlap window. Nothing is written to the store when nothing
changed, so an idle pull costs one request and no write.

Fortnox's lists carry only some fields of a record (the employee list has no address, for
instance). A field the list did not carry is never compared, taken as equal or overwritten
unseen: a two-way record is read in full (one GET) first when its list row leaves out fields and

- the host changed the record since they last agreed (the push is about to write it),
- a conflict is open on a field the list leaves out,
- Fortnox changed a field the list does carry (so it may have changed the others too), or
- it meets a host record for the first time (matched by natural key, or imported).

A Fortnox-side edit of only fields the list leaves out therefore reaches the host the next time
one of these reads the record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as RecordInvalid

from fortnox_bridge.engine.flow.base import Excluded, Flow, changed_fields, normalise
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.flow.sources import RemoteRecord, first_error, remote_record
from fortnox_bridge.engine.sync.importing import Importer
from fortnox_bridge.engine.sync.merge import MergeResult, Policy, three_way
from fortnox_bridge.engine.sync.pull_store import MergeStore
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.fortnox.errors import NotFoundError
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.cursors import CursorRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link, MirrorRecord
from fortnox_bridge.store.unique import ValueTaken


@dataclass
class LocalSide:
    """The host records of a two-way entity, with their links, indexed for matching."""

    records: dict[str, MirrorRecord] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)  # by Fortnox id
    unmatched: dict[str, MirrorRecord] = field(default_factory=dict)  # natural key → record
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)  # open, by host id


class PullReconciler:
    """Reconciles one pull flow's Fortnox records with the store, for one tenant."""

    def __init__(self, scope: RunScope, *, policy: Policy) -> None:
        self.scope = scope
        self.policy = policy

    def cursor_params(self, flow: Flow) -> dict[str, Any]:
        """List parameters of an incremental read, or none for a full read."""
        if flow.cursor_param is None:
            return {}
        with self.scope.sessions.begin() as session:
            position = CursorRepository(session).get(self.scope.tenant_id, flow.name)
        if position is None:
            return {}
        return {flow.cursor_param: position - flow.cursor_overlap}

    def advance(self, flow: Flow, started: Any) -> None:
        """Move the flow's cursor to the start of the read that just completed."""
        if flow.cursor_param is None or self.scope.dry_run:
            return
        with self.scope.sessions.begin() as session:
            CursorRepository(session).advance(
                self.scope.tenant_id, flow.name, started, now=self.scope.clock.now()
            )

    def reconcile(
        self,
        flow: Flow,
        counterpart: Flow,
        remote: list[RemoteRecord],
        result: FlowResult,
        *,
        complete: bool,
        local: LocalSide | None = None,
    ) -> None:
        """Three-way reconciliation of a two-way entity; ``complete``: the read saw all records.

        ``local``: the host side as :meth:`local_side` read it before (read again otherwise)."""
        if local is None:
            local = self.local_side(flow, counterpart)
        seen: set[str] = set()
        for record in remote:
            seen.add(record.fortnox_id)
            link = local.links.get(record.fortnox_id)
            if link is not None:
                self._reconcile_linked(flow, counterpart, local, link, record, result)
            else:
                self._reconcile_unlinked(flow, counterpart, local, record, result)
        if complete:
            self._missing(flow, local, seen, result)

    def wanting_full_read(
        self, flow: Flow, counterpart: Flow, local: LocalSide, remote: list[RemoteRecord]
    ) -> set[str]:
        """Fortnox ids of the records to read in full before they are compared (see the module
        docstring for when)."""
        importing = flow.imports_unmatched()
        wanted: set[str] = set()
        for record in remote:
            unread = flow.pull_fields - record.known
            if not unread:
                continue
            link = local.links.get(record.fortnox_id)
            if link is None:
                key = flow.key_of(record.fields)
                if importing or (key is not None and key in local.unmatched):
                    wanted.add(record.fortnox_id)
                continue
            stored = local.records.get(link.external_id)
            if stored is None or stored.deleted or link.state == "deleted":
                continue  # deleted by the host: nothing of it is compared
            held = local.conflicts.get(link.external_id) or {}
            if _needs_full_read(counterpart, link, stored, record, held, unread):
                wanted.add(record.fortnox_id)
        return wanted

    def local_side(self, flow: Flow, counterpart: Flow) -> LocalSide:
        """The host records of ``flow``'s entity with their links and open conflicts."""
        side = LocalSide()
        with self.scope.sessions.begin() as session:
            rows = MirrorRepository(session).with_links(self.scope.tenant_id, flow.entity)
            for record, link in rows:
                side.records[record.external_id] = record
                if link is not None:
                    side.links[link.fortnox_id] = link
                elif not record.deleted:
                    key = _key(counterpart, record.payload)
                    if key is not None:
                        side.unmatched.setdefault(key, record)
            open_conflicts = ConflictRepository(session).open_for_entity(
                self.scope.tenant_id, flow.entity
            )
            side.conflicts = {ext: dict(c.fields) for ext, c in open_conflicts.items()}
        return side

    def _reconcile_linked(
        self,
        flow: Flow,
        counterpart: Flow,
        local: LocalSide,
        link: Link,
        remote: RemoteRecord,
        result: FlowResult,
    ) -> None:
        record = local.records.get(link.external_id)
        if record is None or record.deleted or link.state == "deleted":
            return  # deleted by the host: the push flow deals with it
        try:
            bridge = counterpart.map(record.payload)
        except Excluded:
            return  # the push no longer sends it (the tenant excluded it): nothing to compare
        open_fields = local.conflicts.get(record.external_id)
        merge = three_way(
            bridge,
            remote.fields,
            link.snapshot,
            remote.known,
            self.policy,
            open_fields,
            guarded=flow.guarded(remote.fields),
        )
        quiet = not merge.take_fortnox and not merge.settled and merge.snapshot == link.snapshot
        if quiet and link.state != "missing":
            # Nothing new: all agreed, or the same conflict that is already open.
            if not merge.open_conflicts and open_fields is None:
                result.unchanged += 1
                return
            if merge.open_conflicts == open_fields:
                result.conflicts += 1
                return
        self._apply_merge(flow, counterpart, record, link.fortnox_id, merge, result, origin=None)

    def _reconcile_unlinked(
        self,
        flow: Flow,
        counterpart: Flow,
        local: LocalSide,
        remote: RemoteRecord,
        result: FlowResult,
    ) -> None:
        key = flow.key_of(remote.fields)
        record = local.unmatched.pop(key, None) if key is not None else None
        if record is not None:
            bridge = counterpart.map(record.payload)
            held = local.conflicts.get(record.external_id)
            merge = three_way(bridge, remote.fields, {}, remote.known, self.policy, held)
            result.adopted += 1
            self._apply_merge(
                flow, counterpart, record, remote.fortnox_id, merge, result, origin="matched"
            )
            return
        if flow.imports_unmatched():
            importer = Importer(self.scope)
            importer.one(flow, remote, result, external_id=f"fortnox-{remote.fortnox_id}")
            return
        result.skipped += 1
        if self.scope.dry_run:
            result.items.append(
                ItemOutcome(
                    f"fortnox:{remote.fortnox_id}",
                    "skip",
                    "planned",
                    f"only in Fortnox: no host record with the same {'+'.join(flow.natural_key)}",
                )
            )

    def _apply_merge(
        self,
        flow: Flow,
        counterpart: Flow,
        record: MirrorRecord,
        fortnox_id: str,
        merge: MergeResult,
        result: FlowResult,
        *,
        origin: str | None,
    ) -> None:
        reference = counterpart.reference(record.external_id, record.payload)
        item = ItemOutcome(
            record.external_id,
            "reconcile",
            "planned" if self.scope.dry_run else "ok",
            _merge_reason(merge, origin),
            reference,
            fortnox_id,
            dict(merge.take_fortnox),
        )
        payload = dict(record.payload)
        if merge.take_fortnox:
            try:
                payload = with_fortnox_values(flow, record.payload, merge.take_fortnox)
            except RecordInvalid as exc:
                item.outcome, item.problem = "failed", True
                item.message = f"Fortnox's values do not fit the host record: {first_error(exc)}"
                result.count("failed", item)
                return
        if not self.scope.dry_run:
            try:
                MergeStore(self.scope).save(
                    flow, counterpart, record, fortnox_id, merge, payload, origin
                )
            except ValueTaken as exc:
                item.outcome, item.problem = "failed", True
                item.message = (
                    f"Fortnox's values cannot be stored: {exc}; correct one of the records in "
                    "Fortnox or in the host"
                )
                result.count("failed", item)
                return
        if merge.take_fortnox:
            result.updated += 1
        if merge.open_conflicts:
            result.conflicts += 1
        result.items.append(item)

    def _missing(self, flow: Flow, local: LocalSide, seen: set[str], result: FlowResult) -> None:
        gone = [
            link
            for fortnox_id, link in local.links.items()
            if fortnox_id not in seen and link.state in ("linked", "stale")
        ]
        for link in gone:
            reason = "deleted in Fortnox; the host record is no longer synchronised"
            result.count(
                "skipped",
                ItemOutcome(
                    link.external_id,
                    "missing",
                    "skipped",
                    reason,
                    f"{flow.entity} {link.external_id}",
                    link.fortnox_id,
                    problem=True,
                ),
            )
        if gone and not self.scope.dry_run:
            with self.scope.sessions.begin() as session:
                links = LinkRepository(session)
                for link in gone:
                    row = links.get(self.scope.tenant_id, flow.entity, link.external_id)
                    if row is not None:
                        row.state = "missing"


def _needs_full_read(
    counterpart: Flow,
    link: Link,
    stored: MirrorRecord,
    listed: RemoteRecord,
    held: Mapping[str, Any],
    unread: Collection[str],
) -> bool:
    """Whether a linked record must be read in full before it is compared."""
    if set(held) & set(unread):
        return True  # an open conflict is decided only on values actually read
    if link.state != "linked" or link.synced_version != stored.version:
        try:
            pending = changed_fields(link.snapshot, counterpart.map(stored.payload))
        except (Excluded, KeyError, ValueError, TypeError):
            pending = {}  # the push cannot send it either
        if set(pending) - set(held):
            return True  # a host change the push is about to write
    return any(
        normalise(listed.fields.get(name)) != normalise(link.snapshot.get(name))
        for name in listed.known
        if name not in held
    )


async def read_in_full(
    flow: Flow,
    remote: list[RemoteRecord],
    wanted: Collection[str],
    fetch: Callable[[str], Awaitable[BaseModel]],
) -> list[RemoteRecord]:
    """``remote`` with the ``wanted`` records read again in full (one GET each); a record gone
    in the meantime is left out, as if the list had not shown it."""
    records: list[RemoteRecord] = []
    for record in remote:
        if record.fortnox_id in wanted:
            try:
                record = remote_record(flow, await fetch(record.fortnox_id))
            except NotFoundError:
                continue
        records.append(record)
    return records


def _key(counterpart: Flow, payload: Mapping[str, Any]) -> str | None:
    try:
        return counterpart.key_of(counterpart.map(payload))
    except (Excluded, KeyError, ValueError, TypeError):
        return None  # the push does not send it: nothing to match


def with_fortnox_values(
    flow: Flow, payload: Mapping[str, Any], fortnox: Mapping[str, Any]
) -> dict[str, Any]:
    """The host payload with Fortnox's values applied, validated by the record model
    (raises pydantic's ``ValidationError`` when they do not fit)."""
    merged = dict(payload)
    for name, value in flow.unmap(fortnox).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    validated = flow.record_model.model_validate(merged)
    return validated.model_dump(mode="json", exclude_none=True)


def _merge_reason(merge: MergeResult, origin: str | None) -> str:
    parts = ["matched by natural key (first sync)"] if origin == "matched" else []
    if merge.take_fortnox:
        parts.append("changed in Fortnox: " + ", ".join(sorted(merge.take_fortnox)))
    if merge.settled:
        parts.append(
            "conflict settled by policy: "
            + ", ".join(f"{name} → {winner}" for name, winner in sorted(merge.settled.items()))
        )
    if merge.open_conflicts:
        parts.append("conflict open on " + ", ".join(sorted(merge.open_conflicts)))
    return "; ".join(parts) or "agreed snapshot refreshed"
