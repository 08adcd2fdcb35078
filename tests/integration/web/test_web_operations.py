"""Runs, problems, conflicts and maintenance pages of the admin UI over the real store."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.first_sync import FirstSyncRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of


def _tenant(sessions: sessionmaker[Session], clock: ManualClock, name: str) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create(name, now=clock.now()).id


def _run(sessions: sessionmaker[Session], clock: ManualClock, tenant_id: int) -> int:
    with sessions.begin() as session:
        runs = RunRepository(session)
        run = runs.start(tenant_id, "sweep", now=clock.now() - timedelta(days=2))
        runs.finish(
            run.id,
            "partial",
            now=clock.now() - timedelta(days=2) + timedelta(seconds=75),
            counts={"created": 2, "updated": 1, "failed": 1},
            requests=9,
        )
        runs.add_items(
            run.id,
            [
                ItemRecord("hr.employee.push", "emp-1", "create", "ok", fortnox_id="1"),
                ItemRecord("hr.employee.push", "emp-2", "create", "ok", fortnox_id="2"),
                ItemRecord("hr.employee.push", "emp-3", "update", "ok", fortnox_id="3"),
                ItemRecord(
                    "hr.employee.push",
                    "emp-4",
                    "create",
                    "failed",
                    "Ogiltigt personnummer",
                    code=2000588,
                ),
            ],
        )
        return run.id


def _problem(sessions: sessionmaker[Session], clock: ManualClock, tenant_id: int) -> int:
    report = ProblemReport(
        dedupe_key="hr.employee.push:emp-4:2000588",
        flow="hr.employee.push",
        entity_type="employee",
        external_id="emp-4",
        reference="Employee emp-4 (Eva Ek)",
        message="Ogiltigt personnummer",
        code=2000588,
        status=400,
        explanation="Fortnox refused the personal identity number.",
        fix="Correct the personal identity number in the host app.",
    )
    with sessions.begin() as session:
        problem, _ = ProblemRepository(session).record(tenant_id, report, now=clock.now())
        return problem.id


def test_runs_list_detail_filter_and_chart(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Runs AB")
    run_id = _run(sessions, clock, tenant)
    page = signed_in.get(f"/ui/tenants/{tenant}/runs")
    assert page.status_code == 200, page.text
    assert f'href="/ui/tenants/{tenant}/runs/{run_id}"' in page.text
    assert "1 min 15 s" in page.text
    assert "<svg" in page.text
    assert '<title id="chart-title">Requests and items per day' in page.text
    assert "Requests to Fortnox: 9" in page.text
    assert "Items: 4" in page.text
    detail = signed_in.get(f"/ui/tenants/{tenant}/runs/{run_id}")
    assert detail.status_code == 200
    assert detail.text.count('<tr class="outcome-') == 4
    failed = signed_in.get(f"/ui/tenants/{tenant}/runs/{run_id}?outcome=failed")
    assert failed.text.count('<tr class="outcome-') == 1
    assert "emp-4" in failed.text
    assert "Ogiltigt personnummer" in failed.text
    created = signed_in.get(f"/ui/tenants/{tenant}/runs/{run_id}?outcome=created")
    assert created.text.count('<tr class="outcome-') == 2
    progress = signed_in.get(f"/ui/tenants/{tenant}/runs/{run_id}/progress")
    assert progress.status_code == 200
    assert "data-done" in progress.text


def test_another_tenants_run_and_problem_are_not_found(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    mine = _tenant(sessions, clock, "Mine AB")
    other = _tenant(sessions, clock, "Other AB")
    run_id = _run(sessions, clock, other)
    problem_id = _problem(sessions, clock, other)
    assert signed_in.get(f"/ui/tenants/{mine}/runs/{run_id}").status_code == 404
    assert signed_in.get(f"/ui/tenants/{mine}/runs/{run_id}/progress").status_code == 404
    token = csrf_of(signed_in.get(f"/ui/tenants/{mine}/problems").text)
    answer = signed_in.post(
        f"/ui/tenants/{mine}/problems/{problem_id}/resolve", data={"csrf_token": token}
    )
    assert answer.status_code == 404
    with sessions.begin() as session:
        problem = ProblemRepository(session).get(problem_id)
        assert problem is not None
        assert problem.resolved_at is None
    assert signed_in.get("/ui/tenants/999999/runs").status_code == 404
    assert signed_in.get(f"/ui/tenants/{mine}/problems").status_code == 200
    assert "Ogiltigt personnummer" not in signed_in.get(f"/ui/tenants/{mine}/problems").text


def test_problems_show_fortnox_words_and_are_resolved_and_ignored(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Problem AB")
    problem_id = _problem(sessions, clock, tenant)
    page = signed_in.get(f"/ui/tenants/{tenant}/problems")
    for text in (
        "Employee emp-4 (Eva Ek)",
        "2000588",
        "Ogiltigt personnummer",
        "Fortnox refused the personal identity number.",
        "Correct the personal identity number in the host app.",
        "· once",
    ):
        assert text in page.text
    refused = signed_in.post(f"/ui/tenants/{tenant}/problems/{problem_id}/resolve")
    assert refused.status_code == 403
    with sessions.begin() as session:
        found = ProblemRepository(session).get(problem_id)
        assert found is not None
        assert found.resolved_at is None
    token = csrf_of(page.text)
    done = signed_in.post(
        f"/ui/tenants/{tenant}/problems/{problem_id}/resolve", data={"csrf_token": token}
    )
    assert done.status_code == 303
    after = signed_in.get(done.headers["location"])
    assert "No open problems" in after.text
    assert "Resolved: Employee emp-4 (Eva Ek). It is tried again at the next sweep." in after.text
    assert "Employee emp-4" in signed_in.get(f"/ui/tenants/{tenant}/problems?state=resolved").text
    signed_in.post(f"/ui/tenants/{tenant}/problems/{problem_id}/ignore", data={"csrf_token": token})
    assert "Employee emp-4" in signed_in.get(f"/ui/tenants/{tenant}/problems?state=ignored").text
    with sessions.begin() as session:
        found = ProblemRepository(session).get(problem_id)
        assert found is not None
        assert found.ignored_at is not None


def _plan(sessions: sessionmaker[Session], clock: ManualClock, tenant_id: int) -> dict[str, int]:
    items = [
        {
            "kind": "pair",
            "external_id": "emp-1",
            "fortnox_id": "11",
            "matched_by": "email",
            "label": "Eva Ek <eva@ek.se>",
            "differences": {
                "phone": {"host": "070-111", "fortnox": "070-222"},
                "family_name": {"host": "Ek", "fortnox": "Eek"},
            },
            "details": {},
            "notes": [],
            "host": {},
            "fortnox": {},
        },
        {
            "kind": "host_only",
            "external_id": "emp-2",
            "fortnox_id": None,
            "matched_by": None,
            "label": "Per Berg",
            "differences": {},
            "details": {},
            "notes": [],
            "host": {},
            "fortnox": {},
        },
    ]
    with sessions.begin() as session:
        repo = FirstSyncRepository(session)
        plan = repo.create(
            tenant_id, "employee", counts={"pairs": 1, "host_only": 1}, items=items, now=clock.now()
        )
        ids = {item.kind: item.id for item in repo.items(plan.id)}
    return ids


def test_first_sync_plan_decided_per_field_and_in_bulk(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Plan AB")
    ids = _plan(sessions, clock, tenant)
    page = signed_in.get(f"/ui/tenants/{tenant}/conflicts")
    assert page.status_code == 200, page.text
    assert "070-111" in page.text
    assert "070-222" in page.text
    assert "2 undecided" in page.text
    token = csrf_of(page.text)
    url = f"/ui/tenants/{tenant}/conflicts/first-sync/items/{ids['pair']}"
    half = signed_in.post(
        url, data={"csrf_token": token, "choice": "fields", "field.bogus": "host"}
    )
    assert half.status_code == 400
    assert "has no difference in bogus" in half.text
    with sessions.begin() as session:
        repo = FirstSyncRepository(session)
        open_plan = repo.active(tenant, "employee")
        assert open_plan is not None
        assert all(i.decision is None for i in repo.items(open_plan.id))  # nothing saved
    other = _tenant(sessions, clock, "Other plan AB")
    foreign = signed_in.post(
        f"/ui/tenants/{other}/conflicts/first-sync/items/{ids['pair']}",
        data={"csrf_token": token, "choice": "host"},
    )
    assert foreign.status_code == 404
    huge = signed_in.post(
        f"/ui/tenants/{tenant}/conflicts/first-sync/items/{2**40}",
        data={"csrf_token": token, "choice": "host"},
    )
    assert huge.status_code == 404
    decided = signed_in.post(
        url,
        data={
            "csrf_token": token,
            "choice": "fields",
            "field.phone": "fortnox",
            "field.family_name": "host",
        },
    )
    assert decided.status_code == 303
    bulk = signed_in.post(
        f"/ui/tenants/{tenant}/conflicts/first-sync/decide",
        data={"csrf_token": token, "host_only": "create"},
    )
    assert bulk.status_code == 303
    with sessions.begin() as session:
        repo = FirstSyncRepository(session)
        plan = repo.active(tenant, "employee")
        assert plan is not None
        decisions = {i.kind: i.decision for i in repo.items(plan.id)}
    assert decisions["pair"] == {"fields": {"phone": "fortnox", "family_name": "host"}}
    assert decisions["host_only"] == {"create": True}
    assert "0 undecided" in signed_in.get(f"/ui/tenants/{tenant}/conflicts").text


def test_later_conflict_three_way_and_decided(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Conflict AB")
    with sessions.begin() as session:
        conflict = ConflictRepository(session).open_or_update(
            tenant,
            flow="hr.employee.push",
            entity_type="employee",
            external_id="emp-9",
            fortnox_id="19",
            fields={"phone": {"base": "070-000", "bridge": "070-111", "fortnox": "070-222"}},
            now=clock.now(),
        )
        conflict_id = conflict.id
    page = signed_in.get(f"/ui/tenants/{tenant}/conflicts")
    assert all(v in page.text for v in ("070-000", "070-111", "070-222"))
    token = csrf_of(page.text)
    url = f"/ui/tenants/{tenant}/conflicts/{conflict_id}/resolve"
    assert signed_in.post(url, data={"csrf_token": token, "winner": "nobody"}).status_code == 400
    done = signed_in.post(url, data={"csrf_token": token, "winner": "bridge"})
    assert done.status_code == 303
    with sessions.begin() as session:
        found = ConflictRepository(session).get(conflict_id)
        assert found is not None
        assert found.status == "resolved"
        assert found.resolution == "bridge"
    assert "No open conflicts." in signed_in.get(f"/ui/tenants/{tenant}/conflicts").text


def test_resync_form_rejects_a_bad_interval_next_to_the_field(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Maintenance AB")
    page = signed_in.get(f"/ui/tenants/{tenant}/maintenance")
    assert page.status_code == 200, page.text
    assert "Send Fortnox salary data" in page.text
    token = csrf_of(page.text)
    url = f"/ui/tenants/{tenant}/maintenance/preview"
    backwards = signed_in.post(
        url, data={"csrf_token": token, "flow": "payroll", "from": "2026-03-10", "to": "2026-03-01"}
    )
    assert backwards.status_code == 400
    assert 'id="e-to"' in backwards.text
    assert "is before the first day" in backwards.text
    assert 'value="2026-03-10"' in backwards.text  # what was typed stays
    long = signed_in.post(
        url, data={"csrf_token": token, "flow": "payroll", "from": "2024-01-01", "to": "2026-01-01"}
    )
    assert long.status_code == 400
    assert "re-sync at most 366 days" in long.text
    unknown = signed_in.post(
        url, data={"csrf_token": token, "flow": "nothing", "from": "2026-03-01", "to": "2026-03-02"}
    )
    assert unknown.status_code == 400
    assert 'id="e-flow"' in unknown.text
    missing = signed_in.post(url, data={"csrf_token": token, "flow": "payroll", "to": "2026-03-02"})
    assert missing.status_code == 400
    assert 'id="e-from"' in missing.text
    assert (
        signed_in.post(
            url, data={"flow": "payroll", "from": "2026-03-01", "to": "2026-03-02"}
        ).status_code
        == 403
    )
    with sessions.begin() as session:
        assert RunRepository(session).latest(tenant) == []


def test_a_later_conflict_is_decided_per_field(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Per field AB")
    host = {
        "email": "eva@ek.se",
        "given_name": "Eva",
        "family_name": "Ekström",
        "phone": "070-111 11 11",
    }
    with sessions.begin() as session:
        MirrorRepository(session).upsert(tenant, "employee", "emp-9", host, now=clock.now())
        conflict = ConflictRepository(session).open_or_update(
            tenant,
            flow="hr.employee.pull",
            entity_type="employee",
            external_id="emp-9",
            fortnox_id="19",
            fields={
                "phone1": {
                    "base": "070-000",
                    "bridge": "070-111 11 11",
                    "fortnox": "070-222 22 22",
                },
                "last_name": {"base": "Ek", "bridge": "Ekström", "fortnox": "Eek"},
            },
            now=clock.now(),
        )
        conflict_id = conflict.id
    page = signed_in.get(f"/ui/tenants/{tenant}/conflicts")
    token = csrf_of(page.text)
    url = f"/ui/tenants/{tenant}/conflicts/{conflict_id}/resolve"
    half = signed_in.post(
        url, data={"csrf_token": token, "winner": "fields", "field.phone1": "fortnox"}
    )
    assert half.status_code == 400
    assert "Choose a side for each field" in half.text
    done = signed_in.post(
        url,
        data={
            "csrf_token": token,
            "winner": "fields",
            "field.phone1": "fortnox",
            "field.last_name": "bridge",
        },
    )
    assert done.status_code == 303
    with sessions.begin() as session:
        found = ConflictRepository(session).get(conflict_id)
        assert found is not None
        assert (found.status, found.resolution) == ("resolved", "mixed")
        record = MirrorRepository(session).get(tenant, "employee", "emp-9")
        assert record is not None
        assert record.payload["phone"] == "070-222 22 22"  # Fortnox's phone won
        assert record.payload["family_name"] == "Ekström"  # the host's name is sent


def test_the_reconnect_proposal_is_shown_and_dismissed(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Reconnect AB")
    with sessions.begin() as session:
        connection = ConnectionRepository(session).create(tenant, "key", now=clock.now())
        connection.state = "active"
        connection.disconnected_at = datetime(2026, 3, 10, 8, 0)
        connection.resync_proposals = [
            {
                "flow": "payroll",
                "from": "2026-03-10",
                "to": "2026-03-20",
                "reason": "disconnected from 2026-03-10 to 2026-03-20",
            }
        ]
    page = signed_in.get(f"/ui/tenants/{tenant}/maintenance")
    assert page.status_code == 200, page.text
    assert "Re-synchronize after the reconnect?" in page.text
    assert "was broken from 2026-03-10" in page.text
    assert "Yes, re-sync from 2026-03-10" in page.text
    assert "widened to whole salary periods: 2026-03-01 – " in page.text
    assert 'href="#resync-form"' in page.text  # "Choose another interval"
    assert 'value="2026-03-10"' in page.text  # the form starts at the disconnection date
    token = csrf_of(page.text)
    refused = signed_in.post(
        f"/ui/tenants/{tenant}/maintenance/proposal/accept", data={"csrf_token": token}
    )
    assert refused.status_code == 409  # no engine beside this UI: nothing starts
    assert "start the bridge with" in refused.text
    done = signed_in.post(
        f"/ui/tenants/{tenant}/maintenance/proposal/dismiss", data={"csrf_token": token}
    )
    assert done.status_code == 303
    after = signed_in.get(done.headers["location"])
    assert "The proposal was dismissed: nothing is re-synced." in after.text
    assert "Re-synchronize after the reconnect?" not in after.text
    with sessions.begin() as session:
        found = ConnectionRepository(session).for_tenant(tenant)
        assert found is not None
        assert found.resync_proposals == []


def test_a_running_resync_refreshes_its_progress_and_is_cancelled(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Cancel AB")
    with sessions.begin() as session:
        runs = RunRepository(session)
        resync = runs.start(
            tenant,
            "resync",
            now=clock.now(),
            flow="payroll",
            params={
                "from": "2026-03-10",
                "to": "2026-03-20",
                "widened_from": "2026-03-01",
                "widened_to": "2026-03-31",
            },
        )
        resync.progress_total, resync.progress_done = 8, 3
        resync_id = resync.id
    sweep_id = _run(sessions, clock, tenant)
    listed = signed_in.get(f"/ui/tenants/{tenant}/runs")
    assert f'data-refresh="/ui/tenants/{tenant}/runs/{resync_id}/progress"' in listed.text
    progress = signed_in.get(f"/ui/tenants/{tenant}/runs/{resync_id}/progress")
    assert "3 of 8 records" in progress.text
    assert "data-done" not in progress.text  # still running: the page keeps asking
    page = signed_in.get(f"/ui/tenants/{tenant}/runs/{resync_id}")
    assert "2026-03-01 – 2026-03-31" in page.text
    token = csrf_of(page.text)
    assert signed_in.post(f"/ui/tenants/{tenant}/runs/{resync_id}/cancel").status_code == 403
    not_resync = signed_in.post(
        f"/ui/tenants/{tenant}/runs/{sweep_id}/cancel", data={"csrf_token": token}
    )
    assert not_resync.status_code == 303
    assert "nothing to cancel" in signed_in.get(not_resync.headers["location"]).text
    done = signed_in.post(
        f"/ui/tenants/{tenant}/runs/{resync_id}/cancel", data={"csrf_token": token}
    )
    assert done.status_code == 303
    after = signed_in.get(done.headers["location"])
    assert "The re-sync stops after the record it is writing." in after.text
    assert "stopping…" in after.text
    with sessions.begin() as session:
        found = RunRepository(session).get(resync_id)
        assert found is not None
        assert found.cancel_requested is True
        sweep = RunRepository(session).get(sweep_id)
        assert sweep is not None
        assert sweep.cancel_requested is False


def test_a_plan_whose_apply_stopped_can_be_applied_again(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Stopped AB")
    _plan(sessions, clock, tenant)
    with sessions.begin() as session:
        plan = FirstSyncRepository(session).active(tenant, "employee")
        assert plan is not None
        plan.status = "applying"  # the server stopped while applying
    page = signed_in.get(f"/ui/tenants/{tenant}/conflicts")
    assert "Applying stopped before it finished" in page.text
    assert f'action="/ui/tenants/{tenant}/conflicts/first-sync/apply"' in page.text
