"""Control of a tenant's sync: its connection and pre-flight check, flows and their settings,
mappings, "sync now" (queued, waited for, or planned) and re-sync jobs.

Reading needs any key of the tenant; changing anything needs a ``read_write`` key. Routes that
run the engine (check, a sync that waits or plans, re-sync) need the engine beside the API
(``fortnox-bridge serve``); without it they answer ``503 no_engine``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.auth import ReaderDep, WriterDep, not_found
from fortnox_bridge.api.operations import NOT_CONNECTED
from fortnox_bridge.api.paging import DEFAULT_LIMIT, Cursor, Limit, in_memory, invalid, keyset
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
from fortnox_bridge.engine.errors import (
    ConnectionStateError,
    EngineError,
    InvalidSettingsError,
    ResyncError,
)
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.mapping_kinds import check_kind, check_mapping
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.maintenance.resync_targets import ResyncPlan
from fortnox_bridge.engine.sync.context import is_enabled_by_default, validate_settings
from fortnox_bridge.fortnox.errors import FortnoxError, OAuthError
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.models import FlowConfig, Mapping, Tenant
from fortnox_bridge.store.runs import RunRepository

log = logging.getLogger(__name__)
Kind = Annotated[str, Path(min_length=1, max_length=50, description="What is mapped.")]
LocalValue = Annotated[
    str, Path(min_length=1, max_length=200, description="The host application's value.")
]


def control_router(flows: Sequence[type[Flow]]) -> APIRouter:
    """The routes; ``flows`` are every discovered flow."""
    router = APIRouter(prefix="/api/v1", tags=["control"])
    by_name = {flow.name: flow for flow in flows}

    @router.get("/connection", response_model=ConnectionOut)
    def get_connection(request: Request, caller: ReaderDep) -> ConnectionOut:
        """The Fortnox connection's state, since when, its scopes, last error and proposals."""
        with request.app.state.sessions.begin() as session:
            return connection_out(session, caller.tenant)

    @router.post(
        "/connection/service-account",
        response_model=ConnectionOut,
        responses={409: {"model": Problem, "description": "Fortnox refused the credentials"}},
    )
    async def connect_service_account(
        request: Request, body: ServiceAccountIn, caller: WriterDep
    ) -> ConnectionOut:
        """Connect the tenant to Fortnox as a service account: client credentials and the
        company's TenantId, no browser. The company's administrator must have approved the app
        as a service account first."""
        service = _service(request)
        try:
            await service.connect_service_account(
                caller.tenant_id,
                body.fortnox_tenant_id,
                client_id=body.client_id,
                client_secret=body.client_secret,
            )
        except ConnectionStateError as exc:
            raise HTTPException(409, {"error": "connection_refused", "detail": str(exc)}) from None
        except OAuthError as exc:
            raise HTTPException(
                409,
                {
                    "error": "service_account_refused",
                    "detail": f"Fortnox refused the service account of tenant "
                    f"{body.fortnox_tenant_id}: {exc.error} ({exc.description}); the company's "
                    "administrator approves the app as a service account once (its consent page "
                    "with account_type=service), and the TenantId must be that company's",
                },
            ) from None
        except (EngineError, FortnoxError) as exc:
            raise HTTPException(409, {"error": "connection_refused", "detail": str(exc)}) from None
        return get_connection(request, caller)

    @router.post("/connection/check", response_model=ChecklistOut)
    async def check_connection(request: Request, caller: WriterDep) -> ChecklistOut:
        """Run the pre-flight check now (reads Fortnox); every line with its fix."""
        checklist = await _service(request).check(caller.tenant_id)
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
        request: Request, caller: ReaderDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Page[FlowOut]:
        """Every flow, in sweep order, with whether it runs for the tenant and its settings."""
        chosen, after = in_memory(flows, lambda f: f.name, limit=limit, cursor=cursor)
        with request.app.state.sessions.begin() as session:
            configs = FlowConfigRepository(session).for_tenant(caller.tenant_id)
            return Page(
                data=[flow_out(flow, configs.get(flow.name)) for flow in chosen],
                next_cursor=after,
            )

    @router.patch("/flows/{flow_name}", response_model=FlowOut)
    def change_flow(
        request: Request, flow_name: str, body: FlowPatch, caller: WriterDep
    ) -> FlowOut:
        """Turn a flow on or off and change settings (checked by the flow's settings model)."""
        flow = by_name.get(flow_name)
        if flow is None:
            raise not_found(f"no flow {flow_name!r}; the flows are: {', '.join(by_name)}")
        state = request.app.state
        with state.sessions.begin() as session:
            try:
                saved = save_flow_config(
                    session,
                    flow,
                    caller.tenant_id,
                    enabled=body.enabled,
                    settings=body.settings,
                    now=state.clock.now(),
                )
            except ValidationError as exc:
                raise RequestValidationError(
                    [
                        {**error, "loc": ("body", "settings", *error["loc"])}
                        for error in exc.errors(include_url=False)
                    ]
                ) from None
            return flow_out(flow, saved)

    @router.get("/mappings", response_model=Page[MappingOut])
    def list_mappings(
        request: Request,
        caller: ReaderDep,
        kind: Annotated[str | None, Query(max_length=50, description="Only this kind.")] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[MappingOut]:
        """The tenant's mappings of local values to Fortnox values (and exclusions)."""
        query = select(Mapping).where(Mapping.tenant_id == caller.tenant_id)
        if kind is not None:
            unknown = check_kind(flows, kind)
            if unknown is not None:
                raise invalid(("query", "kind"), unknown.message, unknown.code, kind)
            query = query.where(Mapping.kind == kind)
        with request.app.state.sessions.begin() as session:
            rows, after = keyset(session, query, Mapping.id, limit=limit, cursor=cursor)
            return Page(data=[mapping_out(row) for row in rows], next_cursor=after)

    @router.put(
        "/mappings/{kind}/{local_value}",
        response_model=MappingOut,
        responses={201: {"model": MappingOut, "description": "The mapping is new."}},
    )
    def put_mapping(
        request: Request,
        kind: Kind,
        local_value: LocalValue,
        body: MappingIn,
        response: Response,
        caller: WriterDep,
    ) -> MappingOut:
        """Map a local value to a Fortnox value, or exclude it (records with it are not sent).

        The kind must be one a flow reads, the local value one it can meet and the Fortnox
        value one Fortnox takes there (422 with the values otherwise)."""
        fortnox_value = None if body.excluded else body.fortnox_value
        refused = check_mapping(flows, kind, local_value, fortnox_value)
        if refused is not None:
            location = {
                "kind": ("path", "kind"),
                "local_value": ("path", "local_value"),
                "fortnox_value": ("body", "fortnox_value"),
            }[refused.part]
            given = {"kind": kind, "local_value": local_value}.get(refused.part, fortnox_value)
            raise invalid(location, refused.message, refused.code, given)
        state = request.app.state
        with state.sessions.begin() as session:
            existed = _mapping(session, caller.tenant_id, kind, local_value) is not None
            row = MappingRepository(session).put(
                caller.tenant_id,
                kind,
                local_value,
                fortnox_value,
                excluded=body.excluded,
                now=state.clock.now(),
            )
            if not existed:
                response.status_code = status.HTTP_201_CREATED
            return mapping_out(row)

    @router.delete(
        "/mappings/{kind}/{local_value}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
    )
    def delete_mapping(
        request: Request, kind: Kind, local_value: LocalValue, caller: WriterDep
    ) -> Response:
        """Remove a mapping: the local value is sent as it is again (or refused, per flow)."""
        with request.app.state.sessions.begin() as session:
            row = _mapping(session, caller.tenant_id, kind, local_value)
            if row is None:
                raise not_found(f"no mapping of {kind} {local_value!r}")
            session.delete(row)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/sync",
        response_model=Queued,
        status_code=status.HTTP_202_ACCEPTED,
        responses={200: {"model": SyncResult, "description": "The run finished (wait, dry_run)."}},
    )
    async def sync_now(
        request: Request,
        caller: WriterDep,
        body: Annotated[SyncRequest | None, Body()] = None,
    ) -> Any:
        """ "Sync now": queue a sweep, or run it and answer when it finished (``wait``).

        A dry run always answers with its plan. ``flows`` narrows the sweep, queued, waited for
        or planned: only those flows run, and only they are counted.
        """
        wanted = body or SyncRequest()
        if wanted.flows is not None:
            unknown = [name for name in wanted.flows if name not in by_name]
            if unknown:
                raise invalid(
                    ("body", "flows"),
                    f"unknown flow(s) {', '.join(unknown)}; the flows are: {', '.join(by_name)}",
                    "unknown_flow",
                    wanted.flows,
                )
        if not (wanted.wait or wanted.dry_run):
            dispatcher = request.app.state.hooks.dispatcher
            if dispatcher is None:
                raise _no_engine()
            flows = tuple(dict.fromkeys(wanted.flows or ()))
            job = Job("sweep", caller.tenant_id, reason="manual", flows=flows)
            await dispatcher.submit(job)
            return Queued(queued=True, job=job.to_dict())
        summary = await _service(request).sweep(
            caller.tenant_id, dry_run=wanted.dry_run, only=wanted.flows
        )
        result = sync_result(summary)
        return JSONResponse(result.model_dump(mode="json"), status_code=status.HTTP_200_OK)

    @router.post(
        "/resync",
        response_model=ResyncJob,
        status_code=status.HTTP_202_ACCEPTED,
        responses={200: {"model": ResyncJob, "description": "The plan of a dry run."}},
    )
    async def resync(request: Request, body: ResyncRequest, caller: WriterDep) -> Any:
        """Re-sync an interval as a background job; follow it at ``GET /api/v1/runs/{run_id}``.

        The interval is widened to whole periods of the flow. What the bridge created in Fortnox
        in it is deleted and written again from current data; other Fortnox data is left alone
        and listed in the plan. An interrupted or cancelled job resumes when started again with
        the same interval.
        """
        state = request.app.state
        service = _service(request)
        tenant_id = caller.tenant_id
        _require_active(state.sessions, tenant_id)
        running = f"resync:{tenant_id}"
        if state.jobs.running(running):
            raise HTTPException(
                409,
                {
                    "error": "resync_running",
                    "detail": "a re-sync of this tenant is running; follow it in "
                    "GET /api/v1/runs?kind=resync or cancel it first",
                },
            )
        plan = await _plan(service, tenant_id, body)
        if body.dry_run:
            job = _job(plan, None, "planned", Progress(done=0, total=_total(plan)))
            job.plan = ResyncPlanOut(
                to_delete=plan.to_delete, to_write=plan.to_write, not_ours=plan.not_ours
            )
            return JSONResponse(job.model_dump(mode="json", by_alias=True), status_code=200)
        run_id = _open_job(service, tenant_id, plan)
        state.jobs.start(
            running, _run_resync(service, tenant_id, body.flow, body.from_, body.to, run_id)
        )
        with state.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            assert run is not None
            progress = Progress(done=run.progress_done, total=run.progress_total)
        return _job(plan, run_id, "running", progress)

    return router


def connection_out(session: Session, tenant: Tenant) -> ConnectionOut:
    """The API shape of the tenant's connection (``not_connected`` when it has none)."""
    connection = ConnectionRepository(session).for_tenant(tenant.id)
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


def _service(request: Request) -> SyncService:
    service: SyncService | None = request.app.state.hooks.service
    if service is None:
        raise _no_engine()
    return service


def _no_engine() -> HTTPException:
    return HTTPException(
        503,
        {
            "error": "no_engine",
            "detail": "this API runs without the sync engine; start it with 'fortnox-bridge serve'",
        },
    )


def _require_active(sessions: sessionmaker[Session], tenant_id: int) -> None:
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        state = connection.state if connection else NOT_CONNECTED
    if state != "active":
        raise HTTPException(
            409,
            {
                "error": "connection_not_active",
                "detail": f"the Fortnox connection is {state}; connect it first "
                "(fortnox-bridge connect)",
            },
        )


async def _plan(service: SyncService, tenant_id: int, body: ResyncRequest) -> ResyncPlan:
    try:
        return await service.resync_plan(tenant_id, body.flow, body.from_, body.to)
    except ResyncError as exc:
        raise invalid(("body", "flow"), str(exc), "not_a_dated_flow", body.flow) from None
    except (EngineError, FortnoxError) as exc:
        raise HTTPException(
            409, {"error": "resync_refused", "detail": f"cannot plan the re-sync: {exc}"}
        ) from None


def _open_job(service: SyncService, tenant_id: int, plan: ResyncPlan) -> int:
    """The run of the job: the unfinished one of the same interval, or a new one."""
    unfinished = service.resyncs.unfinished(tenant_id, plan.flow)
    if unfinished is None:
        return service.resyncs.start(tenant_id, plan)
    widened = (plan.widened[0].isoformat(), plan.widened[1].isoformat())
    if (unfinished.params["widened_from"], unfinished.params["widened_to"]) != widened:
        raise HTTPException(
            409,
            {
                "error": "resync_unfinished",
                "detail": f"an unfinished re-sync of {plan.flow} "
                f"({unfinished.params['widened_from']} to {unfinished.params['widened_to']}, "
                f"run {unfinished.id}) must be resumed first: start it again with that interval",
            },
        )
    return unfinished.id


async def _run_resync(
    service: SyncService, tenant_id: int, flow: str, first: date, last: date, run_id: int
) -> None:
    """Run (or resume) the job; a refusal before it starts is kept on its run."""
    try:
        await service.resync(tenant_id, flow, first, last)
    except Exception as exc:
        log.warning("re-sync stopped: %s", exc, extra={"tenant_id": tenant_id, "run_id": run_id})
        with service.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            if run is not None:
                run.error = str(exc)
                if run.status == "running":
                    run.status, run.finished_at = "interrupted", service.clock.now()


def _total(plan: ResyncPlan) -> int:
    return len(plan.to_delete) + len(plan.to_write)


def _job(plan: ResyncPlan, run_id: int | None, status: str, progress: Progress) -> ResyncJob:
    return ResyncJob(
        run_id=run_id,
        status=status,
        flow=plan.flow,
        flows=list(plan.flows),
        requested=Interval(from_=plan.requested[0], to=plan.requested[1]),
        interval=Interval(from_=plan.widened[0], to=plan.widened[1]),
        progress=progress,
    )


def _mapping(session: Session, tenant_id: int, kind: str, local_value: str) -> Mapping | None:
    return session.scalars(
        select(Mapping).where(
            Mapping.tenant_id == tenant_id,
            Mapping.kind == kind,
            Mapping.local_value == local_value,
        )
    ).first()


def save_flow_config(
    session: Session,
    flow: type[Flow],
    tenant_id: int,
    *,
    enabled: bool | None,
    settings: dict[str, Any] | None,
    now: datetime,
    replace: bool = False,
) -> FlowConfig:
    """Turn a flow on or off (``None``: as it is) and change its settings, checked by the flow's
    settings model: merged onto the stored ones, or ``replace``-ing them (a whole form).

    Raises :class:`pydantic.ValidationError` (nothing is saved) for settings the model refuses.
    """
    configs = FlowConfigRepository(session)
    row = configs.for_tenant(tenant_id).get(flow.name)
    stored = {} if replace or row is None else dict(row.settings)
    checked = flow.Settings.model_validate({**stored, **(settings or {})})
    if enabled is None:
        enabled = row.enabled if row else is_enabled_by_default(flow)
    return configs.put(
        tenant_id, flow.name, enabled=enabled, settings=checked.model_dump(mode="json"), now=now
    )


def flow_out(flow: type[Flow], config: FlowConfig | None) -> FlowOut:
    """A flow as the tenant has it configured."""
    raw = config.settings if config else {}
    try:
        settings = validate_settings(flow, raw).model_dump(mode="json")
    except InvalidSettingsError:
        settings = dict(raw)  # stored before the flow's model changed: shown as stored
    doc = inspect.getdoc(flow) or ""
    return FlowOut(
        name=flow.name,
        family=flow.name.split(".", 1)[0],
        entity=flow.entity,
        direction=flow.direction,
        description=doc.split("\n\n", 1)[0].replace("\n", " "),
        enabled=config.enabled if config else is_enabled_by_default(flow),
        configured=config is not None,
        settings=settings,
        settings_schema=flow.Settings.model_json_schema(),
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
