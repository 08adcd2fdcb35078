"""The runner: one sync cycle for one tenant, flow by flow: plan, then apply, then commit.

Push flows compare each host record's mapped fields with the snapshot last agreed with Fortnox:
an unchanged record costs no request, a changed one sends only the changed fields, a new one is
created and linked. One failing record never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import UnknownTenantError
from fortnox_bridge.engine.flow import Flow, changed_fields, fingerprint
from fortnox_bridge.engine.registry import discover_flows
from fortnox_bridge.fortnox import FortnoxClient, FortnoxError
from fortnox_bridge.fortnox.errors import FortnoxApiError
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

#: Called as ``progress(flow_name, done, total)`` while a flow is applied.
ProgressCallback = Callable[[str, int, int], None]
Action = Literal["create", "update", "unchanged"]


class PushResource(Protocol):
    """What a push flow needs from a client resource."""

    async def create(self, fields: Mapping[str, Any]) -> BaseModel:
        """Create a record and return it as Fortnox stored it."""
        ...

    async def update(self, fortnox_id: str, changes: Mapping[str, Any]) -> BaseModel:
        """Send only ``changes``; return the record as Fortnox stored it."""
        ...


@dataclass(frozen=True)
class PlannedItem:
    """What the runner will do with one host record, and why."""

    external_id: str
    action: Action
    version: int
    fields: dict[str, Any]
    changes: dict[str, Any]
    fortnox_id: str | None


@dataclass
class ItemFailure:
    """One record Fortnox (or the network) refused, with everything a log or e-mail needs."""

    external_id: str
    message: str
    status: int | None = None
    code: int | None = None


@dataclass
class FlowResult:
    """Counts of one flow in one cycle."""

    flow: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    requests: int = 0
    write_requests: int = 0
    failures: list[ItemFailure] = field(default_factory=list)


@dataclass
class RunSummary:
    """The outcome of one cycle for one tenant."""

    tenant_id: int
    started_at: datetime
    finished_at: datetime | None = None
    flows: list[FlowResult] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Fortnox requests the cycle made."""
        return sum(f.requests for f in self.flows)

    def total(self, counter: str) -> int:
        """The sum of one counter (``created``, ``failed``, ...) over all flows."""
        return sum(int(getattr(f, counter)) for f in self.flows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["requests"] = self.requests
        return data


class Runner:
    """Runs the flows of a tenant against one Fortnox client."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Clock,
        flows: Sequence[type[Flow]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.flows = list(flows) if flows is not None else discover_flows()

    async def run_cycle(
        self,
        tenant_id: int,
        client: FortnoxClient,
        *,
        progress: ProgressCallback | None = None,
    ) -> RunSummary:
        """Run every flow once, in sweep order, and return the counts."""
        with self.sessions.begin() as session:
            if TenantRepository(session).get(tenant_id) is None:
                raise UnknownTenantError(f"no tenant with id {tenant_id}")
        summary = RunSummary(tenant_id=tenant_id, started_at=self.clock.now())
        for flow_cls in self.flows:
            flow = flow_cls()
            if flow.direction == "push":
                summary.flows.append(await self._push(flow, tenant_id, client, progress))
        summary.finished_at = self.clock.now()
        return summary

    def plan(self, flow: Flow, tenant_id: int) -> list[PlannedItem]:
        """What a push flow would do now; reads the store, writes nothing, calls nobody."""
        with self.sessions.begin() as session:
            records = MirrorRepository(session).live(tenant_id, flow.entity)
            links = LinkRepository(session).by_external_id(tenant_id, flow.entity)
            items = []
            for record in records:
                fields = flow.map(record.payload)
                link = links.get(record.external_id)
                if link is None:
                    action: Action = "create"
                    changes = fields
                elif link.snapshot_hash == fingerprint(fields):
                    action, changes = "unchanged", {}
                else:
                    action, changes = "update", changed_fields(link.snapshot, fields)
                items.append(
                    PlannedItem(
                        external_id=record.external_id,
                        action=action,
                        version=record.version,
                        fields=fields,
                        changes=changes,
                        fortnox_id=link.fortnox_id if link else None,
                    )
                )
        return items

    async def _push(
        self,
        flow: Flow,
        tenant_id: int,
        client: FortnoxClient,
        progress: ProgressCallback | None,
    ) -> FlowResult:
        result = FlowResult(flow=flow.name)
        requests_before = client.requests_made
        writes_before = client.write_requests_made
        resource: PushResource = getattr(client, flow.resource)
        items = self.plan(flow, tenant_id)
        for done, item in enumerate(items, start=1):
            if item.action == "unchanged":
                result.unchanged += 1
            else:
                await self._apply(flow, tenant_id, resource, item, result)
            if progress is not None:
                progress(flow.name, done, len(items))
        result.requests = client.requests_made - requests_before
        result.write_requests = client.write_requests_made - writes_before
        return result

    async def _apply(
        self,
        flow: Flow,
        tenant_id: int,
        resource: PushResource,
        item: PlannedItem,
        result: FlowResult,
    ) -> None:
        try:
            if item.action == "create":
                stored = await resource.create(item.fields)
                fortnox_id = str(getattr(stored, flow.fortnox_id_field))
            else:
                assert item.fortnox_id is not None
                await resource.update(item.fortnox_id, item.changes)
                fortnox_id = item.fortnox_id
        except FortnoxError as exc:
            result.failed += 1
            result.failures.append(_failure(item.external_id, exc))
            return
        with self.sessions.begin() as session:
            LinkRepository(session).save(
                tenant_id,
                flow.entity,
                item.external_id,
                fortnox_id=fortnox_id,
                version=item.version,
                snapshot=item.fields,
                snapshot_hash=fingerprint(item.fields),
                now=self.clock.now(),
            )
        if item.action == "create":
            result.created += 1
        else:
            result.updated += 1


def _failure(external_id: str, exc: FortnoxError) -> ItemFailure:
    if isinstance(exc, FortnoxApiError):
        return ItemFailure(external_id, exc.message, status=exc.status, code=exc.code)
    return ItemFailure(external_id, str(exc))
