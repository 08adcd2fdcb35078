"""The status light of each family a tenant uses, in ``GET /api/v1/status`` and on the admin UI's
overview: green when the integration works, red with the reason — not connected, a scope not
approved, no bookkeeping licence, the last ledger sync's error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.ledger_licence import BookkeepingLicence
from fortnox_bridge.sandbox.company import DEFAULT_LICENCES
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.models.ledger import LedgerYear
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.conftest import ENGINE_SCOPES, Bridge
from integration.families import use_family


@pytest.fixture
async def status_api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    with sessions.begin() as session:
        use_family(session, bridge.tenant, "ledger")
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="status", now=clock.now())
    app = api_app(sessions, clock=clock)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


async def _families(http: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    answer = await http.get("/api/v1/status")
    assert answer.status_code == 200, answer.text
    return {family["family"]: family for family in answer.json()["families"]}


def _year(sessions: sessionmaker[Session], tenant: int, clock: ManualClock, **fields: Any) -> None:
    with sessions.begin() as session:
        session.add(
            LedgerYear(
                tenant_id=tenant,
                fortnox_id=1,
                from_date=date(2025, 1, 1),
                to_date=date(2025, 12, 31),
                created_at=clock.now(),
                updated_at=clock.now(),
                **fields,
            )
        )


async def test_each_family_s_light_says_whether_it_works_and_why_not(
    status_api: httpx.AsyncClient,
    bridge: Bridge,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    before = await _families(status_api)
    assert list(before) == ["hr", "ledger", "payroll"]  # the families the tenant uses
    ledger = before["ledger"]
    assert ledger["light"] == "red"
    assert ledger["reason"] == {
        "name": "connection",
        "ok": False,
        "code": "not_connected",
        "detail": "The Fortnox connection: not_connected.",
    }
    assert [check["name"] for check in ledger["checks"]] == [
        "connection",
        "scopes",
        "licence",
        "last_sync",
    ]

    # Connected, but approved without the file connections the ledger family reads.
    await bridge.connect(scope=" ".join(s for s in ENGINE_SCOPES if s != "connectfile"))
    partly = await _families(status_api)
    assert partly["hr"]["light"] == "green"  # the hr flows need no connectfile
    assert (partly["ledger"]["light"], partly["ledger"]["reason"]["code"]) == (
        "red",
        "scopes_missing",
    )
    assert "not approved for: connectfile" in partly["ledger"]["reason"]["detail"]

    await bridge.connect()  # every scope
    fresh = (await _families(status_api))["ledger"]
    assert fresh["light"] == "green"
    assert fresh["reason"] == {
        "name": "last_sync",
        "ok": True,
        "code": "not_synced",
        "detail": "The ledger has not been synced yet.",
    }

    # The company lost the bookkeeping licence: the check before the sync says so.
    without = [licence for licence in DEFAULT_LICENCES if licence != "bookkeeping"]
    await control.company_settings(bridge.company, licences=without)
    client = await bridge.service.clients.source(bridge.tenant).get()
    await BookkeepingLicence(sessions, clock).check(bridge.tenant, client)
    refused = (await _families(status_api))["ledger"]
    assert (refused["light"], refused["reason"]["code"]) == ("red", "bookkeeping_licence_missing")
    assert "no bookkeeping licence" in refused["reason"]["detail"]
    await control.company_settings(bridge.company, licences=list(DEFAULT_LICENCES))
    await BookkeepingLicence(sessions, clock).check(bridge.tenant, client)

    # The last ledger sync failed, then went through.
    _year(sessions, bridge.tenant, clock, last_error="Fortnox answered 503 three times")
    failed = (await _families(status_api))["ledger"]
    assert failed["light"] == "red"
    assert failed["reason"]["code"] == "sync_failed"
    assert failed["reason"]["detail"] == (
        "The last ledger sync failed (2025-01-01 – 2025-12-31): Fortnox answered 503 three times"
    )
    with sessions.begin() as session:
        year = session.query(LedgerYear).filter_by(tenant_id=bridge.tenant).one()
        year.last_error, year.synced_at = None, clock.now()
    synced = (await _families(status_api))["ledger"]
    assert (synced["light"], synced["reason"]["code"]) == ("green", "synced")
    assert [check["ok"] for check in synced["checks"]] == [True, True, True, True]

    # Another year whose sync failed makes it red, whichever was synced last.
    with sessions.begin() as session:
        session.add(
            LedgerYear(
                tenant_id=bridge.tenant, fortnox_id=2, from_date=date(2026, 1, 1),
                to_date=date(2026, 12, 31), last_error="the SIE export timed out",
                created_at=clock.now(), updated_at=clock.now(),
            )
        )  # fmt: skip
    clock.advance(60)
    with sessions.begin() as session:
        year = session.query(LedgerYear).filter_by(tenant_id=bridge.tenant, fortnox_id=1).one()
        year.synced_at = year.updated_at = clock.now()
    other = (await _families(status_api))["ledger"]
    assert (other["light"], other["reason"]["code"]) == ("red", "sync_failed")
    assert other["reason"]["detail"].endswith("(2026-01-01 – 2026-12-31): the SIE export timed out")
