"""Re-syncing an interval in Chromium: the widened interval and what will happen are shown before
confirming, then the job's progress until its counts."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import Bridge, add_tenant, connect_in_browser, shot, sign_in
from .support_ops import employee, put, sync


def test_a_resync_shows_the_widened_interval_then_the_finished_jobs_counts(
    page: Page, bridge: Bridge
) -> None:
    tenant = add_tenant(bridge, "Resync Journey AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    put(bridge, tenant, "employees", "e001", employee(1, employment_id="101"))
    sync(bridge, tenant)
    for day in ("2026-03-02", "2026-03-03", "2026-03-16"):
        put(bridge, tenant, "time-entries", f"t-{day}",
            {"employee": "e001", "date": day, "hours": "8"})  # fmt: skip
    first = sync(bridge, tenant)
    assert first["status"] == "succeeded", first

    page.goto(bridge.url(f"/tenants/{tenant.id}/maintenance"))
    page.get_by_label("Operation").select_option("payroll")
    page.get_by_label("From").fill("2026-03-10")
    page.get_by_label("To").fill("2026-03-05")
    page.get_by_role("button", name="Next: show what will happen").click()
    expect(page.locator("#e-to")).to_contain_text("is before the first day")
    page.get_by_label("To").fill("2026-03-20")
    page.get_by_role("button", name="Next: show what will happen").click()

    expect(page.get_by_role("heading", name="Confirm the re-sync")).to_be_visible()
    expect(page.get_by_test_id("widened")).to_have_text("2026-03-01 – 2026-03-31")
    expect(page.locator('[data-count="to_delete"]')).to_have_text("3")
    expect(page.locator('[data-count="to_write"]')).to_have_text("3")
    shot(page, bridge, "maintenance")
    page.get_by_role("button", name="Run the re-sync").click()

    expect(page).to_have_url(re.compile(rf".*/tenants/{tenant.id}/runs/\d+$"))
    expect(page.locator(".run-progress .badge")).to_have_attribute("data-status", "succeeded")
    expect(page.locator(".run-progress .badge")).to_have_text("Succeeded")
    expect(page.locator('[data-count="deleted"]')).to_have_text("3")
    expect(page.locator('[data-count="written"]')).to_have_text("3")
    expect(page.locator('[data-count="failed"]')).to_have_text("0")
    expect(page.get_by_text("2026-03-01 – 2026-03-31")).to_be_visible()
