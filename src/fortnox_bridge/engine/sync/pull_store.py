"""Storing what a two-way comparison decided: Fortnox's values in the mirror, the record's
conflict, and the link with the new agreed snapshot, in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.base import Excluded, Flow, changed_fields, fingerprint
from fortnox_bridge.engine.outbox.events import changed_values, conflict_opened, record_event
from fortnox_bridge.engine.sync.merge import MergeResult
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Conflict, MirrorRecord


class MergeStore:
    """Stores compared records of one scope."""

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope

    def save(
        self,
        flow: Flow,
        counterpart: Flow,
        record: MirrorRecord,
        fortnox_id: str,
        merge: MergeResult,
        payload: dict[str, Any],
        origin: str | None,
    ) -> None:
        """Store one compared record: Fortnox's values in the mirror (with a ``record.changed``
        event), the conflict opened or closed, and the link with the new agreed snapshot."""
        now = self.scope.clock.now()
        with self.scope.sessions.begin() as session:
            version, changed = self._take_fortnox(session, flow, record, payload, now)
            opened = self._conflicts(session, flow, record.external_id, fortnox_id, merge)
            try:
                pending = changed_fields(merge.snapshot, counterpart.map(payload))
            except Excluded:
                pending = {}  # the push no longer sends it (a price Fortnox's value erased)
            held = set(merge.open_conflicts)
            state = "stale" if set(pending) - held else "linked"
            LinkRepository(session).save(
                self.scope.tenant_id,
                flow.entity,
                record.external_id,
                fortnox_id=fortnox_id,
                version=version,
                snapshot=merge.snapshot,
                snapshot_hash=fingerprint(merge.snapshot),
                now=now,
                state=state,
                origin=origin,
            )
            # The feed's events go last, so the tenant row their numbers come from stays locked
            # only for the end of the transaction.
            if changed:
                record_event(
                    session,
                    self.scope.tenant_id,
                    "record.changed",
                    entity=flow.entity,
                    external_id=record.external_id,
                    version=version,
                    fortnox_id=fortnox_id,
                    changed=changed,
                    flow=flow.name,
                    now=now,
                )
            if opened is not None:
                conflict_opened(session, opened, now=now)

    def _conflicts(
        self, session: Session, flow: Flow, external_id: str, fortnox_id: str, merge: MergeResult
    ) -> Conflict | None:
        """Open (or refresh) the record's conflict, or close it when the comparison settled it
        (both sides now hold the same values as read, or a policy other than ``ask`` decided);
        returns the conflict if it was just opened."""
        conflicts = ConflictRepository(session)
        now = self.scope.clock.now()
        if merge.open_conflicts:
            already = conflicts.open_for_entity(self.scope.tenant_id, flow.entity).get(external_id)
            conflict = conflicts.open_or_update(
                self.scope.tenant_id,
                flow=flow.name,
                entity_type=flow.entity,
                external_id=external_id,
                fortnox_id=fortnox_id,
                fields=merge.open_conflicts,
                now=now,
            )
            return conflict if already is None else None
        stale = conflicts.open_for_entity(self.scope.tenant_id, flow.entity).get(external_id)
        if stale is not None and merge.closed is not None:
            # Closed only by a comparison that held it (one opened meanwhile by another run
            # was not compared here).
            conflicts.resolve(stale, merge.closed, now=now)
        return None

    def _take_fortnox(
        self,
        session: Session,
        flow: Flow,
        record: MirrorRecord,
        payload: dict[str, Any],
        now: datetime,
    ) -> tuple[int, dict[str, Any]]:
        """Store ``payload`` (the host record with Fortnox's values) when it differs; returns the
        record's version and what changed."""
        if payload == record.payload:
            return record.version, {}
        before = dict(record.payload)
        upserted = MirrorRepository(session).upsert(
            self.scope.tenant_id,
            flow.entity,
            record.external_id,
            payload,
            now=now,
            origin="fortnox",
        )
        changed = changed_values(before, payload) if upserted.outcome != "unchanged" else {}
        return upserted.record.version, changed
