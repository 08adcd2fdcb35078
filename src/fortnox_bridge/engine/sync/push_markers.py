"""The bookkeeping of a push write: the pending-write marker (a push operation) committed before
the request, and the link and snapshot committed with the marker closed after it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.base import Flow, fingerprint
from fortnox_bridge.engine.sync.planning import PlannedItem
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.engine.sync.write_back import write_back
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.operations import PushOperationRepository


class WriteMarkers:
    """Markers and links of the writes of one scope."""

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope

    def begin(self, flow: Flow, item: PlannedItem, kind: str) -> int | None:
        """Commit the marker of a write about to be sent; ``None`` when another active write
        of the record holds one."""
        now = self.scope.clock.now()
        version = "" if kind == "create" else f":v{item.version}"
        key = f"{self.scope.tenant_id}:{flow.entity}:{item.external_id}:{kind}{version}"
        try:
            with self.scope.sessions.begin() as session:
                op = PushOperationRepository(session).begin(
                    tenant_id=self.scope.tenant_id,
                    flow=flow.name,
                    entity_type=flow.entity,
                    external_id=item.external_id,
                    kind=kind,
                    idempotency_key=key,
                    natural_key=item.natural_key,
                    owner=self.scope.owner,
                    lease_until=now + self.scope.lease,
                    now=now,
                )
                return op.id if op else None
        except IntegrityError:
            return None  # another active write of this record

    def reown(self, op_id: int) -> None:
        """Take a marker over for this scope's owner."""
        with self.scope.sessions.begin() as session:
            op = PushOperationRepository(session).get(op_id)
            if op is not None:
                op.status, op.owner = "processing", self.scope.owner

    def finish(self, op_id: int, status: str, *, error: str | None = None) -> None:
        """Close a marker without a link (failed, pending again, needs attention)."""
        with self.scope.sessions.begin() as session:
            repo = PushOperationRepository(session)
            op = repo.get(op_id)
            if op is not None:
                repo.finish(op, status, now=self.scope.clock.now(), error=error)

    def settle(
        self,
        flow: Flow,
        item: PlannedItem,
        op_id: int,
        fortnox_id: str,
        snapshot: dict[str, Any],
        *,
        origin: str | None = None,
        state: str = "linked",
    ) -> str | None:
        """Commit the link and agreed snapshot of a successful write with its marker closed; a
        create or an adoption (``origin``) that ends linked also gives the host record what
        Fortnox assigned (returns why that could not be done, or ``None``)."""
        with self.scope.sessions.begin() as session:
            link = LinkRepository(session).save(
                self.scope.tenant_id,
                flow.entity,
                item.external_id,
                fortnox_id=fortnox_id,
                version=item.version,
                snapshot=snapshot,
                snapshot_hash=fingerprint(snapshot),
                now=self.scope.clock.now(),
                state=state,
                origin=origin,
                record_date=item.record_date,
            )
            self.close(session, flow, item, op_id, fortnox_id)
            if origin is None or state != "linked":
                return None
            return write_back(session, self.scope.clock, flow, link, version=item.version)

    def close(
        self,
        session: Session,
        flow: Flow,
        item: PlannedItem,
        op_id: int,
        fortnox_id: str | None = None,
    ) -> None:
        """Close a marker as succeeded in ``session``."""
        now = self.scope.clock.now()
        operations = PushOperationRepository(session)
        op = operations.get(op_id)
        if op is not None:
            operations.finish(op, "succeeded", now=now, fortnox_id=fortnox_id)
