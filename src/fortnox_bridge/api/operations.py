"""``/api/v1/status``, ``problems``, ``conflicts`` and ``runs``: what a tenant admin (or the admin
UI) needs to watch runs, read errors and decide conflicts.

Every id in a path is looked up within the caller's tenant: another tenant's problem, conflict
or run is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.paging import DEFAULT_LIMIT, MAX_ID, Cursor, Limit
from fortnox_bridge.api.schemas import (
    ConflictOut,
    FamilyCheckOut,
    FamilyStatusOut,
    Page,
    ProblemOut,
    Progress,
    RealtimeOut,
    Resolution,
    ResolutionOut,
    RunDetail,
    RunItemOut,
    RunOut,
    StatusOut,
    StreamOut,
)
from fortnox_bridge.services.conflicts import Conflict, ConflictService
from fortnox_bridge.services.connection import NOT_CONNECTED
from fortnox_bridge.services.family_status import FamilyCheck, FamilyStatus
from fortnox_bridge.services.problems import Problem, ProblemService, ProblemState, state_of
from fortnox_bridge.services.runs import Run, RunService
from fortnox_bridge.services.status import StatusService
from fortnox_bridge.services.stream_status import StreamStatusService

__all__ = ["NOT_CONNECTED", "conflict_out", "problem_out", "router", "run_out"]

ProblemId = Annotated[int, Path(ge=1, le=MAX_ID, description="The problem's id.")]
ConflictId = Annotated[int, Path(ge=1, le=MAX_ID, description="The conflict's id.")]
RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="The run's id.")]


router = APIRouter(prefix="/api/v1", tags=["operations"])


def _problems(request: Request) -> ProblemService:
    return services_of(request).problems


def _conflicts(request: Request) -> ConflictService:
    return services_of(request).conflicts


def _runs(request: Request) -> RunService:
    return services_of(request).runs


def _status(request: Request) -> StatusService:
    return services_of(request).status


def _family_status(request: Request) -> FamilyStatus:
    return services_of(request).family_status


def _streams(request: Request) -> StreamStatusService:
    return services_of(request).streams


Problems = Annotated[ProblemService, Depends(_problems)]
Conflicts = Annotated[ConflictService, Depends(_conflicts)]
Runs = Annotated[RunService, Depends(_runs)]
Statuses = Annotated[StatusService, Depends(_status)]
FamilyStatuses = Annotated[FamilyStatus, Depends(_family_status)]
Streams = Annotated[StreamStatusService, Depends(_streams)]


@router.get("/status", response_model=StatusOut)
def get_status(
    caller: ReaderDep, statuses: Statuses, families: FamilyStatuses, streams: Streams
) -> StatusOut:
    """Connection state, proposed re-syncs, open problems and conflicts, last runs, a light
    per flow family the tenant uses (green when it works, red with the reason), and the stream
    of Fortnox's changes of the tenant's Fortnox app."""
    found = statuses.of(caller.tenant_id)
    stream = streams.for_tenant(caller.tenant_id)
    return StatusOut(
        tenant=caller.tenant.name,
        connection=found.connection,
        disconnected_at=found.disconnected_at,
        resync_proposals=found.resync_proposals,
        facts_checked_at=found.facts_checked_at,
        open_problems=found.open_problems,
        open_conflicts=found.open_conflicts,
        last_runs=[run_out(run) for run in found.last_runs],
        families=[
            FamilyStatusOut(
                family=light.family,
                light=light.color,
                reason=_check_out(light.reason),
                checks=[_check_out(check) for check in light.checks],
            )
            for light in families.lights(caller.tenant_id)
        ],
        realtime=RealtimeOut(
            streams=[
                StreamOut(
                    app=s.app,
                    connected=s.connected,
                    since=s.since,
                    lag_seconds=s.lag_seconds,
                    events_last_minute=s.events_last_minute,
                )
                for s in stream.streams
            ],
            sweeps_stretched=stream.sweeps_stretched,
        ),
    )


def _check_out(check: FamilyCheck) -> FamilyCheckOut:
    return FamilyCheckOut(
        name=check.name,
        ok=check.ok,
        code=check.code,
        detail=check.detail,
    )


@router.get("/problems", response_model=Page[ProblemOut])
def list_problems(
    caller: ReaderDep,
    problems: Problems,
    state: Annotated[ProblemState, Query(description="Which problems.")] = "open",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[ProblemOut]:
    """Problems (default: the open ones), oldest first, with Fortnox's message and the fix."""
    rows, after = problems.page(caller.tenant_id, state, limit=limit, cursor=cursor)
    return Page(data=[problem_out(p) for p in rows], next_cursor=after)


@router.post("/problems/{problem_id}/resolve", response_model=ProblemOut)
def resolve_problem(problem_id: ProblemId, caller: WriterDep, problems: Problems) -> ProblemOut:
    """Close a problem that was fixed: the record is tried again at the next sweep (a write
    Fortnox refused is otherwise not sent again until the record changes or the tenant's
    retry time passes); it opens again (and is e-mailed) if it comes back."""
    return problem_out(problems.resolve(caller.tenant_id, problem_id))


@router.post("/problems/{problem_id}/ignore", response_model=ProblemOut)
def ignore_problem(problem_id: ProblemId, caller: WriterDep, problems: Problems) -> ProblemOut:
    """Close a problem for good: if it comes back it is counted, not reopened or e-mailed."""
    return problem_out(problems.ignore(caller.tenant_id, problem_id))


@router.get("/conflicts", response_model=Page[ConflictOut])
def list_conflicts(
    caller: ReaderDep,
    conflicts: Conflicts,
    status: Annotated[Literal["open", "resolved"], Query(description="Which ones.")] = "open",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[ConflictOut]:
    """Conflicts (tenant policy ``ask``; default: the open ones), oldest first."""
    rows, after = conflicts.page(caller.tenant_id, status, limit=limit, cursor=cursor)
    return Page(data=[conflict_out(c) for c in rows], next_cursor=after)


@router.post("/conflicts/{conflict_id}/resolve", response_model=ResolutionOut)
def resolve(
    conflict_id: ConflictId, body: Resolution, caller: WriterDep, conflicts: Conflicts
) -> ResolutionOut:
    """Decide a conflict; the winning values flow at the next run (at once if possible)."""
    values = conflicts.resolve(caller.tenant_id, conflict_id, body.winner)
    return ResolutionOut(id=conflict_id, winner=body.winner, values=values)


@router.get("/runs", response_model=Page[RunOut])
def list_runs(
    caller: ReaderDep,
    runs: Runs,
    kind: Annotated[
        Literal["sweep", "push", "resync", "repair", "event"] | None,
        Query(description="Only this kind (event: reads of what Fortnox's change events named)."),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[RunOut]:
    """Runs that did something, newest first (idle sweeps are only counted in /metrics)."""
    rows, after = runs.page(caller.tenant_id, kind, limit=limit, cursor=cursor)
    return Page(data=[run_out(run) for run in rows], next_cursor=after)


@router.get("/runs/{run_id}", response_model=RunDetail)
def get_run(run_id: RunId, caller: ReaderDep, runs: Runs) -> RunDetail:
    """One run with its parameters and progress (a re-sync's progress moves while it runs)."""
    run = runs.get(caller.tenant_id, run_id)
    return RunDetail(**run_out(run).model_dump(), params=run.params)


@router.get("/runs/{run_id}/items", response_model=Page[RunItemOut])
def list_run_items(
    run_id: RunId,
    caller: ReaderDep,
    runs: Runs,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[RunItemOut]:
    """What the run did with each record, in order (unchanged records are not listed)."""
    rows, after = runs.items(caller.tenant_id, run_id, limit=limit, cursor=cursor)
    items = [RunItemOut.model_validate(i, from_attributes=True) for i in rows]
    return Page(data=items, next_cursor=after)


@router.post("/runs/{run_id}/cancel", response_model=RunOut)
def cancel_run(run_id: RunId, caller: WriterDep, runs: Runs) -> RunOut:
    """Ask a re-sync to stop after the record it is writing (start it again to resume)."""
    return run_out(runs.cancel(caller.tenant_id, run_id))


def problem_out(problem: Problem) -> ProblemOut:
    """The API shape of a problem."""
    state = state_of(problem)
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
