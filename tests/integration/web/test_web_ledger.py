"""The Ledger page and its voucher browser over a ledger in the store (SQLite and PostgreSQL):
the tab only for tenants using the ledger family, years with source, counts and status,
vouchers filtered and paged, one voucher with rows and its document, English and Swedish."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.formats.sie.document import read_document
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.store.documents import LocalDocumentFiles
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.context import WebContext, session_secret
from fortnox_bridge.web.pages import ledger_vouchers
from integration.families import use_family
from integration.ledger_data import NOW, PDF, example_ledger
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of


def speak(client: TestClient, language: str) -> None:
    """Choose the UI's language with its switch (kept in the session)."""
    page = client.get("/ui/tenants")
    client.post("/ui/language", data={"language": language, "csrf_token": csrf_of(page.text)})


@pytest.fixture
def web_context(sessions: sessionmaker[Session], clock: ManualClock, tmp_path: Path) -> WebContext:
    """The UI's context over the test store, whose documents are kept under ``tmp_path``."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    services = build_services(sessions, clock=clock, settings=Settings(data_dir=tmp_path))
    return WebContext(services, secret=session_secret("test key"))


@pytest.fixture
def tenants(sessions: sessionmaker[Session], tmp_path: Path) -> tuple[int, int, int]:
    """A tenant using the ledger family with its ledger, and one using none; their ids and the
    first one's document id."""
    with sessions.begin() as session:
        repository = TenantRepository(session)
        ledger, other = (
            repository.create("Bokföring AB", now=NOW),
            repository.create("HR AB", now=NOW),
        )
        use_family(session, ledger.id, "ledger")
        document = example_ledger(session, LocalDocumentFiles.in_data_dir(tmp_path), ledger.id)
        return ledger.id, other.id, document


def tabs(html: str) -> list[str]:
    nav = html[html.index('<nav class="tabs"') :]
    return re.findall(r">([^<]+)</a>", nav[: nav.index("</nav>")])


def test_the_ledger_tab_is_shown_only_to_tenants_using_the_family(
    signed_in: TestClient, tenants: tuple[int, int, int]
) -> None:
    ledger, other, _ = tenants
    assert "Ledger" in tabs(signed_in.get(f"/ui/tenants/{ledger}/problems").text)
    assert "Ledger" not in tabs(signed_in.get(f"/ui/tenants/{other}/problems").text)
    speak(signed_in, "sv")
    assert "Huvudbok" in tabs(signed_in.get(f"/ui/tenants/{ledger}/problems").text)


def test_the_ledger_page_lists_the_years(
    signed_in: TestClient, tenants: tuple[int, int, int]
) -> None:
    ledger, other, _ = tenants
    page = signed_in.get(f"/ui/tenants/{ledger}/ledger")

    assert page.status_code == 200
    rows = re.findall(r'<tr data-year="([^"]+)">(.*?)</tr>', page.text, re.DOTALL)
    assert [key for key, _ in rows] == ["2025", "2024"]
    first, second = rows[0][1], rows[1][1]
    assert "Fortnox" in first
    assert '<td class="num" data-count="vouchers">5</td>' in first
    assert '<td class="num" data-count="documents">1</td>' in first
    assert 'data-status="ok">Up to date<' in first
    assert "SIE file" in second
    assert "2024.se" in second
    assert f"/ui/tenants/{ledger}/ledger/vouchers?year=2025" in first
    # Without the engine beside the UI there is nothing to sync with: no buttons, a notice.
    assert "The sync engine does not run beside this UI" in page.text
    assert "Sync the two latest years" not in page.text
    assert 'aria-label="Sync 2025"' not in page.text

    speak(signed_in, "sv")
    swedish = signed_in.get(f"/ui/tenants/{ledger}/ledger").text
    assert "Räkenskapsår" in swedish
    assert "SIE-fil" in swedish
    speak(signed_in, "en")
    empty = signed_in.get(f"/ui/tenants/{other}/ledger").text
    assert "No financial years yet" in empty
    assert "does not use the ledger family" in empty


def test_the_year_downloads_as_a_sie_file(
    signed_in: TestClient, tenants: tuple[int, int, int]
) -> None:
    ledger = tenants[0]
    answer = signed_in.get(f"/ui/tenants/{ledger}/ledger/years/2025/sie")

    assert answer.status_code == 200
    assert "ledger-2025-01-01.se" in answer.headers["content-disposition"]
    assert len(read_document(io.BytesIO(answer.content)).document.vouchers) == 5
    assert signed_in.get(f"/ui/tenants/{ledger}/ledger/years/2019/sie").status_code == 404


def voucher_keys(html: str) -> list[str]:
    return re.findall(r'<tr data-voucher="([^"]+)">', html)


def test_the_voucher_browser_filters_and_pages(
    signed_in: TestClient, tenants: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = tenants[0]
    base = f"/ui/tenants/{ledger}/ledger/vouchers"
    assert voucher_keys(signed_in.get(f"{base}?year=2025&project=P1").text) == [
        "2025/B1",
        "2025/A2",
    ]
    assert voucher_keys(signed_in.get(f"{base}?account=2440&from=2025-03-01").text) == ["2025/B2"]

    monkeypatch.setattr(ledger_vouchers, "PAGE_SIZE", 4)
    first = signed_in.get(f"{base}?year=2025").text
    assert voucher_keys(first) == ["2025/A1", "2025/B1", "2025/A2", "2025/C1"]
    following = re.search(r'rel="next" href="([^"]+)"', first)
    assert following is not None
    second = signed_in.get(following.group(1).replace("&amp;", "&")).text
    assert voucher_keys(second) == ["2025/B2"]
    assert 'rel="next"' not in second
    assert "First page" in second


def test_bad_filters_are_shown_beside_their_fields(
    signed_in: TestClient, tenants: tuple[int, int, int]
) -> None:
    base = f"/ui/tenants/{tenants[0]}/ledger/vouchers"
    bad_date = signed_in.get(f"{base}?from=2025-13-01")
    assert bad_date.status_code == 400
    assert 'id="e-from">Give a date as YYYY-MM-DD.<' in bad_date.text
    speak(signed_in, "sv")
    swedish = signed_in.get(f"{base}?from=igår")
    assert "Ange ett datum som ÅÅÅÅ-MM-DD." in swedish.text
    speak(signed_in, "en")
    no_year = signed_in.get(f"{base}?year=2019")
    assert no_year.status_code == 400
    assert 'id="e-year">The bridge holds no such financial year for this tenant.<' in no_year.text


def test_a_voucher_shows_its_rows_and_opens_its_document(
    signed_in: TestClient, tenants: tuple[int, int, int]
) -> None:
    ledger, other, document = tenants
    page = signed_in.get(f"/ui/tenants/{ledger}/ledger/vouchers/2025/B/1")

    assert page.status_code == 200
    assert "Voucher B1" in page.text
    assert "Leverantörsfaktura" in page.text
    assert "3 000.00" in page.text
    link = f"/ui/tenants/{ledger}/ledger/documents/{document}"
    assert f'href="{link}"' in page.text
    assert "Faktura 17 åäö.pdf" in page.text
    opened = signed_in.get(link)
    assert (opened.status_code, opened.content) == (200, PDF)
    assert opened.headers["content-type"] == "application/pdf"
    speak(signed_in, "sv")
    swedish = signed_in.get(f"/ui/tenants/{ledger}/ledger/vouchers/2025/B/1")
    assert "Verifikation B1" in swedish.text
    assert "Leverantörsfaktura" in swedish.text
    speak(signed_in, "en")
    assert signed_in.get(f"/ui/tenants/{ledger}/ledger/vouchers/2025/B/9").status_code == 404
    # Another tenant's address never shows this tenant's document.
    assert signed_in.get(f"/ui/tenants/{other}/ledger/documents/{document}").status_code == 404


def test_the_pages_need_a_signed_in_admin(
    browser: TestClient, tenants: tuple[int, int, int]
) -> None:
    ledger, _, document = tenants
    for path in ("/ledger", "/ledger/vouchers", f"/ledger/documents/{document}"):
        answer = browser.get(f"/ui/tenants/{ledger}{path}")
        assert answer.status_code in (302, 303, 401)
