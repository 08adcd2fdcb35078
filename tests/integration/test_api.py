"""The host REST API over the store (SQLite and PostgreSQL), and API → engine → sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

NOW = datetime(2026, 3, 1, tzinfo=UTC)
KARIN = {"email": "karin.ek@example.se", "given_name": "Karin", "family_name": "Ek"}


@pytest.fixture
def api_key(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        return tenants.issue_api_key(tenants.create("Värd AB", now=NOW), label="t", now=NOW)


@pytest.fixture
async def api(
    sessions: sessionmaker[Session], clock: ManualClock, api_key: str
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=api_app(sessions, clock=clock))
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=transport,
        headers={"Authorization": f"Bearer {api_key}"},
    ) as client:
        yield client


async def test_healthz_checks_the_database(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_put_creates_then_reports_unchanged_then_updated(api: httpx.AsyncClient) -> None:
    created = await api.put("/api/v1/employees/emp-1", json=KARIN)
    assert created.status_code == 201
    assert created.json()["status"] == "created"
    assert created.json()["version"] == 1
    assert created.json()["data"] == KARIN
    same = await api.put("/api/v1/employees/emp-1", json=KARIN)
    assert (same.status_code, same.json()["status"], same.json()["version"]) == (
        200,
        "unchanged",
        1,
    )
    moved = await api.put("/api/v1/employees/emp-1", json={**KARIN, "city": "Kalmar"})
    assert (moved.status_code, moved.json()["status"], moved.json()["version"]) == (
        200,
        "updated",
        2,
    )
    fetched = await api.get("/api/v1/employees/emp-1")
    assert fetched.json()["data"]["city"] == "Kalmar"


async def test_missing_and_wrong_api_keys_are_refused(api: httpx.AsyncClient) -> None:
    missing = await api.put("/api/v1/employees/e", json=KARIN, headers={"Authorization": ""})
    assert missing.status_code == 401
    assert missing.json()["error"] == "missing_api_key"
    wrong = await api.put(
        "/api/v1/employees/e", json=KARIN, headers={"Authorization": "Bearer fbk_wrong"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_api_key"
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_x_api_key_header_works_too(api: httpx.AsyncClient, api_key: str) -> None:
    response = await api.put(
        "/api/v1/employees/e", json=KARIN, headers={"Authorization": "", "X-API-Key": api_key}
    )
    assert response.status_code == 201


async def test_bad_record_gets_field_level_errors_and_keeps_the_stored_one(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/api/v1/employees/emp-1", json=KARIN)
    bad = await api.put(
        "/api/v1/employees/emp-1", json={"email": "karin-at-example", "given_name": "Karin"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == "validation_failed"
    assert {error["path"] for error in bad.json()["errors"]} == {"$.email", "$.family_name"}
    kept = await api.get("/api/v1/employees/emp-1")
    assert kept.json()["data"] == KARIN
    assert kept.json()["version"] == 1


async def test_unknown_employee_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/employees/nobody")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "detail": "no employee with external id 'nobody'",
    }


async def test_external_id_longer_than_200_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.put(f"/api/v1/employees/{'x' * 201}", json=KARIN)
    assert response.status_code == 422


async def test_record_pushed_through_the_api_reaches_fortnox(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    client: FortnoxClient,
    clock: ManualClock,
) -> None:
    await api.put("/api/v1/employees/emp-9", json={**KARIN, "phone": "070-999 99 99"})
    with sessions.begin() as session:
        tenant = TenantRepository(session).by_name("Värd AB")
        assert tenant is not None
        tenant_id = tenant.id
    summary = await Runner(sessions, clock=clock).run_cycle(tenant_id, client)
    assert summary.total("created") == 1
    (employee,) = [e async for e in client.employees.iterate()]
    full = await client.employees.get(employee.employee_id or "")
    assert (full.first_name, full.last_name, full.phone1) == ("Karin", "Ek", "070-999 99 99")
