"""The language a user picks is kept on the user (a sign-in elsewhere starts in it), and the
error pages: in the UI's layout and the page's language, with a way back, never JSON."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.models import AdminUser
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of, sign_in_as


def _language(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        return session.query(AdminUser).one().language


def _new_browser(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://bridge.test", follow_redirects=False)


def test_the_chosen_language_is_kept_on_the_user_for_the_next_sign_in(
    signed_in: TestClient, bridge_app: FastAPI, sessions: sessionmaker[Session]
) -> None:
    assert _language(sessions) == "en"
    token = csrf_of(signed_in.get("/ui/tenants").text)
    switched = signed_in.post(
        "/ui/language", data={"csrf_token": token, "language": "sv", "back": "/tenants"}
    )
    assert switched.status_code == 303
    assert _language(sessions) == "sv"
    signed_in.post("/ui/logout", data={"csrf_token": token})
    with _new_browser(bridge_app) as other:  # another device: no cookie of this one
        assert sign_in_as(other, ADMIN_EMAIL, ADMIN_PASSWORD, "/tenants").status_code == 303
        page = other.get("/ui/tenants")
        assert '<html lang="sv">' in page.text
        token = csrf_of(page.text)
        other.post("/ui/language", data={"csrf_token": token, "language": "en"})
    assert _language(sessions) == "en"
    # The first browser still shows Swedish on its login page (signed out there), but the
    # user's language, chosen since on the other device, wins at sign-in.
    assert '<html lang="sv">' in signed_in.get("/ui/login").text
    assert sign_in_as(signed_in, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    assert '<html lang="en">' in signed_in.get("/ui/tenants").text


def test_a_language_picked_on_the_login_page_becomes_the_users(
    browser: TestClient, sessions: sessionmaker[Session]
) -> None:
    login = browser.get("/ui/login")
    browser.post(
        "/ui/language",
        data={"csrf_token": csrf_of(login.text), "language": "sv", "back": "/login"},
    )
    assert _language(sessions) == "en"  # nobody is signed in yet
    assert sign_in_as(browser, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    assert _language(sessions) == "sv"
    assert '<html lang="sv">' in browser.get("/ui/tenants").text


def test_error_pages_lead_back_to_the_tenant_or_the_tenant_list_in_both_languages(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Fel AB", now=clock.now()).id
    for path in ("/ui/tenants/abc", "/ui/tenants/99999", "/ui/tenants/0/runs", "/ui/nothing"):
        page = signed_in.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert "Not found" in page.text
        assert 'href="/ui/tenants">Back to the tenant list</a>' in page.text, path
    missing_run = signed_in.get(f"/ui/tenants/{tenant}/runs/99999")
    assert missing_run.status_code == 404
    assert f'href="/ui/tenants/{tenant}">Back to Fel AB</a>' in missing_run.text
    unreadable = signed_in.get(f"/ui/tenants/{tenant}/runs/abc")
    assert unreadable.status_code == 404
    assert "Back to Fel AB" in unreadable.text
    assert "There is no tenant 99999." in signed_in.get("/ui/tenants/99999").text
    token = csrf_of(signed_in.get("/ui/tenants").text)
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    swedish = signed_in.get("/ui/tenants/abc")
    assert swedish.status_code == 404
    assert "Hittades inte" in swedish.text
    assert "Tillbaka till kundlistan" in swedish.text
    assert "Tillbaka till Fel AB" in signed_in.get(f"/ui/tenants/{tenant}/runs/99999").text
    assert '{"detail"' not in swedish.text


def test_forms_that_do_not_word_their_errors_themselves_speak_swedish(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Formulär AB", now=clock.now()).id
    token = csrf_of(signed_in.get("/ui/tenants").text)
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    added = signed_in.post(
        "/ui/tenants", data={"csrf_token": token, "name": "x" * 201, "recipients": "lon@"}
    )
    assert added.status_code == 400
    assert "Ange högst 200 tecken." in added.text
    assert "Ange en e-postadress, till exempel ekonomi@example.se." in added.text
    key = signed_in.post(
        f"/ui/tenants/{tenant}/settings/api-keys",
        data={"csrf_token": token, "label": "x" * 101, "scope": "read"},
    )
    assert key.status_code == 400
    assert "Ange högst 100 tecken." in key.text
    for page in (added.text, key.text):
        for english in ("Input should be", "Field required", "value is not a valid", "String "):
            assert english not in page
