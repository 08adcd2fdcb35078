"""Events of Fortnox's topics for the ledger family, against the in-process sandbox (SQLite and
PostgreSQL): a voucher event reads that voucher into its stored year (with its
``ledger.voucher.*`` event), a financial-year event refreshes the stored list of years, a
voucher of a year no sync stored yet is left to the sweep; the sweep that follows writes
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.sync.targeted import read_entities
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import LedgerYear
from integration import test_ledger_scenario as scenario
from integration.test_ledger_scenario import Ledger, assert_equal_to_fortnox, event_seq

# The ledger scenario's fixtures: its demo company at midsummer 2026, the ledger family on.
clock, company, ledger = scenario.clock, scenario.company, scenario.ledger

LEDGER = "ledger.year.pull"


def voucher_event(year: int, series: str, number: int) -> dict[str, Any]:
    return {"topic": "vouchers", "type": "voucher-updated-v1", "entityId": f"{series}{number}",
            "year": year, "series": series, "id": number}  # fmt: skip


def told(sessions: sessionmaker[Session], tenant: int, after: int) -> list[tuple[str, str]]:
    with sessions.begin() as session:
        events = EventRepository(session).after(tenant, after, limit=100)
        return sorted((e.type, e.external_id) for e in events)


async def quiet_sweep(ledger: Ledger, sessions: sessionmaker[Session]) -> list[Any]:
    """A sweep after the reads finds no voucher to add, change or remove; the events it
    writes (the data of each)."""
    seq = event_seq(sessions, ledger.bridge.tenant)
    summary = await ledger.bridge.service.sweep(ledger.bridge.tenant, only=[LEDGER])
    (result,) = summary.flows
    assert (result.error, result.imported, result.updated, result.deleted) == (None, 0, 0, 0)
    with sessions.begin() as session:
        events = EventRepository(session).after(ledger.bridge.tenant, seq, limit=100)
        return [(e.type, dict(e.data)) for e in events]


async def test_a_voucher_event_reads_that_voucher_into_its_year(
    ledger: Ledger,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
) -> None:
    await ledger.sync()
    await control.amend_voucher(
        ledger.bridge.company, "2/A/3", set_rows={0: {"TransactionInformation": "rättad"}}
    )
    booked = await engine_client.vouchers.create(
        {"voucher_series": "D", "transaction_date": "2026-06-30", "description": "Ny",
         "voucher_rows": [{"Account": 4010, "Debit": 250, "Project": "1"},
                          {"Account": 2440, "Credit": 250}]},
        financial_year=2,
    )  # fmt: skip
    number = int(booked.voucher_number or 0)
    seq, before = event_seq(sessions, ledger.bridge.tenant), ledger.requests()

    done = await read_entities(
        ledger.bridge.service,
        ledger.bridge.tenant,
        "vouchers",
        [voucher_event(2, "A", 3), voucher_event(2, "D", number), voucher_event(2, "A", 3)],
    )

    assert done.error is None
    assert done.targets == {LEDGER: ["2/A/3", f"2/D/{number}"]}
    # one read per voucher, and the year's document connections looked at once
    assert ledger.requests() - before == 2 + 1 == done.requests
    assert told(sessions, ledger.bridge.tenant, seq) == [
        ("ledger.voucher.changed", "2026-01-01/A/3"),
        ("ledger.voucher.created", f"2026-01-01/D/{number}"),
    ]
    assert_equal_to_fortnox(ledger, sessions)
    assert await quiet_sweep(ledger, sessions) == []  # the closing balances moved with them


async def test_a_financial_year_event_refreshes_the_stored_years(
    ledger: Ledger, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    await ledger.sync()
    await engine_client.financial_years.create(
        {"from_date": "2027-01-01", "to_date": "2027-12-31", "accounting_method": "ACCRUAL"}
    )
    before = ledger.requests()
    done = await read_entities(
        ledger.bridge.service, ledger.bridge.tenant, "financial-years", [{"entityId": "3"}]
    )
    assert done.targets == {LEDGER: ["financial-years"]}
    assert ledger.requests() - before == 1 == done.requests
    with sessions.begin() as session:
        starts = session.scalars(
            select(LedgerYear.from_date).where(LedgerYear.tenant_id == ledger.bridge.tenant)
        ).all()
    assert dt.date(2027, 1, 1) in starts
    assert await quiet_sweep(ledger, sessions) == []


async def test_a_voucher_of_a_year_not_synced_yet_is_left_to_the_sweep(
    ledger: Ledger, sessions: sessionmaker[Session]
) -> None:
    before = ledger.requests()
    done = await read_entities(
        ledger.bridge.service, ledger.bridge.tenant, "vouchers", [voucher_event(2, "A", 3)]
    )
    assert done.targets == {LEDGER: ["2/A/3"]}
    assert ledger.requests() - before == 0
    assert told(sessions, ledger.bridge.tenant, 0) == []
