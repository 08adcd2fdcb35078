"""FastAPI app of the host REST API: ``/healthz``, ``/metrics`` and ``/api/v1/...``."""

from __future__ import annotations

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from fortnox_bridge import __version__
from fortnox_bridge.api import (
    connection,
    control,
    events,
    first_sync,
    health,
    ledger,
    ledger_sync,
    operation_status,
    operations,
    paxml,
    reconnect,
    repair,
    service_orders,
    tenants,
    webhooks,
)
from fortnox_bridge.api.errors import install_error_handlers
from fortnox_bridge.api.limits import KeyRate, KeyRateLimiter, install_limits
from fortnox_bridge.api.media import check_media_type
from fortnox_bridge.api.openapi import install_openapi
from fortnox_bridge.api.records import record_router
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.entities import check_flows_against_entities
from fortnox_bridge.engine.jobs.metrics import Metrics
from fortnox_bridge.headers import SecuredFastAPI, api_headers
from fortnox_bridge.services.root import Services

__all__ = ["create_app"]

#: The interactive reference (Swagger UI), the same as ReDoc, and the files both load.
DOCS_URL, REDOC_URL, DOCS_FILES = "/api/docs", "/api/redoc", "/api/docs-files"


def create_app(services: Services) -> FastAPI:
    """The API app over ``services`` (built by :func:`~fortnox_bridge.services.root.build_services`;
    ``serve`` shares them with the web UI). Their settings give its limits (rate, body size,
    CORS)."""
    app = _new_app(services.settings)
    _keep_state(app, services)
    config = services.settings
    install_limits(
        app, max_body_bytes=config.api_max_body_bytes, cors_origins=config.api_cors_origins
    )
    install_error_handlers(app)
    app.add_exception_handler(HTTPException, _problem_handler)  # type: ignore[arg-type]
    _install_routes(app, services)
    return app


def _new_app(config: Settings) -> SecuredFastAPI:
    """The bare app: its docs (served by the bridge itself), media type check and headers."""
    # Swagger UI and ReDoc with their files served by the bridge itself (fastapi-offline ships
    # them), so the interactive docs work without a network.
    app = FastAPIOffline(
        title="fortnox-bridge",
        version=__version__,
        description="Push host records to the bridge and read what it synchronised with Fortnox.",
        openapi_url="/api/openapi.json",
        docs_url=DOCS_URL,
        redoc_url=REDOC_URL,
        static_url=DOCS_FILES,
        swagger_ui_oauth2_redirect_url=f"{DOCS_URL}/oauth2-redirect",
        # No validator badge: Swagger UI would send the document to an outside validator.
        swagger_ui_parameters={"validatorUrl": None},
        dependencies=[Depends(check_media_type)],
    )
    # The factory makes a plain FastAPI app; as a SecuredFastAPI (the same object, one method
    # more) every answer, the framework's error pages included, carries the security headers.
    app.__class__ = SecuredFastAPI
    assert isinstance(app, SecuredFastAPI)
    app.security_headers = api_headers(config.public_url)
    install_openapi(app)
    return app


def _keep_state(app: FastAPI, services: Services) -> None:
    """What routes and middleware reach through ``request.app.state``."""
    check_flows_against_entities(services.flows, services.entities)
    app.state.services = services
    app.state.sessions = services.sessions
    app.state.clock = services.clock
    app.state.hooks = services.hooks
    app.state.metrics = services.hooks.metrics or Metrics(services.sessions)
    app.state.settings = services.settings
    app.state.key_limiter = KeyRateLimiter(
        KeyRate.parse(services.settings.api_rate_limit), services.clock
    )
    app.state.jobs = services.jobs


async def _problem_handler(request: Request, exc: HTTPException) -> JSONResponse:
    detail = (
        exc.detail if isinstance(exc.detail, dict) else {"error": "error", "detail": exc.detail}
    )
    return JSONResponse(detail, status_code=exc.status_code, headers=exc.headers)


def _install_routes(app: FastAPI, services: Services) -> None:
    known, declared = services.flows, services.entities
    app.include_router(health.router)
    app.include_router(record_router(declared, known))
    for module in (
        operation_status,
        operations,
        control,
        connection,
        reconnect,
        repair,
        tenants,
        events,
        webhooks,
        first_sync,
        paxml,
        ledger,
        ledger_sync,
        service_orders,
    ):
        app.include_router(module.router)
