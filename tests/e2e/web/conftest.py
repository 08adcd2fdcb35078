"""The admin UI in a real browser: Debian's Chromium driven by Playwright, against a real
``fortnox-bridge serve`` (with its in-process sandbox) started from the command line.

The bridge (``demo --once`` data, one admin user) and the browser are started once per test
process and shared: a test makes the tenants it changes, so tests do not depend on each other. Pages
are photographed with :func:`shot`; ``make screenshots`` (``FORTNOX_BRIDGE_UPDATE_SCREENSHOTS=1``)
copies the pictures into ``docs/screenshots/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ..conftest import COMMAND, cli_env, free_port, wait_until_up

CHROMIUM = Path("/usr/bin/chromium")
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
#: The admin user ``demo`` makes; its password is in demo.json and printed by the demo.
ADMIN_EMAIL = "admin@demo-ab.se"


@dataclass
class Bridge:
    """A running bridge: its address, its folder and the demo tenant."""

    base: str
    cwd: Path
    tenant: str
    api_key: str
    shots: Path
    #: The demo admin's password, as the demo printed it.
    admin_password: str

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``fortnox-bridge`` on the same store as the server."""
        return subprocess.run(
            [*COMMAND, *args, "--data-dir", "var"],
            cwd=self.cwd,
            env=cli_env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def url(self, path: str) -> str:
        """The address of a UI page: ``url("/tenants")``."""
        return f"{self.base}/ui{path}"


@pytest.fixture(scope="session")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    """``demo --once`` (which makes the admin user and prints its login), then ``serve`` on a
    free port, as a user runs it: its in-process sandbox shows browsers only the consent page."""
    yield from _bridge(tmp_path_factory)


@pytest.fixture(scope="session")
def controlled_bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    """The same with ``serve --sandbox-control``: tests that play Fortnox's side (lock a period,
    edit a record in Fortnox) use the in-process sandbox's control API at ``/sandbox/_sandbox``."""
    yield from _bridge(tmp_path_factory, "--sandbox-control")


def _bridge(
    tmp_path_factory: pytest.TempPathFactory,
    *serve_options: str,
    settings: dict[str, str] | None = None,
) -> Iterator[Bridge]:
    """A bridge as :func:`bridge` starts it; ``settings``: ``FORTNOX_BRIDGE_*`` variables of its
    ``serve`` (a test that needs a setting the shared bridges do not have starts its own)."""
    cwd = tmp_path_factory.mktemp("bridge")
    env = cli_env()
    made = subprocess.run(
        [*COMMAND, "demo", "--once", "--data-dir", "var"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    info = json.loads((cwd / "var" / "demo.json").read_text())
    password = str(info["admin_password"])
    assert info["admin_email"] == ADMIN_EMAIL
    printed = " ".join(made.stdout.split())  # the terminal wraps long lines
    assert f"sign in as {ADMIN_EMAIL} with password {password}" in printed, made.stdout
    port = free_port()
    # serve logs a line per request: to a file, since a pipe nobody reads would fill and stall it
    log = (cwd / "serve.log").open("w")
    server = subprocess.Popen(
        [*COMMAND, "serve", "--data-dir", "var", "--port", str(port), *serve_options],
        cwd=cwd,
        env={**env, **(settings or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_until_up(f"{base}/healthz", server).status_code == 200
        shots = cwd / "screenshots"
        shots.mkdir()
        yield Bridge(
            base, cwd, str(info.get("tenant", "demo")), str(info["api_key"]), shots, password
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (``apt-get install chromium``), headless.

    One per test module, not per session: Playwright's synchronous API keeps an event loop
    running in the thread while it is open, and the tests that run after the module in the same
    process start event loops of their own.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install it with 'apt-get install chromium'"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser window (no cookies), English, 1280×800. A test fails if the browser
    reports that the page's Content-Security-Policy blocked anything."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    window = context.new_page()
    blocked: list[str] = []
    window.on(
        "console",
        lambda message: (
            blocked.append(f"{window.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    try:
        yield window
    finally:
        context.close()
    assert blocked == [], "the Content-Security-Policy blocked parts of a page"


def sign_in(page: Page, bridge: Bridge, path: str = "/tenants") -> None:
    """Open ``path``, get sent to the login page, sign in as the admin and land on ``path``, in
    English: the admin's language is kept on the user, and an earlier test may have left it
    Swedish."""
    page.goto(bridge.url(path))
    expect(page).to_have_url(f"{bridge.url('/login')}?next={path}")
    page.get_by_label("E-mail address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(bridge.admin_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(bridge.url(path))
    if page.locator("html").get_attribute("lang") != "en":
        page.locator("#language-select").select_option("en")
        expect(page.locator("html")).to_have_attribute("lang", "en")


def shot(page: Page, bridge: Bridge, name: str) -> Path:
    """Photograph the page as ``ui-<name>.png``; kept in docs/screenshots with
    ``FORTNOX_BRIDGE_UPDATE_SCREENSHOTS=1`` (``make screenshots``)."""
    target = bridge.shots / f"ui-{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 1_000, f"{target} is empty"
    if os.environ.get("FORTNOX_BRIDGE_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, DOCS_SCREENSHOTS / target.name)
    return target


@dataclass
class NewTenant:
    """A tenant a test made for itself: its id, name and API key."""

    id: int
    name: str
    api_key: str


def add_tenant(bridge: Bridge, name: str) -> NewTenant:
    """``tenants add`` on the bridge's store (the server sees the tenant at once)."""
    made = bridge.cli("tenants", "add", name)
    assert made.returncode == 0, made.stdout + made.stderr
    found = re.search(r"\(id (\d+)\)\. API key \(shown once\): (\S+)", made.stdout)
    assert found, made.stdout
    return NewTenant(int(found.group(1)), name, found.group(2))


def connect_in_browser(page: Page, bridge: Bridge, tenant: NewTenant) -> None:
    """On the tenant's overview: "Connect to Fortnox", choose the tenant's sandbox company on
    the sandbox's consent page, approve, and land on the overview again, connected."""
    page.goto(bridge.url(f"/tenants/{tenant.id}"))
    page.get_by_role("button", name="Connect to Fortnox").click()
    expect(page.get_by_role("heading", name="Godkänn integration")).to_be_visible()
    page.get_by_role("radio", name=re.compile(rf"{re.escape(tenant.name)} \(sandbox\)")).check()
    page.get_by_role("button", name="Godkänn").click()
    expect(page).to_have_url(bridge.url(f"/tenants/{tenant.id}"))
    expect(page.get_by_role("status").first).to_contain_text(f"{tenant.name} is connected")
