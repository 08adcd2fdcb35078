"""The four control endpoints in their fixed shapes, their errors, and state persistence."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sandbox.openapi_check import checked

from conftest import REFERENCE_DIR, SANDBOX_URL, ClientFactory
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.state import DEFAULT_LICENCES
from fortnox_bridge.sandbox.transport import SandboxTransport


@pytest.fixture
def sandbox_transport(sandbox_state: SandboxState) -> Iterator[httpx.AsyncBaseTransport]:
    """Every API answer of this module is checked against the OpenAPI document."""
    document = REFERENCE_DIR / "fortnox-openapi.json"
    yield from checked(SandboxTransport(create_app(sandbox_state)), document)


@pytest.fixture
async def http(sandbox_transport: httpx.ASGITransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=SANDBOX_URL, transport=sandbox_transport)


async def test_create_company_shape(http: httpx.AsyncClient) -> None:
    response = await http.post("/_sandbox/companies", json={"name": "Bygg AB", "seed": "demo"})
    assert response.status_code == 201
    body = response.json()
    assert body["tenant_id"] == 1
    assert body["name"] == "Bygg AB"
    assert body["seed"] == "demo"
    assert body["licences"] == list(DEFAULT_LICENCES)
    again = await http.post("/_sandbox/companies", json={"name": "Två", "licences": ["salary"]})
    assert again.json()["tenant_id"] == 2
    assert again.json()["licences"] == ["salary"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "'name' is required"),
        ({"name": "  "}, "'name' is required"),
        ({"name": "A", "seed": "full"}, "'seed' must be one of"),
        ({"name": "A", "licences": "salary"}, "list of strings"),
        ({"name": "A", "licences": ["salery"]}, "unknown values ['salery']"),
        ([1, 2], "must be a JSON object"),
    ],
)
async def test_create_company_rejects_bad_input(
    http: httpx.AsyncClient, body: object, fragment: str
) -> None:
    response = await http.post("/_sandbox/companies", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


async def test_tokens_shape(http: httpx.AsyncClient, sandbox_state: SandboxState) -> None:
    tenant = (await http.post("/_sandbox/companies", json={"name": "A"})).json()["tenant_id"]
    response = await http.post(
        f"/_sandbox/companies/{tenant}/tokens", json={"scopes": ["salary", "customer"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert {
        "access_token",
        "refresh_token",
        "expires_in",
        "scope",
        "client_id",
        "client_secret",
    } <= set(body)
    assert body["expires_in"] == 3600
    assert body["scope"] == "customer salary"
    assert body["client_id"] == sandbox_state.app.client_id
    assert body["client_secret"] == sandbox_state.app.client_secret
    assert body["access_token"] != body["refresh_token"]


async def test_tokens_errors(http: httpx.AsyncClient) -> None:
    missing = await http.post("/_sandbox/companies/99/tokens", json={"scopes": ["salary"]})
    assert missing.status_code == 404
    assert missing.json()["error"] == "unknown_company"
    tenant = (await http.post("/_sandbox/companies", json={"name": "A"})).json()["tenant_id"]
    empty = await http.post(f"/_sandbox/companies/{tenant}/tokens", json={"scopes": []})
    assert empty.status_code == 400
    bad_json = await http.post(f"/_sandbox/companies/{tenant}/tokens", content=b"{")
    assert bad_json.status_code == 400
    assert bad_json.json()["error"] == "invalid_json"


async def test_stats_count_api_requests_per_tenant_and_status(
    control: SandboxControl, make_client: ClientFactory
) -> None:
    one = (await control.create_company("Ett"))["tenant_id"]
    two = (await control.create_company("Två"))["tenant_id"]
    client_one, client_two = await make_client(one), await make_client(two)
    await client_one.employees.create({"first_name": "A", "last_name": "B"})
    await client_one.employees.list_page()
    await client_two.employees.list_page()
    with pytest.raises(Exception, match="404"):
        await client_two.employees.get("9")
    overall = await control.stats()
    assert overall["requests_total"] == 4
    assert overall["write_requests"] == 1
    assert overall["responses_by_status"] == {"201": 1, "200": 2, "404": 1}
    assert overall["requests_by_method"] == {"POST": 1, "GET": 3}
    per_tenant = await control.stats(one)
    assert per_tenant["tenant_id"] == one
    assert per_tenant["requests_total"] == 2
    assert (await control.stats(99))["requests_total"] == 0


async def test_unauthenticated_requests_count_overall_only(
    http: httpx.AsyncClient, control: SandboxControl
) -> None:
    await http.get("/3/employees")
    stats = await control.stats()
    assert stats["responses_by_status"] == {"401": 1}


async def test_reset_forgets_companies_tokens_and_counts(
    control: SandboxControl, make_client: ClientFactory
) -> None:
    tenant = (await control.create_company("A"))["tenant_id"]
    client = await make_client(tenant)
    await client.employees.list_page()
    assert await control.reset() == {"reset": True}
    assert await control.company_exists(tenant) is False
    assert (await control.stats())["requests_total"] == 0
    response = await client._http.get("/3/employees")
    assert response.status_code == 401


async def test_state_survives_save_and_load(
    control: SandboxControl, make_client: ClientFactory, sandbox_state: SandboxState, tmp_path: Path
) -> None:
    tenant = (await control.create_company("Spara AB", seed="demo"))["tenant_id"]
    client = await make_client(tenant)
    await client.employees.create({"first_name": "Ny", "last_name": "Person"})
    path = tmp_path / "sandbox.sqlite"
    sandbox_state.save(path)
    restored = SandboxState()
    restored.load(path)
    company = restored.companies[tenant]
    assert company.name == "Spara AB"
    assert sorted(company.employees) == ["1", "2", "3"]
    assert company.register("employees").take_number() == "4"


def test_loading_another_format_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite"
    SandboxState().save(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(ValueError, match="format 99 is not 2; delete the file"):
        SandboxState().load(path)


def test_loading_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text('{"format": 1, "companies": []}')
    with pytest.raises(ValueError, match="not a sandbox state file"):
        SandboxState().load(path)
