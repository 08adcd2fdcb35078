"""``fortnox-bridge repair duplicates`` as an admin types it, against a standalone sandbox, on
SQLite and PostgreSQL: the listing names the extra records and exits 1, ``--apply`` deletes the
extra transactions and leaves the employee to a person, and once that is done it exits 0."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

from .conftest import ENGINE_SCOPES, LiveSandbox, employee
from .salary_data import registers_in_fortnox

TENANT = "Dubbel AB"
DAY = "e1/2026-03-02@TID|P100|CC1"


@pytest.fixture
def cli(tmp_path: Path, migrated_url: str, live_sandbox: LiveSandbox) -> Iterator[Any]:
    """``cli("repair", "duplicates", ...)`` on this data dir, store and sandbox."""
    env = {"FORTNOX_BRIDGE_DATABASE_URL": migrated_url, "COLUMNS": "400"}
    common = ["--data-dir", str(tmp_path / "var"), "--sandbox-url", live_sandbox.url]

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, *common], env=env)

    return invoke


class Store:
    """The tenant's side of the store, read and written as the host would."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    def put(self, entity: str, records: dict[str, dict[str, Any]]) -> None:
        engine = open_engine(self.db_url)
        with session_factory(engine).begin() as session:
            tenant = TenantRepository(session).by_name(TENANT)
            assert tenant is not None
            mirror = MirrorRepository(session)
            for external_id, payload in records.items():
                mirror.upsert(tenant.id, entity, external_id, payload, now=SystemClock().now())
        engine.dispose()

    def link(self, entity: str, external_id: str) -> str:
        engine = open_engine(self.db_url)
        with session_factory(engine).begin() as session:
            tenant = TenantRepository(session).by_name(TENANT)
            assert tenant is not None
            found = LinkRepository(session).get(tenant.id, entity, external_id)
            assert found is not None
            fortnox_id = found.fortnox_id
        engine.dispose()
        return fortnox_id

    def company(self) -> int:
        engine = open_engine(self.db_url)
        with session_factory(engine).begin() as session:
            tenant = TenantRepository(session).by_name(TENANT)
            assert tenant is not None
            assert tenant.fortnox_tenant_id is not None
            company = tenant.fortnox_tenant_id
        engine.dispose()
        return company


async def _in_fortnox(url: str, company: int, work: Any) -> Any:
    """Run ``work(client)`` with a client of the tenant's sandbox company (someone in Fortnox,
    or a second job of the bridge)."""
    async with SandboxControl(url) as control:
        issued = await control.issue_tokens(company, ENGINE_SCOPES)
    client = FortnoxClient(access_token=issued["access_token"], api_url=url)
    try:
        return await work(client)
    finally:
        await client.aclose()


async def registers_in_fortnox_of_p100(client: FortnoxClient) -> None:
    """Project P100 and cost centre CC1 in Fortnox, as the time entries name them."""
    await registers_in_fortnox(client, ["P100"], ["CC1"])


def _ok(result: Result, code: int = 0) -> str:
    assert result.exit_code == code, result.output
    return result.output


def _totals(output: str) -> dict[str, int]:
    (line,) = [row for row in output.splitlines() if row.startswith("Totals:")]
    return {key: int(value) for key, value in (part.split("=") for part in line.split()[1:])}


def test_repair_duplicates_lists_then_deletes_the_extra_records(
    cli: Any, db_url: str, live_sandbox: LiveSandbox
) -> None:
    store = Store(db_url)
    _ok(cli("tenants", "add", TENANT, "--email", "lon@dubbel.se"))
    _ok(cli("connect", "--tenant", TENANT))
    store.put("employee", {"e1": employee(1)})
    store.put("project", {"p1": {"number": "P100", "name": "Projekt P100"}})
    work = {"employee": "e1", "project": "p1", "cost_center": "CC1"}
    store.put("time_entry", {"t1": {**work, "date": "2026-03-02", "hours": "5"}})
    asyncio.run(_in_fortnox(live_sandbox.url, store.company(), registers_in_fortnox_of_p100))
    _ok(cli("sync", "--tenant", TENANT))
    clean = _ok(cli("repair", "duplicates", "--tenant", TENANT))
    assert "No duplicates in Fortnox" in clean
    assert _totals(clean)["pending"] == 0

    keeper, person = store.link("attendance_line", DAY), store.link("employee", "e1")

    async def duplicate(client: FortnoxClient) -> tuple[list[str], list[str], str]:
        rows = client.attendance_transactions
        kept = (await rows.get(keeper)).model_dump(mode="json")
        fields = {k: v for k, v in kept.items() if v is not None and k not in ("id", "url")}
        stale = [str((await rows.create({**fields, "hours": h})).id) for h in ("1.5", "2")]
        overtime = {"employee_id": person, "date": "2026-03-03", "cause_code": "OT2", "hours": 3}
        foreign = [str((await rows.create(overtime)).id) for _ in range(2)]
        copy = await client.employees.create(
            {"email": "person1@example.se", "first_name": "Förnamn1", "last_name": "Svensson"}
        )
        return stale, foreign, str(copy.employee_id)

    company = store.company()
    stale, foreign, copy = asyncio.run(_in_fortnox(live_sandbox.url, company, duplicate))

    listed = _ok(cli("repair", "duplicates", "--tenant", TENANT), 1)
    assert "listed only; --apply repairs them" in listed
    for fortnox_id in (keeper, *stale, *foreign, copy):
        assert fortnox_id in listed
    assert "delete 2 extra record(s)" in listed
    assert "make the extra ones inactive" in listed
    assert "not made by the bridge, left alone" in listed
    assert _totals(listed) == {
        "pending": 3,
        "deleted": 0,
        "refused": 0,
        "by_hand": 1,
        "not_ours": 2,
    }
    found = json.loads(_ok(cli("repair", "duplicates", "--json"), 1))
    (tenant,) = found["tenants"]
    extras = {
        (group["flow"], group["action"]): sorted(e["fortnox_id"] for e in group["extras"])
        for group in tenant["groups"]
    }
    assert extras == {
        ("payroll.attendance.push", "delete"): sorted(stale),
        ("payroll.attendance.push", "left_alone"): sorted(foreign),
        ("hr.employee.push", "by_hand"): [copy],
    }
    writes = live_sandbox.stats(company)["write_requests"]
    assert live_sandbox.stats(company)["write_requests"] == writes  # listing writes nothing

    applied = _ok(cli("repair", "duplicates", "--tenant", TENANT, "--apply"), 1)
    assert "repaired" in applied
    assert (_totals(applied)["deleted"], _totals(applied)["by_hand"]) == (2, 1)
    assert "kept as run" in applied
    records = live_sandbox.state.companies[company].register("attendancetransactions").records
    assert keeper in records
    assert not set(stale) & set(records)
    assert set(foreign) <= set(records)
    per_key = Counter(
        (r["EmployeeId"], r["Date"], r["CauseCode"], r.get("Project")) for r in records.values()
    )
    assert per_key.pop((person, "2026-03-03", "OT2", None)) == 2  # someone else's, left alone
    assert set(per_key.values()) == {1}

    async def deactivate(client: FortnoxClient) -> None:
        await client.employees.update(copy, {"inactive": True})

    asyncio.run(_in_fortnox(live_sandbox.url, company, deactivate))
    done = _ok(cli("repair", "duplicates"))
    assert _totals(done)["pending"] == 0
    assert "inactive already" in done


def test_repair_duplicates_names_an_unknown_tenant(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()  # the data directory the commands point at (its key file)
    result = cli("repair", "duplicates", "--tenant", "Finns Inte AB")
    assert result.exit_code == 2
    assert "no tenant" in result.output
