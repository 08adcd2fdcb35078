"""The event feed (``GET /api/v1/events``): order, resuming from a cursor, the types filter,
long-polls woken by new events, invalid cursors, and the events a pull sweep writes — on SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.flow.sources import RemoteRecord
from fortnox_bridge.engine.outbox.events import EventBus
from fortnox_bridge.engine.sync.importing import Importer
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.db import session_factory
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import Put, employee

Append = Callable[..., None]


class Parked:
    """A sleep that never ends by itself: only an event can end a long-poll that waits on it."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.entered = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.entered.set()
        await asyncio.Event().wait()


def _key(sessions: sessionmaker[Session], clock: ManualClock, tenant_id: int) -> str:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        found = tenants.get(tenant_id)
        assert found is not None
        return tenants.issue_api_key(found, label="feed", now=clock.now())


@pytest.fixture
def other_tenant(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create("Andra AB", now=clock.now()).id


@pytest.fixture
def append(sessions: sessionmaker[Session], clock: ManualClock) -> Append:
    """``append(tenant, type, n=1, **data)`` commits ``n`` events of one type."""

    def add(tenant_id: int, type_: str, n: int = 1, **data: Any) -> None:
        with sessions.begin() as session:
            events = EventRepository(session)
            for index in range(n):
                events.append(
                    tenant_id,
                    type_,
                    data={"n": index, **data},
                    now=clock.now(),
                    entity_type="employee",
                    external_id=f"e{index}",
                )

    return add


@pytest.fixture
def bus(sessions: sessionmaker[Session]) -> EventBus:
    found = EventBus()
    found.attach(sessions)
    return found


@pytest.fixture
def parked() -> Parked:
    return Parked()


def _client(app: Any, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    )


@pytest.fixture
async def api(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int
) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the manual clock's sleep (waits move the clock)."""
    async with _client(api_app(sessions, clock=clock), _key(sessions, clock, tenant)) as client:
        yield client


@pytest.fixture
async def parked_api(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, bus: EventBus, parked: Parked
) -> AsyncIterator[httpx.AsyncClient]:
    """The API whose long-polls can only be ended by the event bus."""
    app = api_app(sessions, clock=clock, hooks=EngineHooks(events=bus, sleep=parked))
    async with _client(app, _key(sessions, clock, tenant)) as client:
        yield client


async def _read_all(
    api: httpx.AsyncClient, after: str | None, **params: Any
) -> tuple[list[Any], str]:
    """Follow next_cursor until a page comes back empty; every event and the last cursor."""
    seen: list[Any] = []
    cursor = after
    while True:
        query = {**params, **({"after": cursor} if cursor is not None else {})}
        page = await api.get("/api/v1/events", params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        if not body["data"]:
            assert body["next_cursor"] == (cursor or "0")
            return seen, body["next_cursor"]
        seen += body["data"]
        assert body["next_cursor"] == body["data"][-1]["id"]
        cursor = body["next_cursor"]


async def test_the_feed_is_in_order_and_resumes_from_a_cursor_without_loss_or_repeats(
    api: httpx.AsyncClient,
    append: Append,
    tenant: int,
    other_tenant: int,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    for _ in range(5):  # the other tenant writes in between: its events never show here
        append(tenant, "record.changed", 40)
        append(other_tenant, "record.changed", 3)
        append(tenant, "operation.succeeded", 10)
    events, cursor = await _read_all(api, None, limit=100)
    assert [e["id"] for e in events] == [str(n) for n in range(1, 251)]
    assert [e["type"] for e in events[38:42]] == ["record.changed"] * 2 + [
        "operation.succeeded"
    ] * 2
    first = events[0]
    assert first == {
        "id": "1",
        "type": "record.changed",
        "entity": "employee",
        "external_id": "e0",
        "data": {"n": 0},
        "created_at": "2026-01-01T00:00:00Z",
    }
    assert cursor == "250"

    append(tenant, "record.deleted", 7)
    resumed, cursor = await _read_all(api, "250", limit=3)
    assert [e["id"] for e in resumed] == [str(n) for n in range(251, 258)]
    assert {e["type"] for e in resumed} == {"record.deleted"}
    assert cursor == "257"
    middle = await api.get("/api/v1/events", params={"after": "99", "limit": 2})
    assert [e["id"] for e in middle.json()["data"]] == ["100", "101"]

    one = await api.get("/api/v1/events/120")
    assert (one.status_code, one.json()["id"], one.json()["type"]) == (200, "120", "record.changed")
    assert (await api.get("/api/v1/events/258")).status_code == 404
    assert (await api.get("/api/v1/events/x")).status_code == 404

    other = _key(sessions, clock, other_tenant)
    theirs = await api.get("/api/v1/events", headers={"Authorization": f"Bearer {other}"})
    assert [e["id"] for e in theirs.json()["data"]] == [str(n) for n in range(1, 16)]


async def test_the_types_filter_keeps_the_order_and_moves_the_cursor_past_skipped_events(
    api: httpx.AsyncClient, append: Append, tenant: int
) -> None:
    append(tenant, "record.changed", 2)  # 1, 2
    append(tenant, "conflict.opened")  # 3
    append(tenant, "operation.failed", 3)  # 4..6
    append(tenant, "record.changed")  # 7
    append(tenant, "operation.succeeded")  # 8
    page = await api.get("/api/v1/events", params={"types": "record.changed,conflict.opened"})
    body = page.json()
    assert [(e["id"], e["type"]) for e in body["data"]] == [
        ("1", "record.changed"),
        ("2", "record.changed"),
        ("3", "conflict.opened"),
        ("7", "record.changed"),
    ]
    assert body["next_cursor"] == "8"  # all read: 8 was skipped, not missed
    full = await api.get("/api/v1/events", params={"types": "operation.failed", "limit": 2})
    assert [e["id"] for e in full.json()["data"]] == ["4", "5"]
    assert full.json()["next_cursor"] == "5"  # a full page: there may be more after it
    unknown = await api.get("/api/v1/events", params={"types": "record.changed,record.moved"})
    assert unknown.status_code == 422
    (error,) = unknown.json()["errors"]
    assert error["path"] == "query.types"
    assert "record.moved" in error["message"]
    assert "operation.failed" in error["message"]  # the known ones are listed


async def test_an_invalid_cursor_is_a_422_that_says_what_to_do(
    api: httpx.AsyncClient, append: Append, tenant: int
) -> None:
    append(tenant, "record.changed", 3)
    cases = [("abc", "not a cursor"), ("-1", "not a cursor"), ("1.5", "not a cursor")]
    for after, why in [*cases, ("9", "ahead of this feed (its last event is 3)")]:
        answer = await api.get("/api/v1/events", params={"after": after})
        assert answer.status_code == 422, after
        (error,) = answer.json()["errors"]
        assert error["path"] == "query.after"
        assert why in error["message"]
        assert "next_cursor" in error["message"]
    assert (await api.get("/api/v1/events", params={"after": "3"})).status_code == 200


async def test_a_long_poll_answers_as_soon_as_an_event_is_committed(
    parked_api: httpx.AsyncClient,
    parked: Parked,
    bus: EventBus,
    append: Append,
    tenant: int,
) -> None:
    append(tenant, "record.changed")
    for cursor, in_thread in (("1", False), ("2", True)):
        parked.entered.clear()
        polling = asyncio.create_task(
            parked_api.get("/api/v1/events", params={"after": cursor, "wait": 30})
        )
        await asyncio.wait_for(parked.entered.wait(), 10)  # it found nothing and waits
        assert not polling.done()
        assert bus.subscribers(tenant) == 1
        if in_thread:  # committed by another thread (a sync route, a worker thread)
            await asyncio.to_thread(append, tenant, "conflict.opened")
        else:
            append(tenant, "conflict.opened")
        answer = await asyncio.wait_for(polling, 10)
        expected = str(int(cursor) + 1)
        assert [(e["id"], e["type"]) for e in answer.json()["data"]] == [
            (expected, "conflict.opened")
        ]
        assert answer.json()["next_cursor"] == expected
        assert bus.subscribers(tenant) == 0
    assert parked.calls == [1.0, 1.0]  # each woken during its first wait, not by the clock


async def test_a_long_poll_ignores_other_tenants_and_filtered_types(
    parked_api: httpx.AsyncClient,
    parked: Parked,
    append: Append,
    tenant: int,
    other_tenant: int,
) -> None:
    polling = asyncio.create_task(
        parked_api.get("/api/v1/events", params={"types": "record.deleted", "wait": 30})
    )
    await asyncio.wait_for(parked.entered.wait(), 10)
    append(other_tenant, "record.deleted")
    append(tenant, "record.changed")  # wakes it, but the filter keeps waiting
    for _ in range(50):
        await asyncio.sleep(0)
    assert not polling.done()
    append(tenant, "record.deleted")
    answer = await asyncio.wait_for(polling, 10)
    assert [(e["id"], e["type"]) for e in answer.json()["data"]] == [("2", "record.deleted")]


async def test_a_long_poll_with_nothing_new_ends_after_wait_on_the_injected_clock(
    api: httpx.AsyncClient, append: Append, tenant: int, clock: ManualClock
) -> None:
    append(tenant, "record.changed", 2)
    started = clock.now()
    answer = await api.get("/api/v1/events", params={"after": "2", "wait": 2.5})
    assert answer.json() == {"data": [], "next_cursor": "2"}
    assert clock.slept == [1.0, 1.0, 0.5]
    assert (clock.now() - started).total_seconds() == 2.5


async def test_a_long_poll_finds_events_of_another_process_by_looking_again(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, bus: EventBus
) -> None:
    # Another process: its own session factory, which no bus of ours listens to.
    elsewhere = session_factory(sessions.kw["bind"])
    looks: list[float] = []

    async def sleep(seconds: float) -> None:
        looks.append(seconds)
        await clock.sleep(seconds)
        if len(looks) == 3:
            with elsewhere.begin() as session:
                EventRepository(session).append(
                    tenant, "operation.failed", data={"code": 2000359}, now=clock.now()
                )

    app = api_app(sessions, clock=clock, hooks=EngineHooks(events=bus, sleep=sleep))
    async with _client(app, _key(sessions, clock, tenant)) as api:
        answer = await api.get("/api/v1/events", params={"wait": 30})
    assert [e["data"] for e in answer.json()["data"]] == [{"code": 2000359}]
    assert looks == [1.0, 1.0, 1.0]


def _two_way(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, **settings: Any
) -> Runner:
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            tenant, "hr.employee.pull", enabled=True, settings=settings, now=clock.now()
        )
    return Runner(sessions, clock=clock, flows=[EmployeePull, EmployeePush])


async def _after(api: httpx.AsyncClient, cursor: str, **params: Any) -> list[dict[str, Any]]:
    answer = await api.get("/api/v1/events", params={"after": cursor, **params})
    assert answer.status_code == 200, answer.text
    data: list[dict[str, Any]] = answer.json()["data"]
    return data


async def _cursor(api: httpx.AsyncClient) -> str:
    _, cursor = await _read_all(api, None)
    return cursor


async def test_a_fortnox_side_edit_picked_up_by_a_sweep_is_a_record_changed_event(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    employees: Callable[[int], None],
) -> None:
    employees(3)
    runner = _two_way(sessions, clock, tenant)
    await runner.run_cycle(tenant, engine_client)
    await runner.run_cycle(tenant, engine_client)  # settled: whatever flows back has flowed
    cursor = await _cursor(api)

    await engine_client.employees.update("2", {"phone1": "08-555 12 12", "last_name": "Ek"})
    await runner.run_cycle(tenant, engine_client)
    (event,) = await _after(api, cursor)
    assert event["type"] == "record.changed"
    assert (event["entity"], event["external_id"]) == ("employee", "e002")
    data = event["data"]
    assert data["changed"] == {"family_name": "Ek", "phone": "08-555 12 12"}
    assert (data["entity"], data["external_id"], data["fortnox_id"]) == ("employee", "e002", "2")
    assert data["flow"] == "hr.employee.pull"
    fetched = await api.get("/api/v1/employees/e002")
    assert data["version"] == fetched.json()["version"]

    await runner.run_cycle(tenant, engine_client)  # nothing new in Fortnox: no event
    assert await _after(api, event["id"]) == []


async def test_a_conflict_opened_by_a_sweep_is_an_event_once(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    put: Put,
) -> None:
    put("employee", "e001", employee(1))
    runner = _two_way(sessions, clock, tenant)
    await runner.run_cycle(tenant, engine_client)
    await runner.run_cycle(tenant, engine_client)
    cursor = await _cursor(api)
    put("employee", "e001", employee(1, family_name="Bridgesson"))
    await engine_client.employees.update("1", {"last_name": "Fortnoxsson"})
    await runner.run_cycle(tenant, engine_client)
    await runner.run_cycle(tenant, engine_client)  # still open: not announced again
    (event,) = await _after(api, cursor, types="conflict.opened")
    assert (event["entity"], event["external_id"]) == ("employee", "e001")
    assert event["data"]["fields"] == {
        "last_name": {"base": "Svensson", "bridge": "Bridgesson", "fortnox": "Fortnoxsson"}
    }
    assert event["data"]["fortnox_id"] == "1"
    conflicts = await api.get("/api/v1/conflicts")
    assert conflicts.status_code == 200
    assert event["data"]["conflict_id"] in [c["id"] for c in _items(conflicts.json())]


def _items(body: Any) -> list[dict[str, Any]]:
    return list(body["data"] if isinstance(body, dict) else body)


async def test_imports_of_fortnox_records_are_created_changed_and_deleted_events(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
) -> None:
    flow = EmployeePull()
    importer = Importer(RunScope(sessions=sessions, clock=clock, tenant_id=tenant, owner="test"))
    fields = {"email": "ada@example.se", "first_name": "Ada", "last_name": "Ek"}
    known = frozenset(fields)
    importer.all(flow, [RemoteRecord("9", fields, known)], FlowResult(flow.name), complete=True)
    moved = {**fields, "last_name": "Berg"}
    importer.all(flow, [RemoteRecord("9", moved, known)], FlowResult(flow.name), complete=True)
    importer.all(flow, [RemoteRecord("9", moved, known)], FlowResult(flow.name), complete=True)
    importer.all(flow, [], FlowResult(flow.name), complete=True)
    events = await _after(api, "0")
    assert [(e["type"], e["external_id"], e["data"]["version"]) for e in events] == [
        ("record.created", "9", 1),
        ("record.changed", "9", 2),
        ("record.deleted", "9", 3),
    ]
    assert events[0]["data"]["changed"] == {
        "email": "ada@example.se",
        "given_name": "Ada",
        "family_name": "Ek",
    }
    assert events[1]["data"]["changed"] == {"family_name": "Berg"}
    assert events[2]["data"]["changed"] == {}
    assert {e["data"]["fortnox_id"] for e in events} == {"9"}
