"""Security headers on every answer: the UI's pages and error pages, its static files, the API's
JSON; and templates the Content-Security-Policy can serve unchanged (no inline script or style)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.consent import FortnoxConsent
from fortnox_bridge.web.context import WebContext
from integration.bridge_api import api_app
from integration.web.support import csrf_of

TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "fortnox_bridge" / "web" / "templates"
UI = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def csp(answer: object) -> dict[str, str]:
    """The Content-Security-Policy of an answer, by directive."""
    header = answer.headers["content-security-policy"]  # type: ignore[attr-defined]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in header.split(";"))
    }


def assert_ui_headers(answer: object) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    for name, value in UI.items():
        assert headers[name] == value, (name, headers.get(name))
    policy = csp(answer)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert "strict-transport-security" not in headers  # plain HTTP here


@pytest.fixture
def tenant(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create("Rubrik AB", now=clock.now()).id


@pytest.fixture
def failing(bridge_app: FastAPI) -> Iterator[TestClient]:
    """The UI with one page that fails (the framework's own 500 page)."""
    mount = next(route for route in bridge_app.routes if getattr(route, "path", "") == "/ui")
    web_app = mount.app  # type: ignore[attr-defined]

    def boom() -> None:
        raise RuntimeError("boom")

    web_app.add_api_route("/boom", boom)
    with TestClient(
        bridge_app,
        base_url="http://bridge.test",
        follow_redirects=False,
        raise_server_exceptions=False,
    ) as client:
        yield client


def test_every_kind_of_ui_answer_carries_the_security_headers(
    browser: TestClient, signed_in: TestClient, tenant: int, failing: TestClient
) -> None:
    visitor = TestClient(browser.app, base_url="http://bridge.test", follow_redirects=False)
    answers = {
        "login page": visitor.get("/ui/login"),
        "redirect to the login": visitor.get("/ui/tenants"),
        "forged form (403)": visitor.post("/ui/login", data={"email": "a@b.se"}),
        "static file": visitor.get("/ui/static/app.css"),
        "tenants": signed_in.get("/ui/tenants"),
        "tenant overview": signed_in.get(f"/ui/tenants/{tenant}"),
        "runs": signed_in.get(f"/ui/tenants/{tenant}/runs"),
        "settings": signed_in.get(f"/ui/tenants/{tenant}/settings"),
        "unknown tenant (404)": signed_in.get("/ui/tenants/999999"),
        "unknown page (404)": signed_in.get("/ui/no-such-page"),
        "failing page (500)": failing.get("/ui/boom"),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "login page": 200,
        "redirect to the login": 303,
        "forged form (403)": 403,
        "static file": 200,
        "tenants": 200,
        "tenant overview": 200,
        "runs": 200,
        "settings": 200,
        "unknown tenant (404)": 404,
        "unknown page (404)": 404,
        "failing page (500)": 500,
    }
    for name, answer in answers.items():
        try:
            assert_ui_headers(answer)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
    assert "There is no such page. Check the address." in answers["unknown page (404)"].text


def test_the_api_answers_json_with_nosniff_and_no_page_policy(browser: TestClient) -> None:
    for answer in (
        browser.get("/healthz"),
        browser.get("/api/v1/employees"),  # 401
        browser.get("/api/v1/operations/99999999999999999999"),  # 422
        browser.get("/api/v1/nothing-here"),  # 404
    ):
        assert answer.headers["content-type"].startswith("application/json"), answer.text
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in answer.headers


def test_https_bridges_send_hsts_and_let_forms_lead_to_fortnox(
    web_context: WebContext, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    web_context.settings = Settings(public_url="https://bridge.example.se")
    web_context.consent = FortnoxConsent(
        browser_auth_url="https://apps.fortnox.se", token_url="https://apps.fortnox.se"
    )
    app = api_app(sessions, clock=clock, settings=web_context.settings)
    install_web(app, web_context)
    with TestClient(app, base_url="https://bridge.example.se", follow_redirects=False) as client:
        page = client.get("/ui/login")
        api = client.get("/healthz")
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    assert api.headers["strict-transport-security"] == "max-age=31536000"
    assert csp(page)["form-action"] == "'self' https://apps.fortnox.se"
    assert "content-security-policy" not in api.headers


def test_no_template_has_inline_script_event_handlers_or_inline_style() -> None:
    """The policy blocks them, so they would silently not work."""
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\bstyle\s*=|<style\b|javascript:", re.I
    )
    found = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in inline.finditer(path.read_text())
    ]
    assert found == []


def test_ids_out_of_range_in_page_addresses_are_pages_that_do_not_exist(
    signed_in: TestClient, browser: TestClient, tenant: int
) -> None:
    huge = "99999999999999999999"
    token = csrf_of(signed_in.get("/ui/tenants").text)
    answers = [
        signed_in.get(f"/ui/tenants/{huge}"),
        signed_in.get(f"/ui/tenants/{huge}/runs"),
        signed_in.get(f"/ui/tenants/{tenant}/runs/{huge}"),
        signed_in.get(f"/ui/tenants/{tenant}/runs/-1/progress"),
        signed_in.get(f"/ui/tenants/{tenant}/settings/../runs/0"),
        signed_in.post(f"/ui/tenants/{tenant}/problems/{huge}/ignore", data={"csrf_token": token}),
        signed_in.post(
            f"/ui/tenants/{tenant}/conflicts/{huge}/resolve", data={"csrf_token": token}
        ),
        signed_in.post(
            f"/ui/tenants/{tenant}/settings/api-keys/{huge}/revoke", data={"csrf_token": token}
        ),
    ]
    for answer in answers:
        assert answer.status_code == 404, (answer.request.url, answer.text[:300])
        assert_ui_headers(answer)
    fresh = TestClient(browser.app, base_url="http://bridge.test", follow_redirects=False)
    visitor = fresh.get(f"/ui/tenants/{tenant}/runs/{huge}")
    assert visitor.status_code == 303  # which pages exist is no business of a visitor
    assert visitor.headers["location"].startswith("/ui/login")
