"""The ledger sync service's refusals without Fortnox (SQLite and PostgreSQL): a year named by a
calendar year two years start in is ambiguous (409), an unknown one 404, a sync without the
engine beside the front end 503, a SIE file with errors 422 with each finding's line."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, Unavailable
from fortnox_bridge.services.root import build_services
from fortnox_bridge.store.ledger_years import LedgerYearRepository
from fortnox_bridge.store.tenants import TenantRepository


def test_years_are_named_and_refused_in_words(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Huvudbok AB", now=clock.now()).id
        LedgerYearRepository(session).upsert_years(
            tenant,
            [(1, dt.date(2024, 1, 1), dt.date(2024, 6, 30), None),
             (2, dt.date(2024, 7, 1), dt.date(2025, 6, 30), None)],
            now=clock.now(),
        )  # fmt: skip
    ledger = build_services(sessions, clock=clock).ledger_sync
    assert ledger.year(tenant, "2024-07-01").fortnox_id == 2
    with pytest.raises(Conflict) as ambiguous:
        ledger.year(tenant, "2024")
    assert ambiguous.value.code == "ledger_year_ambiguous"
    assert "2024-01-01, 2024-07-01" in ambiguous.value.detail
    with pytest.raises(NotFound) as unknown:
        ledger.year(tenant, "2019")
    assert unknown.value.code == "ledger_year_not_found"
    with pytest.raises(Unavailable) as no_engine:
        ledger.start_sync(tenant, latest=2)
    assert no_engine.value.code == "no_engine"
    with pytest.raises(InvalidInput) as bad:
        ledger.load_sie(tenant, "2024", b"#FLAGGA 0\r\n#SIETYP 4\r\n", "tom.se", overwrite=False)
    assert bad.value.code == "sie_invalid"
    assert "line 1: the file declares no current financial year" in bad.value.detail
    assert [y.label for y in ledger.years(tenant)] == ["2024-07-01", "2024-01-01"]
