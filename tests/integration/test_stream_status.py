"""The stream of Fortnox's changes in ``GET /api/v1/status`` (SQLite and PostgreSQL), from what
the listener writes to the store (its health marks, the events it accepts, their reads): the
stream of the tenant's Fortnox app, connected or not and since when, the lag per topic, the
events of the last minute, and whether sweeps run stretched."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.realtime.health import mark_stream
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.realtime import RealtimeRepository, StreamEvent
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.conftest import Bridge


@pytest.fixture
async def status_api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    await bridge.connect()
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="status", now=clock.now())
    app = api_app(sessions, clock=clock)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


def app_of(bridge: Bridge, sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(bridge.tenant)
        assert connection is not None
        assert connection.client_id
        return connection.client_id


async def realtime(http: httpx.AsyncClient) -> dict[str, Any]:
    answer = await http.get("/api/v1/status")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()["realtime"]
    return found


def accept(
    sessions: sessionmaker[Session], clock: ManualClock, app: str, bridge: Bridge, n: int
) -> None:
    event = StreamEvent("cost-centers", f"o{n}", "cost-center-created-v1", bridge.company, f"K{n}")
    with sessions.begin() as session:
        assert RealtimeRepository(session).accept(app, event, bridge.tenant, now=clock.now())


async def test_the_status_shows_the_stream_of_the_tenant_s_app(
    status_api: httpx.AsyncClient,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    assert await realtime(status_api) == {"streams": [], "sweeps_stretched": False}
    app = app_of(bridge, sessions)
    mark_stream(sessions, "another-app", True, clock.now())  # not the tenant's app
    connected_at = clock.now()
    mark_stream(sessions, app, True, connected_at)
    for n in range(3):
        accept(sessions, clock, app, bridge, n)
        clock.advance(10)
    with sessions.begin() as session:  # K0 was read; K1 has waited 20 s, K2 10 s
        RealtimeRepository(session).handled(
            bridge.tenant, "cost-centers", ["K0"], until=clock.now()
        )
    (stream,) = (await realtime(status_api))["streams"]
    assert stream["app"] == app
    assert stream["connected"] is True
    assert stream["since"].startswith(connected_at.isoformat()[:19])
    assert stream["lag_seconds"] == {"cost-centers": 20.0}
    assert stream["events_last_minute"] == 3
    assert (await realtime(status_api))["sweeps_stretched"] is True

    clock.advance(60)  # the events are older than a minute, none waits any more
    mark_stream(sessions, app, True, clock.now())
    with sessions.begin() as session:
        RealtimeRepository(session).handled(
            bridge.tenant, "cost-centers", ["K1", "K2"], until=clock.now()
        )
    (stream,) = (await realtime(status_api))["streams"]
    assert (stream["lag_seconds"], stream["events_last_minute"]) == ({"cost-centers": 0.0}, 0)

    clock.advance(5)
    mark_stream(sessions, app, False, clock.now())  # the connection dropped
    mark_stream(sessions, "another-app", False, clock.now())
    dropped = await realtime(status_api)
    (stream,) = dropped["streams"]
    assert stream["connected"] is False
    assert stream["since"].startswith(clock.now().isoformat()[:19])
    assert dropped["sweeps_stretched"] is False


async def test_a_listener_silent_too_long_counts_as_not_connected(
    status_api: httpx.AsyncClient,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    app = app_of(bridge, sessions)
    mark_stream(sessions, app, True, clock.now())
    clock.advance(91)  # no mark for longer than a healthy mark holds
    found = await realtime(status_api)
    assert found["streams"][0]["connected"] is False
    assert found["sweeps_stretched"] is False


def documented_example() -> dict[str, Any]:
    """The ``realtime`` example of docs/realtime.md."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "realtime.md").read_text()
    block = text.split("<!-- status-example -->", 1)[1].split("```json", 1)[1].split("```")[0]
    found: dict[str, Any] = json.loads("{" + block + "}")["realtime"]
    return found


async def test_the_documented_status_example_is_what_the_api_answers(
    status_api: httpx.AsyncClient,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    app = app_of(bridge, sessions)
    mark_stream(sessions, app, True, clock.now())
    accept(sessions, clock, app, bridge, 1)
    answer = await realtime(status_api)
    example = documented_example()
    assert answer.keys() == example.keys()
    (stream,) = answer["streams"]
    (documented,) = example["streams"]
    assert stream.keys() == documented.keys()
    assert {k: type(v) for k, v in stream.items()} == {k: type(v) for k, v in documented.items()}
    assert set(stream["lag_seconds"]) <= set(documented["lag_seconds"])
