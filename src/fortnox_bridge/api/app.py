"""FastAPI app of the host REST API: ``/healthz`` and ``/api/v1/...``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge import __version__
from fortnox_bridge.api.schemas import Health, Problem, RecordOut
from fortnox_bridge.clock import Clock
from fortnox_bridge.flows.hr.records import HostEmployee
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import MirrorRecord, Tenant
from fortnox_bridge.store.tenants import TenantRepository

ExternalId = Annotated[
    str,
    Path(min_length=1, max_length=200, description="The host application's id of the record."),
]


def create_app(sessions: sessionmaker[Session], *, clock: Clock) -> FastAPI:
    """The API app over the store behind ``sessions``."""
    app = FastAPI(
        title="fortnox-bridge",
        version=__version__,
        description="Push host records to the bridge and read what it synchronised with Fortnox.",
    )
    app.state.sessions = sessions
    app.state.clock = clock

    @app.exception_handler(HTTPException)
    async def problem_handler(request: Request, exc: HTTPException) -> JSONResponse:
        detail = (
            exc.detail if isinstance(exc.detail, dict) else {"error": "error", "detail": exc.detail}
        )
        return JSONResponse(detail, status_code=exc.status_code, headers=exc.headers)

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        with sessions.begin() as session:
            session.execute(text("SELECT 1"))
        return Health(status="ok", database="ok")

    @app.put(
        "/api/v1/employees/{external_id}",
        response_model=RecordOut,
        responses={201: {"model": RecordOut}, 401: {"model": Problem}},
        tags=["employees"],
    )
    def put_employee(
        external_id: ExternalId,
        employee: HostEmployee,
        response: Response,
        tenant: Annotated[Tenant, Depends(_tenant)],
    ) -> RecordOut:
        """Store (create or replace) one employee of the host application in the mirror."""
        with sessions.begin() as session:
            result = MirrorRepository(session).upsert(
                tenant.id,
                "employee",
                external_id,
                employee.model_dump(mode="json", exclude_none=True),
                now=clock.now(),
            )
            if result.outcome == "created":
                response.status_code = status.HTTP_201_CREATED
            return _record_out(result.record, result.outcome)

    @app.get(
        "/api/v1/employees/{external_id}",
        response_model=RecordOut,
        responses={401: {"model": Problem}, 404: {"model": Problem}},
        tags=["employees"],
    )
    def get_employee(
        external_id: ExternalId, tenant: Annotated[Tenant, Depends(_tenant)]
    ) -> RecordOut:
        """One employee as the mirror holds it."""
        with sessions.begin() as session:
            record = MirrorRepository(session).get(tenant.id, "employee", external_id)
            if record is None or record.deleted:
                raise HTTPException(
                    404,
                    {
                        "error": "not_found",
                        "detail": f"no employee with external id {external_id!r}",
                    },
                )
            return _record_out(record, None)

    return app


def _tenant(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Tenant:
    """The tenant of the API key in ``Authorization: Bearer <key>`` or ``X-API-Key``."""
    key = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        raise HTTPException(
            401,
            {"error": "missing_api_key", "detail": "send 'Authorization: Bearer <api key>'"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions.begin() as session:
        tenant = TenantRepository(session).tenant_for_api_key(key)
    if tenant is None:
        raise HTTPException(
            401,
            {"error": "invalid_api_key", "detail": "the API key is unknown or revoked"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    return tenant


def _record_out(record: MirrorRecord, outcome: str | None) -> RecordOut:
    return RecordOut.model_validate(
        {
            "entity": record.entity_type,
            "external_id": record.external_id,
            "version": record.version,
            "status": outcome,
            "updated_at": record.updated_at,
            "data": record.payload,
        }
    )
