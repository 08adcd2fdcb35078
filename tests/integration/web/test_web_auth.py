"""Sign-in, sessions and CSRF protection of the admin UI."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.services.passwords import verify_password
from fortnox_bridge.store.models import AdminUser
from fortnox_bridge.store.users import AdminUserRepository
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of


def test_every_page_sends_a_visitor_without_a_session_to_the_login(browser: TestClient) -> None:
    for path in ("/ui/", "/ui/tenants", "/ui/tenants/1", "/ui/tenants/1/runs?page=2"):
        answer = browser.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/ui/login?next=/"), path
    assert browser.get("/").headers["location"] == "/ui/"
    assert browser.get("/ui/tenants", headers={"X-Requested-With": "fetch"}).status_code == 401


def test_sign_in_brings_the_user_to_the_page_they_asked_for(browser: TestClient) -> None:
    page = browser.get("/ui/login?next=/tenants")
    assert page.status_code == 200
    assert 'name="next" value="/tenants"' in page.text
    answer = browser.post(
        "/ui/login",
        data={
            "email": ADMIN_EMAIL.upper(),
            "password": ADMIN_PASSWORD,
            "next": "/tenants",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/tenants"


def test_sign_in_never_leads_to_another_site(browser: TestClient) -> None:
    page = browser.get("/ui/login")
    for target in ("//evil.example/x", "https://evil.example/", "\\\\evil"):
        answer = browser.post(
            "/ui/login",
            data={
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
                "next": target,
                "csrf_token": csrf_of(page.text),
            },
        )
        assert answer.headers["location"] == "/ui/", target
        browser.post("/ui/logout", data={"csrf_token": csrf_of(browser.get("/ui/login").text)})
        page = browser.get("/ui/login")


def test_a_wrong_password_is_refused_with_a_message_and_no_session(browser: TestClient) -> None:
    page = browser.get("/ui/login")
    answer = browser.post(
        "/ui/login",
        data={
            "email": ADMIN_EMAIL,
            "password": "wrong password!",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert answer.status_code == 400
    assert "The e-mail address or the password is wrong" in answer.text
    assert f'value="{ADMIN_EMAIL}"' in answer.text  # what the user typed stays
    assert browser.get("/ui/").status_code == 303  # still not signed in


def test_empty_fields_get_a_message_next_to_each(browser: TestClient) -> None:
    page = browser.get("/ui/login")
    answer = browser.post("/ui/login", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 400
    assert 'id="e-email">Enter your e-mail address.' in answer.text
    assert 'id="e-password">Enter your password.' in answer.text


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    browser: TestClient, sessions: sessionmaker[Session]
) -> None:
    browser.get("/ui/login")
    answer = browser.post("/ui/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert answer.status_code == 403
    assert "Nothing was changed" in answer.text
    wrong = browser.post(
        "/ui/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": "forged"},
    )
    assert wrong.status_code == 403
    with sessions.begin() as session:
        user = AdminUserRepository(session).by_email(ADMIN_EMAIL)
        assert user is not None
        assert user.last_login_at is None
    assert browser.get("/ui/").status_code == 303


def test_sign_out_ends_the_session(signed_in: TestClient) -> None:
    assert signed_in.get("/ui/").status_code == 303
    assert signed_in.get("/ui/").headers["location"] == "/ui/tenants"
    page = signed_in.get("/ui/login")
    assert signed_in.post("/ui/logout", data={}).status_code == 403  # CSRF applies here too
    assert signed_in.post("/ui/logout", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert signed_in.get("/ui/").headers["location"].startswith("/ui/login")


def test_a_disabled_user_loses_their_open_session(
    signed_in: TestClient, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        users = AdminUserRepository(session)
        user = users.by_email(ADMIN_EMAIL)
        assert user is not None
        users.set_disabled(user, True)
    assert signed_in.get("/ui/").headers["location"].startswith("/ui/login")


def test_passwords_are_stored_as_argon2_hashes(
    sessions: sessionmaker[Session], browser: TestClient
) -> None:
    with sessions.begin() as session:
        user = session.query(AdminUser).one()
        assert user.password_hash.startswith("$argon2id$")
        assert ADMIN_PASSWORD not in user.password_hash
        assert verify_password(user.password_hash, ADMIN_PASSWORD)


def test_the_language_switch_shows_the_pages_in_swedish(browser: TestClient) -> None:
    page = browser.get("/ui/login")
    assert "Sign in" in page.text
    answer = browser.post(
        "/ui/language", data={"language": "sv", "back": "/login", "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login"
    swedish = browser.get("/ui/login")
    assert "Logga in" in swedish.text
    assert '<html lang="sv">' in swedish.text
    assert browser.get("/ui/login", headers={"Accept-Language": "en"}).text.count("Logga in") >= 1
