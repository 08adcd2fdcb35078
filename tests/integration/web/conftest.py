"""The admin UI over the real store (SQLite and PostgreSQL), driven through HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services import passwords
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.context import WebContext, session_secret
from integration.bridge_api import api_app
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest cost in these tests (each signs in at least once); the
    production parameters are checked in tests/unit/web/test_passwords.py."""
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def web_context(sessions: sessionmaker[Session], clock: ManualClock) -> WebContext:
    """The UI's context over the test store, with one admin user."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    return WebContext(build_services(sessions, clock=clock), secret=session_secret("test key"))


@pytest.fixture
def bridge_app(web_context: WebContext) -> FastAPI:
    """The bridge's server with the UI mounted."""
    app = api_app(web_context.services.sessions, clock=web_context.clock)
    install_web(app, web_context)
    return app


@pytest.fixture
def browser(bridge_app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client of the bridge's server with the UI mounted (not signed in)."""
    with TestClient(bridge_app, base_url="http://bridge.test", follow_redirects=False) as client:
        yield client


@pytest.fixture
def signed_in(browser: TestClient) -> TestClient:
    """The same client, signed in as the admin."""
    page = browser.get("/ui/login")
    answer = browser.post(
        "/ui/login",
        data={
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "next": "/",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert answer.status_code == 303, answer.text
    return browser
