"""A ledger sync as a job a person starts ("sync the two latest years", "fetch the documents of
2025"): a run of kind ``ledger`` whose progress and outcome are kept on its row, under the
tenant's one-writer rule like every job that reads Fortnox for a tenant.

The run's ``counts`` hold the totals and one outcome per year (``years``); its ``requests`` the
requests made to Fortnox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, cast

from fortnox_bridge.engine.errors import TenantBusyError
from fortnox_bridge.engine.flow.ledger_year import LedgerYearFlow
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.sync.context import load_context
from fortnox_bridge.engine.sync.ledger_year_store import YearInfo, YearOutcome
from fortnox_bridge.engine.sync.ledger_years import LedgerYearSync, SyncRequest
from fortnox_bridge.store.models import Run
from fortnox_bridge.store.runs import RunRepository

log = logging.getLogger(__name__)
#: The kind of the runs of ledger syncs.
LEDGER_RUN = "ledger"
#: The flow whose settings a ledger sync follows.
LEDGER_FLOW = "ledger.year.pull"
#: The counts a ledger run totals over its years.
TOTALS = ("new", "changed", "removed", "unchanged", "documents_fetched", "documents_linked")


class LedgerYearJobs:
    """Opens and runs ledger sync jobs on the engine beside the front ends."""

    def __init__(self, engine: SyncService) -> None:
        self.engine = engine
        self.sessions, self.clock = engine.sessions, engine.clock

    def flow(self, tenant_id: int) -> LedgerYearFlow | None:
        """The tenant's ledger-year flow with its settings; ``None`` when the tenant does not
        use the ledger family."""
        with self.sessions.begin() as session:
            context = load_context(session, tenant_id, self.engine.runner.flows)
        if LEDGER_FLOW not in context.enabled:
            return None
        return cast(LedgerYearFlow, context.flows[LEDGER_FLOW])

    def open(self, tenant_id: int, request: SyncRequest) -> int:
        """A new run for ``request``, in ``running``; its id (the operation's)."""
        with self.sessions.begin() as session:
            run = RunRepository(session).start(
                tenant_id, LEDGER_RUN, now=self.clock.now(), flow=LEDGER_FLOW,
                params=asdict(request),
            )  # fmt: skip
            return run.id

    async def run(self, tenant_id: int, run_id: int, request: SyncRequest) -> None:
        """Run the job of run ``run_id``; what stops it is kept on the run."""
        flow = self.flow(tenant_id)
        if flow is None:
            self._finish(run_id, [], 0, "the tenant does not use the ledger family")
            return
        try:
            async with self.engine.writers.hold(tenant_id, "ledger sync"):
                source = self.engine.clients.source(tenant_id)
                try:
                    client = await source.get()
                    sync = LedgerYearSync(
                        self.sessions, self.clock, tenant_id, client, flow,
                        self.engine.runner.documents,
                        progress=lambda done, total: self._progress(run_id, done, total),
                    )  # fmt: skip
                    outcomes = await sync.run(request)
                    self._finish(run_id, outcomes, source.requests_made)
                finally:
                    await source.aclose()
        except TenantBusyError as exc:
            self._finish(run_id, [], 0, str(exc))
        except asyncio.CancelledError:  # the server stops: start the sync again
            self._finish(run_id, [], 0, "interrupted: the bridge stopped", status="interrupted")
            raise
        except Exception as exc:
            log.warning("ledger sync stopped: %s", exc, extra={"tenant_id": tenant_id})
            self._finish(run_id, [], 0, str(exc) or type(exc).__name__)

    async def refresh(self, tenant_id: int) -> list[YearInfo]:
        """Read Fortnox's list of financial years now (no lease: it writes nothing there)."""
        flow = self.flow(tenant_id) or cast(LedgerYearFlow, _default_flow(self.engine))
        source = self.engine.clients.source(tenant_id)
        try:
            client = await source.get()
            sync = LedgerYearSync(self.sessions, self.clock, tenant_id, client, flow, None)
            return await sync.known_years(refresh=True)
        finally:
            await source.aclose()

    def _progress(self, run_id: int, done: int, total: int) -> None:
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            if run is not None:
                run.progress_done, run.progress_total = done, total

    def _finish(
        self,
        run_id: int,
        outcomes: Sequence[YearOutcome],
        requests: int,
        error: str | None = None,
        status: str | None = None,
    ) -> None:
        failed = [o for o in outcomes if o.status == "failed"]
        status = status or ("failed" if error else ("partial" if failed else "succeeded"))
        counts: dict[str, Any] = {name: sum(getattr(o, name) for o in outcomes) for name in TOTALS}
        counts["years"] = [outcome.to_dict() for outcome in outcomes]
        with self.sessions.begin() as session:
            RunRepository(session).finish(
                run_id, status, now=self.clock.now(), counts=counts, requests=requests,
                error=error,
            )  # fmt: skip

    def get(self, tenant_id: int, run_id: int) -> Run | None:
        """One of the tenant's ledger runs."""
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            if run is None or run.tenant_id != tenant_id or run.kind != LEDGER_RUN:
                return None
            session.expunge(run)
            return run


def _default_flow(engine: SyncService) -> Any:
    """The ledger-year flow with its default settings."""
    for flow_cls in engine.runner.flows:
        if flow_cls.name == LEDGER_FLOW:
            return flow_cls()
    raise LookupError(f"no flow {LEDGER_FLOW}")
