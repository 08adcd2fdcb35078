"""A tenant's flow families in Chromium: choose the projects family on the settings page, see
the flows page grouped by family with the projects family's base flows marked always on (no
switch) and its other flows with their switches and settings; then the same in Swedish."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from fortnox_bridge.web.labels import FLOW_TITLES

from .conftest import Bridge, add_tenant, shot, sign_in

BASE = (
    "projects.construction_project.push",
    "projects.project_customer.push",
    "projects.cost_center.pull",
    "projects.account.pull",
)


def test_the_projects_family_shows_its_base_flows_always_on(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Families Journey AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}/flows")
    expect(page.get_by_role("heading", name="Payroll", exact=True)).to_be_visible()
    expect(page.locator("#family-projects")).to_have_count(0)

    page.get_by_role("link", name="Settings", exact=True).click()
    families = page.locator("#families")
    families.get_by_label("Projects").check()
    families.get_by_label("Payroll").uncheck()
    families.get_by_role("button", name="Save flow families").click()
    expect(page.locator(".flash")).to_contain_text("Flow families saved.")

    page.get_by_role("link", name="Flows", exact=True).click()
    projects = page.locator("#family-projects")
    expect(projects.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    expect(page.locator("#family-payroll")).to_have_count(0)
    for name in BASE:
        card = projects.locator("#flow-" + name.replace(".", "\\."))
        expect(card.get_by_test_id(f"always-on-{name}")).to_have_text("Always on")
        expect(card.get_by_role("heading", name=FLOW_TITLES[name], exact=True)).to_be_visible()
        expect(card.get_by_label(f"{FLOW_TITLES[name]} enabled")).to_have_count(0)
    supplier = projects.locator("#flow-projects\\.project_supplier\\.push")
    expect(supplier.get_by_label("Suppliers to Fortnox enabled")).not_to_be_checked()
    project = projects.locator("#flow-projects\\.construction_project\\.push")
    project.get_by_label("Completion delay (days)").fill("30")
    project.get_by_role("button", name="Save Projects to Fortnox").click()
    expect(page.locator(".flash")).to_contain_text("Saved the settings of Projects to Fortnox")
    expect(project.get_by_label("Completion delay (days)")).to_have_value("30")
    shot(page, bridge, "flows-families")

    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(projects.get_by_role("heading", name="Projekt", exact=True)).to_be_visible()
    expect(projects.get_by_test_id(f"always-on-{BASE[0]}")).to_have_text("Alltid på")
    expect(project.get_by_role("heading", name="Projekt till Fortnox")).to_be_visible()
    page.get_by_role("link", name="Inställningar", exact=True).click()
    expect(page.locator("#families").get_by_label("Projekt")).to_be_checked()
    expect(page.get_by_role("heading", name="Flödesfamiljer")).to_be_visible()
