"""The edges of the host API: media types, unreadable bodies, unknown routes, the 422 of a read,
and the interactive reference served without a network."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.errors import UNREADABLE_BODY
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

NOW = datetime(2026, 3, 1, tzinfo=UTC)
KARIN = b'{"email": "karin.ek@example.se", "given_name": "Karin", "family_name": "Ek"}'
BASE = "http://bridge.test"


@pytest.fixture
async def api(
    sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        key = tenants.issue_api_key(tenants.create("Kant AB", now=NOW), label="t", now=NOW)
    transport = httpx.ASGITransport(app=api_app(sessions, clock=clock))
    async with httpx.AsyncClient(
        base_url=BASE, transport=transport, headers={"Authorization": f"Bearer {key}"}
    ) as client:
        yield client


async def test_a_body_without_a_content_type_is_415_and_stores_nothing(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.put("/api/v1/employees/emp-1", content=KARIN)
    assert answer.status_code == 415
    assert answer.json() == {
        "error": "unsupported_media_type",
        "detail": "PUT /api/v1/employees/emp-1 reads JSON: send the body with "
        "'Content-Type: application/json' (this request has none)",
    }
    assert (await api.get("/api/v1/employees/emp-1")).status_code == 404


async def test_a_body_in_another_media_type_is_415_naming_it(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/api/v1/sync", content=b'{"wait": true}', headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 415
    assert "(this request has 'text/plain')" in answer.json()["detail"]
    xml = await api.post(
        "/api/v1/paxml", content=b'{"a": 1}', headers={"Content-Type": "application/json"}
    )
    assert xml.status_code == 415
    assert "reads XML: send the body with 'Content-Type: application/xml'" in xml.json()["detail"]


async def test_json_and_merge_patch_with_parameters_are_read(api: httpx.AsyncClient) -> None:
    created = await api.put(
        "/api/v1/employees/emp-1",
        content=KARIN,
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert created.status_code == 201
    for media in ("application/merge-patch+json", "application/json"):
        patched = await api.patch(
            "/api/v1/employees/emp-1",
            content=b'{"city": "Kalmar"}',
            headers={"Content-Type": media},
        )
        assert patched.status_code == 200, patched.text
    # A route whose body is optional takes a request without one, whatever its headers say.
    assert (await api.post("/api/v1/sync")).status_code == 503  # no engine here: not a 415


async def test_a_body_that_is_not_utf8_is_400_with_the_documented_words(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.put(
        "/api/v1/employees/emp-1",
        content='{"email": "åsa@example.se"}'.encode("latin-1"),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "bad_request", "detail": UNREADABLE_BODY}


async def test_unknown_routes_and_methods_answer_in_the_one_error_shape(
    api: httpx.AsyncClient,
) -> None:
    unknown = await api.get("/api/v1/salaries")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": "not_found",
        "detail": "there is no GET /api/v1/salaries: the routes are listed at /api/docs",
    }
    wrong = await api.delete("/healthz")
    assert wrong.status_code == 405
    assert wrong.json() == {
        "error": "method_not_allowed",
        "detail": "DELETE /healthz is not allowed; this path takes GET",
    }


async def test_a_read_with_a_bad_parameter_does_not_speak_of_storing(
    api: httpx.AsyncClient,
) -> None:
    read = await api.get("/api/v1/employees", params={"limit": 0})
    assert read.status_code == 422
    assert read.json()["detail"] == (
        "1 field is invalid (query.limit); correct the request and send it again"
    )
    write = await api.put(
        "/api/v1/employees/emp-1", json={"email": "karin", "given_name": "K", "family_name": "E"}
    )
    assert write.status_code == 422
    assert "; nothing was stored: correct the request" in write.json()["detail"]


LOCAL_URL = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url: ?'([^']+)'""")


@pytest.mark.parametrize("page", ["/api/docs", "/api/redoc"])
async def test_the_interactive_reference_loads_only_files_the_bridge_serves(
    api: httpx.AsyncClient, page: str
) -> None:
    html = await api.get(page)
    assert html.status_code == 200
    found = [a or b for a, b in LOCAL_URL.findall(html.text)]
    assert len(found) >= 3, html.text  # the page, its script, the OpenAPI document
    assert "/api/openapi.json" in found
    for url in found:
        absolute = urljoin(f"{BASE}{page}", url)
        assert urlsplit(absolute).netloc == "bridge.test", f"{page} loads {url} from elsewhere"
        answer = await api.get(absolute)
        assert answer.status_code == 200, f"{page}: {url} → {answer.status_code}"
    assert "http://" not in html.text.replace(BASE, "")
    assert "https://" not in html.text
