"""The projects family's voucher import against the in-process sandbox, through sweeps (SQLite
and PostgreSQL): vouchers of the chosen series with a row on a project are imported with their
rows; one without waits and is imported once a project is set in Fortnox; rows added later are
added; removed rows and cancelled vouchers are reported and the bridge keeps what it imported;
an idle sweep reads a bounded number of vouchers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.errors import InvalidSettingsError
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.context import validate_settings
from fortnox_bridge.flows.projects.voucher_import import VoucherImport
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.pages.flows import settings_fields
from integration.bridge_api import api_app
from integration.families import use_family

from .conftest import Bridge

IMPORT = "projects.voucher.pull"


@pytest.fixture
async def connected(
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> Bridge:
    """A connected tenant with the voucher import on, series A, B, D and two projects."""
    await bridge.connect()
    for code in ("A", "B", "D"):
        await engine_client.voucher_series.create({"code": code, "description": f"Serie {code}"})
    for number in ("P-1", "P-2"):
        await engine_client.projects.create({"project_number": number, "description": number})
    configure(bridge, sessions, clock, recheck_per_sweep=2)
    return bridge


def configure(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, **settings: Any
) -> None:
    with sessions.begin() as session:
        use_family(session, bridge.tenant)
        FlowConfigRepository(session).put(
            bridge.tenant, IMPORT, enabled=True, settings=settings, now=clock.now()
        )


async def sweep(bridge: Bridge, clock: ManualClock) -> FlowResult:
    clock.advance(60)
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == IMPORT]
    assert result.error is None, result.error
    return result


async def book(
    client: FortnoxClient, series: str = "A", project: str | None = "P-1", **extra: Any
) -> str:
    """A balanced voucher of 1,000 on 4010 (on ``project``) against 1930; its key."""
    today = "2026-01-01"
    rows: list[dict[str, Any]] = [
        {"Account": 4010, "Debit": 1000, "Project": project, "TransactionInformation": "Virke"},
        {"Account": 1930, "Credit": 1000},
    ]
    if project is None:
        del rows[0]["Project"]
    voucher = await client.vouchers.create(
        {"voucher_series": series, "transaction_date": today, "description": "Inköp",
         "voucher_rows": rows, **extra}
    )  # fmt: skip
    return client.vouchers.key(voucher)


def bridge_id(key: str) -> str:
    return key.replace("/", "-")


def stored(bridge: Bridge, sessions: sessionmaker[Session]) -> dict[str, dict[str, Any]]:
    with sessions.begin() as session:
        rows = MirrorRepository(session).live(bridge.tenant, "voucher")
        return {row.external_id: dict(row.payload) for row in rows}


def problems(result: FlowResult) -> list[str]:
    return [item.message for item in result.items if item.problem]


async def test_a_voucher_on_a_project_is_imported_with_its_rows(
    connected: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    key = await book(engine_client, "D")
    await book(engine_client, "A", project=None)  # waits: no project
    result = await sweep(connected, clock)
    # one list request per series, one read per new voucher
    assert (result.imported, result.skipped, result.failed, result.requests) == (1, 1, 0, 5)
    assert result.write_requests == 0
    voucher = stored(connected, sessions)[bridge_id(key)]
    assert (voucher["series"], voucher["number"], voucher["date"]) == ("D", 1, "2026-01-01")
    assert voucher["description"] == "Inköp"
    first, second = voucher["rows"]
    assert (first["account"], first["project"], first["note"]) == (4010, "P-1", "Virke")
    assert float(first["debit"]) == 1000
    assert float(second["credit"]) == 1000
    assert second["removed"] is False
    assert "project" not in second
    with sessions.begin() as session:
        events = EventRepository(session).after(connected.tenant, 0, limit=100)
        assert [(e.type, e.external_id) for e in events if e.entity_type == "voucher"] == [
            ("record.created", bridge_id(key))
        ]


async def test_a_voucher_without_a_project_waits_until_it_has_one(
    connected: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    key = await book(engine_client, project=None)
    first = await sweep(connected, clock)
    assert (first.imported, first.skipped) == (0, 1)
    again = await sweep(connected, clock)
    assert (again.imported, again.unchanged, again.requests) == (0, 1, 4)  # read again
    await control.amend_voucher(connected.company, key, set_rows={0: {"Project": "P-2"}})
    fixed = await sweep(connected, clock)
    assert fixed.imported == 1
    assert stored(connected, sessions)[bridge_id(key)]["rows"][0]["project"] == "P-2"
    after = await sweep(connected, clock)
    assert (after.imported, after.requests) == (0, 4)  # now re-checked as an imported one


async def test_rows_added_later_are_added_and_existing_rows_stay(
    connected: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    key = await book(engine_client)
    await sweep(connected, clock)
    added = [
        {"Account": 4010, "Debit": 250, "Project": "P-2", "TransactionInformation": "Spik"},
        {"Account": 1930, "Credit": 250},
    ]
    await control.amend_voucher(
        connected.company, key, set_rows={0: {"TransactionInformation": "Ändrad"}},
        add_rows=added,
    )  # fmt: skip
    result = await sweep(connected, clock)
    # the changed note makes the first row another row: reported, and taken as a new row
    assert result.updated == 1
    rows = stored(connected, sessions)[bridge_id(key)]["rows"]
    assert [row.get("note") for row in rows][:2] == ["Virke", None]
    assert {row.get("note") for row in rows[2:]} == {"Spik", "Ändrad", None}
    assert any("voucher A 1 (2026)" in message for message in problems(result))


async def test_only_new_rows_are_added(
    connected: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    key = await book(engine_client)
    await sweep(connected, clock)
    added = [{"Account": 4010, "Debit": 250, "Project": "P-2"}, {"Account": 1930, "Credit": 250}]
    await control.amend_voucher(connected.company, key, add_rows=added)
    result = await sweep(connected, clock)
    assert (result.updated, result.failed) == (1, 0)
    rows = stored(connected, sessions)[bridge_id(key)]["rows"]
    assert [(row["account"], float(row.get("debit", 0))) for row in rows] == [
        (4010, 1000), (1930, 0), (4010, 250), (1930, 0)
    ]  # fmt: skip
    quiet = await sweep(connected, clock)
    assert (quiet.updated, quiet.unchanged) == (0, 1)


async def test_a_removed_row_is_reported_and_kept(
    connected: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    key = await book(engine_client)
    await sweep(connected, clock)
    await control.amend_voucher(connected.company, key, remove_rows=[0, 1])
    result = await sweep(connected, clock)
    (message,) = problems(result)
    assert message.startswith("voucher A 1 (2026): rows were removed in Fortnox")
    assert "account 4010, debit 1000.00, project P-1" in message
    rows = stored(connected, sessions)[bridge_id(key)]["rows"]
    assert [row["removed"] for row in rows] == [False, False]


async def test_a_cancelled_voucher_is_reported_once_and_kept(
    connected: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    key = await book(engine_client)
    await sweep(connected, clock)
    await control.cancel_voucher(connected.company, key)
    result = await sweep(connected, clock)
    (message,) = problems(result)
    assert message.startswith("voucher A 1 (2026): it is no longer in Fortnox")
    assert bridge_id(key) in stored(connected, sessions)
    later = await sweep(connected, clock)
    assert (later.failed, later.requests) == (0, 3)  # not read again


async def test_an_idle_sweep_reads_a_bounded_number_of_vouchers(
    connected: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    for _ in range(5):
        await book(engine_client, "D")
    await book(engine_client, "B", project=None)
    first = await sweep(connected, clock)
    assert (first.imported, first.skipped, first.requests) == (5, 1, 3 + 6)
    checked: list[int] = []
    for _ in range(3):
        idle = await sweep(connected, clock)
        # 3 series lists + the pending voucher + 2 imported ones in turn
        assert (idle.requests, idle.write_requests, idle.imported) == (6, 0, 0)
        checked.append(idle.unchanged)
    assert checked == [3, 3, 3]


async def test_vouchers_of_other_series_and_before_the_first_day_are_left_out(
    connected: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    configure(connected, sessions, clock, series=["d"], from_date="2026-01-02")
    await book(engine_client, "A")
    await book(engine_client, "D")
    result = await sweep(connected, clock)
    assert (result.imported, result.skipped, result.requests) == (0, 1, 2)
    assert stored(connected, sessions) == {}


@pytest.mark.parametrize(
    "series", [["AB"], [""], ["A", "a"], []], ids=["two-letters", "empty", "twice", "none"]
)
def test_the_series_setting_takes_one_character_each(series: list[str]) -> None:
    with pytest.raises(InvalidSettingsError, match="series"):
        validate_settings(VoucherImport, {"series": series})


def test_the_series_setting_defaults_and_normalises() -> None:
    assert validate_settings(VoucherImport, {}).model_dump()["series"] == ["A", "B", "D"]
    assert validate_settings(VoucherImport, {"series": [" d "]}).model_dump()["series"] == ["D"]
    # the admin UI's form sends and shows the series as one text
    assert validate_settings(VoucherImport, {"series": "a, D"}).model_dump()["series"] == [
        "A",
        "D",
    ]
    (field,) = [f for f in settings_fields(VoucherImport, {}) if f["name"] == "series"]
    assert (field["kind"], field["value"]) == ("text", "A, B, D")


async def test_the_host_reads_imported_vouchers(
    connected: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    key = await book(engine_client, "D")
    await sweep(connected, clock)
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(connected.tenant)
        assert tenant is not None
        api_key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {api_key}"},
    ) as http:
        listed = await http.get("/api/v1/vouchers")
        one = await http.get(f"/api/v1/vouchers/{bridge_id(key)}")
    assert listed.status_code == 200
    assert [item["external_id"] for item in listed.json()["data"]] == [bridge_id(key)]
    assert one.status_code == 200
    assert one.json()["origin"] == "fortnox"
    assert one.json()["data"]["rows"][0]["note"] == "Virke"
