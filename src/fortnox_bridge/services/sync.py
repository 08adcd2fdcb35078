""" "Sync now" (queued, waited for, or planned), the pre-flight check of a tenant and the repair
of duplicates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.errors import EngineError, TenantBusyError
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.jobs.dispatch import Dispatcher, Job
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.maintenance.repair_report import RepairReport
from fortnox_bridge.engine.sync.preflight import Checklist
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.services.connection import require_active
from fortnox_bridge.services.errors import Conflict, InvalidInput, no_engine
from fortnox_bridge.services.flow_config import FlowConfigService
from fortnox_bridge.services.hooks import EngineHooks


class SyncControl:
    """Starts sweeps and checks on the engine beside the front end."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        flows: FlowConfigService,
        hooks: EngineHooks,
    ) -> None:
        self.sessions = sessions
        self.flows = flows
        self.hooks = hooks

    @property
    def engine(self) -> SyncService | None:
        """The engine beside the front end, if one runs."""
        return self.hooks.service

    @property
    def dispatcher(self) -> Dispatcher | None:
        """Where queued sweeps go, if the engine runs."""
        return self.hooks.dispatcher

    def require_engine(self) -> SyncService:
        """The engine; 503 ``no_engine`` when none runs beside the front end."""
        if self.engine is None:
            raise no_engine()
        return self.engine

    def _check_flows(self, names: Sequence[str] | None) -> None:
        unknown = self.flows.unknown(names or ())
        if unknown:
            raise InvalidInput(
                f"unknown flow(s) {', '.join(unknown)}; the flows are: "
                f"{', '.join(self.flows.by_name)}",
                code="unknown_flow",
                field=("body", "flows"),
                value=list(names or ()),
            )

    async def queue(self, tenant_id: int, only: Sequence[str] | None = None) -> Job:
        """Queue a manual sweep (of the ``only`` flows, when given)."""
        self._check_flows(only)
        if self.dispatcher is None:
            raise no_engine()
        job = Job("sweep", tenant_id, reason="manual", flows=tuple(dict.fromkeys(only or ())))
        await self.dispatcher.submit(job)
        return job

    async def sweep(
        self, tenant_id: int, *, dry_run: bool, only: Sequence[str] | None = None
    ) -> RunSummary:
        """Run a sweep now and wait for it (``dry_run``: plan it only)."""
        self._check_flows(only)
        engine = self.require_engine()
        return await engine.sweep(
            tenant_id, dry_run=dry_run, only=list(only) if only is not None else None
        )

    async def check(self, tenant_id: int) -> Checklist:
        """Run the pre-flight check now (reads Fortnox)."""
        return await self.require_engine().check(tenant_id)

    async def repair_duplicates(self, tenant_id: int, *, apply: bool) -> RepairReport:
        """List the records the bridge made more than once in Fortnox; ``apply``: delete the
        extra ones where Fortnox allows it."""
        engine = self.require_engine()
        require_active(self.sessions, tenant_id)
        try:
            return await engine.repair_duplicates(tenant_id, apply=apply)
        except TenantBusyError as exc:
            raise Conflict(str(exc), code="tenant_busy") from None
        except (EngineError, FortnoxError) as exc:
            raise Conflict(f"cannot repair: {exc}", code="repair_refused") from None
