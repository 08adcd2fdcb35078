"""The links of a derived record: the host record's own (its last agreed head, no Fortnox id)
and one per part (``<host id>@<key>``)."""

from __future__ import annotations

from typing import Any

from fortnox_bridge.engine.flow.base import fingerprint
from fortnox_bridge.engine.sync.deriving import DerivedFlow, Head, PartFlow, head_snapshot, part_id
from fortnox_bridge.engine.sync.planning import PlannedItem
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.models import Link, MirrorRecord


class PartLinks:
    """Keeps the links of one derived flow's records and their parts for one run."""

    def __init__(self, scope: RunScope, flow: DerivedFlow, part: PartFlow) -> None:
        self.scope, self.flow, self.part = scope, flow, part

    def settle_parent(
        self, record: MirrorRecord, link: Link | None, head: Head | None, *, complete: bool
    ) -> None:
        """The host record's own link: ``stale`` while parts are written, ``linked`` when every
        part agrees; forgotten once a deleted record's parts are gone."""
        if self.scope.dry_run:
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

    def touch(self, link: Link, version: int) -> None:
        with self.scope.sessions.begin() as session:
            found = LinkRepository(session).get(
                self.scope.tenant_id, self.flow.entity, link.external_id
            )
            if found is not None:
                found.synced_version = version

    def touch_parts(self, items: list[PlannedItem]) -> None:
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            for planned in items:
                found = links.get(self.scope.tenant_id, self.part.entity, planned.external_id)
                if found is not None and found.state == "stale":
                    found.state = "linked"

    def set_states(self, external_id: str, states: dict[str, str]) -> None:
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            for key, state in states.items():
                found = links.get(self.scope.tenant_id, self.part.entity, part_id(external_id, key))
                if found is not None:
                    found.state = state

    def save_part(self, pid: str, link: Link, snapshot: dict[str, Any], *, state: str) -> None:
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

    def forget(self, pid: str) -> None:
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            found = links.get(self.scope.tenant_id, self.part.entity, pid)
            if found is not None:
                links.remove(found)
