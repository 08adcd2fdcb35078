"""``/api/v1/status``, ``problems``, ``conflicts`` and ``runs``: what a tenant admin (or the admin
UI) needs to watch runs, read errors and decide conflicts.

Every id in a path is looked up within the caller's tenant: another tenant's problem, conflict
or run is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fortnox_bridge.api.auth import ReaderDep, WriterDep, not_found
from fortnox_bridge.api.paging import DEFAULT_LIMIT, MAX_ID, Cursor, Limit, keyset
from fortnox_bridge.api.schemas import (
    ConflictOut,
    Page,
    ProblemOut,
    Progress,
    Resolution,
    ResolutionOut,
    RunDetail,
    RunItemOut,
    RunOut,
    StatusOut,
)
from fortnox_bridge.engine.errors import ConflictError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.sync.conflicts import resolve_conflict
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Conflict, Problem, Run, RunItem
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.runs import RunRepository

NOT_CONNECTED = "not_connected"
ProblemId = Annotated[int, Path(ge=1, le=MAX_ID, description="The problem's id.")]
ConflictId = Annotated[int, Path(ge=1, le=MAX_ID, description="The conflict's id.")]
RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="The run's id.")]
ProblemState = Literal["open", "resolved", "ignored"]


def operations_router(flows: Sequence[type[Flow]]) -> APIRouter:
    """The routes; ``flows`` resolve conflicts."""
    router = APIRouter(prefix="/api/v1", tags=["operations"])

    @router.get("/status", response_model=StatusOut)
    def get_status(request: Request, caller: ReaderDep) -> StatusOut:
        """Connection state, proposed re-syncs, open problems and conflicts, last runs."""
        tenant = caller.tenant
        with request.app.state.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant.id)
            runs = RunRepository(session).latest(tenant.id, limit=5)
            return StatusOut(
                tenant=tenant.name,
                connection=connection.state if connection else NOT_CONNECTED,
                disconnected_at=connection.disconnected_at if connection else None,
                resync_proposals=list(connection.resync_proposals) if connection else [],
                facts_checked_at=(connection.facts or {}).get("checked_at") if connection else None,
                open_problems=len(ProblemRepository(session).open(tenant.id)),
                open_conflicts=len(ConflictRepository(session).open(tenant.id)),
                last_runs=[run_out(run) for run in runs],
            )

    @router.get("/problems", response_model=Page[ProblemOut])
    def list_problems(
        request: Request,
        caller: ReaderDep,
        state: Annotated[ProblemState, Query(description="Which problems.")] = "open",
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[ProblemOut]:
        """Problems (default: the open ones), oldest first, with Fortnox's message and the fix."""
        query = problems_query(caller.tenant_id, state)
        with request.app.state.sessions.begin() as session:
            rows, after = keyset(session, query, Problem.id, limit=limit, cursor=cursor)
            return Page(data=[problem_out(p) for p in rows], next_cursor=after)

    @router.post("/problems/{problem_id}/resolve", response_model=ProblemOut)
    def resolve_problem(request: Request, problem_id: ProblemId, caller: WriterDep) -> ProblemOut:
        """Close a problem that was fixed; it opens again (and is e-mailed) if it comes back."""
        state = request.app.state
        with state.sessions.begin() as session:
            problem = _problem(session, caller.tenant_id, problem_id)
            ProblemRepository(session).resolve(problem, now=state.clock.now())
            return problem_out(problem)

    @router.post("/problems/{problem_id}/ignore", response_model=ProblemOut)
    def ignore_problem(request: Request, problem_id: ProblemId, caller: WriterDep) -> ProblemOut:
        """Close a problem for good: if it comes back it is counted, not reopened or e-mailed."""
        state = request.app.state
        with state.sessions.begin() as session:
            problem = _problem(session, caller.tenant_id, problem_id)
            ProblemRepository(session).ignore(problem, now=state.clock.now())
            return problem_out(problem)

    @router.get("/conflicts", response_model=Page[ConflictOut])
    def list_conflicts(
        request: Request,
        caller: ReaderDep,
        status: Annotated[Literal["open", "resolved"], Query(description="Which ones.")] = "open",
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[ConflictOut]:
        """Conflicts (tenant policy ``ask``; default: the open ones), oldest first."""
        query = select(Conflict).where(
            Conflict.tenant_id == caller.tenant_id, Conflict.status == status
        )
        with request.app.state.sessions.begin() as session:
            rows, after = keyset(session, query, Conflict.id, limit=limit, cursor=cursor)
            return Page(data=[conflict_out(c) for c in rows], next_cursor=after)

    @router.post("/conflicts/{conflict_id}/resolve", response_model=ResolutionOut)
    def resolve(
        request: Request, conflict_id: ConflictId, body: Resolution, caller: WriterDep
    ) -> ResolutionOut:
        """Decide a conflict; the winning values flow at the next run (at once if possible)."""
        state = request.app.state
        with state.sessions.begin() as session:
            found = ConflictRepository(session).get(conflict_id)
            if found is None or found.tenant_id != caller.tenant_id:
                raise not_found(f"no conflict {conflict_id}")
            entity, external_id = found.entity_type, found.external_id
        try:
            values = resolve_conflict(
                state.sessions, state.clock, caller.tenant_id, conflict_id, body.winner, flows=flows
            )
        except ConflictError as exc:
            raise HTTPException(409, {"error": "conflict_not_open", "detail": str(exc)}) from exc
        on_change = state.hooks.on_change
        if body.winner == "bridge" and on_change is not None:
            on_change(caller.tenant_id, entity, external_id)
        return ResolutionOut(id=conflict_id, winner=body.winner, values=values)

    @router.get("/runs", response_model=Page[RunOut])
    def list_runs(
        request: Request,
        caller: ReaderDep,
        kind: Annotated[
            Literal["sweep", "push", "resync", "repair"] | None,
            Query(description="Only this kind."),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[RunOut]:
        """Runs that did something, newest first (idle sweeps are only counted in /metrics)."""
        query = select(Run).where(Run.tenant_id == caller.tenant_id)
        if kind is not None:
            query = query.where(Run.kind == kind)
        with request.app.state.sessions.begin() as session:
            rows, after = keyset(
                session, query, Run.id, limit=limit, cursor=cursor, newest_first=True
            )
            return Page(data=[run_out(run) for run in rows], next_cursor=after)

    @router.get("/runs/{run_id}", response_model=RunDetail)
    def get_run(request: Request, run_id: RunId, caller: ReaderDep) -> RunDetail:
        """One run with its parameters and progress (a re-sync's progress moves while it runs)."""
        with request.app.state.sessions.begin() as session:
            run = _run(session, caller.tenant_id, run_id)
            return RunDetail(**run_out(run).model_dump(), params=run.params)

    @router.get("/runs/{run_id}/items", response_model=Page[RunItemOut])
    def list_run_items(
        request: Request,
        run_id: RunId,
        caller: ReaderDep,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[RunItemOut]:
        """What the run did with each record, in order (unchanged records are not listed)."""
        with request.app.state.sessions.begin() as session:
            _run(session, caller.tenant_id, run_id)
            query = select(RunItem).where(RunItem.run_id == run_id)
            rows, after = keyset(session, query, RunItem.id, limit=limit, cursor=cursor)
            items = [RunItemOut.model_validate(i, from_attributes=True) for i in rows]
            return Page(data=items, next_cursor=after)

    @router.post("/runs/{run_id}/cancel", response_model=RunOut)
    def cancel_run(request: Request, run_id: RunId, caller: WriterDep) -> RunOut:
        """Ask a re-sync to stop after the record it is writing (start it again to resume)."""
        with request.app.state.sessions.begin() as session:
            run = _run(session, caller.tenant_id, run_id)
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
            return run_out(run)

    return router


def problems_query(tenant_id: int, state: ProblemState) -> Select[Problem]:
    """The tenant's problems in ``state`` (open, resolved or ignored), unordered."""
    query = select(Problem).where(Problem.tenant_id == tenant_id)
    if state == "open":
        return query.where(Problem.resolved_at.is_(None))
    if state == "ignored":
        return query.where(Problem.ignored_at.is_not(None))
    return query.where(Problem.resolved_at.is_not(None), Problem.ignored_at.is_(None))


def _problem(session: Session, tenant_id: int, problem_id: int) -> Problem:
    problem = ProblemRepository(session).get(problem_id)
    if problem is None or problem.tenant_id != tenant_id:
        raise not_found(f"no problem {problem_id}")
    return problem


def _run(session: Session, tenant_id: int, run_id: int) -> Run:
    run = RunRepository(session).get(run_id)
    if run is None or run.tenant_id != tenant_id:
        raise not_found(f"no run {run_id}")
    return run


def problem_out(problem: Problem) -> ProblemOut:
    """The API shape of a problem."""
    state: ProblemState = (
        "ignored"
        if problem.ignored_at is not None
        else ("resolved" if problem.resolved_at is not None else "open")
    )
    return ProblemOut(
        id=problem.id,
        flow=problem.flow,
        entity=problem.entity_type,
        reference=problem.reference,
        external_id=problem.external_id,
        code=problem.code,
        status=problem.status,
        message=problem.message,
        explanation=problem.explanation,
        fix=problem.fix,
        first_seen=problem.first_seen,
        last_seen=problem.last_seen,
        count=problem.count,
        state=state,
        resolved_at=problem.resolved_at,
        ignored_at=problem.ignored_at,
    )


def conflict_out(conflict: Conflict) -> ConflictOut:
    """The API shape of a conflict."""
    return ConflictOut(
        id=conflict.id,
        flow=conflict.flow,
        entity=conflict.entity_type,
        external_id=conflict.external_id,
        fortnox_id=conflict.fortnox_id,
        fields=conflict.fields,
        status="resolved" if conflict.status == "resolved" else "open",
        resolution=conflict.resolution,
        created_at=conflict.created_at,
        resolved_at=conflict.resolved_at,
    )


def run_out(run: Run) -> RunOut:
    """The API shape of a run."""
    return RunOut(
        id=run.id,
        kind=run.kind,
        flow=run.flow,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        counts=run.counts,
        requests=run.requests,
        progress=Progress(done=run.progress_done, total=run.progress_total),
        cancel_requested=run.cancel_requested,
        error=run.error,
    )
