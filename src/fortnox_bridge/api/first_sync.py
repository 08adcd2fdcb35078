"""``/api/v1/hr/first-sync``: the first synchronization of employees — make a plan, read
it, decide its items one by one or all at once, apply it; and ``/api/v1/hr/employees/sync``, the
manual "synchronize employees".

Reading needs any key of the tenant; everything else a ``read_write`` key. Making a plan,
applying it and synchronizing read or write Fortnox, so they need the engine beside the API
(``fortnox-bridge serve``); without it they answer ``503 no_engine``. Another tenant's plans and
items do not exist for a key (``404``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.paging import MAX_ID
from fortnox_bridge.engine.errors import ConnectionStateError, TenantBusyError
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.services.first_sync import (
    FirstSyncError,
    FirstSyncService,
    InvalidDecisionError,
    NoPlanError,
    PlanView,
)

Side = Literal["host", "fortnox"]
ItemKind = Literal["pair", "host_only", "fortnox_only", "duplicate"]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="The item's id.")]
EMPLOYEE_FLOWS = (EmployeePull.name, EmployeePush.name)


class FirstSyncItemOut(BaseModel):
    """One line of the plan: a pair, a host-only or Fortnox-only employee, or a duplicate."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Stable id; decide the item at PATCH .../items/{id}.")
    kind: ItemKind
    external_id: str | None = Field(description="The host employee's id (pairs, host-only).")
    fortnox_id: str | None = Field(description="Fortnox's EmployeeId (pairs, Fortnox-only).")
    matched_by: Literal["email", "employment_id"] | None
    label: str
    differences: dict[str, Any] = Field(
        description="Pairs: {host field: {host: value, fortnox: value}} for each value that "
        "differs; a decision says which side wins."
    )
    details: dict[str, Any] = Field(
        description="Duplicates: side, field, value and members; Fortnox-only: the host id it "
        "would get and cannot_create when it cannot become a host employee; pairs: the "
        "employment id the host takes from Fortnox."
    )
    notes: list[str]
    decision: dict[str, Any] | None
    needs_decision: bool
    status: Literal["pending", "working", "done", "skipped", "failed"]
    outcome: dict[str, Any] = Field(description="What apply wrote (to_fortnox, to_host, ids).")
    error: str | None
    host: dict[str, Any] = Field(description="The host employee as the plan saw it.")
    fortnox: dict[str, Any] = Field(description="The Fortnox employee as the plan saw it.")


class FirstSyncPlanOut(BaseModel):
    """A first-synchronization plan with its counts and items."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    entity: str
    status: Literal["open", "applying", "applied", "discarded"]
    created_at: datetime
    updated_at: datetime
    apply_started_at: datetime | None
    applied_at: datetime | None
    notified_at: datetime | None = Field(description="When the result was e-mailed.")
    counts: dict[str, int] = Field(
        description="What the plan found (host, fortnox, pairs, pairs_with_differences, "
        "differences, host_only, fortnox_only, duplicates, fortnox_without_email, "
        "cannot_create) and where it stands (undecided, pending, done, skipped, failed)."
    )
    result: dict[str, Any] = Field(description="The last apply pass: counts of what it did.")
    items: list[FirstSyncItemOut]


class Decision(BaseModel):
    """One decision: exactly one of ``winner``, ``fields``, ``create`` or ``skip``."""

    model_config = ConfigDict(extra="forbid")

    winner: Side | None = Field(default=None, description="Pairs: this side wins every field.")
    fields: dict[str, Side] | None = Field(
        default=None, description="Pairs: the winning side per differing field."
    )
    create: bool | None = Field(
        default=None,
        description="Host-only: create it in Fortnox; Fortnox-only: create it in the host.",
    )
    skip: bool | None = Field(
        default=None,
        description="Leave the item out (duplicates: the employees involved); false takes a "
        "duplicate's skip back.",
    )

    @model_validator(mode="after")
    def _one(self) -> Decision:
        names = ("winner", "fields", "create", "skip")
        given = [name for name in names if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("send exactly one of winner, fields, create or skip")
        return self


class BulkDecision(BaseModel):
    """Decisions for every item still undecided."""

    model_config = ConfigDict(extra="forbid")

    pairs: Side | None = Field(default=None, description="The side that wins in every pair.")
    host_only: Literal["create", "skip"] | None = Field(
        default=None, description="Create host-only employees in Fortnox, or leave them out."
    )
    fortnox_only: Literal["create", "skip"] | None = Field(
        default=None,
        description="Create Fortnox-only employees in the host, or leave them out (those that "
        "cannot become host employees are left out either way).",
    )

    @model_validator(mode="after")
    def _some(self) -> BulkDecision:
        if self.pairs is None and self.host_only is None and self.fortnox_only is None:
            raise ValueError("send at least one of pairs, host_only or fortnox_only")
        return self


class EmployeeSyncOut(BaseModel):
    """What "synchronize employees" did (or that it was queued)."""

    queued: bool
    status: Literal["queued", "succeeded", "partial", "failed"]
    run_id: int | None = None
    flows: list[str] = Field(default_factory=list, description="The employee flows that ran.")
    counts: dict[str, int] = Field(default_factory=dict)
    error: str | None = None


router = APIRouter(prefix="/api/v1/hr", tags=["hr"])


@router.post("/first-sync", response_model=FirstSyncPlanOut, status_code=201)
async def make_plan(request: Request, caller: WriterDep) -> PlanView:
    """Read both sides and make a plan of how they meet (409 while one is open)."""
    service = _service(request)
    async with _answers(), _source(service, caller.tenant_id) as source:
        return await _first_sync(request).make_plan(caller.tenant_id, source)


@router.get("/first-sync", response_model=FirstSyncPlanOut)
def get_plan(
    request: Request, caller: ReaderDep, kind: Annotated[ItemKind | None, Query()] = None
) -> PlanView:
    """The current plan (open, or the last applied) with counts and items (``kind``: only
    items of that kind)."""
    with _answers_sync():
        return _first_sync(request).view(caller.tenant_id, kind=kind)


@router.delete("/first-sync", response_model=FirstSyncPlanOut)
def discard_plan(request: Request, caller: WriterDep) -> PlanView:
    """Discard the open plan (what it applied already stays)."""
    with _answers_sync():
        return _first_sync(request).discard(caller.tenant_id)


@router.patch("/first-sync/items/{item_id}", response_model=FirstSyncItemOut)
def decide(request: Request, item_id: ItemId, body: Decision, caller: WriterDep) -> Any:
    """Decide one item."""
    with _answers_sync():
        return _first_sync(request).decide(
            caller.tenant_id, item_id, body.model_dump(exclude_none=True)
        )


@router.post("/first-sync/decide", response_model=FirstSyncPlanOut)
def decide_all(request: Request, body: BulkDecision, caller: WriterDep) -> PlanView:
    """Decide every undecided item at once."""
    with _answers_sync():
        return _first_sync(request).decide_all(
            caller.tenant_id,
            pairs=body.pairs,
            host_only=None if body.host_only is None else body.host_only == "create",
            fortnox_only=None if body.fortnox_only is None else body.fortnox_only == "create",
        )


@router.post("/first-sync/apply", response_model=FirstSyncPlanOut)
async def apply(request: Request, caller: WriterDep) -> PlanView:
    """Apply the decided plan and e-mail the result; an applied plan stays as it is. Refused
    (409) while items are undecided or duplicates unresolved."""
    service = _service(request)
    async with _answers(), _source(service, caller.tenant_id) as source:
        return await _first_sync(request).apply(caller.tenant_id, source)


@router.post(
    "/employees/sync",
    response_model=EmployeeSyncOut,
    responses={202: {"model": EmployeeSyncOut, "description": "Queued (no engine here)."}},
)
async def synchronize_employees(request: Request, caller: WriterDep) -> Any:
    """ "Synchronize employees" now: the tenant's enabled employee flows (Fortnox-side edits
    in, host edits out), answered when done. Where only a job queue runs beside the API, a
    sweep is queued instead (202)."""
    hooks = request.app.state.hooks
    service: SyncService | None = getattr(hooks, "service", None)
    if service is None:
        if hooks.dispatcher is None:
            raise _no_engine()
        job = Job("sweep", caller.tenant_id, reason="manual: synchronize employees")
        await hooks.dispatcher.submit(job)
        return _json(EmployeeSyncOut(queued=True, status="queued"), status.HTTP_202_ACCEPTED)
    summary = await service.sweep(caller.tenant_id, only=EMPLOYEE_FLOWS)
    return EmployeeSyncOut(
        queued=False,
        status=cast(Literal["succeeded", "partial", "failed"], summary.status),
        run_id=summary.run_id,
        flows=[result.flow for result in summary.flows],
        counts=summary.counts(),
        error=summary.error,
    )


def _service(request: Request) -> SyncService:
    service: SyncService | None = getattr(request.app.state.hooks, "service", None)
    if service is None:
        raise _no_engine()
    return service


def _first_sync(request: Request) -> FirstSyncService:
    return services_of(request).first_sync


@asynccontextmanager
async def _source(service: SyncService, tenant_id: int) -> AsyncIterator[ClientSource]:
    source = service.clients.source(tenant_id)
    try:
        yield source
    finally:
        await source.aclose()


@asynccontextmanager
async def _answers() -> AsyncIterator[None]:
    """Errors of the engine and of Fortnox as the API's answers."""
    try:
        yield
    except (FirstSyncError, TenantBusyError, ConnectionStateError, FortnoxError) as exc:
        raise _http(exc) from None


@contextmanager
def _answers_sync() -> Iterator[None]:
    """:func:`_answers` for routes that do not await."""
    try:
        yield
    except FirstSyncError as exc:
        raise _http(exc) from None


def _http(exc: Exception) -> HTTPException:
    if isinstance(exc, InvalidDecisionError):
        where = "$." + exc.path if exc.path else "$"
        return HTTPException(
            422,
            {
                "error": "validation_failed",
                "detail": f"the decision does not fit the item ({where}); nothing was stored: "
                "correct it and send it again",
                "errors": [{"path": where, "message": str(exc), "type": exc.code}],
            },
        )
    if isinstance(exc, FirstSyncError):
        code = 404 if isinstance(exc, NoPlanError) else 409
        body: dict[str, Any] = {"error": exc.code, "detail": str(exc)}
        if exc.items:
            body["items"] = exc.items
        return HTTPException(code, body)
    if isinstance(exc, TenantBusyError):
        return HTTPException(409, {"error": "tenant_busy", "detail": str(exc)})
    if isinstance(exc, ConnectionStateError):
        return HTTPException(409, {"error": "connection_not_active", "detail": str(exc)})
    return HTTPException(
        502,
        {"error": "fortnox_error", "detail": f"Fortnox could not be read or written: {exc}"},
    )


def _no_engine() -> HTTPException:
    return HTTPException(
        503,
        {
            "error": "no_engine",
            "detail": "this API runs without the sync engine; start it with 'fortnox-bridge serve'",
        },
    )


def _json(model: BaseModel, code: int) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=code)
