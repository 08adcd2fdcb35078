"""The ledger's read side over a ledger the year import wrote (SQLite and PostgreSQL): after "sync
the two latest years" against the sandbox's company (500 vouchers over two years and three
series, 40 documents), the API's years, accounts, SIE file, vouchers and documents say what
Fortnox holds — computed from the sandbox's own vouchers, never from the bridge."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api import create_app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.formats.sie.document import read_document
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services
from fortnox_bridge.store.tenants import TenantRepository
from integration import ledger_scenario_data as data
from integration.families import use_family

from .conftest import Bridge


@pytest.fixture
def clock() -> ManualClock:
    """Midsummer 2026: both of the company's years have begun."""
    return ManualClock(dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC))


@pytest.fixture
async def company(control: SandboxControl) -> int:
    """The sandbox's demo company: financial years 2025 (id 1) and 2026 (id 2)."""
    return int((await control.create_company("Huvudbok AB", seed="demo"))["tenant_id"])


async def test_what_the_api_reads_is_what_fortnox_holds(
    bridge: Bridge,
    control: SandboxControl,
    sandbox_state: SandboxState,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    await bridge.connect()
    with sessions.begin() as session:
        use_family(session, bridge.tenant, "ledger")
        key = TenantRepository(session).create_api_key(bridge.tenant, label="r", now=clock.now())
    await data.seed_vouchers(control, sandbox_state, bridge.company)
    documents = await data.connect_documents(control, bridge.company)
    settings = Settings(data_dir=tmp_path, secret_key=Fernet.generate_key().decode())
    services = build_services(
        sessions, clock=clock, settings=settings, hooks=EngineHooks(service=bridge.service)
    )
    started = services.ledger_sync.start_sync(bridge.tenant, latest=2)
    await services.jobs.join()
    assert services.ledger_sync.operation(bridge.tenant, started.id).status == "succeeded"

    auth = {"Authorization": f"Bearer {key.key}"}
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=transport, headers=auth
    ) as api:
        years = (await api.get("/api/v1/ledger/years")).json()["data"]
        assert [(y["year"], y["source"], y["status"]) for y in years] == [
            ("2026", "fortnox", "ok"), ("2025", "fortnox", "ok")
        ]  # fmt: skip
        for year, year_id in (("2025", 1), ("2026", 2)):
            held = next(y for y in years if y["year"] == year)
            assert held["voucher_count"] == data.count(sandbox_state, bridge.company, year_id)
            assert held["document_count"] == sum(data.DOCUMENTS[year_id].values())
            expected = data.totals(sandbox_state, bridge.company, year_id)
            accounts = (await api.get(f"/api/v1/ledger/years/{year}/accounts")).json()["data"]
            moved = {a["number"]: Decimal(a["movement"]) for a in accounts}
            assert {n: m for n, m in moved.items() if m} == expected
            sie = await api.get(f"/api/v1/ledger/years/{year}/sie")
            written = read_document(io.BytesIO(sie.content), strict=True).document
            assert len(written.vouchers) == held["voucher_count"]
            sums: dict[str, Decimal] = defaultdict(Decimal)
            for voucher in written.vouchers:
                assert voucher.total() == 0
                for row in voucher.transactions:
                    sums[row.account] += row.amount
            assert {n: s for n, s in sums.items() if s} == expected

        voucher = (await api.get("/api/v1/ledger/vouchers/2025/D/1")).json()
        [document] = voucher["documents"]
        assert document["kind"] == "supplier_invoice"
        assert "1/D/1" in documents.values()
        assert (await api.get(document["url"])).content == data.pdf("1/D/1")
        link = (await api.post(f"{document['url']}/link")).json()["url"]
        async with httpx.AsyncClient(transport=transport) as anyone:  # no key
            assert (await anyone.get(link)).content == data.pdf("1/D/1")

        supplier = await api.get("/api/v1/ledger/vouchers", params={"series": "D", "limit": "1000"})
        listed = supplier.json()["data"]
        assert len(listed) == sum(
            1
            for v in sandbox_state.companies[bridge.company].register("vouchers").records.values()
            if v["VoucherSeries"] == "D"
        )
    await services.jobs.stop()
