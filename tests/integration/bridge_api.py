"""The bridge's API app over a test store, on services built the way ``serve`` builds them."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api import create_app
from fortnox_bridge.clock import Clock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services


def api_app(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    hooks: EngineHooks | None = None,
    settings: Settings | None = None,
    flows: Sequence[type[Flow]] | None = None,
    entities: Sequence[HostEntity] | None = None,
) -> FastAPI:
    """The API app over ``sessions``; what is not given defaults as in :func:`build_services`."""
    services = build_services(
        sessions, clock=clock, settings=settings, hooks=hooks, flows=flows, entities=entities
    )
    return create_app(services)
