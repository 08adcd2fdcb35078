"""A tenant's flows, mappings, preview and sync in Chromium: turn on the absence flow and give
employees a schedule, map absence types (a cause code, an exclusion), preview what a sync would
write, then sync and see the run succeed on the overview."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from .conftest import Bridge, NewTenant, add_tenant, connect_in_browser, shot, sign_in


def _host_data(bridge: Bridge, tenant: NewTenant) -> None:
    """Two employees, three absence types and three absences, through the host API."""
    records = {
        "employees": {
            "fj-1": {"email": "ella.berg@flows.se", "given_name": "Ella", "family_name": "Berg"},
            "fj-2": {"email": "omar.lind@flows.se", "given_name": "Omar", "family_name": "Lind"},
        },
        "absence-types": {
            "sick": {"code": "sick", "name": "Sick leave"},
            "gym": {"code": "gym", "name": "Gym hour"},
            "course": {"code": "course", "name": "Course day"},
        },
        "absences": {
            "fa-1": {"employee": "fj-1", "absence_type": "sick", "start": "2026-03-02",
                     "end": "2026-03-03", "status": "approved", "extent": 100},
            "fa-2": {"employee": "fj-2", "absence_type": "gym", "start": "2026-03-04",
                     "end": "2026-03-04", "status": "approved", "extent": 100},
            "fa-3": {"employee": "fj-2", "absence_type": "course", "start": "2026-03-05",
                     "end": "2026-03-05", "status": "approved", "extent": 100},
        },
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    with httpx.Client(base_url=f"{bridge.base}/api/v1", headers=headers, timeout=30) as api:
        for collection, rows in records.items():
            for external_id, payload in rows.items():
                answer = api.put(f"/{collection}/{external_id}", json=payload)
                assert answer.status_code == 201, answer.text


def test_flows_mappings_preview_and_sync(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Flows Journey AB")
    _host_data(bridge, tenant)
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)

    # Flows: the absence flow on, a working-time schedule for the employees the bridge creates.
    page.get_by_role("link", name="Flows", exact=True).click()
    absences = page.locator("#flow-hr\\.absence\\.push")
    expect(absences.get_by_role("heading", name="Absence to Fortnox")).to_be_visible()
    expect(absences.get_by_test_id("flow-id-hr.absence.push")).to_have_text("hr.absence.push")
    absences.get_by_label("Absence to Fortnox enabled").check()
    absences.get_by_role("button", name="Save Absence to Fortnox").click()
    expect(page.locator(".flash")).to_contain_text("Saved the settings of Absence to Fortnox")
    employees = page.locator("#flow-hr\\.employee\\.push")
    employees.get_by_label("Default Schedule").fill("HEL")
    employees.get_by_role("button", name="Save Employees to Fortnox").click()
    expect(page.locator(".flash")).to_contain_text("Saved the settings of Employees to Fortnox")
    expect(absences.get_by_label("Absence to Fortnox enabled")).to_be_checked()
    expect(employees.get_by_label("Default Schedule")).to_have_value("HEL")
    shot(page, bridge, "flows")

    # Mappings: gym hours become leave with permission (PEM), course days are not sent.
    page.get_by_role("link", name="Mappings", exact=True).click()
    causes = page.locator("#causes")
    expect(causes.get_by_label("Sick leave")).to_have_value("")
    sick_default = causes.get_by_label("Sick leave").locator("option:checked")
    expect(sick_default).to_have_text("Default (SJK)")
    causes.get_by_label("Gym hour").select_option("PEM")
    causes.get_by_label("Course day").select_option("exclude")
    page.get_by_role("button", name="Save cause codes").click()
    expect(page.locator(".flash")).to_contain_text("Saved the absence cause codes (2 changed)")
    page.reload()
    expect(causes.get_by_label("Gym hour")).to_have_value("PEM")
    expect(causes.get_by_label("Course day")).to_have_value("exclude")
    expect(causes.get_by_label("Sick leave")).to_have_value("")
    shot(page, bridge, "mappings")

    # Preview: two employees to create, absences planned; nothing written.
    page.get_by_role("link", name="Overview", exact=True).click()
    page.get_by_role("button", name="Preview (dry run)").click()
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Preview: what a sync would do")).to_be_visible()
    employees_row = preview.locator('tr[data-flow="hr.employee.push"]')
    expect(employees_row.locator('[data-action="create"]')).to_have_text("2")
    absences_row = preview.locator('tr[data-flow="hr.absence.push"]')
    expect(absences_row).to_be_visible()
    expect(page.locator("#last-run")).to_contain_text("No sweep yet")

    # Sync now: the run succeeds and the overview shows it with its counts.
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator(".flash")).to_contain_text("Sync succeeded")
    last = page.locator("#last-run")
    expect(last.locator("[data-status]")).to_have_attribute("data-status", "succeeded")
    expect(last).to_contain_text("created")
