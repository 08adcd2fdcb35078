"""The bookkeeping licence is checked before the first ledger sync: a company without it costs
one request and gives one clear problem, not a failure on every request (nor a stopped sweep);
the pre-flight check of a ledger tenant says so too, and once a year is synced the check costs
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.sync.ledger_licence import (
    CHECK_NAME,
    DEDUPE_KEY,
    BookkeepingLicence,
    LedgerLicenceMissing,
)
from fortnox_bridge.sandbox.company import DEFAULT_LICENCES
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import Services, build_services
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models.ledger import LedgerYear
from fortnox_bridge.store.problems import ProblemRepository
from integration.conftest import Bridge
from integration.families import use_family

WITHOUT_BOOKKEEPING = [licence for licence in DEFAULT_LICENCES if licence != "bookkeeping"]


def _open_problems(sessions: sessionmaker[Session], tenant: int) -> list[tuple[str, int | None]]:
    with sessions.begin() as session:
        return [(p.dedupe_key, p.code) for p in ProblemRepository(session).open(tenant)]


async def _requests(control: SandboxControl, company: int) -> int:
    return int((await control.stats(company))["requests_total"])


@pytest.fixture
async def ledger_bridge(bridge: Bridge, sessions: sessionmaker[Session]) -> Bridge:
    with sessions.begin() as session:
        use_family(session, bridge.tenant, "ledger")
    await bridge.connect()
    return bridge


@pytest.fixture
async def services(
    ledger_bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Services]:
    built = build_services(
        sessions,
        clock=clock,
        settings=Settings(data_dir=tmp_path),
        hooks=EngineHooks(service=ledger_bridge.service),
    )
    yield built
    await built.jobs.stop()


async def test_a_ledger_sync_of_a_company_without_the_licence_stops_after_one_request(
    ledger_bridge: Bridge,
    services: Services,
    control: SandboxControl,
    sessions: sessionmaker[Session],
) -> None:
    bridge = ledger_bridge
    await control.company_settings(bridge.company, licences=WITHOUT_BOOKKEEPING)
    before = await _requests(control, bridge.company)
    started = services.ledger_sync.start_sync(bridge.tenant)
    await services.jobs.join()
    done = services.ledger_sync.operation(bridge.tenant, started.id)
    assert done.status == "failed"
    assert done.error is not None
    assert done.error.startswith("The company has no bookkeeping licence in Fortnox (Bokföring)")
    assert await _requests(control, bridge.company) == before + 1  # the years list, refused
    assert _open_problems(sessions, bridge.tenant) == [(DEDUPE_KEY, 2001101)]

    # A sweep: the other families' flows run and the connection stays active.
    summary = await bridge.service.sweep(bridge.tenant)
    assert summary.error is None
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(bridge.tenant)
        assert connection is not None
        assert connection.state == "active"
    ledger = next(r for r in summary.flows if r.flow == "ledger.year.pull")
    assert ledger.error is None
    assert _open_problems(sessions, bridge.tenant) == [(DEDUPE_KEY, 2001101)]

    # The licence added: the next sync goes through and the problem is resolved.
    await control.company_settings(bridge.company, licences=list(DEFAULT_LICENCES))
    started = services.ledger_sync.start_sync(bridge.tenant)
    await services.jobs.join()
    assert services.ledger_sync.operation(bridge.tenant, started.id).status == "succeeded"
    assert _open_problems(sessions, bridge.tenant) == []


async def test_without_the_licence_the_first_sync_stops_after_one_request_with_a_problem(
    ledger_bridge: Bridge,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    bridge = ledger_bridge
    await control.company_settings(bridge.company, licences=WITHOUT_BOOKKEEPING)
    client = await bridge.service.clients.source(bridge.tenant).get()
    licence = BookkeepingLicence(sessions, clock)
    assert licence.needs_check(bridge.tenant)  # never checked, nothing synced

    before = await _requests(control, bridge.company)
    with pytest.raises(LedgerLicenceMissing) as refused:
        await licence.require(bridge.tenant, client)
    assert await _requests(control, bridge.company) == before + 1
    assert refused.value.code == "bookkeeping_licence_missing"
    assert refused.value.check.fortnox_code == 2001101
    assert "no bookkeeping licence in Fortnox (Bokföring)" in str(refused.value)
    assert "add the bookkeeping licence" in str(refused.value)
    assert _open_problems(sessions, bridge.tenant) == [(DEDUPE_KEY, 2001101)]
    known = licence.known(bridge.tenant)
    assert known is not None
    assert (known.state, known.checked_at) == ("missing_licence", clock.now())

    # Tried again: checked again (it failed last time), still one open problem.
    with pytest.raises(LedgerLicenceMissing):
        await licence.require(bridge.tenant, client)
    assert _open_problems(sessions, bridge.tenant) == [(DEDUPE_KEY, 2001101)]

    # The pre-flight check of a ledger tenant has the line, failed.
    checklist = await bridge.service.check(bridge.tenant)
    line = next(check for check in checklist.checks if check.name == CHECK_NAME)
    assert line.status == "fail"
    assert line.texts["detail"] == refused.value.check.detail

    # The licence added: the check passes and the problem is resolved.
    await control.company_settings(bridge.company, licences=list(DEFAULT_LICENCES))
    await licence.require(bridge.tenant, client)
    assert _open_problems(sessions, bridge.tenant) == []
    assert licence.needs_check(bridge.tenant)  # still no year synced: the next sync checks


async def test_once_a_year_is_synced_the_check_costs_no_request(
    ledger_bridge: Bridge,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    bridge = ledger_bridge
    client = await bridge.service.clients.source(bridge.tenant).get()
    licence = BookkeepingLicence(sessions, clock)
    await licence.require(bridge.tenant, client)
    known = licence.known(bridge.tenant)
    assert known is not None
    assert known.ok
    with sessions.begin() as session:
        session.add(
            LedgerYear(
                tenant_id=bridge.tenant,
                fortnox_id=1,
                from_date=date(2025, 1, 1),
                to_date=date(2025, 12, 31),
                synced_at=clock.now(),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    assert not licence.needs_check(bridge.tenant)
    before = await _requests(control, bridge.company)
    await licence.require(bridge.tenant, client)
    assert await _requests(control, bridge.company) == before


async def test_a_tenant_without_the_ledger_family_has_no_licence_line(
    bridge: Bridge, control: SandboxControl
) -> None:
    await bridge.connect()
    await control.company_settings(bridge.company, licences=WITHOUT_BOOKKEEPING)
    checklist = await bridge.service.check(bridge.tenant)
    assert CHECK_NAME not in {check.name for check in checklist.checks}
