"""``Idempotency-Key`` on every write (SQLite and PostgreSQL): replays, reuse with another
request, requests in flight, retention, and the reusable dependency other routes use."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.errors import install_error_handlers
from fortnox_bridge.api.idempotency import IdempotencyDep, request_hash
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services.idempotency import IN_FLIGHT_TIMEOUT
from fortnox_bridge.services.root import build_services
from fortnox_bridge.store.idempotency import IdempotencyRepository
from fortnox_bridge.store.models import ChangeOperation, IdempotencyRecord, MirrorRecord
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KARIN = {"email": "karin.ek@example.se", "given_name": "Karin", "family_name": "Ek"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def tenants(sessions: sessionmaker[Session]) -> dict[str, tuple[int, str]]:
    """Two tenants with a key each: ``{name: (tenant id, key)}``."""
    keys = {}
    with sessions.begin() as session:
        repository = TenantRepository(session)
        for name in ("Värd AB", "Annan AB"):
            tenant = repository.create(name, now=NOW)
            keys[name] = (tenant.id, repository.issue_api_key(tenant, label="t", now=NOW))
    return keys


@pytest.fixture
async def api(
    sessions: sessionmaker[Session], clock: ManualClock, tenants: dict[str, tuple[int, str]]
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {tenants['Värd AB'][1]}"},
    ) as client:
        yield client


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_same_key_and_request_replays_the_first_answer(
    api: httpx.AsyncClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    first = await api.put("/api/v1/employees/e1", json=KARIN, headers=key("put-1"))
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    clock.advance(30)
    again = await api.put("/api/v1/employees/e1", json=KARIN, headers=key("put-1"))
    assert again.status_code == 201  # not "200 unchanged": the first answer, as it was
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert count(sessions, ChangeOperation) == 1
    with sessions.begin() as session:
        record = session.scalars(select(MirrorRecord)).one()
        assert (record.version, record.updated_at) == (1, NOW)

    other = await api.put("/api/v1/employees/e1", json=KARIN, headers=key("put-2"))
    assert (other.status_code, other.json()["status"]) == (200, "unchanged")


async def test_the_same_key_with_another_request_is_a_conflict(
    api: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    await api.put("/api/v1/employees/e1", json=KARIN, headers=key("k"))
    changed_body = await api.put(
        "/api/v1/employees/e1", json={**KARIN, "city": "Lund"}, headers=key("k")
    )
    assert changed_body.status_code == 409
    assert changed_body.json()["error"] == "idempotency_key_reused"
    assert "PUT /api/v1/employees/e1" in changed_body.json()["detail"]
    other_path = await api.put("/api/v1/employees/e2", json=KARIN, headers=key("k"))
    assert (other_path.status_code, other_path.json()["error"]) == (409, "idempotency_key_reused")
    other_method = await api.delete("/api/v1/employees/e1", headers=key("k"))
    assert other_method.status_code == 409
    with sessions.begin() as session:
        assert [r.external_id for r in session.scalars(select(MirrorRecord))] == ["e1"]
        assert session.scalars(select(MirrorRecord)).one().version == 1


async def test_a_batch_is_replayed_whole_and_applied_once(
    api: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    batch = {
        "records": [
            {"external_id": "e1", "data": KARIN},
            {"external_id": "e2", "data": {**KARIN, "email": "bad"}},
        ]
    }
    first = await api.post("/api/v1/employees:batch", json=batch, headers=key("batch-7"))
    again = await api.post("/api/v1/employees:batch", json=batch, headers=key("batch-7"))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert [r["status"] for r in again.json()["results"]] == ["created", "rejected"]
    assert again.headers["idempotent-replayed"] == "true"
    assert count(sessions, ChangeOperation) == 1


async def test_a_refusal_after_the_route_ran_is_kept_but_a_422_is_not(
    api: httpx.AsyncClient,
) -> None:
    missing = await api.delete("/api/v1/employees/e1", headers=key("del"))
    assert missing.status_code == 404
    await api.put("/api/v1/employees/e1", json=KARIN)
    replayed = await api.delete("/api/v1/employees/e1", headers=key("del"))
    assert (replayed.status_code, replayed.headers["idempotent-replayed"]) == (404, "true")
    assert replayed.json() == missing.json()

    invalid = await api.put("/api/v1/employees/e2", json={"email": "x"}, headers=key("fix-me"))
    assert invalid.status_code == 422
    corrected = await api.put(
        "/api/v1/employees/e2", json={**KARIN, "email": "e2@example.se"}, headers=key("fix-me")
    )
    assert corrected.status_code == 201


async def test_a_request_still_in_flight_is_a_conflict_until_it_is_abandoned(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenants: dict[str, tuple[int, str]],
) -> None:
    tenant_id = tenants["Värd AB"][0]
    path = "/api/v1/employees/e1"
    same = request_hash("PUT", path, json.dumps(KARIN).encode())
    with sessions.begin() as session:  # the same request, claimed by a worker still running it
        IdempotencyRepository(session).claim(
            tenant_id, "busy", method="PUT", path=path, request_hash=same, now=NOW
        )
    busy = await api.put(path, content=json.dumps(KARIN), headers=JSON | key("busy"))
    assert busy.status_code == 409
    assert busy.json()["error"] == "idempotency_request_in_progress"
    assert count(sessions, MirrorRecord) == 0
    clock.advance(IN_FLIGHT_TIMEOUT.total_seconds() + 1)  # its worker died
    taken_over = await api.put(path, content=json.dumps(KARIN), headers=JSON | key("busy"))
    assert taken_over.status_code == 201
    replayed = await api.put(path, content=json.dumps(KARIN), headers=JSON | key("busy"))
    assert replayed.headers["idempotent-replayed"] == "true"


async def test_answers_are_kept_for_the_retention_then_pruned(
    api: httpx.AsyncClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    await api.put("/api/v1/employees/e1", json=KARIN, headers=key("old"))
    await api.put("/api/v1/employees/e2", json={**KARIN, "email": "b@example.se"})
    assert count(sessions, IdempotencyRecord) == 1
    clock.advance(23 * 3600)
    kept = await api.put("/api/v1/employees/e1", json=KARIN, headers=key("old"))
    assert kept.headers.get("idempotent-replayed") == "true"
    clock.advance(2 * 3600)  # 25 hours after the first request: past the 24-hour default
    fresh = await api.put(
        "/api/v1/employees/e1", json={**KARIN, "city": "Lund"}, headers=key("new")
    )
    assert fresh.status_code == 200
    with sessions.begin() as session:
        assert [r.key for r in session.scalars(select(IdempotencyRecord))] == ["new"]
    reused = await api.put("/api/v1/employees/e1", json={**KARIN, "city": "Ed"}, headers=key("old"))
    assert (reused.status_code, reused.json()["status"]) == (200, "updated")


async def test_keys_belong_to_one_tenant(
    api: httpx.AsyncClient, tenants: dict[str, tuple[int, str]]
) -> None:
    await api.put("/api/v1/employees/e1", json=KARIN, headers=key("shared"))
    other = await api.put(
        "/api/v1/employees/e1",
        json=KARIN,
        headers={**key("shared"), "Authorization": f"Bearer {tenants['Annan AB'][1]}"},
    )
    assert other.status_code == 201
    assert "idempotent-replayed" not in other.headers


async def test_a_malformed_key_is_refused(api: httpx.AsyncClient) -> None:
    for bad in ("", " leading", "x" * 256, "tab\there", "åäö"):
        answer = await api.put(
            "/api/v1/employees/e1", json=KARIN, headers={"Idempotency-Key": bad.encode()}
        )
        assert answer.status_code == 422, bad
        (error,) = answer.json()["errors"]
        assert (error["path"], error["type"]) == (
            "header.idempotency-key",
            "idempotency_key_invalid",
        )
    assert (await api.get("/api/v1/employees/e1")).status_code == 404


async def test_any_route_can_use_the_dependency(
    sessions: sessionmaker[Session], clock: ManualClock, tenants: dict[str, tuple[int, str]]
) -> None:
    """How ``POST /sync`` and other writes use it: ``run_async`` around the action."""
    tenant_id = tenants["Värd AB"][0]
    app = FastAPI()
    app.state.services = build_services(sessions, clock=clock)
    install_error_handlers(app)
    calls: list[Any] = []

    @app.post("/jobs")
    async def queue(request: Request, idempotency: IdempotencyDep) -> Response:
        async def act() -> Response:
            calls.append(await request.json())
            return JSONResponse({"job": len(calls)}, status_code=202)

        return await idempotency.run_async(tenant_id, act)

    async with httpx.AsyncClient(
        base_url="http://t", transport=httpx.ASGITransport(app=app)
    ) as http:
        first = await http.post("/jobs", json={"kind": "sweep"}, headers=key("j1"))
        second = await http.post("/jobs", json={"kind": "sweep"}, headers=key("j1"))
        unkeyed = await http.post("/jobs", json={"kind": "sweep"})
        reused = await http.post("/jobs", json={"kind": "push"}, headers=key("j1"))
    assert (first.status_code, first.json()) == (202, {"job": 1})
    assert (second.status_code, second.json(), second.headers["idempotent-replayed"]) == (
        202,
        {"job": 1},
        "true",
    )
    assert unkeyed.json() == {"job": 2}
    assert reused.status_code == 409
    assert len(calls) == 2
