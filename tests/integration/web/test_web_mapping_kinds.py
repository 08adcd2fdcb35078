"""A flow's mapping kinds appear on the mappings page by themselves.

The throw-away flow below declares two kinds, one with the values it allows and one taking any
value; the page shows a section of each (in English and Swedish, from the declaration's words),
saves a mapping the declaration allows, refuses one it does not next to the field with nothing
saved, and removes a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.base import Flow, MappingKind
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.store.mappings import MappedValue, MappingRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web import i18n
from fortnox_bridge.web.context import WebContext, session_secret
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of

TRANSLATIONS = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "a probe colour"
msgstr "en sondfärg"

msgid "a Fortnox probe code"
msgstr "en sondkod i Fortnox"

msgid "a probe label"
msgstr "en sondetikett"

msgid "a Fortnox probe label"
msgstr "en sondetikett i Fortnox"
"""


class ProbePush(Flow):
    """A flow of a family the page knows nothing of."""

    name: ClassVar[str] = "probe.thing.push"
    entity: ClassVar[str] = "probe_thing"
    resource: ClassVar[str] = "customers"
    direction = "push"
    mapping_kinds: ClassVar[tuple[MappingKind, ...]] = (
        MappingKind(
            "probe_colour",
            local="a probe colour",
            fortnox="a Fortnox probe code",
            local_values=("green", "red"),
            fortnox_values=("G1", "R1"),
        ),
        MappingKind("probe_label", local="a probe label", fortnox="a Fortnox probe label"),
    )


@pytest.fixture
def probe_translations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Swedish words of the probe flow's kinds, in a folder of their own."""
    catalogues = tmp_path / "locales" / "sv" / "LC_MESSAGES"
    catalogues.mkdir(parents=True)
    (catalogues / "probe.po").write_text(TRANSLATIONS, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIRS", [*i18n.LOCALE_DIRS, tmp_path / "locales"])
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


@pytest.fixture
def web_context(sessions: sessionmaker[Session], clock: ManualClock) -> WebContext:
    """The UI's context over the bridge's flows and the probe flow."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    services = build_services(sessions, clock=clock, flows=[*discover_flows(), ProbePush])
    return WebContext(services, secret=session_secret("test key"))


@pytest.fixture
def tenant_id(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create("Sond AB", now=clock.now()).id


def _stored(sessions: sessionmaker[Session], tenant_id: int) -> dict[str, dict[str, MappedValue]]:
    with sessions.begin() as session:
        return MappingRepository(session).for_tenant(tenant_id)


def _error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{re.escape(field)}">([^<]*)</p>', html)
    assert found, f"no message next to {field}"
    return found.group(1)


@pytest.mark.usefixtures("probe_translations")
def test_a_declared_kind_has_its_section_in_english_and_swedish(
    signed_in: TestClient, tenant_id: int
) -> None:
    page = signed_in.get(f"/ui/tenants/{tenant_id}/mappings")
    assert page.status_code == 200, page.text
    assert 'id="kind-probe_colour"' in page.text
    assert "A probe colour → a Fortnox probe code" in page.text
    assert re.search(r'<select id="f-probe_colour-local".*?<option value="red"', page.text, re.S)
    assert re.search(r'<select id="f-probe_colour-fortnox".*?<option value="R1"', page.text, re.S)
    assert '<input id="f-probe_label-local" name="probe_label-local" type="text"' in page.text
    # The page's own sections stay; the absence causes have no generic section besides.
    assert 'id="causes"' in page.text
    assert 'id="paxml"' in page.text
    assert 'id="kind-absence_cause"' not in page.text

    token = csrf_of(page.text)
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    swedish = signed_in.get(f"/ui/tenants/{tenant_id}/mappings").text
    assert "En sondfärg → en sondkod i Fortnox" in swedish
    assert "Spara mappning" in swedish


def test_a_valid_mapping_is_saved_changed_and_removed(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    url = f"/ui/tenants/{tenant_id}/mappings"
    token = csrf_of(signed_in.get(url).text)
    answer = signed_in.post(
        f"{url}/kinds/probe_colour",
        data={"probe_colour-local": "red", "probe_colour-fortnox": "R1", "csrf_token": token},
    )
    assert answer.status_code == 303, answer.text
    signed_in.post(
        f"{url}/kinds/probe_label",
        data={"probe_label-local": "Big", "probe_label-fortnox": "STOR", "csrf_token": token},
    )
    assert _stored(sessions, tenant_id) == {
        "probe_colour": {"red": MappedValue("R1", excluded=False)},
        "probe_label": {"Big": MappedValue("STOR", excluded=False)},
    }
    page = signed_in.get(url).text
    assert "Mapped Big to STOR." in page
    assert re.search(r'<tr data-local="red">.*?<code>R1</code>', page, re.S)

    answer = signed_in.post(
        f"{url}/kinds/probe_colour",
        data={"probe_colour-local": "red", "action": "remove", "csrf_token": token},
    )
    assert answer.status_code == 303
    assert "probe_colour" not in _stored(sessions, tenant_id)


def test_a_refused_value_is_shown_next_to_its_field_and_nothing_is_saved(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    url = f"/ui/tenants/{tenant_id}/mappings"
    token = csrf_of(signed_in.get(url).text)
    answer = signed_in.post(
        f"{url}/kinds/probe_colour",
        data={"probe_colour-local": "red", "probe_colour-fortnox": "B9", "csrf_token": token},
    )
    assert answer.status_code == 400
    assert _error_of(answer.text, "probe_colour-fortnox") == (
        "B9 is not a Fortnox probe code that red can be mapped to."
    )
    assert re.search(
        r'name="probe_colour-local".*?<option value="red" selected>', answer.text, re.S
    )
    answer = signed_in.post(
        f"{url}/kinds/probe_colour",
        data={"probe_colour-local": "blue", "probe_colour-fortnox": "G1", "csrf_token": token},
    )
    assert "blue is not a probe colour" in _error_of(answer.text, "probe_colour-local")
    answer = signed_in.post(
        f"{url}/kinds/probe_label",
        data={"probe_label-local": "Big", "probe_label-fortnox": "", "csrf_token": token},
    )
    assert _error_of(answer.text, "probe_label-fortnox") == "Enter or choose a value."
    answer = signed_in.post(
        f"{url}/kinds/nobody_reads",
        data={"nobody_reads-local": "x", "nobody_reads-fortnox": "y", "csrf_token": token},
    )
    assert answer.status_code == 400
    assert "No flow reads mappings of this kind" in answer.text
    assert _stored(sessions, tenant_id) == {}
