"""What an admin found trying the UI in Chromium, in English and Swedish: the preview's counts,
error pages in the UI's layout, the icon, a phone-wide screen, and the pre-flight check after a
disconnect."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import Bridge, add_tenant, connect_in_browser, sign_in
from .support_ops import employee, put, sync

PHONE = {"width": 390, "height": 844}


def _fits(page: Page) -> None:
    """The page does not scroll sideways."""
    wide, shown = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert wide <= shown, f"{page.url} is {wide} px wide in a {shown} px window"


def test_preview_counts_phone_width_icon_errors_and_the_check_after_disconnect(
    page: Page, bridge: Bridge
) -> None:
    tenant = add_tenant(bridge, "Found Bugs AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    put(bridge, tenant, "employees", "b001", employee(1))
    sync(bridge, tenant)

    # Preview: every action's count is a number.
    page.goto(bridge.url(f"/tenants/{tenant.id}"))
    page.get_by_role("button", name="Preview (dry run)").click()
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Preview: what a sync would do")).to_be_visible()
    expect(preview).not_to_contain_text("built-in method")
    row = preview.locator('tr[data-flow="hr.employee.push"]')
    for action in ("create", "update", "delete", "skip", "unchanged"):
        expect(row.locator(f'[data-action="{action}"]')).to_have_text(re.compile(r"^\d+$"))
    expect(row.locator('[data-action="unchanged"]')).to_have_text("1")

    # The icon: linked from the layout, and where browsers look without a link.
    icon = page.locator('link[rel="icon"]').first
    expect(icon).to_have_attribute("href", "/ui/static/favicon.svg")
    assert page.request.get(f"{bridge.base}/ui/static/favicon.svg").ok
    answer = page.request.get(f"{bridge.base}/favicon.ico")
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/x-icon"

    # A phone-wide window: the pages fit, a wide table scrolls inside its box.
    page.set_viewport_size(PHONE)
    for path in ("/tenants", f"/tenants/{tenant.id}", f"/tenants/{tenant.id}/runs"):
        page.goto(bridge.url(path))
        _fits(page)
    runs = page.locator("table.runs")
    expect(runs).to_be_visible()
    box = page.locator(".table-scroll", has=runs)
    assert box.evaluate("(element) => getComputedStyle(element).overflowX") == "auto"

    # Unknown addresses: the UI's own error page, in English and in Swedish.
    page.goto(bridge.url("/tenants/abc"))
    expect(page.get_by_role("heading", name="404")).to_be_visible()
    expect(page.get_by_text("There is no such page. Check the address.")).to_be_visible()
    expect(page.get_by_role("link", name="fortnox-bridge")).to_be_visible()
    _fits(page)
    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_text("Sidan finns inte. Kontrollera adressen.")).to_be_visible()
    page.goto(bridge.url(f"/tenants/{tenant.id}/preview"))
    expect(page.get_by_role("heading", name="405")).to_be_visible()
    expect(page.get_by_text("Adressen är ingen sida att öppna", exact=False)).to_be_visible()
    page.get_by_label("Språk").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Disconnect: the last check no longer says the connection is fine.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(bridge.url(f"/tenants/{tenant.id}"))
    page.get_by_role("button", name="Run the check").click()
    connection = page.locator('[data-check="connection"]')
    expect(connection).to_have_class(re.compile("check-ok"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status").first).to_contain_text("Disconnected from Fortnox")
    expect(connection).to_have_class(re.compile("check-fail"))
    expect(connection).not_to_contain_text("(ok)")
    expect(connection).to_contain_text("The connection is no longer active (Disconnected)")
