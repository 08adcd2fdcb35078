"""The stream of Fortnox's changes on the tenant list in Chromium, in English and Swedish: what
a listener (in another process, through the shared store) reported of its Fortnox app, connected
since when, the lag per topic, the events of the last minute, and the sweeps stretched meanwhile;
then the same stream dropped."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.realtime.health import mark_stream
from fortnox_bridge.runtime.stack import open_store
from fortnox_bridge.store.realtime import RealtimeRepository

from .conftest import Bridge, sign_in

APP = "e2e-stream-app"


def _report(bridge: Bridge, *, healthy: bool) -> None:
    """What the listener of ``APP`` writes: its mark, and an accepted event of ``vouchers``."""
    now = SystemClock().now()
    with open_store(Settings(data_dir=bridge.cwd / "var")) as store:
        mark_stream(store.sessions, APP, healthy, now)
        with store.sessions.begin() as session:
            RealtimeRepository(session).move_offset(APP, "vouchers", "v-1", now=now)


def test_the_tenant_list_shows_each_app_s_stream_in_both_languages(
    page: Page, bridge: Bridge
) -> None:
    _report(bridge, healthy=True)
    sign_in(page, bridge)
    section = page.locator("section", has=page.get_by_role("heading", name="Changes from Fortnox"))
    row = section.locator(f'tr[data-app="{APP}"]')
    expect(row).to_contain_text("Connected")
    expect(row).to_contain_text("since 20")
    expect(row).to_contain_text("vouchers: 0 s")
    expect(section.get_by_role("columnheader", name="Events last minute")).to_be_visible()
    expect(section.locator("[data-sweeps]")).to_have_text(
        "Sweeps run stretched: the stream brings the changes."
    )

    page.get_by_label("Language").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    section = page.locator(
        "section", has=page.get_by_role("heading", name="Ändringar från Fortnox när de sker")
    )
    row = section.locator(f'tr[data-app="{APP}"]')
    expect(row).to_contain_text("Ansluten")
    expect(row).to_contain_text("sedan 20")
    expect(section.get_by_role("columnheader", name="Händelser senaste minuten")).to_be_visible()
    expect(section.get_by_role("columnheader", name="Eftersläpning per ämne")).to_be_visible()
    expect(section.locator("[data-sweeps]")).to_have_text(
        "Svepen körs glesare: strömmen för med sig ändringarna."
    )

    _report(bridge, healthy=False)  # the connection dropped
    page.reload()
    row = page.locator(f'tr[data-app="{APP}"]')
    expect(row).to_contain_text("Inte ansluten")
    expect(page.locator("[data-sweeps]")).to_have_text(
        "Svepen körs med sitt vanliga intervall: ingen ström är ansluten."
    )
    page.get_by_label("Språk").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(f'tr[data-app="{APP}"]')).to_contain_text("Not connected")
    expect(page.locator("[data-sweeps]")).to_have_text(
        "Sweeps run on their interval: no stream is connected."
    )
