"""Applying a push plan: idempotent creates, diff-only updates, deletes, links and snapshots.

Before a create, a *pending-create marker* (a push operation) is committed. If the create's
answer is lost (timeout, dropped connection, a 5xx on a POST: ``OutcomeUnknown``) or the process
dies, the marker stays active; the write is then looked up in Fortnox by the flow's natural key
and the record found is adopted instead of created again. A create the plan already met in
Fortnox (``engine/sync/existing.py``) adopts that record the same way: the Fortnox record is read in
full and only the fields that differ are sent. After every successful write the link and the
agreed snapshot are committed at once, so a crash loses at most the record in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from fortnox_bridge.engine.flow.base import Flow, normalise
from fortnox_bridge.engine.flow.results import ItemOutcome
from fortnox_bridge.engine.sync.existing import Ambiguous, json_fields, pick
from fortnox_bridge.engine.sync.planning import PlannedItem
from fortnox_bridge.engine.sync.push_markers import WriteMarkers
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.fortnox.errors import (
    AuthenticationError,
    FortnoxError,
    MissingLicenceError,
    NotFoundError,
    OutcomeUnknown,
    ReauthenticationRequired,
)
from fortnox_bridge.store.links import LinkRepository

#: Errors that stop the whole run: no other record can get through either.
RUN_STOPPERS = (ReauthenticationRequired, AuthenticationError, MissingLicenceError)


class WriteResource(Protocol):
    """What a push flow needs from a client resource."""

    async def create(self, record: Mapping[str, Any]) -> Any:
        """Create a record; return it as Fortnox stored it."""
        ...

    async def update(self, record_id: str, changes: Mapping[str, Any]) -> Any:
        """Send only ``changes``."""
        ...

    async def delete(self, record_id: str) -> None:
        """Delete a record."""
        ...

    async def get(self, record_id: str) -> Any:
        """One record in full."""
        ...

    def iterate(self, **options: Any) -> Any:
        """Every record of the list (an async iterator)."""
        ...


class PushWriter:
    """Applies planned push items of one tenant."""

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope
        self.markers = WriteMarkers(scope)

    async def apply(
        self, flow: Flow, resource: WriteResource, item: PlannedItem
    ) -> tuple[str, ItemOutcome]:
        """Apply one item; returns the counter to bump and the item's outcome."""
        outcome = ItemOutcome(
            item.external_id,
            item.action,
            "ok",
            item.reason,
            item.reference,
            item.fortnox_id,
            dict(item.changes),
        )
        kind = item.action
        op_id = self.markers.begin(flow, item, kind)
        if op_id is None:
            outcome.outcome, outcome.reason = "skipped", "another worker is writing this record"
            return "skipped", outcome
        try:
            if kind == "create":
                return await self._create(flow, resource, item, op_id, outcome)
            if kind == "update":
                return await self._update(flow, resource, item, op_id, outcome)
            return await self._delete(flow, resource, item, op_id, outcome)
        except asyncio.CancelledError:
            # Stopped mid-write: the outcome is unknown; the next run looks the record up.
            self.markers.finish(op_id, "pending", error="cancelled while the write was in flight")
            raise
        except RUN_STOPPERS as exc:
            self.markers.finish(op_id, "failed", error=str(exc))  # refused: nothing was written
            raise

    def touch(self, flow: Flow, items: list[PlannedItem]) -> None:
        """Mark records whose mapped fields did not change as synced at their new version."""
        if not items:
            return
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            for item in items:
                link = links.get(self.scope.tenant_id, flow.entity, item.external_id)
                if link is not None and link.state in ("linked", "stale"):
                    link.synced_version, link.state = item.version, "linked"

    # -- creates -----------------------------------------------------------------------------

    async def _create(
        self,
        flow: Flow,
        resource: WriteResource,
        item: PlannedItem,
        op_id: int,
        outcome: ItemOutcome,
    ) -> tuple[str, ItemOutcome]:
        if item.existing is not None:
            return await self._adopt_existing(flow, resource, item, op_id, outcome)
        if item.recover:
            found = await self._lookup(flow, resource, item)
            if isinstance(found, Ambiguous):
                return self._ambiguous(op_id, found, outcome)
            if found is not None:
                return await self._adopt(flow, resource, item, op_id, found, outcome)
        try:
            stored = await resource.create(item.fields)
        except OutcomeUnknown as exc:
            return await self._lost_answer(flow, resource, item, op_id, exc, outcome)
        except RUN_STOPPERS:
            raise
        except FortnoxError as exc:
            self.markers.finish(op_id, "failed", error=str(exc))
            return "failed", outcome.fail(exc)
        fortnox_id = str(getattr(stored, flow.fortnox_id_field))
        refused = self.markers.settle(
            flow, item, op_id, fortnox_id, dict(item.fields), origin="created"
        )
        _note(outcome, refused)
        outcome.fortnox_id = fortnox_id
        return "created", outcome

    async def _lost_answer(
        self,
        flow: Flow,
        resource: WriteResource,
        item: PlannedItem,
        op_id: int,
        exc: OutcomeUnknown,
        outcome: ItemOutcome,
    ) -> tuple[str, ItemOutcome]:
        self.markers.finish(op_id, "pending", error=str(exc))
        try:
            found = await self._lookup(flow, resource, item)
        except RUN_STOPPERS:
            raise
        except FortnoxError:
            found = None  # still unknown: the marker stays pending for the next run
        if isinstance(found, Ambiguous):
            return self._ambiguous(op_id, found, outcome)
        if found is not None:
            self.markers.reown(op_id)
            return await self._adopt(flow, resource, item, op_id, found, outcome)
        outcome.reason = (
            "the answer was lost and the record is not in Fortnox (yet); the next run looks again"
        )
        return "failed", outcome.fail(exc)

    async def _lookup(
        self, flow: Flow, resource: WriteResource, item: PlannedItem
    ) -> tuple[str, dict[str, Any]] | Ambiguous | None:
        """Find the record ``item`` would create, by natural key, among unlinked records."""
        if item.natural_key is None:
            return None
        with self.scope.sessions.begin() as session:
            taken = set(LinkRepository(session).by_fortnox_id(self.scope.tenant_id, flow.entity))
        search = {
            param: item.fields[name]
            for name, param in flow.natural_key_search.items()
            if item.fields.get(name) is not None
        }
        matches: list[tuple[str, dict[str, Any]]] = []
        async for row in resource.iterate(search=search or None):
            data = json_fields(row)
            fortnox_id = str(data.get(flow.fortnox_id_field))
            if fortnox_id not in taken and flow.key_of(data) == item.natural_key:
                matches.append((fortnox_id, data))
        return pick(matches, item.fields)

    async def _adopt_existing(
        self,
        flow: Flow,
        resource: WriteResource,
        item: PlannedItem,
        op_id: int,
        outcome: ItemOutcome,
    ) -> tuple[str, ItemOutcome]:
        """Adopt the record Fortnox held before the bridge (read in full: a list shows only
        some fields, and only the fields that differ are sent)."""
        assert item.existing is not None
        fortnox_id = item.existing[0]
        with self.scope.sessions.begin() as session:
            taken = LinkRepository(session).by_fortnox_id(self.scope.tenant_id, flow.entity)
        if fortnox_id in taken:  # linked by another worker since the plan was made
            message = f"{flow.entity} {fortnox_id} was linked to another record meanwhile"
            self.markers.finish(op_id, "failed", error=message)
            outcome.outcome, outcome.problem, outcome.message = "failed", True, message
            return "failed", outcome
        try:
            full = json_fields(await resource.get(fortnox_id))
        except RUN_STOPPERS:
            raise
        except FortnoxError as exc:
            self.markers.finish(op_id, "failed", error=str(exc))
            return "failed", outcome.fail(exc)
        found = (fortnox_id, full)
        return await self._adopt(flow, resource, item, op_id, found, outcome, origin="matched")

    async def _adopt(
        self,
        flow: Flow,
        resource: WriteResource,
        item: PlannedItem,
        op_id: int,
        found: tuple[str, dict[str, Any]],
        outcome: ItemOutcome,
        *,
        origin: str = "created",
    ) -> tuple[str, ItemOutcome]:
        """Link ``item`` to the Fortnox record ``found`` and send what differs. A record the
        bridge did not create (``origin="matched"``) keeps its create-only fields as Fortnox
        has them: they are not sent, and the snapshot holds Fortnox's values."""
        fortnox_id, data = found
        seen = {name: normalise(data.get(name)) for name in item.fields if name in data}
        snapshot = {name: value for name, value in seen.items() if value is not None}
        kept = flow.create_only if origin == "matched" else frozenset()
        changes = {
            name: value
            for name, value in item.fields.items()
            if name not in kept and seen.get(name) != value
        }
        outcome.fortnox_id = fortnox_id
        outcome.changes = dict(changes)
        outcome.reason = (
            f"found in Fortnox by {'+'.join(flow.natural_key)}: adopted, not created again"
        )
        if changes:
            try:
                await resource.update(fortnox_id, changes)
            except RUN_STOPPERS:
                raise
            except FortnoxError as exc:
                self.markers.settle(
                    flow, item, op_id, fortnox_id, snapshot, origin=origin, state="stale"
                )
                return "failed", outcome.fail(exc)
            snapshot.update(changes)  # every value of the item, but for those kept
        _note(outcome, self.markers.settle(flow, item, op_id, fortnox_id, snapshot, origin=origin))
        return "adopted", outcome

    def _ambiguous(
        self, op_id: int, found: Ambiguous, outcome: ItemOutcome
    ) -> tuple[str, ItemOutcome]:
        message = (
            f"several Fortnox records match its natural key ({', '.join(found.fortnox_ids)}); "
            "link the right one or remove the duplicates in Fortnox"
        )
        self.markers.finish(op_id, "needs_attention", error=message)
        outcome.outcome, outcome.problem, outcome.message = "failed", True, message
        return "failed", outcome

    # -- updates and deletes -----------------------------------------------------------------

    async def _update(
        self,
        flow: Flow,
        resource: WriteResource,
        item: PlannedItem,
        op_id: int,
        outcome: ItemOutcome,
    ) -> tuple[str, ItemOutcome]:
        assert item.fortnox_id is not None
        try:
            await resource.update(item.fortnox_id, item.changes)
        except RUN_STOPPERS:
            raise
        except FortnoxError as exc:
            self.markers.finish(op_id, "failed", error=str(exc))
            return "failed", outcome.fail(exc)
        snapshot = self._snapshot_after(flow, item)
        # Create-only fields are never sent after the create: they do not make a record stale.
        state = (
            "linked" if _sent_fields(flow, snapshot) == _sent_fields(flow, item.fields) else "stale"
        )
        self.markers.settle(flow, item, op_id, item.fortnox_id, snapshot, state=state)
        return "updated", outcome

    def _snapshot_after(self, flow: Flow, item: PlannedItem) -> dict[str, Any]:
        with self.scope.sessions.begin() as session:
            link = LinkRepository(session).get(self.scope.tenant_id, flow.entity, item.external_id)
            snapshot = dict(link.snapshot) if link else {}
        for name, value in item.changes.items():
            if name in flow.undelete_by and name not in item.fields:
                continue
            if value is None:
                snapshot.pop(name, None)
            else:
                snapshot[name] = value
        return snapshot

    async def _delete(
        self,
        flow: Flow,
        resource: WriteResource,
        item: PlannedItem,
        op_id: int,
        outcome: ItemOutcome,
    ) -> tuple[str, ItemOutcome]:
        assert item.fortnox_id is not None
        try:
            if flow.delete_by is not None:
                await resource.update(item.fortnox_id, flow.delete_by)
            else:
                await resource.delete(item.fortnox_id)
        except NotFoundError:
            pass  # already gone: what a delete wanted
        except RUN_STOPPERS:
            raise
        except FortnoxError as exc:
            self.markers.finish(op_id, "failed", error=str(exc))
            return "failed", outcome.fail(exc)
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            link = links.get(self.scope.tenant_id, flow.entity, item.external_id)
            if link is not None and flow.delete_by is None:
                links.remove(link)
            elif link is not None:
                link.state, link.synced_version = "deleted", item.version
            self.markers.close(session, flow, item, op_id)
        return "deleted", outcome


def _note(outcome: ItemOutcome, refused: str | None) -> None:
    """Add why the write-back was not done to the item's reason."""
    if refused is not None:
        outcome.reason = f"{outcome.reason}; {refused}"


def _sent_fields(flow: Flow, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` without the flow's create-only ones (what an update may send)."""
    return {name: value for name, value in fields.items() if name not in flow.create_only}
