"""Re-sync of an interval with ``payroll.attendance.push``: widened to whole months, only the
bridge's own records deleted and written again, others reported; progress, cancel and resume."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.errors import ResyncError
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.store.runs import RunRepository

from .conftest import Bridge, Put

FLOW = "payroll.attendance.push"
ENTRIES = {  # host id: (employee, date, hours)
    "t-jan-1": ("e001", "2026-01-05", 8),
    "t-jan-2": ("e002", "2026-01-20", 6),
    "t-feb-1": ("e001", "2026-02-10", 7.5),
    "t-feb-2": ("e002", "2026-02-27", 4),
    "t-mar-1": ("e001", "2026-03-02", 8),
}


async def _attendance(client: FortnoxClient) -> list[dict[str, Any]]:
    rows = [r.model_dump(mode="json") async for r in client.attendance_transactions.iterate()]
    return sorted(rows, key=lambda r: (r["date"], r["employee_id"], r["hours"]))


@pytest.fixture
async def synced(
    bridge: Bridge, put: Put, employees: Callable[[int], None], engine_client: FortnoxClient
) -> Bridge:
    """Two employees and five time entries written to Fortnox, plus one entry not ours."""
    await bridge.connect()
    employees(2)
    for external_id, (employee_id, day, hours) in ENTRIES.items():
        put("time_entry", external_id, {"employee": employee_id, "date": day, "hours": hours})
    summary = await bridge.service.sweep(bridge.tenant)
    assert summary.total("created") == 2 + 5
    await engine_client.attendance_transactions.create(
        {"employee_id": "1", "date": "2026-01-12", "cause_code": "OT1", "hours": "2"}
    )
    return bridge


async def test_the_plan_widens_to_whole_months_and_reports_records_not_ours(
    synced: Bridge,
) -> None:
    plan = await synced.service.resync_plan(
        synced.tenant, FLOW, date(2026, 1, 10), date(2026, 2, 3)
    )
    assert plan.widened == (date(2026, 1, 1), date(2026, 2, 28))
    # Time entries are sent as salary days (employee/date), one transaction per code line.
    days = ["e001/2026-01-05", "e001/2026-02-10", "e002/2026-01-20", "e002/2026-02-27"]
    assert sorted(plan.to_delete) == [f"{day}@TID||" for day in days]
    assert sorted(plan.to_write) == days
    (other,) = plan.not_ours
    assert (other["date"], other["cause_code"], other["hours"]) == ("2026-01-12", "OT1", "2")


async def test_a_resync_rewrites_our_records_from_current_data_and_leaves_others(
    synced: Bridge, put: Put, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    before = await _attendance(engine_client)
    march_id = next(r["id"] for r in before if r["date"] == "2026-03-02")
    put("time_entry", "t-jan-2", {"employee": "e002", "date": "2026-01-20", "hours": 5})
    steps: list[tuple[str, int, int]] = []
    run = await synced.service.resync(
        synced.tenant,
        FLOW,
        date(2026, 1, 10),
        date(2026, 2, 3),
        progress=lambda *step: steps.append(step),
    )
    assert run.status == "succeeded"
    assert (run.counts["deleted"], run.counts["written"], run.counts["failed"]) == (4, 4, 0)
    assert steps[0] == ("delete", 1, 8)
    assert steps[-1] == ("write", 8, 8)
    after = await _attendance(engine_client)
    assert [(r["date"], r["hours"], r["cause_code"]) for r in after] == [
        ("2026-01-05", "8", "TID"),
        ("2026-01-12", "2", "OT1"),
        ("2026-01-20", "5", "TID"),
        ("2026-02-10", "7.5", "TID"),
        ("2026-02-27", "4", "TID"),
        ("2026-03-02", "8", "TID"),
    ]
    assert next(r["id"] for r in after if r["date"] == "2026-03-02") == march_id  # untouched
    new_ids = {r["id"] for r in after} - {r["id"] for r in before}
    assert len(new_ids) == 4  # written again: new Fortnox ids
    idle = await synced.service.sweep(synced.tenant)
    assert (idle.requests, idle.total("created")) == (0, 0)


async def test_a_cancelled_resync_resumes_where_it_stopped(
    synced: Bridge, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    def cancel_after_three(phase: str, done: int, total: int) -> None:
        if done == 3:
            synced.service.cancel_resync(synced.tenant, FLOW)

    first, last = date(2026, 1, 1), date(2026, 2, 28)
    stopped = await synced.service.resync(
        synced.tenant, FLOW, first, last, progress=cancel_after_three
    )
    assert (stopped.status, stopped.progress_done, stopped.params["phase"]) == (
        "cancelled",
        3,
        "delete",
    )
    with pytest.raises(ResyncError, match="must be resumed first"):
        await synced.service.resync(synced.tenant, FLOW, date(2026, 3, 1), date(2026, 3, 31))
    resumed = await synced.service.resync(synced.tenant, FLOW, first, last)
    assert resumed.id == stopped.id
    assert (resumed.status, resumed.progress_done, resumed.progress_total) == ("succeeded", 8, 8)
    assert (resumed.counts["deleted"], resumed.counts["written"]) == (4, 4)
    rows = await _attendance(engine_client)
    assert len(rows) == 6  # five of ours, one not ours: nothing lost, nothing doubled
    with sessions.begin() as session:
        assert RunRepository(session).unfinished_resync(synced.tenant, FLOW) is None


async def test_an_interrupted_resync_resumes_in_its_write_phase(
    synced: Bridge, engine_client: FortnoxClient
) -> None:
    class Stop(Exception):
        pass

    def stop_in_write(phase: str, done: int, total: int) -> None:
        if phase == "write" and done == 3:  # after the first of two writes
            raise Stop

    first, last = date(2026, 1, 1), date(2026, 1, 31)
    with pytest.raises(Stop):
        await synced.service.resync(synced.tenant, FLOW, first, last, progress=stop_in_write)
    unfinished = synced.service.resyncs.unfinished(synced.tenant, FLOW)
    assert unfinished is not None
    assert (unfinished.status, unfinished.params["phase"]) == ("interrupted", "write")
    done = await synced.service.resync(synced.tenant, FLOW, first, last)
    assert (done.status, done.counts["deleted"], done.counts["written"]) == ("succeeded", 2, 2)
    assert len(await _attendance(engine_client)) == 6


async def test_only_dated_flows_can_be_resynced(synced: Bridge) -> None:
    with pytest.raises(ResyncError, match="not a dated push flow"):
        await synced.service.resync_plan(
            synced.tenant, "hr.employee.push", date(2026, 1, 1), date(2026, 1, 2)
        )


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
async def test_a_resync_is_cancelled_through_the_api(
    synced: Bridge, sessions: sessionmaker[Session], clock: Any
) -> None:
    from fastapi.testclient import TestClient

    from fortnox_bridge.store.tenants import TenantRepository
    from integration.bridge_api import api_app

    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(synced.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="t", now=clock.now())
    api = TestClient(api_app(sessions, clock=clock), headers={"Authorization": f"Bearer {key}"})
    answers: list[Any] = []

    def cancel_halfway(phase: str, done: int, total: int) -> None:
        if done == 2:  # the admin presses "cancel" while the job runs
            unfinished = synced.service.resyncs.unfinished(synced.tenant, FLOW)
            assert unfinished is not None
            answers.append(api.post(f"/api/v1/runs/{unfinished.id}/cancel"))

    first, last = date(2026, 1, 1), date(2026, 2, 28)
    stopped = await synced.service.resync(synced.tenant, FLOW, first, last, progress=cancel_halfway)
    (answer,) = answers
    assert (answer.status_code, answer.json()["cancel_requested"]) == (200, True)
    assert (stopped.status, stopped.progress_done) == ("cancelled", 2)
    refused = api.post(f"/api/v1/runs/{stopped.id}/cancel")  # cancelled already
    assert refused.status_code == 409
    assert api.post("/api/v1/runs/999999/cancel").status_code == 404
