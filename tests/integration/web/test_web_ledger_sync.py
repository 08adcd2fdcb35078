"""The Ledger page's buttons with the engine beside the UI, against the sandbox's demo company
(SQLite and PostgreSQL): "Sync the two latest years" starts a job whose progress the page shows;
a year's documents are fetched; a SIE file over a year synced from Fortnox, and a sync over a
year loaded from a file, each wait for a confirmation; a file that is not SIE is refused beside
the form; the same in Swedish."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.context import WebContext, session_secret
from integration.bridge_api import api_app
from integration.conftest import Bridge
from integration.families import use_family
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of


@pytest.fixture
def clock() -> ManualClock:
    """Midsummer 2026: both of the demo company's years (2025 and 2026) have begun."""
    return ManualClock(dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC))


@pytest.fixture
async def company(control: SandboxControl) -> int:
    """The sandbox's demo company, with its financial years 2025 and 2026 and their vouchers."""
    return int((await control.create_company("Huvudbok AB", seed="demo"))["tenant_id"])


@dataclass
class Ui:
    client: httpx.AsyncClient
    context: WebContext
    base: str

    async def post(self, path: str, **data: str) -> httpx.Response:
        page = await self.client.get(self.base)
        return await self.client.post(
            f"{self.base}{path}", data={**data, "csrf_token": csrf_of(page.text)}
        )

    async def upload(self, year: str, name: str, content: bytes) -> httpx.Response:
        page = await self.client.get(self.base)
        return await self.client.post(
            f"{self.base}/sie",
            data={"year": year, "csrf_token": csrf_of(page.text)},
            files={"file": (name, content, "application/octet-stream")},
        )

    async def finished(self, started: httpx.Response) -> str:
        """Wait for the job a button started; the Ledger page it leads to."""
        assert started.status_code == 303, started.text
        await self.context.jobs.join()
        return (await self.client.get(started.headers["location"])).text


@pytest.fixture
async def ui(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Ui]:
    await bridge.connect()
    with sessions.begin() as session:
        use_family(session, bridge.tenant, "ledger")
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    hooks = EngineHooks(service=bridge.service)
    settings = Settings(data_dir=tmp_path)
    services = build_services(sessions, clock=clock, hooks=hooks, settings=settings)
    context = WebContext(services, secret=session_secret("k"))
    app = api_app(sessions, clock=clock, hooks=hooks, settings=settings)
    install_web(app, context)
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app)
    ) as client:
        login = await client.get("/ui/login")
        form = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/"}
        signed = await client.post("/ui/login", data={**form, "csrf_token": csrf_of(login.text)})
        assert signed.status_code == 303
        yield Ui(client, context, f"/ui/tenants/{bridge.tenant}/ledger")
    await services.jobs.stop()


def vouchers_of(page: str, year: str) -> int:
    row = re.search(rf'<tr data-year="{year}">(.*?)</tr>', page, re.DOTALL)
    assert row is not None, f"no year {year} on the page"
    count = re.search(r'data-count="vouchers">(\d+)<', row.group(1))
    assert count is not None
    return int(count.group(1))


async def test_sync_the_two_latest_years_shows_its_progress(ui: Ui) -> None:
    before = await ui.client.get(ui.base)
    assert "No financial years yet" in before.text
    assert "Sync the two latest years" in before.text

    started = await ui.post("/sync")
    assert re.fullmatch(rf"{ui.base}\?operation=\d+", started.headers["location"])
    page = await ui.finished(started)

    assert "The ledger sync started." in page
    assert 'data-operation-status="succeeded"' in page
    assert "2 of 2 years" in page
    assert "data-done" in page
    assert vouchers_of(page, "2026") >= 0
    assert vouchers_of(page, "2025") > 0
    assert "Documents: 2026-07-01 08:00" in page  # when the year's documents were looked for
    operation = started.headers["location"].rsplit("=", 1)[1]
    progress = await ui.client.get(f"{ui.base}/operations/{operation}/progress")
    assert progress.status_code == 200
    assert progress.text.startswith('<div class="run-progress" id="ledger-progress"')
    assert (await ui.client.get(f"{ui.base}/operations/999999/progress")).status_code == 404

    fetched = await ui.finished(await ui.post("/sync", year="2025", mode="documents"))
    assert 'data-operation-status="succeeded"' in fetched


async def test_a_file_and_a_sync_replace_the_other_source_only_when_confirmed(ui: Ui) -> None:
    await ui.finished(await ui.post("/sync"))
    held = vouchers_of((await ui.client.get(ui.base)).text, "2025")
    sie = (await ui.client.get(f"{ui.base}/years/2025/sie")).content

    asked = await ui.upload("2025", "bokslut-2025.se", sie)
    assert asked.status_code == 200
    assert "Replace a ledger synced from Fortnox?" in asked.text
    token = re.search(r'name="upload" value="([^"]+)"', asked.text)
    assert token is not None
    loaded = await ui.post("/sie/confirm", upload=token.group(1))
    assert loaded.status_code == 303
    page = (await ui.client.get(loaded.headers["location"])).text
    assert f"bokslut-2025.se was loaded into 2025-01-01: {held} vouchers." in page
    row = re.search(r'<tr data-year="2025">(.*?)</tr>', page, re.DOTALL)
    assert row is not None
    assert "bokslut-2025.se" in row.group(1)
    again = await ui.post("/sie/confirm", upload=token.group(1))
    follow = (await ui.client.get(again.headers["location"])).text
    assert "The uploaded file is no longer kept: upload it again." in follow

    confirm = await ui.post("/sync", year="2025")
    assert confirm.status_code == 200
    assert "Replace a ledger loaded from a SIE file?" in confirm.text
    assert "The ledger of 2025 was loaded from an uploaded SIE file." in confirm.text
    latest = await ui.post("/sync")  # the two latest years hold 2025 too
    assert "The ledger of 2025 was loaded from an uploaded SIE file." in latest.text
    assert 'name="overwrite" value="true"' in confirm.text
    replaced = await ui.finished(await ui.post("/sync", year="2025", overwrite="true"))
    assert 'data-operation-status="succeeded"' in replaced
    row = re.search(r'<tr data-year="2025">(.*?)</tr>', replaced, re.DOTALL)
    assert row is not None
    assert "bokslut-2025.se" not in row.group(1)


async def test_a_file_that_is_not_sie_is_refused_beside_the_form(ui: Ui) -> None:
    refused = await ui.upload("2025", "notes.txt", b"these are not vouchers")

    assert refused.status_code == 400
    assert "The file cannot be read as a SIE 4 file." in refused.text
    page = await ui.client.get(ui.base)
    await ui.client.post("/ui/language", data={"language": "sv", "csrf_token": csrf_of(page.text)})
    swedish = await ui.upload("2025", "notes.txt", b"these are not vouchers")
    assert "Filen kan inte läsas som en SIE 4-fil." in swedish.text
    assert "Synka de två senaste åren" in swedish.text
    assert "Läs in ett år från en SIE-fil" in swedish.text
