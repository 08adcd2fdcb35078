"""The links of a derived record: the host record's own (its last agreed head, no Fortnox id)
and one per part (``<host id>@<key>``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fortnox_bridge.engine.flow.base import fingerprint
from fortnox_bridge.engine.sync.deriving import (
    DISCONNECTED,
    DerivedFlow,
    Head,
    PartFlow,
    head_snapshot,
    part_id,
)
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

    def split(
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
        if changed and not self.scope.dry_run:
            self.set_states(external_id, changed)
        return connected, disconnected
