"""FastAPI app of the host REST API: ``/healthz``, ``/metrics`` and ``/api/v1/...``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge import __version__
from fortnox_bridge.api.connection import Consent, connection_router
from fortnox_bridge.api.control import control_router
from fortnox_bridge.api.errors import install_error_handlers
from fortnox_bridge.api.events import default_sleep, events_router
from fortnox_bridge.api.first_sync import first_sync_router
from fortnox_bridge.api.headers import SecuredFastAPI, api_headers
from fortnox_bridge.api.idempotency import install_idempotency
from fortnox_bridge.api.jobs import BackgroundJobs
from fortnox_bridge.api.limits import KeyRate, KeyRateLimiter, install_limits
from fortnox_bridge.api.media import check_media_type
from fortnox_bridge.api.openapi import install_openapi
from fortnox_bridge.api.operation_status import operation_status_router
from fortnox_bridge.api.operations import operations_router
from fortnox_bridge.api.paxml import paxml_router
from fortnox_bridge.api.reconnect import reconnect_router
from fortnox_bridge.api.records import record_router
from fortnox_bridge.api.repair import repair_router
from fortnox_bridge.api.schemas import Health
from fortnox_bridge.api.tenants import tenants_router
from fortnox_bridge.api.webhooks import outbound_policy, webhooks_router
from fortnox_bridge.clock import Clock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import (
    HostEntity,
    check_flows_against_entities,
    discover_entities,
)
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.dispatch import Dispatcher
from fortnox_bridge.engine.jobs.metrics import CONTENT_TYPE, Metrics
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.outbox.events import EventBus, Sleep
from fortnox_bridge.engine.outbox.outbound import OutboundPolicy
from fortnox_bridge.engine.tenancy.crypto import TokenCipher

#: The interactive reference (Swagger UI), the same as ReDoc, and the files both load.
DOCS_URL, REDOC_URL, DOCS_FILES = "/api/docs", "/api/redoc", "/api/docs-files"
#: Called as ``on_change(tenant_id, entity, external_id)`` after a host record changed.
OnChange = Callable[[int, str, str], None]


@dataclass
class ApiHooks:
    """How the API reaches the engine when one runs beside it (``serve``)."""

    on_change: OnChange | None = None
    dispatcher: Dispatcher | None = None
    metrics: Metrics | None = None
    #: Runs a sync that is waited for or planned, the pre-flight check and re-sync jobs.
    service: SyncService | None = None
    #: Wakes event long-polls when the engine commits events; without one the API attaches its
    #: own to ``sessions``.
    events: EventBus | None = None
    #: How long-polls wait between looks at the database (default: the clock's sleep, if it has
    #: one, else real time).
    sleep: Sleep | None = None
    #: Encrypts webhook signing secrets with the bridge's secret key; without it no webhook
    #: endpoint can be registered (503).
    cipher: TokenCipher | None = None
    #: Which webhook receiver addresses may be registered; default: from the settings
    #: (public addresses and ``webhook_allow_networks``).
    outbound: OutboundPolicy | None = None
    #: Asks Fortnox for approvals and exchanges their codes (``/api/v1/connection``); without
    #: it connecting through the API answers 503.
    consent: Consent | None = None


def create_app(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    hooks: ApiHooks | None = None,
    flows: Sequence[type[Flow]] | None = None,
    entities: Sequence[HostEntity] | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The API app over the store behind ``sessions``; ``settings`` give its limits (rate,
    body size, CORS), default the :class:`Settings` defaults."""
    config = settings or Settings()
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
    known = list(flows) if flows is not None else discover_flows()
    declared = list(entities) if entities is not None else discover_entities()
    check_flows_against_entities(known, declared)
    app.state.sessions = sessions
    app.state.clock = clock
    app.state.hooks = hooks or ApiHooks()
    metrics = app.state.hooks.metrics or Metrics(sessions)
    app.state.settings = config
    app.state.key_limiter = KeyRateLimiter(KeyRate.parse(config.api_rate_limit), clock)
    app.state.jobs = BackgroundJobs()
    install_limits(
        app, max_body_bytes=config.api_max_body_bytes, cors_origins=config.api_cors_origins
    )

    install_error_handlers(app)
    install_idempotency(app, retention=timedelta(hours=config.idempotency_retention_hours))

    @app.exception_handler(HTTPException)
    async def problem_handler(request: Request, exc: HTTPException) -> JSONResponse:
        detail = (
            exc.detail if isinstance(exc.detail, dict) else {"error": "error", "detail": exc.detail}
        )
        return JSONResponse(detail, status_code=exc.status_code, headers=exc.headers)

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        """The API answers and the database too."""
        with sessions.begin() as session:
            session.execute(text("SELECT 1"))
        return Health(status="ok", database="ok")

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def prometheus_metrics() -> Response:
        """Metrics in the Prometheus text format."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    app.include_router(record_router(declared, known))
    app.include_router(operation_status_router(declared))
    app.include_router(operations_router(known))
    app.include_router(control_router(known))
    app.include_router(connection_router())
    app.include_router(reconnect_router())
    app.include_router(repair_router())
    app.include_router(tenants_router())
    hooked = app.state.hooks
    app.include_router(events_router(sessions, hooked.events, hooked.sleep or default_sleep(clock)))
    policy = hooked.outbound or outbound_policy(config)
    app.include_router(webhooks_router(sessions, hooked.cipher, policy))
    app.include_router(first_sync_router())
    app.include_router(paxml_router(declared, known))
    return app
