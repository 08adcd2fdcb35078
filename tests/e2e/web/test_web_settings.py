"""A tenant's settings in Chromium, in English and Swedish: the conflict policy, the sweep
interval (a bad value is refused at the field in Swedish, nothing else lost) and the digest; a
webhook endpoint pointed at a local receiver, sent a signed test (the page shows the answer and
lists the delivery) and deleted after a confirm; and the chosen language kept on the user, so a
sign-in from another browser starts in it.

The bridge of this module allows webhook receivers on loopback addresses
(``webhook_allow_networks``), which the shared bridges refuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from fortnox_bridge.webhooks import SIGNATURE_HEADER, verify
from integration.web.receiver import receiver

from .conftest import ADMIN_EMAIL, Bridge, _bridge, add_tenant, shot, sign_in


@pytest.fixture(scope="module")
def hooks_bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    """A bridge whose webhooks may go to this machine (the test's receiver)."""
    yield from _bridge(
        tmp_path_factory,
        settings={"FORTNOX_BRIDGE_WEBHOOK_ALLOW_NETWORKS": '["127.0.0.0/8"]'},
    )


def _no_sideways_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390 px"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_policy_interval_digest_and_a_webhook_tested_and_deleted(
    page: Page, hooks_bridge: Bridge
) -> None:
    bridge = hooks_bridge
    tenant = add_tenant(bridge, "Settings Journey AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}/settings")

    policy = page.locator("#conflict-policy")
    expect(policy.get_by_role("radio", name="Ask")).to_be_checked()
    policy.get_by_role("radio", name="Fortnox wins").check()
    policy.get_by_role("button", name="Save conflict policy").click()
    expect(page.locator(".flash")).to_contain_text("Conflict policy saved.")
    saved = page.locator("#conflict-policy").get_by_role("radio", name="Fortnox wins")
    expect(saved).to_be_checked()
    expect(page.locator("#sweep-interval")).to_contain_text("Default: every 30 minutes.")

    page.locator("#language-select").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    interval = page.locator("#sweep-interval")
    interval.get_by_label("Svep var (minut)").fill("0")
    interval.get_by_role("button", name="Spara svepintervall").click()
    expect(page.locator("#e-sweep_interval_minutes")).to_have_text("Ange ett tal som är minst 1.")
    expect(page.get_by_label("Svep var (minut)")).to_have_value("0")  # as typed
    expect(page.get_by_label("Svep var (minut)")).to_have_attribute("aria-invalid", "true")
    kept = page.locator("#conflict-policy").get_by_role("radio", name="Fortnox gäller")
    expect(kept).to_be_checked()  # nothing else lost
    page.get_by_label("Svep var (minut)").fill("45")
    page.locator("#sweep-interval").get_by_role("button", name="Spara svepintervall").click()
    expect(page.locator(".flash")).to_contain_text("Svepintervallet är sparat.")
    expect(page.get_by_label("Svep var (minut)")).to_have_value("45")
    digest = page.locator("#digest")
    digest.get_by_role("radio", name="Efter varje synkronisering").check()
    digest.get_by_role("button", name="Spara sammanställning").click()
    expect(page.locator(".flash")).to_contain_text("Sammanställningen är sparad.")
    expect(
        page.locator("#digest").get_by_role("radio", name="Efter varje synkronisering")
    ).to_be_checked()
    _no_sideways_scroll(page)

    page.locator("#language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with receiver() as got:
        hooks = page.locator("#webhooks")
        hooks.get_by_label("URL").fill(got.url)
        hooks.get_by_role("button", name="Add the endpoint").click()
        secret = page.get_by_test_id("new-secret").inner_text()
        page.get_by_role("button", name=f"Send a test to {got.url}").click()
        expect(page.locator(".flash")).to_contain_text(
            "Test delivered: the receiver answered HTTP 200."
        )
        assert len(got.received) == 1
        (request,) = got.received
        verify(secret, request.headers[SIGNATURE_HEADER], request.body)
        assert json.loads(request.body)["type"] == "webhook.test"
        deliveries = page.locator(".webhook table")
        expect(deliveries.get_by_role("row")).to_have_count(2)  # the head and the test
        row = deliveries.get_by_role("row").nth(1)
        expect(row).to_contain_text("Test")
        expect(row).to_contain_text("Delivered")
        expect(row).to_contain_text("HTTP 200")
        shot(page, bridge, "settings-webhook-test")

        asked: list[str] = []

        def answer(dialog: Dialog) -> None:
            asked.append(dialog.message)
            dialog.accept()

        page.once("dialog", answer)
        page.get_by_role("button", name=f"Delete {got.url}").click()
        expect(page.locator(".flash")).to_contain_text(f"Webhook endpoint {got.url} deleted.")
        assert len(asked) == 1
        assert got.url in asked[0]
        expect(page.locator(".webhook")).to_have_count(0)


def test_the_language_is_kept_for_a_sign_in_from_another_browser(
    chromium: Browser, page: Page, hooks_bridge: Bridge
) -> None:
    bridge = hooks_bridge
    sign_in(page, bridge)
    page.locator("#language-select").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()

    other = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        window = other.new_page()
        window.goto(bridge.url("/login"))
        expect(window.get_by_role("heading", name="Sign in")).to_be_visible()  # the browser's
        window.get_by_label("E-mail address").fill(ADMIN_EMAIL)
        window.get_by_label("Password").fill(bridge.admin_password)
        window.get_by_role("button", name="Sign in").click()
        expect(window.locator("html")).to_have_attribute("lang", "sv")
        expect(window.get_by_role("heading", name="Kunder")).to_be_visible()
        window.locator("#language-select").select_option("en")  # back, for whoever signs in next
        expect(window.locator("html")).to_have_attribute("lang", "en")
    finally:
        other.close()
