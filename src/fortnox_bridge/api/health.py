"""``/healthz`` and ``/metrics``: whether the API and its database answer, and the metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from fortnox_bridge.api.deps import ServicesDep
from fortnox_bridge.api.schemas import Health
from fortnox_bridge.engine.jobs.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
def healthz(services: ServicesDep) -> Health:
    """The API answers and the database too."""
    services.status.check_database()
    return Health(status="ok", database="ok")


@router.get("/metrics", response_class=Response)
def prometheus_metrics(request: Request) -> Response:
    """Metrics in the Prometheus text format."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)
