"""The ledger family end to end against the in-process sandbox (SQLite and PostgreSQL): two
financial years of 500 vouchers over three series with 40 documents; "sync the two latest
years" leaves the bridge equal to Fortnox (totals per account computed from the sandbox's own
vouchers) within the request budget; the next sync costs one request per year and writes
nothing; new and changed vouchers are picked up; a year loaded from a SIE file keeps its ledger
until the overwrite is confirmed; without the SIE export the per-voucher fallback gives the same
ledger."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api import create_app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.ledger_sync import LedgerOperation
from fortnox_bridge.services.root import Services, build_services
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import (
    Document,
    LedgerRow,
    LedgerVoucher,
    LedgerVoucherDocument,
    LedgerYear,
)
from fortnox_bridge.store.tenants import TenantRepository
from integration import ledger_scenario_data as data
from integration.families import use_family

from .conftest import Bridge

FLOW = "ledger.year.pull"


@pytest.fixture
def clock() -> ManualClock:
    """Midsummer 2026: both of the demo company's years have begun."""
    return ManualClock(dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC))


@pytest.fixture
async def company(control: SandboxControl) -> int:
    """The sandbox's demo company: financial years 2025 (id 1) and 2026 (id 2)."""
    return int((await control.create_company("Huvudbok AB", seed="demo"))["tenant_id"])


@dataclass
class Ledger:
    bridge: Bridge
    services: Services
    state: SandboxState
    documents: dict[str, str]

    def requests(self) -> int:
        """The API requests the sandbox has answered for the company so far."""
        stats = self.state.stats_by_tenant.get(self.bridge.company)
        return stats.requests_total if stats is not None else 0

    async def sync(self, **request: Any) -> LedgerOperation:
        """Start a sync, wait for its job, and give its final state."""
        started = self.services.ledger_sync.start_sync(self.bridge.tenant, **request)
        await self.services.jobs.join()
        return self.services.ledger_sync.operation(self.bridge.tenant, started.id)


@pytest.fixture
async def ledger(
    bridge: Bridge,
    control: SandboxControl,
    sandbox_state: SandboxState,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tmp_path: Path,
) -> AsyncIterator[Ledger]:
    await bridge.connect()
    with sessions.begin() as session:
        use_family(session, bridge.tenant, "ledger")
    await data.seed_vouchers(control, sandbox_state, bridge.company)
    documents = await data.connect_documents(control, bridge.company)
    services = build_services(
        sessions, clock=clock, settings=Settings(data_dir=tmp_path),
        hooks=EngineHooks(service=bridge.service),
    )  # fmt: skip
    yield Ledger(bridge, services, sandbox_state, documents)
    await services.jobs.stop()


def bridge_totals(sessions: sessionmaker[Session], tenant: int, first: dt.date) -> dict[str, Any]:
    """Debit minus credit per account of the bridge's year starting ``first``."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    with sessions.begin() as session:
        found = session.execute(
            select(LedgerRow.account, LedgerRow.amount)
            .join(LedgerVoucher, LedgerVoucher.id == LedgerRow.voucher_id)
            .join(LedgerYear, LedgerYear.id == LedgerVoucher.year_id)
            .where(LedgerYear.tenant_id == tenant, LedgerYear.from_date == first)
        )
        for account, amount in found:
            sums[account] += Decimal(str(amount))
    return {account: value.quantize(Decimal("0.01")) for account, value in sums.items() if value}


def ledger_rows(sessions: sessionmaker[Session], tenant: int) -> list[tuple[Any, ...]]:
    """Every stored row with its voucher, in order."""
    with sessions.begin() as session:
        found = session.execute(
            select(LedgerYear.from_date, LedgerVoucher.series, LedgerVoucher.number,
                   LedgerVoucher.date, LedgerVoucher.text, LedgerRow.line, LedgerRow.account,
                   LedgerRow.amount, LedgerRow.cost_center, LedgerRow.project, LedgerRow.text)
            .join(LedgerVoucher, LedgerVoucher.id == LedgerRow.voucher_id)
            .join(LedgerYear, LedgerYear.id == LedgerVoucher.year_id)
            .where(LedgerYear.tenant_id == tenant)
        )  # fmt: skip
        return sorted((*row[:7], f"{Decimal(str(row[7])):.2f}", *row[8:]) for row in found)


def assert_equal_to_fortnox(ledger: Ledger, sessions: sessionmaker[Session]) -> None:
    for year_id, first in data.YEARS.items():
        expected = data.totals(ledger.state, ledger.bridge.company, year_id)
        assert bridge_totals(sessions, ledger.bridge.tenant, first) == expected
    with sessions.begin() as session:
        years = session.scalars(
            select(LedgerYear).where(LedgerYear.tenant_id == ledger.bridge.tenant)
        ).all()
        held = {year.fortnox_id: year.voucher_count for year in years}
    assert held == {
        year_id: data.count(ledger.state, ledger.bridge.company, year_id) for year_id in data.YEARS
    }


def event_seq(sessions: sessionmaker[Session], tenant: int) -> int:
    with sessions.begin() as session:
        return EventRepository(session).last_seq(tenant)


async def test_syncing_the_two_latest_years_makes_the_bridge_equal_to_fortnox(
    ledger: Ledger, sessions: sessionmaker[Session]
) -> None:
    before = ledger.requests()
    done = await ledger.sync(latest=2)
    assert (done.status, done.done, done.total, done.error) == ("succeeded", 2, 2, None)
    made = ledger.requests() - before
    # the list of years, one export per year, one listing of the connections, one file each
    assert made == 1 + 2 + 1 + 40 == done.requests
    assert made <= 2 * 2 + 40
    assert_equal_to_fortnox(ledger, sessions)
    assert done.counts["new"] == data.VOUCHERS
    assert (done.counts["documents_fetched"], done.counts["documents_linked"]) == (40, 40)
    with sessions.begin() as session:
        kinds = session.execute(
            select(LedgerVoucher.series, Document.kind, Document.size)
            .join(LedgerVoucherDocument, LedgerVoucherDocument.voucher_id == LedgerVoucher.id)
            .join(Document, Document.id == LedgerVoucherDocument.document_id)
        ).all()
    assert len(kinds) == 40
    expected = {"A": "bookkeeping", "B": "customer_invoice", "D": "supplier_invoice"}
    assert {(series, kind) for series, kind, _ in kinds} == set(expected.items())
    with sessions.begin() as session:
        events = EventRepository(session).after(ledger.bridge.tenant, 0, limit=1000)
        types = [e.type for e in events if e.type.startswith("ledger.")]
    # a first import is told per year, not per voucher
    assert sorted(types) == ["ledger.documents.synced"] * 2 + ["ledger.year.synced"] * 2

    seq, again_before = event_seq(sessions, ledger.bridge.tenant), ledger.requests()
    again = await ledger.sync()
    assert again.status == "succeeded"
    assert ledger.requests() - again_before == 2  # one export per year, nothing else
    assert [y["status"] for y in again.counts["years"]] == ["unchanged", "unchanged"]
    assert event_seq(sessions, ledger.bridge.tenant) == seq  # nothing written

    refreshed_before = ledger.requests()
    years = await ledger.services.ledger_sync.refresh_years(ledger.bridge.tenant)
    assert [(y.label, y.fortnox_id, y.voucher_count > 0) for y in years] == [
        ("2026-01-01", 2, True), ("2025-01-01", 1, True)
    ]  # fmt: skip
    assert ledger.requests() - refreshed_before == 1

    swept_before = ledger.requests()
    summary = await ledger.bridge.service.sweep(ledger.bridge.tenant, only=[FLOW])
    (result,) = summary.flows
    assert (result.error, result.requests, result.imported) == (None, 2, 0)
    assert ledger.requests() - swept_before == 2


async def test_a_new_and_a_changed_voucher_are_picked_up_by_the_next_sync(
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
    seq = event_seq(sessions, ledger.bridge.tenant)
    done = await ledger.sync()
    by_year = {y["year"]: y for y in done.counts["years"]}
    assert (by_year["2026-01-01"]["new"], by_year["2026-01-01"]["changed"]) == (1, 1)
    assert by_year["2025-01-01"]["status"] == "unchanged"
    assert_equal_to_fortnox(ledger, sessions)
    with sessions.begin() as session:
        events = EventRepository(session).after(ledger.bridge.tenant, seq, limit=100)
        told = sorted((e.type, e.external_id) for e in events if e.type.startswith("ledger.v"))
    assert told == [
        ("ledger.voucher.changed", "2026-01-01/A/3"),
        ("ledger.voucher.created", f"2026-01-01/D/{booked.voucher_number}"),
    ]
    texts = {row[6]: row[10] for row in ledger_rows(sessions, ledger.bridge.tenant)
             if row[:3] == (dt.date(2026, 1, 1), "A", 3) and row[5] == 1}  # fmt: skip
    assert list(texts.values()) == ["rättad"]


async def test_a_year_loaded_from_a_sie_file_is_synced_only_when_confirmed(
    ledger: Ledger, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    content = await engine_client.sie.export(1, type=4)
    loaded = ledger.services.ledger_sync.load_sie(
        ledger.bridge.tenant, "2025", content, "bokslut-2025.se", overwrite=False
    )
    assert (loaded.year.source, loaded.outcome.status) == ("sie", "synced")
    assert loaded.year.voucher_count == data.count(ledger.state, ledger.bridge.company, 1)
    rows = ledger_rows(sessions, ledger.bridge.tenant)
    app = create_app(ledger.services)
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(ledger.bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="test", now=ledger.services.clock.now())
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:  # fmt: skip
        refused = await http.post("/api/v1/ledger/years/2025:sync")
        assert refused.status_code == 409
        assert refused.json()["error"] == "ledger_sie_overwrite"
        both = await http.post("/api/v1/ledger/years:sync", json={"years": ["2025", "2026"]})
        assert (both.status_code, both.json()["error"]) == (409, "ledger_sie_overwrite")
        fetched = await http.post("/api/v1/ledger/years/2025:sync", json={"documents_only": True})
        assert fetched.status_code == 202
        await ledger.services.jobs.join()
        followed = await http.get(f"/api/v1/ledger/operations/{fetched.json()['id']}")
        assert followed.json()["status"] == "succeeded"
        assert followed.json()["counts"]["documents_linked"] == 20
        assert ledger_rows(sessions, ledger.bridge.tenant) == rows  # the ledger untouched
        # a scheduled sweep leaves the loaded year alone and syncs the other
        swept = await ledger.bridge.service.sweep(ledger.bridge.tenant, only=[FLOW])
        (result,) = swept.flows
        assert (result.error, result.skipped) == (None, 1)
        assert result.imported == data.count(ledger.state, ledger.bridge.company, 2)
        held = [row for row in ledger_rows(sessions, ledger.bridge.tenant) if row[0].year == 2025]
        assert held == rows
        assert ledger.services.ledger_sync.year(ledger.bridge.tenant, "2025").source == "sie"
        upload = await http.put(
            "/api/v1/ledger/years/2025/sie", content=b"#FLAGGA 0\r\n#VER A 1\r\n",
            headers={"Content-Type": "application/octet-stream"},
        )  # fmt: skip
        assert upload.status_code == 422
        (problem,) = upload.json()["errors"]
        assert problem["type"] == "sie_invalid"
        assert "line 1: the file declares no current financial year" in problem["message"]
        confirmed = await http.post("/api/v1/ledger/years/2025:sync", json={"overwrite": True})
        assert confirmed.status_code == 202
        await ledger.services.jobs.join()
        followed = await http.get(f"/api/v1/ledger/operations/{confirmed.json()['id']}")
        assert followed.json()["status"] == "succeeded"
        assert ledger.services.ledger_sync.year(ledger.bridge.tenant, "2025").source == "fortnox"
        unknown = await http.get("/api/v1/ledger/operations/999999")
        assert unknown.status_code == 404
        sie = {"Content-Type": "application/octet-stream"}
        other = await http.put("/api/v1/ledger/years/2026/sie", content=content, headers=sie)
        assert other.status_code == 422
        assert other.json()["errors"][0]["type"] == "sie_year_mismatch"
        over = await http.put("/api/v1/ledger/years/2025-01-01/sie", content=content, headers=sie)
        assert (over.status_code, over.json()["error"]) == (409, "ledger_fortnox_overwrite")
        again = await http.put(
            "/api/v1/ledger/years/2025/sie?overwrite=true&name=igen.se", content=content,
            headers=sie,
        )  # fmt: skip
    assert again.status_code == 200
    body = again.json()
    assert (body["year"]["source"], body["outcome"]["changed"]) == ("sie", 0)
    assert body["year"]["voucher_count"] == data.count(ledger.state, ledger.bridge.company, 1)


async def test_without_the_export_the_vouchers_one_by_one_give_the_same_ledger(
    ledger: Ledger, control: SandboxControl, sessions: sessionmaker[Session]
) -> None:
    await control.add_fault("403", path_prefix="/3/sie")
    await control.add_fault("403", path_prefix="/3/voucherfileconnections")
    fallback = await ledger.sync()
    assert fallback.status == "succeeded"
    assert {y["read_from"] for y in fallback.counts["years"]} == {"vouchers"}
    # the documents could not be listed: the ledger stands, they are looked for next time
    assert {y["error"].split(":")[0] for y in fallback.counts["years"]} == {"documents not fetched"}
    assert fallback.counts["documents_fetched"] == 0
    assert_equal_to_fortnox(ledger, sessions)
    rows = ledger_rows(sessions, ledger.bridge.tenant)
    await control.clear_faults()
    export = await ledger.sync()
    assert {y["read_from"] for y in export.counts["years"]} == {"export"}
    # the export finds every voucher as the fallback stored it
    assert (export.counts["new"], export.counts["changed"], export.counts["removed"]) == (0, 0, 0)
    assert export.counts["documents_fetched"] == 40
    assert ledger_rows(sessions, ledger.bridge.tenant) == rows
