"""The settings page's conflict policy, sweep interval and digest, and its webhook actions:
delete, and a signed test sent now to a real (local) receiver with its answer shown."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.outbox.outbound import OutboundPolicy
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.webhooks import WebhookRepository
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.webhooks import SIGNATURE_HEADER, verify
from integration.web.receiver import receiver
from integration.web.support import csrf_of


def _tenant(sessions: sessionmaker[Session], clock: ManualClock, name: str) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create(name, now=clock.now()).id


def _stored(sessions: sessionmaker[Session], tenant_id: int) -> tuple[str, int, str]:
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        return tenant.conflict_policy, tenant.sweep_interval_minutes, tenant.digest


def test_policy_interval_and_digest_are_checked_at_their_fields_and_saved(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Options AB")
    base = f"/ui/tenants/{tenant}/settings"
    page = signed_in.get(base)
    token = csrf_of(page.text)
    assert 'name="conflict_policy" value="ask" checked' in page.text
    assert 'name="digest" value="daily" checked' in page.text
    assert "Default: every 30 minutes." in page.text
    for path, data, field in (
        ("conflict-policy", {"conflict_policy": "newest_wins"}, "conflict_policy"),
        ("conflict-policy", {}, "conflict_policy"),
        ("sweep-interval", {"sweep_interval_minutes": "0"}, "sweep_interval_minutes"),
        ("sweep-interval", {"sweep_interval_minutes": "1441"}, "sweep_interval_minutes"),
        ("sweep-interval", {"sweep_interval_minutes": "ten"}, "sweep_interval_minutes"),
        ("digest", {"digest": "hourly"}, "digest"),
    ):
        refused = signed_in.post(f"{base}/{path}", data={"csrf_token": token, **data})
        assert refused.status_code == 400, (path, data)
        assert f'id="e-{field}"' in refused.text, (path, data)
    refused = signed_in.post(
        f"{base}/sweep-interval", data={"csrf_token": token, "sweep_interval_minutes": "1441"}
    )
    assert "Enter a number of at most 1440." in refused.text
    assert 'value="1441"' in refused.text  # what was typed stays
    assert _stored(sessions, tenant) == ("ask", 30, "daily")
    for path, data in (
        ("conflict-policy", {"conflict_policy": "fortnox_wins"}),
        ("sweep-interval", {"sweep_interval_minutes": "45"}),
        ("digest", {"digest": "per_run"}),
    ):
        saved = signed_in.post(f"{base}/{path}", data={"csrf_token": token, **data})
        assert saved.status_code == 303
        assert saved.headers["location"].endswith(f"{base}#{path}")
    assert _stored(sessions, tenant) == ("fortnox_wins", 45, "per_run")
    shown = signed_in.get(base).text
    assert "Digest saved." in shown
    assert 'name="conflict_policy" value="fortnox_wins" checked' in shown
    assert 'name="sweep_interval_minutes" type="number" value="45"' in shown


def test_the_forms_speak_swedish_and_name_the_family_default(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Service AB")
    with sessions.begin() as session:
        found = TenantRepository(session).get(tenant)
        assert found is not None
        found.families = ["service"]
    base = f"/ui/tenants/{tenant}/settings"
    token = csrf_of(signed_in.get(base).text)
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    page = signed_in.get(base).text
    assert "Konfliktregel" in page
    assert "Programmet gäller" in page
    assert "familjen Service" in page
    assert "var 60:e minut" in page
    for data, words in (
        ({"sweep_interval_minutes": "abc"}, "Ange ett heltal."),
        ({"sweep_interval_minutes": "0"}, "Ange ett tal som är minst 1."),
        ({"sweep_interval_minutes": ""}, "Fältet måste fyllas i."),
    ):
        refused = signed_in.post(f"{base}/sweep-interval", data={"csrf_token": token, **data})
        assert refused.status_code == 400
        assert words in refused.text, data
        assert "Input should be" not in refused.text
        assert "Field required" not in refused.text
    policy = signed_in.post(
        f"{base}/conflict-policy", data={"csrf_token": token, "conflict_policy": "x"}
    )
    assert "Välj ett av de listade värdena." in policy.text
    retry = signed_in.post(
        f"{base}/refusal-retry", data={"csrf_token": token, "refusal_retry_hours": "0"}
    )
    assert retry.status_code == 400
    assert 'id="e-refusal_retry_hours"' in retry.text
    stretch = signed_in.post(
        f"{base}/realtime-sweep", data={"csrf_token": token, "realtime_sweep_factor": "99"}
    )
    assert 'id="e-realtime_sweep_factor"' in stretch.text
    assert 'value="99"' in stretch.text


def _hook(
    signed_in: TestClient, web_context: WebContext, tenant: int, url: str, token: str
) -> tuple[int, str]:
    made = signed_in.post(
        f"/ui/tenants/{tenant}/settings/webhooks",
        data={"csrf_token": token, "url": url, "events": "*"},
    )
    assert made.status_code == 303, made.text
    page = signed_in.get(made.headers["location"]).text
    secret = page.split('data-testid="new-secret">', 1)[1].split("<", 1)[0]
    with web_context.services.sessions.begin() as session:
        (endpoint,) = WebhookRepository(session).page(tenant, after_id=0, limit=10)
        return endpoint.id, secret


def test_a_test_is_sent_now_signed_and_its_answer_shown_then_the_endpoint_deleted(
    signed_in: TestClient,
    web_context: WebContext,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    web_context.hooks.cipher = TokenCipher(Fernet.generate_key().decode())
    web_context.hooks.outbound = OutboundPolicy.of(["127.0.0.0/8"], own_port=1)
    tenant = _tenant(sessions, clock, "Test hooks AB")
    base = f"/ui/tenants/{tenant}/settings"
    token = csrf_of(signed_in.get(base).text)
    with receiver() as got:
        hook_id, secret = _hook(signed_in, web_context, tenant, got.url, token)
        sent = signed_in.post(f"{base}/webhooks/{hook_id}/test", data={"csrf_token": token})
        assert sent.status_code == 303
        assert sent.headers["location"].endswith(f"#webhook-{hook_id}")
        (request,) = got.received
        verify(secret, request.headers[SIGNATURE_HEADER], request.body, now=clock.now())
        assert json.loads(request.body)["type"] == "webhook.test"
        page = signed_in.get(base).text
        assert "Test delivered: the receiver answered HTTP 200." in page
        assert "<td>Test</td>" in page  # the event in words
        assert "Delivered" in page
        assert "HTTP 200" in page
        got.status = 500
        failed = signed_in.post(f"{base}/webhooks/{hook_id}/test", data={"csrf_token": token})
        assert failed.status_code == 303
        assert len(got.received) == 2
        assert "Test not accepted: the receiver answered HTTP 500." in signed_in.get(base).text
        # The failed test is retried later; a new one waits behind it, in order.
        signed_in.post(f"{base}/webhooks/{hook_id}/test", data={"csrf_token": token})
        assert len(got.received) == 2
        queued = signed_in.get(base).text
        assert "The test is queued" in queued
        assert "Failed, will be retried" in queued
        assert "Waiting to be sent" in queued
    signed_in.post(f"{base}/webhooks/{hook_id}/disable", data={"csrf_token": token})
    paused = signed_in.post(f"{base}/webhooks/{hook_id}/test", data={"csrf_token": token})
    assert paused.status_code == 303
    assert "Enable the endpoint first" in signed_in.get(base).text
    other = _tenant(sessions, clock, "Not theirs AB")
    wrong = signed_in.post(
        f"/ui/tenants/{other}/settings/webhooks/{hook_id}/delete", data={"csrf_token": token}
    )
    assert wrong.status_code == 404
    assert signed_in.post(f"{base}/webhooks/{hook_id}/delete").status_code == 403
    deleted = signed_in.post(f"{base}/webhooks/{hook_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    assert "deleted." in signed_in.get(base).text
    with sessions.begin() as session:
        assert WebhookRepository(session).count(tenant) == 0
