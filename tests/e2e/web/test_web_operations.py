"""Runs, problems and settings in Chromium: Fortnox refuses time in a locked salary period, the
problem shows Fortnox's words and is resolved; the runs and their items; an API key shown once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import Bridge, add_tenant, connect_in_browser, shot, sign_in
from .support_ops import company_of, employee, lock_salary_periods, put, sync


@pytest.fixture(scope="module")
def bridge(controlled_bridge: Bridge) -> Bridge:
    """Fortnox's side is played through the sandbox's control API (``serve --sandbox-control``)."""
    return controlled_bridge


def test_a_refusal_in_a_locked_period_is_a_problem_that_is_resolved(
    page: Page, bridge: Bridge
) -> None:
    tenant = add_tenant(bridge, "Problem Journey AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    put(bridge, tenant, "employees", "e001", employee(1, employment_id="101"))
    sync(bridge, tenant)
    company = company_of(bridge, tenant)
    lock_salary_periods(bridge, company, "2026-03-31")  # Fortnox refuses March from now on
    for day in ("2026-03-02", "2026-04-01"):
        put(bridge, tenant, "time-entries", f"t-{day}",
            {"employee": "e001", "date": day, "hours": "8"})  # fmt: skip
    result = sync(bridge, tenant)
    # The new time entries start a push of their own in the bridge: whichever of it and this
    # sync writes first meets Fortnox's refusal (a partial run, found on the runs page below);
    # the other finds the refusal recent and leaves it (unchanged).
    assert result["status"] in ("partial", "succeeded"), result

    page.goto(bridge.url(f"/tenants/{tenant.id}/problems"))
    problem = page.locator(".problem", has_text="salary period 2026-03")
    expect(problem).to_contain_text("employee e001, salary period 2026-03")
    expect(problem).to_contain_text("is locked in Fortnox")
    # seen by this sync, and by as many pushes as the new time entries started before it
    expect(problem).to_contain_text(re.compile(r"· (once|[0-9]+ times)"))
    heading = page.get_by_role("heading", name="Problem Journey AB")
    expect(heading.get_by_role("img")).to_have_attribute("aria-label", re.compile("problem"))
    shot(page, bridge, "problems")

    lock_salary_periods(bridge, company, None)  # unlocked in Fortnox: the problem is fixed
    problem.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Resolved: employee e001, salary period 2026-03."
    )
    expect(page.get_by_text("No open problems: everything went through.")).to_be_visible()
    page.get_by_role("link", name="Resolved", exact=True).click()
    expect(page.locator(".problem")).to_contain_text("salary period 2026-03")

    page.get_by_role("link", name="Runs", exact=True).click()
    expect(page.get_by_role("img", name=re.compile("Requests and items per day"))).to_be_visible()
    # The push that wrote April and failed March; a later sweep retrying March is partial too.
    partial = page.locator("table.runs tr", has_text="Partly failed").last
    expect(partial).to_be_visible()
    shot(page, bridge, "runs")
    partial.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"Run \d+: (Sweep|Push)"))).to_be_visible()
    items = page.get_by_role("search", name="Filter the items")
    items.get_by_label("Outcome").select_option(label="Created")
    items.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"outcome=created"))
    expect(page.locator("table.items")).to_contain_text("e001/2026-04")
    shot(page, bridge, "run")


def test_an_api_key_is_shown_once_with_a_copy_button(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Settings Journey AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}/settings")
    page.get_by_label("E-mail addresses").fill("ekonomi@kund.se\nnot an address")
    page.get_by_role("button", name="Save recipients").click()
    expect(page.locator("#e-recipients")).to_contain_text("Not an e-mail address: not an address.")
    page.get_by_label("E-mail addresses").fill("ekonomi@kund.se\nlon@kund.se")
    page.get_by_role("button", name="Save recipients").click()
    expect(page.get_by_text("Recipients saved.")).to_be_visible()
    expect(page.get_by_label("E-mail addresses")).to_have_value("ekonomi@kund.se\nlon@kund.se")

    page.get_by_label("Label").fill("Treks production")
    page.get_by_label("Scope").select_option("read")
    page.get_by_role("button", name="Make the key").click()
    key = page.get_by_test_id("new-key").inner_text()
    assert key.startswith("fbk_")
    expect(page.get_by_role("button", name="Copy", exact=True)).to_be_visible()
    row = page.locator("tr", has_text="Treks production")
    expect(row).to_contain_text(key[:12])
    expect(row).to_contain_text("read")
    expect(row).to_contain_text("never")
    page.reload()
    expect(page.get_by_test_id("new-key")).to_have_count(0)
    assert key not in page.content()

    page.get_by_label("URL").fill("ftp://treks.example.se/hooks")
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator("#e-url")).to_contain_text("must start with https://")
    page.get_by_label("URL").fill("https://treks.example.se/hooks")
    page.get_by_label("All events").uncheck()
    page.get_by_label("record.changed").check()
    page.get_by_label("conflict.opened").check()
    page.get_by_role("button", name="Add the endpoint").click()
    secret = page.get_by_test_id("new-secret").inner_text()
    assert secret.startswith("whsec_")
    hook = page.locator(".webhook", has_text="https://treks.example.se/hooks")
    expect(hook).to_contain_text("A record was changed in Fortnox, A conflict waits for a decision")
    expect(hook).to_contain_text("active")
    shot(page, bridge, "settings")
    hook.get_by_role("button", name="Disable").click()
    expect(page.locator(".webhook", has_text="treks.example.se")).to_contain_text("disabled")
    assert secret not in page.content()
