"""Runs of kind ``repair`` on the admin UI's runs page: their own filter (in English and Swedish),
what they deleted, left to a person and could not delete."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of


def test_a_repair_run_has_its_own_filter_and_counts(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Reparation AB", now=clock.now()).id
        runs = RunRepository(session)
        sweep = runs.start(tenant, "sweep", now=clock.now())
        runs.finish(sweep.id, "succeeded", now=clock.now(), counts={"created": 1}, requests=1)
        repair = runs.start(tenant, "repair", now=clock.now())
        runs.add_items(
            repair.id,
            [
                ItemRecord("payroll.attendance.push", "e1/2026-03-02@TID||", "delete", "ok",
                           "deleted: duplicate of k1", "x1"),
                ItemRecord("hr.employee.push", "e1", "report", "skipped",
                           "make the extra ones inactive", "7"),
            ],
        )  # fmt: skip
        runs.finish(
            repair.id,
            "succeeded",
            now=clock.now(),
            counts={"deleted": 1, "failed": 0, "skipped": 1},
            requests=1,
        )
        repair_id, sweep_id = repair.id, sweep.id

    page = signed_in.get(f"/ui/tenants/{tenant}/runs?kind=repair")
    assert page.status_code == 200, page.text
    assert '<option value="repair" selected>Repair</option>' in page.text
    assert f'href="/ui/tenants/{tenant}/runs/{repair_id}"' in page.text
    assert f'href="/ui/tenants/{tenant}/runs/{sweep_id}"' not in page.text
    detail = signed_in.get(f"/ui/tenants/{tenant}/runs/{repair_id}")
    assert "make the extra ones inactive" in detail.text
    progress = signed_in.get(f"/ui/tenants/{tenant}/runs/{repair_id}/progress").text
    assert 'data-count="deleted">1<' in progress
    assert 'data-count="skipped">1<' in progress
    assert 'data-count="created"' not in progress

    switched = signed_in.post(
        "/ui/language",
        data={"language": "sv", "back": "/", "csrf_token": csrf_of(page.text)},
    )
    assert switched.status_code == 303
    swedish = signed_in.get(f"/ui/tenants/{tenant}/runs?kind=repair")
    assert '<option value="repair" selected>Reparation</option>' in swedish.text
