"""An accounting bureau's user connects one of its client companies in Chromium: the connection
link, the sandbox's consent page with its sign-in and the choice among the user's companies,
and the tenant connected to the chosen company."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from .conftest import Bridge, add_tenant, shot, sign_in


def test_a_bureau_user_chooses_its_second_company_on_the_consent_page(
    page: Page, controlled_bridge: Bridge
) -> None:
    bridge = controlled_bridge
    made = httpx.post(
        f"{bridge.base}/sandbox/_sandbox/users",
        json={
            "name": "Anna Byråsson",
            "companies": [
                {"name": "Byråklient Ett AB"},
                {"name": "Byråklient Två AB"},
                {"name": "Byråklient Tre AB"},
            ],
        },
        timeout=30,
    )
    assert made.status_code == 201, made.text
    second = made.json()["companies"][1]["tenant_id"]
    tenant = add_tenant(bridge, "Byråkund AB")

    sign_in(page, bridge, f"/tenants/{tenant.id}")
    link = page.get_by_role("button", name="Copy connection link").get_attribute("data-copy")
    assert link is not None
    page.goto(link)  # as the bureau's user would open it
    expect(page.get_by_role("heading", name="Godkänn integration")).to_be_visible()
    page.get_by_label("Användare").select_option(label="Anna Byråsson")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text("Inloggad som Anna Byråsson")).to_be_visible()
    choice = page.get_by_role("group", name="Välj vilket företag integrationen ska kopplas till")
    expect(choice.get_by_role("radio")).to_have_count(3)
    choice.get_by_role("radio", name="Byråklient Två AB").check()
    shot(page, bridge, "consent-bureau")
    page.get_by_role("button", name="Godkänn").click()
    expect(page.get_by_text("Byråkund AB is connected to Fortnox.")).to_be_visible()

    answer = httpx.get(
        f"{bridge.base}/api/v1/connection",
        headers={"Authorization": f"Bearer {tenant.api_key}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["state"], answer.json()["fortnox_tenant_id"]) == ("active", second)
