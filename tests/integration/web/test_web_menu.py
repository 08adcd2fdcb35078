"""A tenant's menu is made of the tabs the page modules declare.

Adding an admin page is one page module (its router and ``MENU``), one template and its
translations: the throw-away page below is nothing more, and it shows in the menu and renders
in English and Swedish.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web import i18n, render
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.menu import MenuEntry, tenant_menu
from fortnox_bridge.web.pages import page_modules
from fortnox_bridge.web.pages._ops import TenantId, tenant_of, tenant_page
from fortnox_bridge.web.security import User
from integration.web.support import csrf_of

TEMPLATE = """{% extends "tenant_base.html" %}
{% block tenant_content %}<p class="probe">{{ _("The probe page works.") }}</p>{% endblock %}
"""
TRANSLATIONS = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Probe"
msgstr "Sond"

msgid "The probe page works."
msgstr "Sondsidan fungerar."
"""


def probe_module() -> types.ModuleType:
    """A page module as a page's author writes one: a router and its tab."""
    module = types.ModuleType("probe")
    router = APIRouter()

    @router.get("/tenants/{tenant_id}/probe", response_class=HTMLResponse)
    def probe_page(request: Request, tenant_id: TenantId, user: User) -> Response:
        tenant = tenant_of(request, tenant_id)
        return tenant_page(request, "probe.html", user=user, tenant=tenant, tab="probe")

    module.router = router  # type: ignore[attr-defined]
    module.MENU = MenuEntry("probe", N_("Probe"), 45, "/probe")  # type: ignore[attr-defined]
    return module


@pytest.fixture
def probe_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The probe page's template and Swedish translations, in folders of their own."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "probe.html").write_text(TEMPLATE, encoding="utf-8")
    catalogues = tmp_path / "locales" / "sv" / "LC_MESSAGES"
    catalogues.mkdir(parents=True)
    (catalogues / "probe.po").write_text(TRANSLATIONS, encoding="utf-8")
    monkeypatch.setattr(render, "TEMPLATE_DIRS", [*render.TEMPLATE_DIRS, tmp_path / "templates"])
    monkeypatch.setattr(i18n, "LOCALE_DIRS", [*i18n.LOCALE_DIRS, tmp_path / "locales"])
    render.environment.cache_clear()
    i18n.translations.cache_clear()
    yield
    render.environment.cache_clear()
    i18n.translations.cache_clear()


@pytest.fixture
def web_context(web_context: WebContext) -> WebContext:
    """The UI's context, serving the probe page besides the package's pages."""
    web_context.pages = [*web_context.pages, probe_module()]
    return web_context


@pytest.fixture
def tenant_id(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create("Sond AB", now=clock.now()).id


def test_the_menu_is_the_tabs_the_page_modules_declare() -> None:
    menu = tenant_menu(page_modules())
    assert [entry.key for entry in menu] == [
        "overview",
        "flows",
        "mappings",
        "ledger",
        "service",
        "runs",
        "problems",
        "conflicts",
        "maintenance",
        "settings",
    ]
    assert [entry.path for entry in menu][:2] == ["", "/flows"]
    # A family's tab is declared with its family and shown only to tenants using it.
    ledger = next(entry for entry in menu if entry.key == "ledger")
    assert (ledger.shown_to(["ledger", "hr"]), ledger.shown_to(["hr", "payroll"])) == (True, False)
    service = next(entry for entry in menu if entry.key == "service")
    assert (service.shown_to(["service"]), service.shown_to(["ledger"])) == (True, False)
    assert all(entry.shown_to([]) for entry in menu if entry.key not in ("ledger", "service"))


@pytest.mark.usefixtures("probe_files")
def test_a_page_module_with_its_template_and_translations_is_a_page(
    signed_in: TestClient, tenant_id: int
) -> None:
    english = signed_in.get(f"/ui/tenants/{tenant_id}/probe")
    assert english.status_code == 200, english.text
    assert "The probe page works." in english.text
    assert f'href="/ui/tenants/{tenant_id}/probe" aria-current="page">Probe</a>' in english.text
    # Between Runs (40) and Problems (50), on every page of the tenant.
    flows = signed_in.get(f"/ui/tenants/{tenant_id}/flows").text
    assert flows.index(">Runs</a>") < flows.index(">Probe</a>") < flows.index(">Problems</a>")

    token = csrf_of(english.text)
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    swedish = signed_in.get(f"/ui/tenants/{tenant_id}/probe")
    assert "Sondsidan fungerar." in swedish.text
    assert f'href="/ui/tenants/{tenant_id}/probe" aria-current="page">Sond</a>' in swedish.text
