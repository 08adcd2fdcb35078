"""Repair of duplicates against the sandbox, on SQLite and PostgreSQL: records written twice on
purpose beside the bridge's own are listed exactly, the applied repair deletes exactly the extra
transactions (keepers and someone else's records survive), employees are left to a person, a
locked salary period refuses per record, and a second run finds nothing; the same through the
API, whose run shows among the runs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.errors import TenantBusyError
from fortnox_bridge.engine.maintenance.repair_report import (
    BY_HAND,
    DELETED,
    HANDLED,
    LEFT_ALONE,
    REFUSED,
    SAME_HOST,
    SAME_KEY,
    DuplicateGroup,
    RepairReport,
)
from fortnox_bridge.engine.tenancy.writer import lease_name
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.leases import LeaseRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.runs import RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import Bridge, Put, employee
from .salary_data import registers_in_fortnox

FLOWS = ("hr.employee.push", "payroll.attendance.push", "payroll.absence.push")
ATTENDANCE, ABSENCE, EMPLOYEES = (
    "payroll.attendance.push",
    "payroll.absence.push",
    "hr.employee.push",
)


class Tenant:
    """A tenant whose employees and time went to Fortnox once; its Fortnox ids by key."""

    def __init__(self, bridge: Bridge, sessions: sessionmaker[Session]) -> None:
        self.bridge, self.sessions = bridge, sessions

    def link(self, entity: str, external_id: str) -> str:
        with self.sessions.begin() as session:
            found = LinkRepository(session).get(self.bridge.tenant, entity, external_id)
            assert found is not None
            return found.fortnox_id

    def employee(self, host_id: str) -> str:
        return self.link("employee", host_id)


@pytest.fixture
async def tenant_with_data(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
    engine_client: FortnoxClient,
) -> Tenant:
    await bridge.connect()
    await registers_in_fortnox(engine_client, ["P100"], ["CC1"])
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        for name in FLOWS:
            configs.put(bridge.tenant, name, enabled=True, settings={}, now=clock.now())
    put("employee", "e001", employee(1))
    put("employee", "e002", employee(2))
    put("project", "p1", {"number": "P100", "name": "Projekt P100"})
    put("absence_type", "sick", {"code": "sick", "name": "Sjuk", "paxml_code": "SJK"})
    work = {"project": "p1", "cost_center": "CC1"}
    put("time_entry", "t1", {"employee": "e001", "date": "2026-03-02", "hours": "5", **work})
    put("time_entry", "t2", {"employee": "e001", "date": "2026-03-03", "hours": "8", **work})
    put("time_entry", "t3", {"employee": "e002", "date": "2026-03-02", "hours": "8"})
    put(
        "time_entry",
        "t4",
        {"employee": "e002", "date": "2026-03-04", "hours": "8", "absence_type": "sick"},
    )
    first = await bridge.service.sweep(bridge.tenant)
    assert (first.error, first.total("failed"), first.total("created")) == (None, 0, 6)
    return Tenant(bridge, sessions)


async def _rows(client: FortnoxClient, resource: str) -> dict[str, dict[str, Any]]:
    found = {}
    async for row in getattr(client, resource).iterate():
        data = row.model_dump(mode="json")
        found[str(data["id"] if "id" in data else data["employee_id"])] = data
    return found


async def _copy(client: FortnoxClient, resource: str, fortnox_id: str, **changes: Any) -> str:
    """Write the record ``fortnox_id`` again (as a second job did), with ``changes``."""
    original = (await _rows(client, resource))[fortnox_id]
    fields = {k: v for k, v in original.items() if k != "id" and v is not None}
    created = await getattr(client, resource).create({**fields, **changes})
    return str(created.model_dump(mode="json")["id"])


def _by_flow(report: RepairReport) -> dict[str, list[DuplicateGroup]]:
    found: dict[str, list[DuplicateGroup]] = {}
    for group in report.groups:
        found.setdefault(group.flow, []).append(group)
    return found


async def test_the_repair_lists_and_deletes_exactly_the_extra_records(
    tenant_with_data: Tenant, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    bridge, data = tenant_with_data.bridge, tenant_with_data
    five = data.link("attendance_line", "e001/2026-03-02@TID|P100|CC1")
    stale = [
        await _copy(engine_client, "attendance_transactions", five, hours="1.5"),
        await _copy(engine_client, "attendance_transactions", five, hours="2"),
    ]
    sick = data.link("absence_line", "e002/2026-03-04@SJK||")
    sick_copy = await _copy(engine_client, "absence_transactions", sick)
    # Someone keyed in the same overtime twice, and one more row, in Fortnox: not the bridge's.
    two = data.employee("e002")
    overtime = {"employee_id": two, "date": "2026-03-05", "cause_code": "OT2", "hours": "3"}
    foreign = [
        str((await engine_client.attendance_transactions.create(overtime)).id),
        str((await engine_client.attendance_transactions.create(overtime)).id),
        str(
            (
                await engine_client.attendance_transactions.create(
                    {**overtime, "cause_code": "OT1", "date": "2026-03-03"}
                )
            ).id
        ),
    ]
    one = data.employee("e001")
    copied = await engine_client.employees.create(
        {"email": "person1@example.se", "first_name": "Förnamn1", "last_name": "Svensson"}
    )
    employee_copy = str(copied.employee_id)

    listed = await bridge.service.repair_duplicates(bridge.tenant)
    groups = _by_flow(listed)
    (attendance, not_ours) = sorted(groups[ATTENDANCE], key=lambda g: not g.ours)
    assert (attendance.keepers, attendance.host_ids) == ([five], ["e001/2026-03-02@TID|P100|CC1"])
    assert sorted(e.fortnox_id for e in attendance.extras) == sorted(stale)
    assert {e.why for e in attendance.extras} == {SAME_KEY}
    assert sorted(str(e.differs["hours"]) for e in attendance.extras) == ["1.5", "2"]
    assert attendance.action == "delete"
    assert (not_ours.ours, not_ours.keepers, not_ours.action) == (False, [], LEFT_ALONE)
    assert sorted(e.fortnox_id for e in not_ours.extras) == sorted(foreign[:2])
    (absence,) = groups[ABSENCE]
    assert (absence.keepers, [e.fortnox_id for e in absence.extras]) == ([sick], [sick_copy])
    (employees,) = groups[EMPLOYEES]
    assert (employees.keepers, employees.host_ids) == ([one], ["e001"])
    assert [e.fortnox_id for e in employees.extras] == [employee_copy]
    assert employees.action == BY_HAND
    assert listed.pending == 4
    assert listed.run_id is None  # a listing writes nothing
    with sessions.begin() as session:
        assert RunRepository(session).latest(bridge.tenant, kind="repair") == []

    steps: list[tuple[str, int, int]] = []
    applied = await bridge.service.repair_duplicates(
        bridge.tenant, apply=True, progress=lambda *step: steps.append(step)
    )
    assert Counter(e.outcome for g in applied.duplicates for e in g.extras) == {
        DELETED: 3,
        BY_HAND: 1,
    }
    assert steps[-1] == ("delete", 4, 4)
    assert applied.pending == 1  # the employee is left to a person
    attendance_rows = await _rows(engine_client, "attendance_transactions")
    absence_rows = await _rows(engine_client, "absence_transactions")
    assert not set(stale) & set(attendance_rows)
    assert {five, *foreign} <= set(attendance_rows)
    assert sick in absence_rows
    assert sick_copy not in absence_rows
    keys = Counter(
        (r["employee_id"], r["date"], r["cause_code"], r.get("project") or None)
        for r in attendance_rows.values()
    )
    assert keys.pop((two, "2026-03-05", "OT2", None)) == 2  # someone else's pair, left alone
    assert set(keys.values()) == {1}
    employees_now = await _rows(engine_client, "employees")
    assert {one, employee_copy} <= set(employees_now)

    with sessions.begin() as session:
        runs = RunRepository(session)
        (run,) = runs.latest(bridge.tenant, kind="repair")
        assert (run.id, run.status) == (applied.run_id, "succeeded")
        assert run.counts == {"deleted": 3, "failed": 0, "skipped": 1}
        assert (run.progress_done, run.progress_total) == (4, 4)
        assert run.requests == 3 + 3  # a list of each register, then three deletes
        items = runs.items(run.id)
        assert sorted(
            (i.flow, i.action, i.outcome, i.fortnox_id) for i in items if i.action == "delete"
        ) == sorted(
            [(ATTENDANCE, "delete", "ok", fortnox_id) for fortnox_id in stale]
            + [(ABSENCE, "delete", "ok", sick_copy)]
        )
        (report,) = [i for i in items if i.action == "report"]
        assert (report.flow, report.external_id, report.fortnox_id) == (
            EMPLOYEES,
            "e001",
            employee_copy,
        )
        assert "make the extra ones inactive" in report.reason

    # The person makes the extra employee inactive: nothing is left to repair.
    await engine_client.employees.update(employee_copy, {"inactive": True})
    again = await bridge.service.repair_duplicates(bridge.tenant)
    assert again.pending == 0
    (handled,) = _by_flow(again)[EMPLOYEES]
    assert [e.outcome for e in handled.extras] == [HANDLED]
    assert [g.ours for g in _by_flow(again)[ATTENDANCE]] == [False]
    sweep = await bridge.service.sweep(bridge.tenant)
    assert (sweep.total("created"), sweep.total("deleted"), sweep.total("failed")) == (0, 0, 0)


async def test_a_locked_salary_period_refuses_per_record_and_the_rest_goes_on(
    tenant_with_data: Tenant,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
) -> None:
    bridge, data = tenant_with_data.bridge, tenant_with_data
    march = data.link("attendance_line", "e001/2026-03-03@TID|P100|CC1")
    locked = await _copy(engine_client, "attendance_transactions", march)
    open_day = await _copy(
        engine_client, "attendance_transactions", march, date="2026-04-01"
    )  # another key: someone else's, alone
    sick = data.link("absence_line", "e002/2026-03-04@SJK||")
    await control.company_settings(bridge.company, locked_period_end="2026-03-03")
    sick_copy = await _copy(engine_client, "absence_transactions", sick)

    applied = await bridge.service.repair_duplicates(bridge.tenant, apply=True)
    outcomes = {e.fortnox_id: e for g in applied.duplicates for e in g.extras}
    assert set(outcomes) == {locked, sick_copy}
    assert outcomes[sick_copy].outcome == DELETED
    assert outcomes[locked].outcome == REFUSED
    assert "låst" in outcomes[locked].message.lower()
    assert applied.pending == 1
    rows = await _rows(engine_client, "attendance_transactions")
    assert {march, locked, open_day} <= set(rows)
    with sessions.begin() as session:
        runs = RunRepository(session)
        (run,) = runs.latest(bridge.tenant, kind="repair")
        assert (run.status, run.counts["failed"], run.counts["deleted"]) == ("partial", 1, 1)
        (refused,) = [i for i in runs.items(run.id) if i.outcome == "failed"]
        assert (refused.fortnox_id, refused.external_id) == (locked, "e001/2026-03-03@TID|P100|CC1")
        assert "Fortnox refused the delete" in refused.reason

    await control.company_settings(bridge.company, locked_period_end=None)
    done = await bridge.service.repair_duplicates(bridge.tenant, apply=True)
    assert [e.outcome for g in done.duplicates for e in g.extras] == [DELETED]
    assert (await bridge.service.repair_duplicates(bridge.tenant)).pending == 0


async def test_an_employee_created_twice_for_one_host_record_is_found_by_the_run_log(
    tenant_with_data: Tenant, put: Put, sessions: sessionmaker[Session]
) -> None:
    bridge, data = tenant_with_data.bridge, tenant_with_data
    first = data.employee("e002")
    # A second job did not see the first create and created the employee again, by then with
    # a new e-mail: the link now names the second one.
    with sessions.begin() as session:
        links = LinkRepository(session)
        found = links.get(bridge.tenant, "employee", "e002")
        assert found is not None
        links.remove(found)
    put("employee", "e002", employee(2, email="karin.ny@example.se"))
    second = await bridge.service.sweep(bridge.tenant, only=[EMPLOYEES])
    assert second.total("created") == 1
    kept = data.employee("e002")
    assert kept != first

    report = await bridge.service.repair_duplicates(bridge.tenant)
    (group,) = _by_flow(report)[EMPLOYEES]
    assert (group.keepers, group.host_ids) == ([kept], ["e002"])
    (extra,) = group.extras
    assert (extra.fortnox_id, extra.why) == (first, SAME_HOST)
    assert extra.differs["email"] == "person2@example.se"
    assert report.pending == 1


async def test_the_api_lists_and_repairs_and_the_run_shows_in_the_runs(
    tenant_with_data: Tenant,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    bridge, data = tenant_with_data.bridge, tenant_with_data
    five = data.link("attendance_line", "e001/2026-03-02@TID|P100|CC1")
    extra = await _copy(engine_client, "attendance_transactions", five, hours="1.5")
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        writer = tenants.create_api_key(bridge.tenant, label="w", now=clock.now()).key
        reader = tenants.create_api_key(bridge.tenant, label="r", now=clock.now(), scope="read")
    app = api_app(sessions, clock=clock, hooks=EngineHooks(service=bridge.service))
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {writer}"},
    ) as http:
        listed = await http.post("/api/v1/repair/duplicates", json={"apply": False})
        assert listed.status_code == 200, listed.text
        body = listed.json()
        assert (body["applied"], body["pending"], body["run_id"]) == (False, 1, None)
        (group,) = body["groups"]
        assert (group["flow"], group["keepers"], group["action"]) == (ATTENDANCE, [five], "delete")
        assert [(e["fortnox_id"], e["differs"]["hours"]) for e in group["extras"]] == [
            (extra, "1.5")
        ]
        read_only = {"Authorization": f"Bearer {reader.key}"}
        refused = await http.post("/api/v1/repair/duplicates", headers=read_only)
        assert refused.status_code == 403

        applied = (await http.post("/api/v1/repair/duplicates", json={"apply": True})).json()
        assert (applied["applied"], applied["pending"]) == (True, 0)
        assert [e["outcome"] for e in applied["groups"][0]["extras"]] == [DELETED]
        runs = (await http.get("/api/v1/runs", params={"kind": "repair"})).json()["data"]
        assert [(r["id"], r["kind"], r["status"]) for r in runs] == [
            (applied["run_id"], "repair", "succeeded")
        ]
        items = (await http.get(f"/api/v1/runs/{applied['run_id']}/items")).json()["data"]
        assert [(i["action"], i["outcome"], i["fortnox_id"]) for i in items] == [
            ("delete", "ok", extra)
        ]
        nothing = (await http.post("/api/v1/repair/duplicates")).json()
        assert (nothing["pending"], nothing["groups"]) == (0, [])


async def test_a_record_beside_one_the_bridge_matched_is_not_ours(
    tenant_with_data: Tenant, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    bridge, data = tenant_with_data.bridge, tenant_with_data
    matched = data.employee("e002")
    with sessions.begin() as session:  # found in Fortnox by e-mail, not created by the bridge
        link = LinkRepository(session).get(bridge.tenant, "employee", "e002")
        assert link is not None
        link.origin = "matched"
    other = await engine_client.employees.create(
        {"email": "PERSON2@example.se", "first_name": "Annan", "last_name": "Person"}
    )

    report = await bridge.service.repair_duplicates(bridge.tenant, apply=True)
    (group,) = report.groups
    assert (group.flow, group.ours, group.keepers, group.host_ids) == (
        EMPLOYEES,
        False,
        [matched],
        ["e002"],
    )
    assert [(e.fortnox_id, e.outcome) for e in group.extras] == [
        (str(other.employee_id), LEFT_ALONE)
    ]
    assert (report.pending, report.run_id) == (0, None)  # nothing to do: no run either


async def test_the_apply_runs_as_the_tenants_one_writer(
    tenant_with_data: Tenant,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    bridge, data = tenant_with_data.bridge, tenant_with_data
    five = data.link("attendance_line", "e001/2026-03-02@TID|P100|CC1")
    extra = await _copy(engine_client, "attendance_transactions", five, hours="2")
    with sessions.begin() as session:  # a job of another machine writes to this tenant
        LeaseRepository(session).acquire(
            lease_name(bridge.tenant),
            "elsewhere:1:abcd",
            until=clock.now() + timedelta(hours=2),
            now=clock.now(),
        )
    listed = await bridge.service.repair_duplicates(bridge.tenant)  # reading needs no writer
    assert listed.pending == 1
    bridge.service.writers.wait = timedelta(seconds=5)  # how long a job waits for the writer
    with pytest.raises(TenantBusyError, match="the repair did not start"):
        await bridge.service.repair_duplicates(bridge.tenant, apply=True)
    assert extra in await _rows(engine_client, "attendance_transactions")
    with sessions.begin() as session:
        LeaseRepository(session).release(lease_name(bridge.tenant), "elsewhere:1:abcd")

    holders: list[str | None] = []
    applied = await bridge.service.repair_duplicates(
        bridge.tenant,
        apply=True,
        progress=lambda *_: holders.append(bridge.service.writers.holder(bridge.tenant)),
    )
    assert applied.pending == 0
    assert holders
    assert None not in holders  # the writer was held while reading and deleting
    assert bridge.service.writers.holder(bridge.tenant) is None  # and given back
