"""The runs list and a run's page in Chromium: 120 employees put through the host API make one
run of 120 items, shown 100 to a page; the runs list pages and filters by kind, status and
flow; a run's items filter by outcome and record, each shown by its reference with its
internal keys in a toggle; then the same pages in Swedish, and at a phone's width."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.runs import ItemRecord, RunRepository

from .conftest import Bridge, NewTenant, add_tenant, connect_in_browser, shot, sign_in
from .support_ops import employee, host_api, sync

ROWS = "table.run-items tbody tr"
RUN_ROWS = "table.runs tbody tr"


def _older_runs(bridge: Bridge, tenant: NewTenant, count: int) -> tuple[int, int, str, int]:
    """``count`` small pushes of an earlier day in the bridge's store, for the list's paging;
    then how many runs the tenant has, and the run that wrote the employees: its id, kind and
    how many succeeded runs of that kind touched the employees."""
    engine = open_engine(f"sqlite:///{(bridge.cwd / 'var' / 'fortnox-bridge.sqlite').as_posix()}")
    earlier = datetime.now(UTC) - timedelta(days=3)
    with session_factory(engine).begin() as session:
        runs = RunRepository(session)
        for n in range(count):
            run = runs.start(tenant.id, "push", now=earlier, flow="hr.absence.push")
            runs.add_items(run.id, [ItemRecord("hr.absence.push", f"a{n}", "update", "ok")])
            runs.finish(run.id, "succeeded", now=earlier, counts={"updated": 1}, requests=1)
    with session_factory(engine).begin() as session:
        runs = RunRepository(session)
        total = runs.runs_page(tenant.id).total
        touched = runs.runs_page(tenant.id, flow="hr.employee.push", per_page=100).rows
        big = max(touched, key=lambda run: runs.items_page(run.id).total)
        assert runs.items_page(big.id).total == 120, "one run wrote every employee"
        assert big.status == "succeeded"
        alike = runs.runs_page(
            tenant.id, kind=big.kind, status="succeeded", flow="hr.employee.push"
        )
        found = (total, big.id, big.kind, alike.total)
    engine.dispose()
    return found


def _no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_runs_list_and_a_run_of_many_items(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Runs Journey AB")
    # The employees first: nothing is written to Fortnox before the tenant is connected, so
    # the first run after it writes all 120.
    with host_api(bridge, tenant) as api:
        for n in range(1, 121):
            phone = f"070-001 {n // 100:02d} {n % 100:02d}"
            answer = api.put(f"/employees/e{n:03}", json=employee(n, phone=phone))
            assert answer.status_code in (200, 201), answer.text
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    assert sync(bridge, tenant)["status"] == "succeeded"
    total, big, kind, alike = _older_runs(bridge, tenant, 30)
    assert 30 < total <= 50  # two pages of the list
    kind_words = {"sweep": ("Sweep", "Svep"), "push": ("Push", "Push")}[kind]

    # The list: 25 runs to a page; page 2 by its link.
    page.goto(bridge.url(f"/tenants/{tenant.id}/runs"))
    expect(page.get_by_test_id("runs-total")).to_have_text(f"{total} runs · page 1 of 2")
    expect(page.locator(RUN_ROWS)).to_have_count(25)
    expect(page.locator(".chart-box svg")).to_be_visible()
    page.get_by_role("link", name="Page 2 of 2").click()
    expect(page).to_have_url(re.compile(r"/runs\?page=2$"))
    expect(page.locator(RUN_ROWS)).to_have_count(total - 25)
    expect(page.get_by_role("link", name="Page 1 of 2")).to_be_visible()

    # Filters combine and are shown in words.
    filters = page.get_by_role("search", name="Filter the runs")
    filters.get_by_label("Kind of run").select_option(label=kind_words[0])
    filters.get_by_label("Status").select_option(label="Succeeded")
    filters.get_by_label("Flow").select_option(label="Employees to Fortnox")
    filters.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"kind={kind}&status=succeeded&flow=hr\.employee\.push"))
    expect(page.locator(RUN_ROWS)).to_have_count(alike)
    expect(page.get_by_test_id("runs-total")).to_have_text(re.compile(rf"^{alike} runs?$"))
    shown = page.locator(f'tr[data-run="{big}"]')
    expect(shown.locator("[data-kind]")).to_contain_text(kind_words[0])
    expect(shown.locator("[data-status]")).to_have_text("Succeeded")
    filters.get_by_label("Kind of run").select_option(label="Repair")
    filters.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No run matches these filters.")).to_be_visible()
    page.get_by_role("link", name="Show all runs").first.click()
    expect(page.locator(RUN_ROWS)).to_have_count(25)
    page.get_by_role("link", name="Page 2 of 2").click()
    expect(page.locator(RUN_ROWS)).to_have_count(total - 25)
    shot(page, bridge, "runs")

    # The run of the employees: 120 items, 100 to a page, each by its reference.
    page.goto(bridge.url(f"/tenants/{tenant.id}/runs?kind={kind}&flow=hr.employee.push"))
    page.locator(f'tr[data-run="{big}"]').get_by_role("link").click()
    expect(page.get_by_test_id("run-title")).to_contain_text(f": {kind_words[0]}")
    expect(page.get_by_test_id("items-total")).to_have_text("120 items · page 1 of 2")
    expect(page.locator(ROWS)).to_have_count(100)
    first = page.locator(ROWS).first
    expect(first.locator(".run-record > span")).to_have_text(re.compile(r"^employee e\d{3} \("))
    expect(first).to_contain_text("Employees to Fortnox")
    expect(first.locator(".badge")).to_have_text("Created")
    expect(first.locator(".run-reason")).to_have_text("not in Fortnox yet")
    page.get_by_role("link", name="Page 2 of 2").click()
    expect(page.locator(ROWS)).to_have_count(20)
    expect(page.get_by_test_id("items-total")).to_have_text("120 items · page 2 of 2")

    # Outcome and record combine; the internal keys only in the toggle.
    items = page.get_by_role("search", name="Filter the items")
    items.get_by_label("Outcome").select_option(label="Created")
    items.get_by_label("Record").fill("E077")
    items.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"outcome=created&record=E077"))
    expect(page.locator(ROWS)).to_have_count(1)
    row = page.locator(ROWS).first
    expect(row.locator(".run-record > span")).to_have_text("employee e077 (person77@example.se)")
    keys = row.locator("details.run-keys")
    expect(keys.locator("dd code").first).to_be_hidden()
    keys.locator("summary").click()
    expect(keys.locator("dd code").first).to_have_text("e077")
    expect(keys).to_contain_text("Fortnox id")
    expect(keys).to_contain_text("not in Fortnox yet")
    items.get_by_label("Outcome").select_option(label="Failed")
    items.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No items of this kind in this run.")).to_be_visible()
    page.get_by_role("link", name="Show all items").click()
    expect(page.locator(ROWS)).to_have_count(100)

    # The same in Swedish: words, not the engine's names.
    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_test_id("run-title")).to_contain_text(f": {kind_words[1]}")
    expect(page.get_by_test_id("items-total")).to_have_text("120 poster · sida 1 av 2")
    first = page.locator(ROWS).first
    expect(first.locator(".badge")).to_have_text("Skapade")
    expect(first.locator(".run-reason")).to_have_text("finns inte i Fortnox än")
    expect(first).to_contain_text("Anställda till Fortnox")
    shown = page.locator("main").inner_text()
    for english in ("sweep", "succeeded", "not in Fortnox yet", "Created"):
        assert english not in shown, english
    assert "ok" not in {text.strip() for text in page.locator(".badge").all_inner_texts()}
    page.get_by_role("link", name="Sida 2 av 2").click()
    expect(page.locator(ROWS)).to_have_count(20)
    page.goto(bridge.url(f"/tenants/{tenant.id}/runs?status=succeeded&flow=hr.employee.push"))
    expect(page.get_by_label("Status")).to_have_value("succeeded")
    expect(page.get_by_label("Flöde")).to_have_value("hr.employee.push")
    expect(page.get_by_label("Flöde").locator("option:checked")).to_have_text(
        "Anställda till Fortnox"
    )
    listed = page.locator("main").inner_text()
    for english in ("sweep", "succeeded", "Sweep", "Succeeded"):
        assert english not in listed, english
    expect(page.locator(RUN_ROWS).first.locator("[data-status]")).to_have_text("Lyckades")

    # A phone's width: no sideways scroll on either page.
    page.set_viewport_size({"width": 390, "height": 800})
    assert _no_sideways_scroll(page)
    page.go_back()
    assert _no_sideways_scroll(page)
