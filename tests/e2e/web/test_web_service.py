"""The Service tab in Chromium, on the demo tenant (which uses the service family and sent the
demo's three orders): the family's settings grouped as the settings model groups them, in
English and in Swedish (every label and group Swedish), a bad value refused beside its field in
Swedish with nothing saved, the flows with their last sync and "Sync now", and the orders with
their integration reference and the invoice PDF of the invoiced one."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from fortnox_bridge.flows.service.settings import GROUPS, ServiceSettings

from .conftest import Bridge, shot, sign_in

#: The demo's orders (see cli/work/demo_service.py) and the one the demo invoiced in Fortnox.
ORDERS = ("SO-1001", "AO-1002", "FO-1003")
INVOICED = "SO-1001"


def _demo_tenant(bridge: Bridge) -> int:
    return int(json.loads((bridge.cwd / "var" / "demo.json").read_text())["tenant_id"])


def _labels(language: str) -> list[str]:
    """Every field's label on the form, in the form's order (grouped as GROUPS orders them)."""
    fields: list[tuple[int, str]] = []
    order = list(GROUPS)
    for name, spec in ServiceSettings.model_json_schema()["properties"].items():
        extra: dict[str, Any] = spec
        label = extra["sv"]["title"] if language == "sv" else extra.get("title", name)
        fields.append((order.index(extra["group"]), label))
    return [label for _, label in sorted(fields, key=lambda item: item[0])]


def test_the_service_settings_in_english_and_swedish(page: Page, bridge: Bridge) -> None:
    tenant = _demo_tenant(bridge)
    sign_in(page, bridge, f"/tenants/{tenant}")
    page.get_by_role("navigation", name="Tenant").get_by_role("link", name="Service").click()
    expect(page).to_have_url(bridge.url(f"/tenants/{tenant}/service"))
    form = page.locator("#settings form")
    legends = form.locator("fieldset.settings-group > legend")
    expect(legends).to_have_text([english for english, _ in GROUPS.values()])
    labels = form.locator(".field label")
    expect(labels).to_have_text(_labels("en"))
    shot(page, bridge, "service")

    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", name="Serviceinställningar")).to_be_visible()
    expect(legends).to_have_text([swedish for _, swedish in GROUPS.values()])
    expect(labels).to_have_text(_labels("sv"))

    # A bad value: refused beside its field, in Swedish, and nothing saved.
    length = page.locator("#f-service-serial_number_length")
    length.fill("-1")
    page.get_by_role("button", name="Spara serviceinställningarna").click()
    error = page.locator("#e-service-serial_number_length")
    expect(error).to_have_text("Ange ett tal som är minst 0.")
    expect(length).to_have_value("-1")
    page.goto(bridge.url(f"/tenants/{tenant}/service"))
    expect(length).to_have_value("0")

    # The form as it is saves.
    page.get_by_role("button", name="Spara serviceinställningarna").click()
    expect(page.locator(".flash")).to_contain_text("Serviceinställningarna är sparade.")
    page.get_by_label("Språk").select_option("en")


def test_the_orders_sent_and_the_invoice_pdf(page: Page, bridge: Bridge) -> None:
    tenant = _demo_tenant(bridge)
    sign_in(page, bridge, f"/tenants/{tenant}/service")
    for number in ORDERS:
        row = page.locator(f'tr[data-order="{number}"]')
        expect(row.locator("[data-reference]")).not_to_have_attribute("data-reference", "")
    invoiced = page.locator(f'tr[data-order="{INVOICED}"]')
    expect(invoiced.locator("[data-invoiced]")).to_have_attribute("data-invoiced", "yes")
    expect(page.locator("a[data-pdf]")).to_have_count(1)
    pdf = invoiced.get_by_role("link", name="PDF")
    with page.context.expect_page() as opened:
        pdf.click()
    opened.value.close()
    answer = page.context.request.get(bridge.base + str(pdf.get_attribute("href")))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")

    # The flows of the family with their last sync, and "Sync now" for one of them.
    push = page.locator('tr[data-flow="service.service_order.push"]')
    expect(push.locator("[data-last-ok]")).to_contain_text("UTC")
    expect(push).to_contain_text("Service orders to Fortnox")
    push.get_by_role("button", name="Sync Service orders to Fortnox now").click()
    # It runs in the background: the overview's sync card follows it to its outcome.
    expect(page).to_have_url(re.compile(rf"/ui/tenants/{tenant}#sync$"))
    outcome = page.locator("#sync-job [data-outcome]")
    expect(outcome).to_contain_text(re.compile("Nothing to sync|Sync succeeded"), timeout=30_000)
