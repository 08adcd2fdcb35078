"""What an attacker sends to the edges: ids far out of range on every route with an integer
parameter, and host records carrying NUL, control characters, bidirectional overrides, emoji,
``/`` in ids and 10 KB strings. Every one gets a clear 422 in the API's one error shape (404 pages
in the admin UI) and nothing is stored."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services.root import build_services
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.app import create_web_app
from fortnox_bridge.web.context import WebContext
from integration.bridge_api import api_app

NOW = datetime(2026, 3, 1, tzinfo=UTC)
HUGE = "99999999999999999999"  # past 2**64: SQLite answered OverflowError (500)
MAX_SQL_INT = 2**63 - 1
KARIN = {"email": "karin.ek@example.se", "given_name": "Karin", "family_name": "Ek"}


@pytest.fixture
def app(sessions: sessionmaker[Session], clock: ManualClock) -> FastAPI:
    return api_app(sessions, clock=clock)


@pytest.fixture
def keys(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Kant AB", now=NOW)
        return {
            "tenant": tenants.issue_api_key(tenant, label="t", now=NOW),
            "admin": tenants.issue_admin_key(label="a", now=NOW),
        }


@pytest.fixture
async def api(app: FastAPI, keys: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=transport,
        headers={"Authorization": f"Bearer {keys['tenant']}"},
    ) as client:
        yield client


def _integer_parameters(app: FastAPI) -> list[tuple[str, str, str, str]]:
    """``(method, path, where, name)`` of every integer path and query parameter."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                kinds = [schema, *schema.get("anyOf", [])]
                if any(kind.get("type") == "integer" for kind in kinds):
                    found.append((method, path, parameter["in"], parameter["name"]))
    return found


def _bounds(app: FastAPI, path: str, method: str, name: str) -> tuple[Any, Any]:
    operation = app.openapi()["paths"][path][method]
    schema = next(p["schema"] for p in operation["parameters"] if p["name"] == name)
    kinds = [schema, *schema.get("anyOf", [])]
    integer = next(kind for kind in kinds if kind.get("type") == "integer")
    return integer.get("minimum"), integer.get("maximum")


def test_every_integer_parameter_of_the_api_and_the_ui_has_bounds(
    app: FastAPI, web_context: WebContext
) -> None:
    web = create_web_app(web_context)
    checked = 0
    for served in (app, web):
        for method, path, _where, name in _integer_parameters(served):
            low, high = _bounds(served, path, method, name)
            assert low is not None, (method, path, name)
            assert high is not None, (method, path, name)
            assert high <= MAX_SQL_INT, (method, path, name)
            checked += 1
    assert checked >= 40


@pytest.fixture
def web_context(sessions: sessionmaker[Session], clock: ManualClock) -> WebContext:
    return WebContext(build_services(sessions, clock=clock), secret="edge test")


async def test_ids_out_of_range_get_the_422_shape_on_every_api_route(
    app: FastAPI, api: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    routes = [
        (method, path, name)
        for method, path, where, name in _integer_parameters(app)
        if where == "path"
    ]
    assert len(routes) >= 10
    for method, path, name in routes:
        for value in (HUGE, "-1", "0", "1e3"):
            url = re.sub(
                r"\{(\w+)\}", lambda m, v=value, n=name: v if m.group(1) == n else "x", path
            )
            admin = path.startswith("/api/v1/tenants")
            answer = await api.request(
                method.upper(),
                url,
                json={},
                headers={"Authorization": f"Bearer {keys['admin' if admin else 'tenant']}"},
            )
            where = f"{method.upper()} {url}"
            assert answer.status_code == 422, (where, answer.text)
            body = answer.json()
            assert body["error"] == "validation_failed", where
            assert f"path.{name}" in [issue["path"] for issue in body["errors"]], where


async def test_query_integers_out_of_range_get_the_422_shape(api: httpx.AsyncClient) -> None:
    for value in (HUGE, "-5", "0"):
        answer = await api.get(f"/api/v1/employees?limit={value}")
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["path"] == "query.limit"
    answer = await api.get(f"/api/v1/operations/{HUGE}")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["path"] == "path.operation_id"


# -- host records ----------------------------------------------------------------------------


def _stored(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        tenant = TenantRepository(session).by_name("Kant AB")
        assert tenant is not None
        mirror = MirrorRepository(session)
        return sum(
            len(mirror.live(tenant.id, entity))
            for entity in ("employee", "absence", "absence_type", "project", "time_entry")
        )


@pytest.mark.parametrize(
    ("collection", "record", "path", "kind"),
    [
        ("employees", {**KARIN, "given_name": "A\u0000B"}, "$.given_name", "unsafe_character"),
        ("employees", {**KARIN, "city": "Kalmar\u202e"}, "$.city", "unsafe_character"),
        ("employees", {**KARIN, "family_name": "Ek\u0007"}, "$.family_name", "unsafe_character"),
        ("employees", {**KARIN, "family_name": "Ek 😀"}, "$.family_name", "fortnox_characters"),
        (
            "employees",
            {**KARIN, "given_name": "<b>Karin</b>"},
            "$.given_name",
            "fortnox_characters",
        ),
        (
            "employees",
            {**KARIN, "address_line1": "Gatan\t1"},
            "$.address_line1",
            "fortnox_characters",
        ),
        ("employees", {**KARIN, "given_name": "K" * 10_000}, "$.given_name", "string_too_long"),
        ("absence-types", {"code": "SEM", "name": "Semester\u0000"}, "$.name", "unsafe_character"),
        ("projects", {"number": "P 1", "name": "Bygget"}, "$.number", "fortnox_characters"),
        ("projects", {"number": "P1", "name": "Bygget \u2066x"}, "$.name", "unsafe_character"),
        ("projects", {"number": "P1", "name": "Bygget 🏗"}, "$.name", "fortnox_characters"),
    ],
)
async def test_text_fortnox_or_a_file_would_choke_on_is_refused_with_its_path(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    collection: str,
    record: dict[str, Any],
    path: str,
    kind: str,
) -> None:
    answer = await api.put(f"/api/v1/{collection}/r-1", json=record)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "validation_failed"
    assert [(issue["path"], issue["type"]) for issue in body["errors"]] == [(path, kind)]
    batch = await api.post(
        f"/api/v1/{collection}:batch", json={"records": [{"external_id": "r-2", "data": record}]}
    )
    assert batch.json()["counts"]["rejected"] == 1
    assert batch.json()["results"][0]["errors"][0]["path"] == f"$.records[0].data{path[1:]}"
    assert _stored(sessions) == 0


async def test_the_messages_say_what_and_how_to_fix(api: httpx.AsyncClient) -> None:
    nul = await api.put("/api/v1/employees/e-1", json={**KARIN, "given_name": "A\u0000B"})
    assert nul.json()["errors"][0]["message"] == (
        "the text holds U+0000 at character 2: remove it (no text field takes control "
        "characters other than line breaks and tabs, bidirectional overrides or non-characters)"
    )
    emoji = await api.put("/api/v1/employees/e-1", json={**KARIN, "family_name": "Ek 😀"})
    message = emoji.json()["errors"][0]["message"]
    assert message.startswith(
        "Fortnox refuses '😀' (U+1F600) (character 4) in Employee.LastName, which this field "
        "becomes; it takes letters, digits, spaces"
    )


async def test_a_lone_surrogate_is_refused(api: httpx.AsyncClient) -> None:
    raw = '{"email": "karin.ek@example.se", "given_name": "K\\ud800", "family_name": "Ek"}'
    answer = await api.put(
        "/api/v1/employees/e-1", content=raw, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["path"] == "$.given_name"


async def test_what_fortnox_takes_is_taken(
    api: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    fine = {
        **KARIN,
        "given_name": "Åsa-Märta",
        "family_name": "O’Brien Öberg",  # the typographic apostrophe
        "address_line1": "Storgatan 1 (baksidan), 2 tr. #3",
        "address_line2": "c/o Zoë Ångström & Co",
    }
    assert (await api.put("/api/v1/employees/e-1", json=fine)).status_code == 201
    note = {"employee": "e-1", "absence_type": "t", "start": "2026-03-02", "note": "Rad 1\nRad 2"}
    assert (await api.put("/api/v1/absences/a-1", json=note)).status_code == 201
    assert _stored(sessions) == 2


# -- external ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "external_id",
    ["a/b", "   ", "a b", "..", ".", "emp%2F1", "emp\u0000", "emp\u202e1", "😀", "x" * 201],
)
async def test_unsafe_external_ids_are_refused_in_batches(
    api: httpx.AsyncClient, sessions: sessionmaker[Session], external_id: str
) -> None:
    answer = await api.post(
        "/api/v1/employees:batch", json={"records": [{"external_id": external_id, "data": KARIN}]}
    )
    assert answer.status_code == 200
    result = answer.json()["results"][0]
    assert result["status"] == "rejected"
    assert result["errors"][0]["path"] == "$.records[0].external_id"
    assert _stored(sessions) == 0


async def test_unsafe_external_ids_are_refused_in_paths(
    api: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    for quoted in ("%20%20%20", "a%20b", "..%2E", "%E2%80%AE1", "x" * 10_000):
        answer = await api.put(f"/api/v1/employees/{quoted}", json=KARIN)
        assert answer.status_code == 422, (quoted, answer.text)
        assert answer.json()["errors"][0]["path"] == "path.external_id"
    spaces = await api.put("/api/v1/employees/%20%20%20", json=KARIN)
    assert (
        "external ids take only letters A-Z and a-z, digits and . _ : @ ~ -"
        in (spaces.json()["errors"][0]["message"])
    )
    assert (await api.put("/api/v1/employees/a%2Fb", json=KARIN)).status_code == 404
    assert _stored(sessions) == 0


async def test_every_allowed_character_makes_a_reachable_external_id(
    api: httpx.AsyncClient,
) -> None:
    external_id = "Emp.7_a:b@c~d-E"
    assert (await api.put(f"/api/v1/employees/{external_id}", json=KARIN)).status_code == 201
    read = await api.get(f"/api/v1/employees/{external_id}")
    assert (read.status_code, read.json()["external_id"]) == (200, external_id)
