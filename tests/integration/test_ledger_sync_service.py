"""The ledger sync service's refusals without Fortnox (SQLite and PostgreSQL): a year named by a
calendar year two years start in is ambiguous (409), an unknown one 404, a sync without the
engine beside the front end 503, a SIE file with errors 422 with each finding's line."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.tenancy.writer import lease_name
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, Unavailable
from fortnox_bridge.services.root import build_services
from fortnox_bridge.store.leases import LeaseRepository
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


SIE_2024 = (
    '#FLAGGA 0\r\n#FORMAT PC8\r\n#SIETYP 4\r\n#PROGRAM "test" 1.0\r\n#GEN 20250110\r\n'
    '#FNAMN "Huvudbok AB"\r\n#RAR 0 20240101 20241231\r\n#KONTO 1930 "Bank"\r\n'
    '#KONTO 3010 "Försäljning"\r\n#VER A 1 20240115 "Kassaförsäljning"\r\n{\r\n'
    "#TRANS 1930 {} 100.00\r\n#TRANS 3010 {} -100.00\r\n}\r\n"
).encode("cp437")


def test_an_upload_waits_for_no_one_while_another_process_writes_the_tenant(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    """The year is replaced as the tenant's one writer: while a job of another process holds
    the writer, the upload is refused (409 ``tenant_busy``) and stores nothing; once the job
    has finished, the same file loads."""
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Huvudbok AB", now=clock.now()).id
    with sessions.begin() as session:
        assert LeaseRepository(session).acquire(
            lease_name(tenant), "other-process", until=clock.now() + dt.timedelta(minutes=2),
            now=clock.now(),
        )  # fmt: skip
    ledger = build_services(sessions, clock=clock).ledger_sync
    with pytest.raises(Conflict) as busy:
        ledger.load_sie(tenant, "2024", SIE_2024, "2024.se", overwrite=False)
    assert busy.value.code == "tenant_busy"
    assert "another job is writing" in busy.value.detail
    assert ledger.years(tenant) == []
    with sessions.begin() as session:
        LeaseRepository(session).release(lease_name(tenant), "other-process")
    loaded = ledger.load_sie(tenant, "2024", SIE_2024, "2024.se", overwrite=False)
    assert (loaded.year.source, loaded.year.voucher_count) == ("sie", 1)
    with sessions.begin() as session:
        assert LeaseRepository(session).holder(lease_name(tenant)) is None
