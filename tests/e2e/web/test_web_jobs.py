"""Long admin-UI actions as background jobs, in Chromium, in English and Swedish: "Sync now"
followed through a reload to its counts, the preview answering at once and then showing its
table, and "Make a plan" with its warning, its progress and the plan's filters and pages."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Response, expect

from .conftest import Bridge, NewTenant, add_tenant, connect_in_browser, sign_in
from .support_ops import company_of, employee, fortnox, host_api, sandbox_control

#: Employees a long sync creates: at the sandbox's rate limit (Fortnox's) this takes a while.
LONG = 100
#: How long the button's answer may take at most (seconds): the work goes on in the background.
AT_ONCE = 3.0
#: Fortnox's rate limit (25 requests in 5 seconds), which the sandbox applies when asked.
FORTNOX_LIMIT = {"enabled": True, "requests": 25, "seconds": 5}


@pytest.fixture(scope="module")
def bridge(controlled_bridge: Bridge) -> Bridge:
    """The plan's test plays Fortnox's side through the sandbox's control API."""
    return controlled_bridge


def _limit(bridge: Bridge, limit: dict[str, Any]) -> None:
    with sandbox_control(bridge) as control:
        assert control.put("/rate-limit", json=limit).status_code == 200


@pytest.fixture
def rate_limit(bridge: Bridge) -> Iterator[None]:
    """The sandbox's rate limit as it was is put back after the test."""
    with sandbox_control(bridge) as control:
        before: dict[str, Any] = control.get("/rate-limit").json()
    try:
        yield
    finally:
        _limit(bridge, before)


def _employees_waiting(bridge: Bridge, tenant: NewTenant, numbers: range) -> None:
    """Store host employees that no push has sent yet: the tenant is not connected yet, so the
    pushes their arrival asks for are refused and the records wait for a sync."""
    with host_api(bridge, tenant) as api:
        records = [{"external_id": f"w{n:03d}", "data": employee(n)} for n in numbers]
        stored = api.post("/employees:batch", json={"records": records})
        assert stored.status_code == 200, stored.text


def _answered_at_once(page: Page, button: str, path: str) -> Response:
    """Click ``button`` and return the POST's answer, checked to have come at once."""
    started = time.monotonic()
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(path)
    ) as answer:
        page.get_by_role("button", name=button).click()
    elapsed = time.monotonic() - started
    response = answer.value
    assert response.status == 303
    assert elapsed < AT_ONCE, f"the {button!r} button took {elapsed:.1f} s to answer"
    return response


def _fits_a_phone(page: Page) -> None:
    """At 390 px wide the page does not scroll sideways."""
    page.set_viewport_size({"width": 390, "height": 844})
    wide, shown = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert wide <= shown, f"{page.url} is {wide} px wide in a {shown} px window"
    page.set_viewport_size({"width": 1280, "height": 800})


def _swedish(page: Page) -> None:
    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")


def test_a_long_sync_is_followed_through_a_reload_to_its_counts(
    page: Page, bridge: Bridge, rate_limit: None
) -> None:
    tenant = add_tenant(bridge, "Long Sync AB")
    _employees_waiting(bridge, tenant, range(1, LONG + 1))
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    _limit(bridge, FORTNOX_LIMIT)  # the creates take 20 s or so

    page.goto(bridge.url(f"/tenants/{tenant.id}"))
    _answered_at_once(page, "Sync now", f"/tenants/{tenant.id}/sync")
    card = page.locator("#sync-job")
    expect(card).to_have_attribute("data-state", "running")
    expect(card.get_by_role("heading", name="Sync under way")).to_be_visible()
    percent = card.locator("[data-percent]")
    expect(percent).to_be_visible(timeout=60_000)  # the run's row is there, with progress
    assert int(percent.get_attribute("data-percent") or "100") < 100
    expect(card.get_by_role("progressbar")).to_be_visible()
    run_link = card.get_by_role("link", name=re.compile(r"^Run \d+$"))
    run_path = run_link.get_attribute("href") or ""
    assert re.fullmatch(rf"/ui/tenants/{tenant.id}/runs/\d+", run_path)
    # The runs list shows the run while it runs.
    runs = page.request.get(bridge.url(f"/tenants/{tenant.id}/runs")).text()
    row = runs.split(f'href="{run_path}"', 1)[1].split("</tr>", 1)[0]
    assert "running" in row.lower(), row

    # A reload (here: choosing Swedish, which loads the page again) shows the same sync.
    _swedish(page)
    expect(card).to_have_attribute("data-state", "running")
    expect(card.get_by_role("heading", name="Synkronisering pågår")).to_be_visible()
    expect(card.get_by_role("link", name=re.compile(r"^Körning \d+$"))).to_have_attribute(
        "href", run_path
    )

    # It ends with the counts of what was created.
    expect(card).to_have_attribute("data-state", "done", timeout=180_000)
    outcome = card.locator("[data-outcome]")
    expect(outcome).to_contain_text(f"skapade {LONG}")
    expect(outcome).to_contain_text("Synken lyckades")
    expect(card.locator("[data-percent]")).to_have_attribute("data-percent", "100")
    _fits_a_phone(page)
    page.goto(f"{bridge.base}{run_path}")
    expect(page.locator("body")).to_contain_text(str(LONG))


def test_the_preview_answers_at_once_then_shows_its_table(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Preview Jobs AB")
    _employees_waiting(bridge, tenant, range(1, 4))
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)

    page.goto(bridge.url(f"/tenants/{tenant.id}"))
    _swedish(page)
    _answered_at_once(page, "Förhandsgranska (provkörning)", f"/tenants/{tenant.id}/preview")
    preview = page.locator("#preview")
    heading = preview.get_by_role("heading", name="Förhandsgranskning: vad en synk skulle göra")
    expect(heading).to_be_visible()
    row = preview.locator('tr[data-flow="hr.employee.push"]')
    expect(row.locator('[data-action="create"]')).to_have_text("3")
    expect(row.get_by_role("rowheader")).to_contain_text("Anställda till Fortnox")
    expect(preview.locator("#preview-job")).to_have_attribute("data-state", "done")
    # Kept on the server: a reload shows the same table.
    page.reload()
    expect(row.locator('[data-action="create"]')).to_have_text("3")
    _fits_a_phone(page)


def test_a_plan_is_made_with_progress_then_filtered_and_paged(
    page: Page, bridge: Bridge, rate_limit: None
) -> None:
    tenant = add_tenant(bridge, "Plan Jobs AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    with host_api(bridge, tenant) as api:  # nothing is pushed before the plan is decided
        assert api.patch("/flows/hr.employee.push", json={"enabled": False}).status_code == 200
        records = [{"external_id": f"p{n:03d}", "data": employee(n)} for n in range(1, 61)]
        assert api.post("/employees:batch", json={"records": records}).status_code in (200, 207)
    # 30 employees more in Fortnox: 5 of them the host's first five (with another phone).
    _limit(bridge, {"enabled": False})
    with fortnox(bridge, company_of(bridge, tenant)) as remote:
        for number in range(1, 31):
            email = f"person{number}@example.se" if number <= 5 else f"other{number}@example.se"
            made = remote.post(
                "/employees",
                json={"Employee": {"EmployeeId": str(300 + number), "FirstName": "Förnamn",
                                   "LastName": f"Fortnox{number}", "Email": email,
                                   "Phone1": "070-999 99 99"}},
            )  # fmt: skip
            assert made.status_code == 201, made.text
    _limit(bridge, FORTNOX_LIMIT)  # reading them in full takes a few seconds

    page.goto(bridge.url(f"/tenants/{tenant.id}/conflicts"))
    warning = page.locator("#plan-warning")
    expect(warning).to_contain_text("new employees of this tenant wait")
    button = page.get_by_role("button", name="Make a plan")
    assert warning.bounding_box()["y"] < button.bounding_box()["y"]  # type: ignore[index]
    _answered_at_once(page, "Make a plan", f"/tenants/{tenant.id}/conflicts/first-sync/plan")
    card = page.locator("#plan-job")
    expect(card).to_have_attribute("data-state", "running")
    expect(card).to_contain_text("Making the plan…")
    expect(card.locator('[aria-current="step"]')).to_be_visible()

    # Once made, the page shows the plan (the card brings the browser back to it).
    summary = page.locator(".summary")
    expect(summary).to_contain_text("5 pairs (5 differ)", timeout=120_000)
    expect(page.locator("#plan-job")).to_contain_text("Plan made: 5 pairs")
    filters = page.get_by_role("navigation", name="Show in the plan")
    counts = {
        name: filters.locator(f'[data-filter="{name}"] [data-count]')
        for name in ("all", "conflicts", "host_only", "fortnox_only", "duplicates")
    }
    # The 30 Fortnox employees share a phone: one duplicate.
    total = 5 + 55 + 25 + 1
    for name, count in zip(counts, (total, 5, 55, 25, 1), strict=True):
        expect(counts[name]).to_have_text(str(count))
    items = page.locator("li.plan-item")
    expect(items).to_have_count(50)
    expect(page.locator("#plan-range")).to_have_text(f"Items 1–50 of {total} · page 1 of 2")
    page.get_by_role("link", name="Next page →").click()
    expect(items).to_have_count(total - 50)
    expect(page.locator("#plan-range")).to_have_text(f"Items 51–{total} of {total} · page 2 of 2")
    filters.locator('[data-filter="conflicts"]').click()
    expect(items).to_have_count(5)
    expect(filters.locator('[aria-current="page"]')).to_have_attribute("data-filter", "conflicts")
    expect(items.first).to_contain_text("070-999 99 99")
    filters.locator('[data-filter="duplicates"]').click()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("is shared by 30 employees in Fortnox")
    filters.locator('[data-filter="conflicts"]').click()
    expect(items).to_have_count(5)
    # Deciding on a filtered page stays there.
    first = items.first
    first.get_by_role("button", name="Fortnox wins").click()
    expect(page).to_have_url(re.compile(r"\?show=conflicts#item-\d+$"))
    expect(summary).to_contain_text(f"{total - 1} undecided")
    # The filters in Swedish.
    _swedish(page)
    page.goto(bridge.url(f"/tenants/{tenant.id}/conflicts?show=conflicts"))
    svenska = page.get_by_role("navigation", name="Visa i planen")
    expect(svenska.locator('[data-filter="conflicts"]')).to_contain_text("Bara konflikter")
    expect(svenska.locator('[data-filter="fortnox_only"]')).to_contain_text("Bara i Fortnox")
    expect(page.locator("#plan-range")).to_have_text("Rader 1–5 av 5 · sida 1 av 1")
    page.goto(bridge.url(f"/tenants/{tenant.id}/conflicts?page=2"))
    expect(page.get_by_role("navigation", name="Planens sidor")).to_be_visible()
    _fits_a_phone(page)
