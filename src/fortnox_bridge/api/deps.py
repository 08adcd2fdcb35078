"""FastAPI dependencies that hand a route the application service it adapts (kept on the app's
state by ``create_app``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fortnox_bridge.services.connection import ConnectionAdmin
from fortnox_bridge.services.flow_config import FlowConfigService
from fortnox_bridge.services.resync import ResyncService
from fortnox_bridge.services.root import Services
from fortnox_bridge.services.sync import SyncControl


def services_of(request: Request) -> Services:
    """The app's services."""
    services: Services = request.app.state.services
    return services


def _flow_config(request: Request) -> FlowConfigService:
    return services_of(request).flow_config


def _sync(request: Request) -> SyncControl:
    return services_of(request).sync


def _resync(request: Request) -> ResyncService:
    return services_of(request).resync


def _connection(request: Request) -> ConnectionAdmin:
    return services_of(request).connection


ServicesDep = Annotated[Services, Depends(services_of)]
FlowConfigDep = Annotated[FlowConfigService, Depends(_flow_config)]
SyncDep = Annotated[SyncControl, Depends(_sync)]
ResyncDep = Annotated[ResyncService, Depends(_resync)]
ConnectionDep = Annotated[ConnectionAdmin, Depends(_connection)]
