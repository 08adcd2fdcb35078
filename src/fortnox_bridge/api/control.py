"""Control of a tenant's sync: its connection and pre-flight check, flows and their settings,
mappings, "sync now" (queued, waited for, or planned) and re-sync jobs.

Reading needs any key of the tenant; changing anything needs a ``read_write`` key. Routes that
run the engine (check, a sync that waits or plans, re-sync) need the engine beside the API
(``fortnox-bridge serve``); without it they answer ``503 no_engine``. The work is done by the
application services (:mod:`fortnox_bridge.services`); these routes only adapt.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.deps import ConnectionDep, FlowConfigDep, ResyncDep, SyncDep
from fortnox_bridge.api.paging import DEFAULT_LIMIT, Cursor, Limit
from fortnox_bridge.api.schemas import (
    ChecklistOut,
    CheckOut,
    ConnectionOut,
    FlowOut,
    FlowPatch,
    Interval,
    MappingIn,
    MappingOut,
    Page,
    PlannedItem,
    Problem,
    Progress,
    Queued,
    ResyncJob,
    ResyncPlanOut,
    ResyncRequest,
    ServiceAccountIn,
    SyncCounts,
    SyncRequest,
    SyncResult,
)
from fortnox_bridge.engine.errors import InvalidSettingsError
from fortnox_bridge.engine.flow.base import family_of
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.maintenance.resync_targets import ResyncPlan
from fortnox_bridge.engine.sync.context import validate_settings
from fortnox_bridge.services.connection import NOT_CONNECTED, ConnectionView
from fortnox_bridge.services.flow_config import Mapping, TenantFlow, save_flow_config
from fortnox_bridge.services.resync import StartedJob

__all__ = ["connection_out", "flow_out", "mapping_out", "router", "save_flow_config", "sync_result"]

Kind = Annotated[str, Path(min_length=1, max_length=50, description="What is mapped.")]
LocalValue = Annotated[
    str, Path(min_length=1, max_length=200, description="The host application's value.")
]
router = APIRouter(prefix="/api/v1", tags=["control"])


@router.get("/connection", response_model=ConnectionOut)
def get_connection(caller: ReaderDep, connections: ConnectionDep) -> ConnectionOut:
    """The Fortnox connection's state, since when, its scopes, last error and proposals."""
    return connection_out(connections.view(caller.tenant_id))


@router.post(
    "/connection/service-account",
    response_model=ConnectionOut,
    responses={409: {"model": Problem, "description": "Fortnox refused the credentials"}},
)
async def connect_service_account(
    body: ServiceAccountIn, caller: WriterDep, connections: ConnectionDep
) -> ConnectionOut:
    """Connect the tenant to Fortnox as a service account: client credentials and the
    company's TenantId, no browser. The company's administrator must have approved the app
    as a service account first."""
    view = await connections.connect_service_account(
        caller.tenant_id,
        body.fortnox_tenant_id,
        client_id=body.client_id,
        client_secret=body.client_secret,
    )
    return connection_out(view)


@router.post("/connection/check", response_model=ChecklistOut)
async def check_connection(caller: WriterDep, sync: SyncDep) -> ChecklistOut:
    """Run the pre-flight check now (reads Fortnox); every line with its fix."""
    checklist = await sync.check(caller.tenant_id)
    return ChecklistOut(
        checked_at=checklist.checked_at,
        ok=checklist.ok,
        checks=[
            CheckOut(
                name=check.name,
                ok=check.status != "fail",
                status=check.status,
                message=check.detail,
                fix=check.fix,
            )
            for check in checklist.checks
        ],
    )


@router.get("/flows", response_model=Page[FlowOut])
def list_flows(
    caller: ReaderDep, flows: FlowConfigDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[FlowOut]:
    """Every flow of the families the tenant uses, in sweep order, with whether it runs for the
    tenant and its settings."""
    chosen, after = flows.page(caller.tenant_id, limit=limit, cursor=cursor)
    return Page(data=[flow_out(each) for each in chosen], next_cursor=after)


@router.patch("/flows/{flow_name}", response_model=FlowOut)
def change_flow(
    flow_name: str, body: FlowPatch, caller: WriterDep, flows: FlowConfigDep
) -> FlowOut:
    """Turn a flow on or off and change settings (checked by the flow's settings model).

    409 ``base_flow`` for turning off a base flow of a family the tenant uses,
    ``family_not_chosen`` for turning on a flow of a family it does not use, and
    ``flows_exclusive`` for turning on a flow beside one it excludes (a supplier export beside
    the supplier import); 422 ``settings_shared`` for settings given to a flow that runs with
    another flow's settings (its ``settings_flow``: change them there)."""
    try:
        changed = flows.change(
            caller.tenant_id, flow_name, enabled=body.enabled, settings=body.settings
        )
    except ValidationError as exc:
        raise RequestValidationError(
            [
                {**error, "loc": ("body", "settings", *error["loc"])}
                for error in exc.errors(include_url=False)
            ]
        ) from None
    return flow_out(changed)


@router.get("/mappings", response_model=Page[MappingOut])
def list_mappings(
    caller: ReaderDep,
    flows: FlowConfigDep,
    kind: Annotated[str | None, Query(max_length=50, description="Only this kind.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[MappingOut]:
    """The tenant's mappings of local values to Fortnox values (and exclusions)."""
    rows, after = flows.mappings(caller.tenant_id, kind=kind, limit=limit, cursor=cursor)
    return Page(data=[mapping_out(row) for row in rows], next_cursor=after)


@router.put(
    "/mappings/{kind}/{local_value}",
    response_model=MappingOut,
    responses={201: {"model": MappingOut, "description": "The mapping is new."}},
)
def put_mapping(
    kind: Kind,
    local_value: LocalValue,
    body: MappingIn,
    response: Response,
    caller: WriterDep,
    flows: FlowConfigDep,
) -> MappingOut:
    """Map a local value to a Fortnox value, or exclude it (records with it are not sent).

    The kind must be one a flow reads, the local value one it can meet and the Fortnox
    value one Fortnox takes there (422 with the values otherwise)."""
    fortnox_value = None if body.excluded else body.fortnox_value
    row, created = flows.put_mapping(
        caller.tenant_id, kind, local_value, fortnox_value, excluded=body.excluded
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return mapping_out(row)


@router.delete(
    "/mappings/{kind}/{local_value}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def delete_mapping(
    kind: Kind, local_value: LocalValue, caller: WriterDep, flows: FlowConfigDep
) -> Response:
    """Remove a mapping: the local value is sent as it is again (or refused, per flow)."""
    flows.delete_mapping(caller.tenant_id, kind, local_value)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/sync",
    response_model=Queued,
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": SyncResult, "description": "The run finished (wait, dry_run)."}},
)
async def sync_now(
    caller: WriterDep, sync: SyncDep, body: Annotated[SyncRequest | None, Body()] = None
) -> Any:
    """ "Sync now": queue a sweep, or run it and answer when it finished (``wait``).

    A dry run always answers with its plan. ``flows`` narrows the sweep, queued, waited for
    or planned: only those flows run, and only they are counted.
    """
    wanted = body or SyncRequest()
    if not (wanted.wait or wanted.dry_run):
        job = await sync.queue(caller.tenant_id, wanted.flows)
        return Queued(queued=True, job=job.to_dict())
    summary = await sync.sweep(caller.tenant_id, dry_run=wanted.dry_run, only=wanted.flows)
    result = sync_result(summary)
    return JSONResponse(result.model_dump(mode="json"), status_code=status.HTTP_200_OK)


@router.post(
    "/resync",
    response_model=ResyncJob,
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": ResyncJob, "description": "The plan of a dry run."}},
)
async def resync(body: ResyncRequest, caller: WriterDep, resyncs: ResyncDep) -> Any:
    """Re-sync an interval as a background job; follow it at ``GET /api/v1/runs/{run_id}``.

    The interval is widened to whole periods of the flow. What the bridge created in Fortnox
    in it is deleted and written again from current data; other Fortnox data is left alone
    and listed in the plan. An interrupted or cancelled job resumes when started again with
    the same interval.
    """
    tenant_id = caller.tenant_id
    resyncs.require_engine()
    resyncs.require_active(tenant_id)
    resyncs.ensure_idle(tenant_id)
    plan = await resyncs.plan(tenant_id, body.flow, body.from_, body.to)
    if body.dry_run:
        job = resync_job(plan, None, "planned", Progress(done=0, total=_total(plan)))
        job.plan = ResyncPlanOut(
            to_delete=plan.to_delete, to_write=plan.to_write, not_ours=plan.not_ours
        )
        return JSONResponse(job.model_dump(mode="json", by_alias=True), status_code=200)
    return started_job(resyncs.start(tenant_id, plan))


def connection_out(view: ConnectionView) -> ConnectionOut:
    """The API shape of the tenant's connection (``not_connected`` when it has none)."""
    connection, tenant = view.connection, view.tenant
    if connection is None:
        return ConnectionOut(
            state=NOT_CONNECTED,
            since=None,
            disconnected_at=None,
            fortnox_tenant_id=tenant.fortnox_tenant_id,
            scopes=[],
            last_error=None,
            resync_proposals=[],
            facts_checked_at=None,
        )
    return ConnectionOut(
        state=connection.state,
        since=connection.state_changed_at,
        disconnected_at=connection.disconnected_at,
        fortnox_tenant_id=connection.fortnox_tenant_id,
        scopes=sorted(connection.scopes.split()),
        last_error=connection.last_error,
        resync_proposals=list(connection.resync_proposals),
        facts_checked_at=(connection.facts or {}).get("checked_at"),
    )


def _total(plan: ResyncPlan) -> int:
    return len(plan.to_delete) + len(plan.to_write)


def resync_job(plan: ResyncPlan, run_id: int | None, status: str, progress: Progress) -> ResyncJob:
    """The API shape of a re-sync job."""
    return ResyncJob(
        run_id=run_id,
        status=status,
        flow=plan.flow,
        flows=list(plan.flows),
        requested=Interval(from_=plan.requested[0], to=plan.requested[1]),
        interval=Interval(from_=plan.widened[0], to=plan.widened[1]),
        progress=progress,
    )


def started_job(started: StartedJob) -> ResyncJob:
    """The API shape of a job that started running."""
    progress = Progress(done=started.done, total=started.total)
    return resync_job(started.plan, started.run_id, "running", progress)


def flow_out(tenant_flow: TenantFlow) -> FlowOut:
    """A flow as the tenant has it configured."""
    flow, config = tenant_flow.flow, tenant_flow.config
    raw = config.settings if config else {}
    try:
        settings = validate_settings(flow, raw).model_dump(mode="json")
    except InvalidSettingsError:
        settings = dict(raw)  # stored before the flow's model changed: shown as stored
    if flow.settings_flow is not None:  # it keeps none: they are shown on the flow holding them
        settings = {}
    doc = inspect.getdoc(flow) or ""
    return FlowOut(
        name=flow.name,
        family=family_of(flow),
        base=flow.base,
        entity=flow.entity,
        direction=flow.direction,
        description=doc.split("\n\n", 1)[0].replace("\n", " "),
        enabled=tenant_flow.enabled,
        configured=config is not None,
        settings=settings,
        settings_schema=flow.Settings.model_json_schema(),
        last_synced_at=tenant_flow.last_synced_at,
        settings_flow=flow.settings_flow,
    )


def mapping_out(row: Mapping) -> MappingOut:
    """The API shape of a mapping."""
    return MappingOut(
        kind=row.kind,
        local_value=row.local_value,
        fortnox_value=row.fortnox_value,
        excluded=row.excluded,
        updated_at=row.updated_at,
    )


def sync_result(summary: RunSummary) -> SyncResult:
    """What a finished (or planned) run did."""
    counts = summary.counts()
    plan = None
    if summary.dry_run:
        plan = [
            PlannedItem(
                flow=result.flow,
                external_id=item.external_id,
                action=item.action,
                reason=item.reason,
                reference=item.reference,
            )
            for result in summary.flows
            for item in result.items
        ]
    outcome = summary.status
    return SyncResult(
        run_id=summary.run_id,
        status="failed"
        if outcome == "failed"
        else "partial"
        if outcome == "partial"
        else "succeeded",
        dry_run=summary.dry_run,
        counts=SyncCounts(**{name: counts[name] for name in SyncCounts.model_fields}),
        error=summary.error,
        plan=plan,
    )
