"""The tenant overview shows a light per flow family the tenant uses, with its reason, in
English and Swedish; and every text of the lights and of the bookkeeping licence check has its
Swedish translation."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync import ledger_licence
from fortnox_bridge.services import family_status
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models.ledger import LedgerYear
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.i18n import translations
from integration.families import use_family
from integration.web.support import csrf_of


def _lights(html: str) -> dict[str, tuple[str, str, str]]:
    """``{family: (light, code, text)}`` of the overview's family lights."""
    found = re.findall(
        r'<li data-family="(\w+)" data-light="(\w+)" data-code="(\w+)">.*?— ([^<]*)</li>',
        html,
        re.S,
    )
    return {family: (light, code, text) for family, light, code, text in found}


def test_the_overview_shows_each_family_s_light_and_reason_in_both_languages(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Lampor AB", now=clock.now()).id
        use_family(session, tenant, "ledger")
    page = signed_in.get(f"/ui/tenants/{tenant}")
    assert page.status_code == 200
    assert _lights(page.text)["ledger"] == (
        "red",
        "not_connected",
        "The Fortnox connection: Not connected.",
    )
    with sessions.begin() as session:
        connection = ConnectionRepository(session).create(tenant, "lamps", now=clock.now())
        connection.state, connection.scopes = "active", "salary companyinformation settings"
        session.add(
            LedgerYear(
                tenant_id=tenant,
                fortnox_id=1,
                from_date=date(2025, 1, 1),
                to_date=date(2025, 12, 31),
                last_error="Fortnox answered 503",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    english = _lights(signed_in.get(f"/ui/tenants/{tenant}").text)
    assert english["hr"][:2] == ("green", "scopes_granted")
    assert english["ledger"] == (
        "red",
        "scopes_missing",
        "The connection was not approved for: archive, bookkeeping, connectfile. "
        "Connect again to approve them.",
    )
    signed_in.post("/ui/language", data={"language": "sv", "csrf_token": csrf_of(page.text)})
    swedish = signed_in.get(f"/ui/tenants/{tenant}").text
    assert "Flödesfamiljer" in swedish
    assert _lights(swedish)["ledger"][2] == (
        "Anslutningen godkändes inte för: archive, bookkeeping, connectfile. Anslut "
        "igen och godkänn dem."
    )
    assert 'aria-label="Familjen fungerar inte"' in swedish
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant)
        assert connection is not None
        connection.scopes = "archive bookkeeping companyinformation connectfile salary"
    failed = _lights(signed_in.get(f"/ui/tenants/{tenant}").text)["ledger"]
    assert failed == (
        "red",
        "sync_failed",
        "Den senaste synkroniseringen av huvudboken misslyckades (2025-01-01 – 2025-12-31): "
        "Fortnox answered 503",
    )


def test_every_text_of_the_lights_and_of_the_licence_check_is_in_swedish() -> None:
    swedish = translations("sv")
    texts = [
        ledger_licence.CHECK_NAME,
        *ledger_licence.DETAILS.values(),
        *(fix for fix in ledger_licence.FIXES.values() if fix),
        family_status.CONNECTED,
        family_status.NOT_ACTIVE,
        family_status.SCOPES_OK,
        family_status.SCOPES_MISSING,
        family_status.LICENCE_UNKNOWN,
        family_status.SYNC_NONE,
        family_status.SYNC_OK,
        family_status.SYNC_FAILED,
    ]
    missing = [text for text in texts if swedish.gettext(text) == text]
    assert missing == []


def test_the_licence_problem_reads_in_swedish_on_the_problems_page(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    refused = ledger_licence.LicenceCheck(
        "missing_licence", clock.now(), 2001101, "Det finns ingen aktiv licens för önskat scope."
    )
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Utan Bokföring AB", now=clock.now()).id
        ledger_licence.report_check(session, tenant, refused)
    english = signed_in.get(f"/ui/tenants/{tenant}/problems")
    assert english.status_code == 200
    assert "Ask the company&#39;s Fortnox administrator to add the bookkeeping licence" in (
        english.text
    )
    signed_in.post("/ui/language", data={"language": "sv", "csrf_token": csrf_of(english.text)})
    swedish = signed_in.get(f"/ui/tenants/{tenant}/problems").text
    assert "Be företagets Fortnox-administratör att lägga till licensen för bokföring" in swedish
    assert "Det finns ingen aktiv licens för önskat scope." in swedish  # Fortnox's own words
