"""Importing a register Fortnox owns: its records become mirror records (origin ``fortnox``)
keyed by their Fortnox id; changed ones are updated, vanished ones deleted (on a complete read).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError as RecordInvalid

from fortnox_bridge.engine.flow.base import Flow, fingerprint
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.flow.sources import RemoteRecord, first_error
from fortnox_bridge.engine.outbox.events import changed_values, record_event
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.unique import ValueTaken


class Importer:
    """Imports one pull flow's Fortnox records for one tenant."""

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope

    def all(
        self, flow: Flow, remote: list[RemoteRecord], result: FlowResult, *, complete: bool
    ) -> None:
        """Import a register Fortnox owns: new and changed records into the mirror."""
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session).by_fortnox_id(self.scope.tenant_id, flow.entity)
            snapshots = {
                fid: (link.external_id, dict(link.snapshot)) for fid, link in links.items()
            }
        seen = set()
        for record in remote:
            if not flow.imports(record.fortnox_id, record.fields):
                continue
            seen.add(record.fortnox_id)
            known = snapshots.get(record.fortnox_id)
            if known is not None and (known[1] == record.fields or not flow.import_updates):
                result.unchanged += 1
                continue
            external_id = known[0] if known else record.fortnox_id
            self.one(flow, record, result, external_id=external_id, update=known is not None)
        if complete:
            self._deletions(flow, snapshots, seen, result)

    def some(
        self, flow: Flow, remote: list[RemoteRecord], gone: list[str], result: FlowResult
    ) -> None:
        """Import just these records as :meth:`all` would (a targeted read); the Fortnox ids of
        ``gone`` were not found in Fortnox, so the bridge's records of them are deleted."""
        self.all(flow, remote, result, complete=False)
        if not gone:
            return
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session).by_fortnox_id(self.scope.tenant_id, flow.entity)
            snapshots = {
                fid: (links[fid].external_id, dict(links[fid].snapshot))
                for fid in gone
                if fid in links
            }
        self._deletions(flow, snapshots, set(), result)

    def one(
        self,
        flow: Flow,
        remote: RemoteRecord,
        result: FlowResult,
        *,
        external_id: str,
        update: bool = False,
    ) -> None:
        item = ItemOutcome(
            external_id,
            "import",
            "planned" if self.scope.dry_run else "ok",
            "changed in Fortnox" if update else "new in Fortnox",
            f"{flow.entity} {external_id}",
            remote.fortnox_id,
        )
        fields = flow.unmap(remote.fields) if update else flow.import_new(remote.fields)
        if fields is None:  # the flow leaves this new Fortnox record out
            result.skipped += 1
            return
        try:
            payload = flow.record_model.model_validate(fields).model_dump(
                mode="json", exclude_none=True
            )
        except RecordInvalid as exc:
            item.outcome, item.problem = "failed", True
            item.message = f"the Fortnox record does not fit the host record: {first_error(exc)}"
            result.count("failed", item)
            return
        if self.scope.dry_run:
            result.count("updated" if update else "imported", item)
            return
        try:
            self._store(flow, remote, payload, external_id)
        except ValueTaken as exc:
            item.outcome, item.problem = "failed", True
            item.message = (
                f"the Fortnox record cannot be stored: {exc}; correct one of the records in "
                "Fortnox or in the host"
            )
            result.count("failed", item)
            return
        result.count("updated" if update else "imported", item)

    def _store(
        self, flow: Flow, remote: RemoteRecord, payload: dict[str, Any], external_id: str
    ) -> None:
        now = self.scope.clock.now()
        with self.scope.sessions.begin() as session:
            mirror = MirrorRepository(session)
            existing = mirror.get(self.scope.tenant_id, flow.entity, external_id)
            before = None if existing is None or existing.deleted else dict(existing.payload)
            stored = mirror.upsert(
                self.scope.tenant_id, flow.entity, external_id, payload, now=now, origin="fortnox"
            )
            LinkRepository(session).save(
                self.scope.tenant_id,
                flow.entity,
                external_id,
                fortnox_id=remote.fortnox_id,
                version=stored.record.version,
                snapshot=remote.fields,
                snapshot_hash=fingerprint(remote.fields),
                now=now,
                origin="imported",
            )
            if stored.outcome != "unchanged":
                record_event(
                    session,
                    self.scope.tenant_id,
                    "record.created" if before is None else "record.changed",
                    entity=flow.entity,
                    external_id=external_id,
                    version=stored.record.version,
                    fortnox_id=remote.fortnox_id,
                    changed=payload if before is None else changed_values(before, payload),
                    flow=flow.name,
                    now=now,
                )

    def _deletions(
        self,
        flow: Flow,
        snapshots: Mapping[str, tuple[str, dict[str, Any]]],
        seen: set[str],
        result: FlowResult,
    ) -> None:
        for fortnox_id, (external_id, _) in snapshots.items():
            if fortnox_id in seen:
                continue
            reference = f"{flow.entity} {external_id}"
            gone = ItemOutcome(
                external_id, "delete", "ok", "deleted in Fortnox", reference, fortnox_id
            )
            result.count("deleted", gone)
            if self.scope.dry_run:
                continue
            now = self.scope.clock.now()
            with self.scope.sessions.begin() as session:
                deleted = MirrorRepository(session).delete(
                    self.scope.tenant_id, flow.entity, external_id, now=now
                )
                link = LinkRepository(session).get(self.scope.tenant_id, flow.entity, external_id)
                if link is not None:
                    LinkRepository(session).remove(link)
                if deleted is not None and deleted.outcome == "deleted":
                    record_event(
                        session,
                        self.scope.tenant_id,
                        "record.deleted",
                        entity=flow.entity,
                        external_id=external_id,
                        version=deleted.record.version,
                        fortnox_id=fortnox_id,
                        changed={},
                        flow=flow.name,
                        now=now,
                    )
