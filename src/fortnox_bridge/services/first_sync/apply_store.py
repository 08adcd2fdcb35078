"""What one apply pass of a first-synchronization plan reads and writes in the store: the items,
the host records, the links and the events (``apply.py`` drives the pass)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from fortnox_bridge.engine.flow.base import Flow, fingerprint
from fortnox_bridge.engine.flow.sources import first_error
from fortnox_bridge.engine.outbox.events import changed_values, record_event
from fortnox_bridge.store.first_sync import FirstSyncRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.unique import ValueTaken

if TYPE_CHECKING:
    from fortnox_bridge.services.first_sync.workflow import FirstSync

#: The ``flow`` named in the events an apply adds to the feed.
EVENT_FLOW = "hr.first_sync"


class ItemFailed(Exception):
    """One item could not be applied; the message says why and what to do."""

    def __init__(self, message: str, *, status: str = "failed") -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Item:
    """What applying one item needs to know about it."""

    id: int
    kind: str
    status: str
    external_id: str | None
    fortnox_id: str | None
    decision: Mapping[str, Any]
    fortnox: Mapping[str, Any]
    details: Mapping[str, Any]
    outcome: Mapping[str, Any]


class ApplyStore:
    """The store side of one apply pass over a plan."""

    def __init__(
        self, owner: FirstSync, tenant_id: int, plan_id: int, push: Flow, pull: Flow
    ) -> None:
        self.sync = owner
        self.sessions = owner.sessions
        self.clock = owner.clock
        self.tenant_id = tenant_id
        self.plan_id = plan_id
        self.push = push
        self.pull = pull
        self._listing: list[dict[str, Any]] | None = None

    def _load(self, item_id: int) -> Item:
        with self.sessions.begin() as session:
            row = FirstSyncRepository(session).item(item_id)
            assert row is not None
            return Item(
                row.id,
                row.kind,
                row.status,
                row.external_id,
                row.fortnox_id,
                dict(row.decision or {}),
                dict(row.fortnox),
                dict(row.details),
                dict(row.outcome),
            )

    def _record(
        self, item_id: int, status: str, outcome: Mapping[str, Any], *, error: str | None = None
    ) -> None:
        with self.sessions.begin() as session:
            row = FirstSyncRepository(session).item(item_id)
            assert row is not None
            row.status, row.outcome, row.error = status, dict(outcome), error
            row.updated_at = self.clock.now()

    # -- pairs -----------------------------------------------------------------------------------

    def _refuse_taken(self, external_id: str, fortnox_id: str) -> None:
        with self.sessions.begin() as session:
            links = LinkRepository(session)
            mine = links.get(self.tenant_id, "employee", external_id)
            theirs = links.by_fortnox_id(self.tenant_id, "employee").get(fortnox_id)
        if mine is not None:
            raise ItemFailed(
                f"host employee {external_id} was linked meanwhile (to Fortnox employee "
                f"{mine.fortnox_id}); make a new plan"
            )
        if theirs is not None:
            raise ItemFailed(
                f"Fortnox employee {fortnox_id} was linked meanwhile (to host employee "
                f"{theirs.external_id}); make a new plan"
            )

    # -- host-only: create in Fortnox ----------------------------------------------------------

    def _host_record(self, external_id: str) -> tuple[dict[str, Any], int]:
        with self.sessions.begin() as session:
            record = MirrorRepository(session).get(self.tenant_id, "employee", external_id)
            if record is None or record.deleted:
                raise ItemFailed(
                    f"host employee {external_id} was deleted since the plan was made; make a "
                    "new plan"
                )
            return dict(record.payload), record.version

    def _has_employment_id(self) -> bool:
        return "employment_id" in self.push.record_model.model_fields

    def _with(self, payload: Mapping[str, Any], to_host: Mapping[str, Any]) -> dict[str, Any]:
        merged = dict(payload)
        for name, value in to_host.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        if merged == dict(payload):
            return merged
        try:
            validated = self.push.record_model.model_validate(merged)
        except ValidationError as exc:
            raise ItemFailed(
                f"Fortnox's values do not fit the host employee: {first_error(exc)}; decide "
                "that the host wins this field, or correct it in Fortnox"
            ) from None
        return validated.model_dump(mode="json", exclude_none=True)

    def _settle(
        self,
        item: Item,
        external_id: str,
        fortnox_id: str,
        before: Mapping[str, Any] | None,
        final: dict[str, Any],
        version: int,
        outcome: Mapping[str, Any],
        origin: str = "matched",
    ) -> None:
        """Store the host record, the link and the event, and mark the item done — at once."""
        now = self.clock.now()
        snapshot = self.push.map(final)
        with self.sessions.begin() as session:
            if before is None or final != dict(before):
                try:
                    stored = MirrorRepository(session).upsert(
                        self.tenant_id, "employee", external_id, final, now=now, origin="fortnox"
                    )
                except ValueTaken as exc:
                    raise ItemFailed(
                        f"the host employee cannot take Fortnox's values: {exc}; correct one of "
                        "the employees (in Fortnox or in the host) and make a new plan"
                    ) from None
                version = stored.record.version
                changed = final if before is None else changed_values(before, final)
                record_event(
                    session,
                    self.tenant_id,
                    "record.created" if before is None else "record.changed",
                    entity="employee",
                    external_id=external_id,
                    version=version,
                    fortnox_id=fortnox_id,
                    changed=changed,
                    flow=EVENT_FLOW,
                    now=now,
                )
            LinkRepository(session).save(
                self.tenant_id,
                "employee",
                external_id,
                fortnox_id=fortnox_id,
                version=version,
                snapshot=snapshot,
                snapshot_hash=fingerprint(snapshot),
                now=now,
                origin=origin,
            )
            # What the push reported about this employee (waiting for this plan, ...) is over.
            ProblemRepository(session).resolve_entity(
                self.tenant_id, self.push.name, external_id, now=now
            )
            row = FirstSyncRepository(session).item(item.id)
            assert row is not None
            row.status, row.outcome, row.error, row.updated_at = "done", dict(outcome), None, now
