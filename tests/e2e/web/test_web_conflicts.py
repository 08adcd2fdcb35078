"""The first synchronization of employees in Chromium: make a plan, choose per field between the
host's and Fortnox's values, apply, and see it applied on both sides."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import Bridge, add_tenant, connect_in_browser, shot, sign_in
from .support_ops import company_of, fortnox, host_api, put


@pytest.fixture(scope="module")
def bridge(controlled_bridge: Bridge) -> Bridge:
    """Fortnox's side is played through the sandbox's control API (``serve --sandbox-control``)."""
    return controlled_bridge


def test_a_first_sync_conflict_is_decided_per_field_and_applied(page: Page, bridge: Bridge) -> None:
    tenant = add_tenant(bridge, "Conflict Journey AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    connect_in_browser(page, bridge, tenant)
    with host_api(bridge, tenant) as api:  # nothing is pushed before the plan is decided
        answer = api.patch("/flows/hr.employee.push", json={"enabled": False})
        assert answer.status_code == 200, answer.text
    with fortnox(bridge, company_of(bridge, tenant)) as remote:
        made = remote.post(
            "/employees",
            json={
                "Employee": {
                    "EmployeeId": "201",
                    "FirstName": "Eva",
                    "LastName": "Ek",
                    "Email": "eva.ek@example.se",
                    "Phone1": "070-222 22 22",
                }
            },
        )
        assert made.status_code == 201, made.text
    put(bridge, tenant, "employees", "h-eva",
        {"email": "Eva.Ek@example.se", "given_name": "Eva", "family_name": "Ekström",
         "phone": "070-111 11 11"})  # fmt: skip

    page.goto(bridge.url(f"/tenants/{tenant.id}/conflicts"))
    page.get_by_role("button", name="Make a plan").click()
    expect(page.locator(".summary")).to_contain_text("1 pairs (1 differ)")
    expect(page.locator(".summary")).to_contain_text("1 undecided")
    pair = page.locator(".plan-item", has_text="Eva")
    phone = pair.locator("tr", has_text="phone")
    expect(phone).to_contain_text("070-111 11 11")
    expect(phone).to_contain_text("070-222 22 22")
    name = pair.locator("tr", has_text="family_name")
    expect(name).to_contain_text("Ekström")
    phone.get_by_role("radio", name="Fortnox").check()
    name.get_by_role("radio", name="Host").check()
    pair.get_by_role("button", name="Save the choices per field").click()
    expect(page.locator(".summary")).to_contain_text("1 undecided")  # the e-mail is left
    email = pair.locator("tr", has_text="email")
    expect(email).to_contain_text("Eva.Ek@example.se")
    email.get_by_role("radio", name="Fortnox").check()
    expect(phone.get_by_role("radio", name="Fortnox")).to_be_checked()  # kept from before
    pair.get_by_role("button", name="Save the choices per field").click()
    expect(page.locator(".summary")).to_contain_text("0 undecided")
    expect(page.locator(".plan-item", has_text="Eva")).to_contain_text("decided per field")
    shot(page, bridge, "conflicts")

    page.get_by_role("button", name="Apply the plan").click()
    expect(page.get_by_text("The plan was applied.")).to_be_visible()
    expect(page.locator("#apply")).to_contain_text("1 employees done, 0 left out, 0 failed.")

    with host_api(bridge, tenant) as api:
        host = api.get("/employees/h-eva").json()["data"]
    assert host["phone"] == "070-222 22 22"  # Fortnox's phone won
    assert host["family_name"] == "Ekström"
    assert host["email"] == "eva.ek@example.se"
    with fortnox(bridge, company_of(bridge, tenant)) as remote:
        there = remote.get("/employees/201").json()["Employee"]
    assert there["LastName"] == "Ekström"  # the host's name won
    assert there["Phone1"] == "070-222 22 22"
