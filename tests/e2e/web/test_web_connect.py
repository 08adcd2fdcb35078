"""Connecting a new tenant in Chromium: the tenants list, "Connect to Fortnox", the sandbox's
consent page, and back on the overview with a green light and the pre-flight checklist."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from .conftest import Bridge, add_tenant, connect_in_browser, shot, sign_in


def test_a_new_tenant_is_connected_through_the_consent_page(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Connect Journey AB")
    sign_in(page, bridge, "/tenants")
    row = page.locator("tr", has_text="Connect Journey AB")
    expect(row.get_by_role("img", name="Not connected")).to_be_visible()
    expect(row).to_contain_text("Not connected")
    demo = page.locator("tr", has_text="Demo AB")
    expect(demo).to_contain_text("Connected")
    shot(page, bridge, "tenants")

    page.get_by_role("link", name="Connect Journey AB").click()
    expect(page.get_by_role("heading", name="Connect Journey AB")).to_be_visible()
    expect(page.get_by_text("Not checked yet.")).to_be_visible()
    expect(page.get_by_role("button", name="Copy connection link")).to_be_visible()

    connect_in_browser(page, bridge, tenant)
    heading = page.get_by_role("heading", name="Connect Journey AB")
    expect(heading.get_by_role("img", name="Connected, nothing needs attention")).to_be_visible()
    expect(page.locator(".connection-state")).to_contain_text("Connected")
    checklist = page.locator(".checklist")
    expect(checklist.locator('[data-check="connection"]')).to_contain_text("active")
    expect(checklist.locator('[data-check="connection"]')).to_have_class("check check-ok")
    expect(checklist.locator('[data-check="financial years"]')).to_contain_text(
        "financial year(s) in Fortnox"
    )
    expect(page.get_by_text("Next sweep")).to_be_visible()
    expect(page.get_by_role("button", name="Disconnect")).to_be_visible()
    shot(page, bridge, "tenant")

    page.goto(bridge.url("/tenants"))
    row = page.locator("tr", has_text="Connect Journey AB")
    expect(row.get_by_role("img", name="Connected, nothing needs attention")).to_be_visible()


def test_declining_on_the_consent_page_shows_fortnox_s_answer_in_words(
    page: Page, bridge: Bridge
) -> None:
    tenant = add_tenant(bridge, "Declined Consent AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    page.get_by_role("button", name="Connect to Fortnox").click()
    expect(page.get_by_role("heading", name="Godkänn integration")).to_be_visible()
    page.get_by_role("button", name="Avbryt").click()
    expect(page).to_have_url(bridge.url(f"/tenants/{tenant.id}"))
    expect(page.locator(".flash-error")).to_contain_text(
        "The Fortnox administrator declined the connection."
    )
    expect(page.locator(".connection-state")).to_contain_text("Waiting for")


def test_serve_shows_browsers_the_sandbox_s_consent_page_and_nothing_else(bridge: Bridge) -> None:
    """Through ``serve``'s own port, the in-process sandbox's control API, token endpoints and
    API answer 404; its consent page answers (the tests above use it to connect)."""
    for method, path in (
        ("POST", "/sandbox/_sandbox/reset"),
        ("POST", "/sandbox/_sandbox/companies/1/tokens"),
        ("POST", "/sandbox/_sandbox/companies/2/tokens"),
        ("POST", "/sandbox/_sandbox/companies"),
        ("GET", "/sandbox/_sandbox/companies/1"),
        ("GET", "/sandbox/_sandbox/stats"),
        ("POST", "/sandbox/oauth-v1/token"),
        ("POST", "/sandbox/oauth-v1/revoke"),
        ("GET", "/sandbox/3/employees"),
        ("GET", "/sandbox/"),
        ("POST", "/sandbox/oauth-v1/auth/../../_sandbox/reset"),
    ):
        answer = httpx.request(method, f"{bridge.base}{path}", json={"name": "Stolen AB"})
        assert answer.status_code == 404, (method, path, answer.text)
    consent = httpx.get(
        f"{bridge.base}/sandbox/oauth-v1/auth",
        params={
            "client_id": "sandbox-app",
            "response_type": "code",
            "state": "s",
            "scope": "salary",
        },
    )
    assert consent.status_code == 200
    assert "Godkänn integration" in consent.text
    # The demo tenant's sandbox company was not reset: the bridge still reads it.
    check = httpx.post(
        f"{bridge.base}/api/v1/connection/check",
        headers={"Authorization": f"Bearer {bridge.api_key}"},
        timeout=30,
    )
    assert check.status_code == 200, check.text
    connection = next(c for c in check.json()["checks"] if c["name"] == "connection")
    assert connection["ok"] is True
