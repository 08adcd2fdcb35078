"""Signing in and out of the admin UI in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import ADMIN_EMAIL, Bridge, shot, sign_in


def test_a_wrong_password_shows_a_message_and_the_right_one_signs_in(
    page: Page, bridge: Bridge
) -> None:
    page.goto(bridge.url("/tenants"))
    expect(page).to_have_url(bridge.url("/login") + "?next=/tenants")
    shot(page, bridge, "login")
    page.get_by_label("E-mail address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The e-mail address or the password is wrong")
    expect(page.get_by_label("E-mail address")).to_have_value(ADMIN_EMAIL)
    sign_in(page, bridge)
    expect(page.get_by_text("Demo Admin")).to_be_visible()


def test_sign_out_and_the_language_switch(page: Page, bridge: Bridge) -> None:
    sign_in(page, bridge)
    page.get_by_label("Language").select_option("sv")
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(bridge.url("/login"))
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    page.goto(bridge.url("/tenants"))
    expect(page).to_have_url(bridge.url("/login") + "?next=/tenants")
