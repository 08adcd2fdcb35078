"""The projects family's account import against the in-process sandbox and its seeded chart of
accounts, through a sweep (SQLite and PostgreSQL): the first import takes the accounts of
classes 3–8 only, a new Fortnox account arrives at the next sweep, a renamed one keeps the name
the bridge first stored, and a sweep with nothing new writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from integration.families import use_family

from .conftest import Bridge

IMPORT = "projects.account.pull"


@pytest.fixture
async def connected(bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock) -> Bridge:
    """A connected tenant with the account import turned on."""
    await bridge.connect()
    with sessions.begin() as session:
        use_family(session, bridge.tenant)
        FlowConfigRepository(session).put(
            bridge.tenant, IMPORT, enabled=True, settings={}, now=clock.now()
        )
    return bridge


async def sweep(bridge: Bridge) -> FlowResult:
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == IMPORT]
    return result


def versions(bridge: Bridge, sessions: sessionmaker[Session]) -> dict[str, int]:
    """The version of each of the bridge's accounts, by number."""
    with sessions.begin() as session:
        rows = MirrorRepository(session).live(bridge.tenant, "account")
        return {row.external_id: row.version for row in rows}


def stored(bridge: Bridge, sessions: sessionmaker[Session]) -> dict[str, dict[str, Any]]:
    """The bridge's accounts, by number."""
    with sessions.begin() as session:
        rows = MirrorRepository(session).live(bridge.tenant, "account")
        return {row.external_id: dict(row.payload) for row in rows}


async def chart(client: FortnoxClient) -> dict[int, str | None]:
    """Fortnox's chart of accounts of the current year, by number."""
    return {row.number: row.description async for row in client.accounts.iterate() if row.number}


async def test_the_first_import_takes_classes_3_to_8_only(
    connected: Bridge, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    fortnox = await chart(engine_client)
    assert any(number < 3000 for number in fortnox)  # the seeded chart has classes 1 and 2
    result = await sweep(connected)
    wanted = {str(n): name for n, name in fortnox.items() if 3000 <= n <= 8999}
    assert (result.imported, result.failed, result.requests) == (len(wanted), 0, 1)
    accounts = stored(connected, sessions)
    assert {number: a["name"] for number, a in accounts.items()} == wanted
    assert accounts["3001"]["number"] == 3001


async def test_a_new_account_arrives_and_a_renamed_one_keeps_its_name(
    connected: Bridge, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    await sweep(connected)
    first_name = stored(connected, sessions)["4010"]["name"]
    await engine_client.accounts.update(4010, {"description": "Inköp byggmaterial"})
    await engine_client.accounts.create({"number": 4011, "description": "Inköp av el"})
    await engine_client.accounts.create({"number": 2999, "description": "Skuld"})
    result = await sweep(connected)
    assert (result.imported, result.updated, result.failed) == (1, 0, 0)
    accounts = stored(connected, sessions)
    assert accounts["4011"] == {"number": 4011, "name": "Inköp av el"}
    assert accounts["4010"]["name"] == first_name != "Inköp byggmaterial"
    assert "2999" not in accounts


async def test_an_unchanged_sweep_writes_nothing(
    connected: Bridge, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    first = await sweep(connected)
    before = stored(connected, sessions), versions(connected, sessions)
    again = await sweep(connected)
    assert (again.imported, again.updated, again.deleted) == (0, 0, 0)
    assert again.unchanged == first.imported
    assert again.write_requests == 0
    assert (stored(connected, sessions), versions(connected, sessions)) == before
