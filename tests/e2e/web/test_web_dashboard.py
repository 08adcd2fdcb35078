"""The tenant dashboard in Chromium, in English and Swedish: after a sweep and a push its chart
adds up what the runs did, its problems name the flow by title and link to the record, its last
syncs and rate-limit use are real; the last sweep is never the push; and a first
synchronization waiting for decisions turns the light amber with words on what to do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import Bridge, NewTenant, add_tenant, connect_in_browser, shot, sign_in
from .support_ops import company_of, employee, host_api, lock_salary_periods, put, sync

#: What a run's items are counted by (web/activity.py).
COUNTED = ("created", "updated", "deleted", "written", "skipped", "failed")


@pytest.fixture(scope="module")
def bridge(controlled_bridge: Bridge) -> Bridge:
    """Fortnox's side is played through the sandbox's control API (``serve --sandbox-control``)."""
    return controlled_bridge


def _runs(bridge: Bridge, tenant: NewTenant) -> list[dict[str, Any]]:
    with host_api(bridge, tenant) as api:
        answer = api.get("/runs", params={"limit": 100})
        assert answer.status_code == 200, answer.text
        runs: list[dict[str, Any]] = answer.json()["data"]
        return runs


def _settled(page: Page, bridge: Bridge, tenant: NewTenant) -> list[dict[str, Any]]:
    """Reload the overview until the newest run is a finished push that updated a record (the
    push of the last change): the runs, then, as the store has them."""
    finished = page.locator("#last-push [data-status]:not([data-status='running'])")
    for _attempt in range(40):
        page.reload()
        try:
            expect(finished).to_have_count(1, timeout=500)
        except AssertionError:
            continue
        runs = _runs(bridge, tenant)
        newest = runs[0]
        if newest["kind"] == "push" and newest["finished_at"] and newest["counts"].get("updated"):
            page.reload()
            return runs
    raise AssertionError("the push of the last change did not finish")


def test_the_dashboard_after_a_sweep_and_a_push(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Dashboard Journey AB")
    put(bridge, tenant, "employees", "e001", employee(1, employment_id="101"))  # not yet pushed
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    sync(bridge, tenant)
    lock_salary_periods(bridge, company_of(bridge, tenant), "2026-03-31")  # March is refused
    for day in ("2026-03-02", "2026-04-01"):
        put(bridge, tenant, "time-entries", f"t-{day}",
            {"employee": "e001", "date": day, "hours": "8"})  # fmt: skip
    sweep = sync(bridge, tenant)
    put(bridge, tenant, "employees", "e001", employee(1, employment_id="101", phone="070-1"))
    runs = _settled(page, bridge, tenant)
    with host_api(bridge, tenant) as api:  # on from now: it never synced
        answer = api.patch("/flows/hr.absence.push", json={"enabled": True})
        assert answer.status_code == 200, answer.text
    page.reload()

    # The last sweep is the sweep, the push is shown as the last push.
    expect(page.locator("#last-run a")).to_have_attribute(
        "href", re.compile(rf"/runs/{sweep['run_id']}$")
    )
    push = runs[0]
    expect(page.locator("#last-push a")).to_have_attribute(
        "href", re.compile(rf"/runs/{push['id']}$")
    )
    # The chart adds up what the runs did.
    requests = sum(run["requests"] for run in runs)
    items = sum(int(run["counts"].get(name) or 0) for run in runs for name in COUNTED)
    activity = page.locator("#activity")
    expect(activity.locator(".legend")).to_contain_text(f"Requests to Fortnox: {requests}")
    expect(activity.locator(".legend")).to_contain_text(f"Items: {items}")
    expect(
        activity.get_by_role("img", name="Requests and items per day, last 30 days")
    ).to_be_visible()
    # The open problem: counted, named with its flow's title, linked.
    problems = page.locator("#open-problems")
    expect(problems.locator("[data-count]")).to_have_text("1 open problem")
    expect(problems.locator("li")).to_contain_text("Reported time to Fortnox (salary)")
    # The last sync per enabled flow: the employees synced, a flow that never did says so.
    flows = page.locator("#flow-syncs")
    employees = flows.locator('tr[data-flow="hr.employee.push"]')
    expect(employees.get_by_role("rowheader")).to_have_text("Employees to Fortnox")
    expect(employees.locator("td")).to_contain_text(re.compile(r"20\d\d-\d\d-\d\d \d\d:\d\d UTC"))
    absences = flows.locator('tr[data-flow="hr.absence.push"]')
    expect(absences.get_by_role("rowheader")).to_have_text("Absence to Fortnox")
    expect(absences.locator("td")).to_have_text("never")
    # Fortnox's rate limit: the requests of the last hour are every run's, and what they mean.
    rate = page.locator("#rate-limit")
    expect(rate.locator('[data-rate="last-hour"]')).to_have_text(str(requests))
    expect(rate.locator('[data-rate="busiest"]')).to_contain_text("of the 25 Fortnox allows")
    expect(rate).to_contain_text("Fortnox allows 25 requests per 5 seconds for each company")
    shot(page, bridge, "dashboard")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scrolling
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    page.set_viewport_size({"width": 1280, "height": 800})

    # The problems page: the flow's title, and the record in the run that last tried it.
    problems.get_by_role("link", name="1 open problem").click()
    problem = page.locator(".problem", has_text="salary period 2026-03")
    expect(problem.locator("[data-flow]")).to_have_text("Reported time to Fortnox (salary)")
    problem.get_by_role("link", name="See the record in the run that last tried it").click()
    # The held record is the employee's salary period (the days the bridge builds of the time).
    expect(page).to_have_url(re.compile(r"/runs/\d+\?record=e001%2F2026-03$"))
    expect(page.locator("main")).to_contain_text("e001/2026-03")

    # In Swedish.
    page.goto(bridge.url(f"/tenants/{tenant.id}"))
    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("#activity .legend")).to_contain_text(f"Anrop till Fortnox: {requests}")
    expect(page.locator("#open-problems [data-count]")).to_have_text("1 öppet problem")
    expect(page.locator("#open-problems li")).to_contain_text("Rapporterad tid")
    expect(page.locator('#flow-syncs tr[data-flow="hr.employee.push"] th')).to_have_text(
        "Anställda till Fortnox"
    )
    expect(page.locator('#flow-syncs tr[data-flow="hr.absence.push"] td')).to_have_text("aldrig")
    expect(page.locator("#rate-limit")).to_contain_text("Fortnox tillåter 25 anrop per 5 sekunder")
    expect(page.locator("#last-push")).to_be_visible()
    page.goto(bridge.url(f"/tenants/{tenant.id}/problems"))
    problem = page.locator(".problem", has_text="salary period 2026-03")
    expect(problem.locator("[data-flow]")).to_contain_text("Rapporterad tid")
    expect(
        problem.get_by_role("link", name="Se posten i körningen som senast försökte med den")
    ).to_be_visible()
    page.get_by_label("Språk").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_first_synchronization_waiting_for_decisions_is_amber(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Dashboard Plan AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    heading = page.get_by_role("heading", level=1)
    expect(heading.get_by_role("img")).to_have_attribute("class", re.compile("light-green"))
    page.goto(bridge.url(f"/tenants/{tenant.id}/conflicts"))
    page.get_by_role("button", name="Make a plan").click()
    expect(page.locator(".summary")).to_be_visible()
    page.goto(bridge.url(f"/tenants/{tenant.id}"))
    light = page.get_by_role("heading", level=1).get_by_role("img")
    expect(light).to_have_attribute("class", re.compile("light-amber"))
    expect(light).to_have_attribute(
        "aria-label",
        "A first synchronization waits for your decisions: decide and apply it under Conflicts",
    )
    banner = page.locator("#first-sync-waiting")
    banner.get_by_role("link", name="Decide and apply it under Conflicts").click()
    expect(page).to_have_url(bridge.url(f"/tenants/{tenant.id}/conflicts"))

    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.goto(bridge.url(f"/tenants/{tenant.id}"))
    expect(page.get_by_role("heading", level=1).get_by_role("img")).to_have_attribute(
        "aria-label",
        "En första synkronisering väntar på dina beslut: besluta och genomför den under Konflikter",
    )
    expect(page.locator("#first-sync-waiting")).to_contain_text("Besluta och genomför den")
    page.get_by_label("Språk").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
