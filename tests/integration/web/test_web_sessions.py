"""Sessions of the admin UI end on the server: a copied cookie opens nothing after sign-out, a
new password, the idle timeout or the absolute timeout."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.services.users import set_password
from fortnox_bridge.store.models import AdminSession
from fortnox_bridge.store.users import AdminSessionRepository, AdminUserRepository
from fortnox_bridge.web.context import WebContext
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in_as, sign_out

COOKIE = "fortnox_bridge_session"


@pytest.fixture
def thief(bridge_app: FastAPI, signed_in: TestClient) -> Iterator[TestClient]:
    """Another browser holding a copy of the signed-in browser's session cookie."""
    cookie = signed_in.cookies.get(COOKIE)
    assert cookie
    with TestClient(
        bridge_app,
        base_url="http://bridge.test",
        follow_redirects=False,
        cookies={COOKIE: cookie},
        client=("203.0.113.66", 40000),
    ) as client:
        yield client


def refused(client: TestClient, path: str = "/ui/tenants") -> bool:
    """Whether ``path`` sends the client to the login page."""
    answer = client.get(path)
    return answer.status_code == 303 and answer.headers["location"].startswith(
        f"/ui/login?next={path.removeprefix('/ui')}"
    )


def open_sessions(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        user = AdminUserRepository(session).by_email(ADMIN_EMAIL)
        assert user is not None
        return AdminSessionRepository(session).count(user.id)


def test_a_copied_cookie_works_only_while_the_session_lasts(
    signed_in: TestClient, thief: TestClient, sessions: sessionmaker[Session]
) -> None:
    assert thief.get("/ui/tenants").status_code == 200  # a copy is as good as the original
    assert open_sessions(sessions) == 1
    assert sign_out(signed_in).status_code == 303
    assert refused(thief)
    assert refused(signed_in)
    assert open_sessions(sessions) == 0


def test_signing_out_ends_only_that_browsers_session(
    bridge_app: FastAPI, signed_in: TestClient, sessions: sessionmaker[Session]
) -> None:
    with TestClient(bridge_app, base_url="http://bridge.test", follow_redirects=False) as other:
        assert sign_in_as(other, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
        assert open_sessions(sessions) == 2
        sign_out(other)
        assert refused(other)
    assert signed_in.get("/ui/tenants").status_code == 200
    assert open_sessions(sessions) == 1


def test_a_new_password_ends_every_session_of_the_user(
    signed_in: TestClient, thief: TestClient, sessions: sessionmaker[Session]
) -> None:
    set_password(sessions, email=ADMIN_EMAIL, password="a brand new passphrase")
    assert refused(thief)
    assert refused(signed_in)
    assert sign_in_as(signed_in, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 400
    assert sign_in_as(signed_in, ADMIN_EMAIL, "a brand new passphrase").status_code == 303


def test_a_session_ends_after_the_idle_timeout(
    signed_in: TestClient, thief: TestClient, clock: ManualClock
) -> None:
    for _ in range(3):  # used within the idle time, it stays open well past it
        clock.advance(29 * 60)
        assert signed_in.get("/ui/tenants").status_code == 200
    clock.advance(30 * 60)
    assert refused(thief)
    assert refused(signed_in)


def test_the_idle_timeout_is_a_setting(
    signed_in: TestClient, web_context: WebContext, clock: ManualClock
) -> None:
    web_context.settings = Settings(session_idle_minutes=5)
    clock.advance(4 * 60)
    assert signed_in.get("/ui/tenants").status_code == 200
    clock.advance(5 * 60)
    assert refused(signed_in)


def test_a_session_ends_after_the_absolute_timeout_however_busy(
    signed_in: TestClient, thief: TestClient, clock: ManualClock
) -> None:
    for _ in range(12 * 3 - 1):  # a request every 20 minutes: never idle
        clock.advance(20 * 60)
        assert signed_in.get("/ui/tenants").status_code == 200
    clock.advance(20 * 60)  # 12 hours after sign-in
    assert refused(thief)
    assert refused(signed_in)


def test_the_absolute_timeout_is_a_setting(
    signed_in: TestClient, web_context: WebContext, clock: ManualClock
) -> None:
    web_context.settings = Settings(session_absolute_hours=1)
    clock.advance(20 * 60)
    assert signed_in.get("/ui/tenants").status_code == 200
    clock.advance(40 * 60)
    assert refused(signed_in)


def test_the_store_keeps_only_a_digest_of_the_token_and_drops_timed_out_sessions(
    bridge_app: FastAPI, signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    cookie = signed_in.cookies.get(COOKIE)
    assert cookie
    payload = cookie.split(".")[0]
    token = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]
    with sessions.begin() as session:
        kept = session.scalars(select(AdminSession.token_hash)).all()
    assert kept == [hashlib.sha256(token.encode()).hexdigest()]
    clock.advance(31 * 60)  # the first session timed out; the next sign-in clears it away
    with TestClient(bridge_app, base_url="http://bridge.test", follow_redirects=False) as other:
        assert sign_in_as(other, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    assert open_sessions(sessions) == 1
    assert refused(signed_in)
