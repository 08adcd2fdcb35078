"""The Ledger page and its voucher browser in Chromium: a tenant using the ledger family finds
the Ledger tab, its years with source, counts and status, filters the vouchers, opens one with
its rows and opens the supplier invoice behind it; then the same pages in Swedish."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.documents import LocalDocumentFiles
from integration.families import use_family
from integration.ledger_data import PDF, example_ledger

from .conftest import Bridge, NewTenant, add_tenant, shot, sign_in


def with_ledger(bridge: Bridge, name: str) -> NewTenant:
    """A new tenant using the ledger family, with the example ledger in the bridge's store."""
    tenant = add_tenant(bridge, name)
    data_dir = bridge.cwd / "var"
    engine = open_engine(f"sqlite:///{(data_dir / 'fortnox-bridge.sqlite').as_posix()}")
    with session_factory(engine).begin() as session:
        use_family(session, tenant.id, "ledger")
        example_ledger(session, LocalDocumentFiles.in_data_dir(data_dir), tenant.id)
    engine.dispose()
    return tenant


def test_the_ledger_page_and_the_voucher_browser(page: Page, bridge: Bridge) -> None:
    tenant = with_ledger(bridge, "Ledger Journey AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")

    page.get_by_role("navigation", name="Tenant").get_by_role("link", name="Ledger").click()
    expect(page).to_have_url(bridge.url(f"/tenants/{tenant.id}/ledger"))
    latest = page.locator('tr[data-year="2025"]')
    expect(latest.locator('[data-count="vouchers"]')).to_have_text("5")
    expect(latest.locator('[data-count="documents"]')).to_have_text("1")
    expect(latest.locator("[data-status]")).to_have_text("Up to date")
    expect(page.locator('tr[data-year="2024"]')).to_contain_text("SIE file")
    shot(page, bridge, "ledger")

    latest.get_by_role("link", name="Vouchers").click()
    expect(page.locator("tr[data-voucher]")).to_have_count(5)
    page.get_by_label("Project").fill("P1")
    page.get_by_role("button", name="Show vouchers").click()
    rows = page.locator("tr[data-voucher]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Leverantörsfaktura")
    shot(page, bridge, "ledger-vouchers")

    rows.first.get_by_role("link", name="B1").click()
    expect(page.get_by_role("heading", name="Voucher B1")).to_be_visible()
    expect(page.locator("table.ledger-rows tbody tr")).to_have_count(2)
    document = page.get_by_role("link", name="Faktura 17 åäö.pdf")
    with page.context.expect_page() as opened:
        document.click()
    shown = opened.value
    answer = page.context.request.get(bridge.base + str(document.get_attribute("href")))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body() == PDF
    assert f"/tenants/{tenant.id}/ledger/documents/" in shown.url
    shown.close()

    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", name="Verifikation B1")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Kostnadsställe")).to_be_visible()
    page.get_by_role("navigation", name="Kund").get_by_role("link", name="Huvudbok").click()
    expect(page.get_by_role("heading", name="Räkenskapsår")).to_be_visible()
    expect(page.locator('tr[data-year="2024"]')).to_contain_text("SIE-fil")
    page.get_by_role("link", name="Bläddra bland verifikationer").click()
    page.get_by_label("Från datum").fill("2025-03-01")
    page.get_by_role("button", name="Visa verifikationer").click()
    expect(page.locator("tr[data-voucher]")).to_have_count(1)
    page.get_by_label("Språk").select_option("en")


def test_the_ledger_tab_is_left_out_for_a_tenant_without_the_family(
    page: Page, bridge: Bridge
) -> None:
    tenant = add_tenant(bridge, "No Ledger AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}")
    tabs = page.get_by_role("navigation", name="Tenant")
    expect(tabs.get_by_role("link", name="Runs")).to_be_visible()
    expect(tabs.get_by_role("link", name="Ledger")).to_have_count(0)


def test_the_ledger_buttons_confirm_and_show_progress(page: Page, bridge: Bridge) -> None:
    tenant = with_ledger(bridge, "Ledger Buttons AB")
    sign_in(page, bridge, f"/tenants/{tenant.id}/ledger")
    base = bridge.url(f"/tenants/{tenant.id}/ledger")
    sie = page.context.request.get(f"{base}/years/2025/sie").body()

    # A file over a year synced from Fortnox waits for the confirmation.
    page.get_by_label("Financial year", exact=True).fill("2025")
    page.set_input_files(
        "#f-sie-file", files=[{"name": "bokslut-2025.se", "mimeType": "text/plain", "buffer": sie}]
    )
    page.get_by_role("button", name="Load the file").click()
    expect(
        page.get_by_role("heading", name="Replace a ledger synced from Fortnox?")
    ).to_be_visible()
    shot(page, bridge, "ledger-confirm")
    page.get_by_role("button", name="Replace it with the file").click()
    expect(page.locator(".flash")).to_contain_text("bokslut-2025.se was loaded into 2025-01-01")
    expect(page.locator('tr[data-year="2025"]')).to_contain_text("bokslut-2025.se")

    # Syncing that year from Fortnox asks again; the started job shows its progress here.
    page.get_by_role("button", name="Sync 2025").click()
    expect(
        page.get_by_role("heading", name="Replace a ledger loaded from a SIE file?")
    ).to_be_visible()
    page.get_by_role("button", name="Replace it with Fortnox's ledger").click()
    expect(page.locator(".flash")).to_contain_text("The ledger sync started.")
    progress = page.locator("#ledger-progress")
    expect(progress).to_be_visible()
    # The tenant is not connected to Fortnox: the job ends, and the page says so by itself.
    expect(progress.locator("[data-operation-status]")).to_have_attribute(
        "data-operation-status", "failed"
    )
    expect(page.locator("#ledger-progress[data-done]")).to_have_count(1)

    page.get_by_label("Language").select_option("sv")
    expect(page.get_by_role("button", name="Synka de två senaste åren")).to_be_visible()
    expect(page.get_by_role("heading", name="Läs in ett år från en SIE-fil")).to_be_visible()
    page.get_by_label("Språk").select_option("en")
