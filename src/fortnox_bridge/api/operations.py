"""``/api/v1/status``, ``problems``, ``conflicts``, ``runs`` and ``sync``: what a tenant admin (or
the admin UI) needs to watch runs, read errors and decide conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from fortnox_bridge.api.auth import not_found, tenant_of
from fortnox_bridge.api.schemas import (
    ConflictOut,
    ProblemOut,
    Queued,
    Resolution,
    ResolutionOut,
    RunDetail,
    RunItemOut,
    RunOut,
    StatusOut,
)
from fortnox_bridge.engine.conflicts import resolve_conflict
from fortnox_bridge.engine.dispatch import Job
from fortnox_bridge.engine.errors import ConflictError
from fortnox_bridge.engine.flow import Flow
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Run, Tenant
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.runs import RunRepository

TenantDep = Annotated[Tenant, Depends(tenant_of)]


def operations_router(flows: Sequence[type[Flow]]) -> APIRouter:
    """The routes; ``flows`` resolve conflicts."""
    router = APIRouter(prefix="/api/v1", tags=["operations"])

    @router.get("/status", response_model=StatusOut)
    def get_status(request: Request, tenant: TenantDep) -> StatusOut:
        """Connection state, proposed re-syncs, open problems and conflicts, last runs."""
        with request.app.state.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant.id)
            runs = RunRepository(session).latest(tenant.id, limit=5)
            return StatusOut(
                tenant=tenant.name,
                connection=connection.state if connection else "not connected",
                disconnected_at=connection.disconnected_at if connection else None,
                resync_proposals=list(connection.resync_proposals) if connection else [],
                facts_checked_at=(connection.facts or {}).get("checked_at") if connection else None,
                open_problems=len(ProblemRepository(session).open(tenant.id)),
                open_conflicts=len(ConflictRepository(session).open(tenant.id)),
                last_runs=[_run(run) for run in runs],
            )

    @router.get("/problems", response_model=list[ProblemOut])
    def list_problems(request: Request, tenant: TenantDep) -> list[ProblemOut]:
        """Open problems, oldest first, with Fortnox's message, explanation and fix."""
        with request.app.state.sessions.begin() as session:
            return [
                ProblemOut.model_validate(p, from_attributes=True)
                for p in ProblemRepository(session).open(tenant.id)
            ]

    @router.get("/conflicts", response_model=list[ConflictOut])
    def list_conflicts(request: Request, tenant: TenantDep) -> list[ConflictOut]:
        """Open conflicts (tenant policy ``ask``)."""
        with request.app.state.sessions.begin() as session:
            return [
                ConflictOut(
                    id=c.id,
                    flow=c.flow,
                    entity=c.entity_type,
                    external_id=c.external_id,
                    fortnox_id=c.fortnox_id,
                    fields=c.fields,
                    created_at=c.created_at,
                )
                for c in ConflictRepository(session).open(tenant.id)
            ]

    @router.post("/conflicts/{conflict_id}/resolve", response_model=ResolutionOut)
    def resolve(
        request: Request, conflict_id: int, body: Resolution, tenant: TenantDep
    ) -> ResolutionOut:
        """Decide a conflict; the winning values flow at the next run (at once if possible)."""
        state = request.app.state
        with state.sessions.begin() as session:
            found = ConflictRepository(session).get(conflict_id)
            entity = found.entity_type if found else None
            external_id = found.external_id if found else None
        try:
            values = resolve_conflict(
                state.sessions, state.clock, tenant.id, conflict_id, body.winner, flows=flows
            )
        except ConflictError as exc:
            raise HTTPException(
                404 if "no open conflict" in str(exc) else 409,
                {"error": "conflict", "detail": str(exc)},
            ) from exc
        on_change = state.hooks.on_change
        if body.winner == "bridge" and on_change is not None and entity and external_id:
            on_change(tenant.id, entity, external_id)
        return ResolutionOut(id=conflict_id, winner=body.winner, values=values)

    @router.get("/runs", response_model=list[RunOut])
    def list_runs(
        request: Request, tenant: TenantDep, limit: Annotated[int, Query(ge=1, le=200)] = 20
    ) -> list[RunOut]:
        """The newest runs."""
        with request.app.state.sessions.begin() as session:
            return [_run(run) for run in RunRepository(session).latest(tenant.id, limit=limit)]

    @router.get("/runs/{run_id}", response_model=RunDetail)
    def get_run(request: Request, run_id: int, tenant: TenantDep) -> RunDetail:
        """One run with what it did to each record."""
        with request.app.state.sessions.begin() as session:
            runs = RunRepository(session)
            run = runs.get(run_id)
            if run is None or run.tenant_id != tenant.id:
                raise not_found(f"no run {run_id}")
            items = [RunItemOut.model_validate(i, from_attributes=True) for i in runs.items(run_id)]
            return RunDetail(**_run(run).model_dump(), params=run.params, items=items)

    @router.post("/runs/{run_id}/cancel", response_model=RunOut)
    def cancel_run(request: Request, run_id: int, tenant: TenantDep) -> RunOut:
        """Ask a re-sync to stop after the record it is writing (resume it with the CLI)."""
        with request.app.state.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            if run is None or run.tenant_id != tenant.id:
                raise not_found(f"no run {run_id}")
            if run.kind != "resync" or run.status not in ("running", "interrupted"):
                raise HTTPException(
                    409,
                    {
                        "error": "not_cancellable",
                        "detail": f"run {run_id} is a {run.kind} that is "
                        f"{run.status}: nothing to cancel",
                    },
                )
            run.cancel_requested = True
            return _run(run)

    @router.post("/sync", response_model=Queued, status_code=status.HTTP_202_ACCEPTED)
    async def sync_now(request: Request, tenant: TenantDep) -> Queued:
        """ "Sync now": queue a sweep of the tenant."""
        dispatcher = request.app.state.hooks.dispatcher
        if dispatcher is None:
            raise HTTPException(
                503, {"error": "no_engine", "detail": "this API runs without an engine"}
            )
        job = Job("sweep", tenant.id, reason="manual")
        await dispatcher.submit(job)
        return Queued(queued=True, job=job.to_dict())

    return router


def _run(run: Run) -> RunOut:
    return RunOut.model_validate(run, from_attributes=True)
