"""Settings of a tenant in the admin UI: recipients, API keys (shown once) and webhooks."""

from __future__ import annotations

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.webhooks import WebhookRepository
from fortnox_bridge.web.context import WebContext
from integration.web.support import csrf_of


def _tenant(sessions: sessionmaker[Session], clock: ManualClock, name: str) -> int:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create(name, now=clock.now())
        tenant.notify_emails = ["ekonomi@kund.se"]
        return tenant.id


def test_recipients_are_checked_one_by_one_and_saved_only_when_all_are_valid(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Recipients AB")
    url = f"/ui/tenants/{tenant}/settings/recipients"
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant}/settings").text)
    bad = signed_in.post(
        url, data={"csrf_token": token, "recipients": "lon@kund.se\nnot-an-address"}
    )
    assert bad.status_code == 400
    assert 'id="e-recipients"' in bad.text
    assert "Not an e-mail address: not-an-address." in bad.text
    assert "lon@kund.se\nnot-an-address" in bad.text  # what was typed stays
    with sessions.begin() as session:
        found = TenantRepository(session).get(tenant)
        assert found is not None
        assert found.notify_emails == ["ekonomi@kund.se"]
    assert signed_in.post(url, data={"recipients": "lon@kund.se"}).status_code == 403
    good = signed_in.post(
        url, data={"csrf_token": token, "recipients": "Lon@Kund.se, it@kund.se\n"}
    )
    assert good.status_code == 303
    with sessions.begin() as session:
        found = TenantRepository(session).get(tenant)
        assert found is not None
        assert found.notify_emails == ["lon@kund.se", "it@kund.se"]


def test_an_api_key_is_shown_once_and_bad_input_saves_nothing(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Keys AB")
    url = f"/ui/tenants/{tenant}/settings/api-keys"
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant}/settings").text)
    no_label = signed_in.post(url, data={"csrf_token": token, "label": " ", "scope": "read"})
    assert no_label.status_code == 400
    assert 'id="e-label"' in no_label.text
    bad_scope = signed_in.post(url, data={"csrf_token": token, "label": "x", "scope": "admin"})
    assert bad_scope.status_code == 400
    assert 'id="e-scope"' in bad_scope.text
    too_long = signed_in.post(url, data={"csrf_token": token, "label": "x" * 101, "scope": "read"})
    assert too_long.status_code == 400
    assert 'id="e-label"' in too_long.text
    assert signed_in.post(url, data={"label": "Treks", "scope": "read"}).status_code == 403
    with sessions.begin() as session:
        assert TenantRepository(session).api_keys(tenant) == []
    made = signed_in.post(url, data={"csrf_token": token, "label": "Treks", "scope": "read"})
    assert made.status_code == 303
    shown = signed_in.get(made.headers["location"])
    assert shown.headers["cache-control"] == "no-store"
    key = shown.text.split('data-testid="new-key">', 1)[1].split("<", 1)[0]
    assert key.startswith("fbk_")
    with sessions.begin() as session:
        found = TenantRepository(session).caller_for_api_key(key)
        assert found is not None
        assert found[2] == "read"
    listed = signed_in.get(f"/ui/tenants/{tenant}/settings")  # reloaded: gone for good
    assert key not in listed.text
    assert 'data-testid="new-key"' not in listed.text
    assert key[:12] in listed.text  # the prefix tells keys apart
    with sessions.begin() as session:
        key_id = TenantRepository(session).api_keys(tenant)[0].id
    other = _tenant(sessions, clock, "Other keys AB")
    wrong = signed_in.post(
        f"/ui/tenants/{other}/settings/api-keys/{key_id}/revoke", data={"csrf_token": token}
    )
    assert wrong.status_code == 404
    revoked = signed_in.post(f"{url}/{key_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    with sessions.begin() as session:
        assert TenantRepository(session).caller_for_api_key(key) is None


def test_a_webhook_url_and_events_are_checked_and_nothing_is_saved(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Hooks AB")
    url = f"/ui/tenants/{tenant}/settings/webhooks"
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant}/settings").text)
    bad_url = signed_in.post(
        url, data={"csrf_token": token, "url": "ftp://example.se/x", "events": "*"}
    )
    assert bad_url.status_code == 400
    assert 'id="e-url"' in bad_url.text
    assert "must start with https://" in bad_url.text
    no_events = signed_in.post(url, data={"csrf_token": token, "url": "https://app.example.se/h"})
    assert no_events.status_code == 400
    assert 'id="e-events"' in no_events.text
    assert 'value="https://app.example.se/h"' in no_events.text
    with sessions.begin() as session:
        assert WebhookRepository(session).count(tenant) == 0


def test_a_webhook_secret_is_shown_once_rotated_and_the_endpoint_disabled(
    signed_in: TestClient,
    web_context: WebContext,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    web_context.hooks.cipher = TokenCipher(Fernet.generate_key().decode())
    tenant = _tenant(sessions, clock, "Secret hooks AB")
    url = f"/ui/tenants/{tenant}/settings/webhooks"
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant}/settings").text)
    made = signed_in.post(
        url,
        data={
            "csrf_token": token,
            "url": "https://app.example.se/hooks",
            "events": ["record.changed", "conflict.opened"],
            "description": "Treks",
        },
    )
    assert made.status_code == 303
    page = signed_in.get(made.headers["location"])
    secret = page.text.split('data-testid="new-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("whsec_")
    assert "A record was changed in Fortnox, A conflict waits for a decision" in page.text
    assert secret not in signed_in.get(f"/ui/tenants/{tenant}/settings").text
    with sessions.begin() as session:
        (endpoint,) = WebhookRepository(session).page(tenant, after_id=0, limit=10)
        endpoint_id = endpoint.id
    rotated = signed_in.post(f"{url}/{endpoint_id}/rotate", data={"csrf_token": token})
    assert rotated.status_code == 303
    again = signed_in.get(rotated.headers["location"])
    new = again.text.split('data-testid="new-secret">', 1)[1].split("<", 1)[0]
    assert new.startswith("whsec_")
    assert new != secret
    assert "the old one keeps working for 24 hours" in again.text
    off = signed_in.post(f"{url}/{endpoint_id}/disable", data={"csrf_token": token})
    assert off.status_code == 303
    with sessions.begin() as session:
        found = WebhookRepository(session).get(tenant, endpoint_id)
        assert found is not None
        assert found.active is False
    other = _tenant(sessions, clock, "Other hooks AB")
    wrong = signed_in.post(
        f"/ui/tenants/{other}/settings/webhooks/{endpoint_id}/enable", data={"csrf_token": token}
    )
    assert wrong.status_code == 404
