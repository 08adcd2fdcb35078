"""The runs list and a run's page a page at a time, with filters that combine and survive
paging, the record as a person reads it, and the internal keys only in a toggle."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome, RunSummary
from fortnox_bridge.engine.sync.recording import RunRecorder
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of

ROWS = '<tr class="outcome-'


def _tenant(sessions: sessionmaker[Session], clock: ManualClock, name: str) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create(name, now=clock.now()).id


def _big_run(sessions: sessionmaker[Session], clock: ManualClock, tenant: int) -> int:
    """A push of 230 employees: 200 created, 20 failed, 10 of an old run without reference."""
    items = [
        ItemRecord(
            "hr.employee.push",
            f"emp-{n:04}",
            "create",
            "failed" if n % 10 == 0 else "ok",
            "Ogiltigt personnummer" if n % 10 == 0 else "not in Fortnox yet",
            fortnox_id=None if n % 10 == 0 else str(5000 + n),
            code=2000588 if n % 10 == 0 else None,
            reference=f"employee emp-{n:04} (person.{n}@demo-ab.se)",
        )
        for n in range(1, 201)
    ]
    items += [
        ItemRecord("hr.employee.push", f"3f2b8c1e-aaaa-bbbb-cccc-00000000{n:04}", "update", "ok")
        for n in range(10)
    ]
    with sessions.begin() as session:
        runs = RunRepository(session)
        run = runs.start(tenant, "push", now=clock.now(), flow="hr.employee.push")
        runs.add_items(run.id, items)
        runs.finish(run.id, "partial", now=clock.now(), counts={"created": 180}, requests=200)
        return run.id


def test_a_run_pages_its_items_filters_them_and_names_each_record(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Paging AB")
    run_id = _big_run(sessions, clock, tenant)
    base = f"/ui/tenants/{tenant}/runs/{run_id}"

    first = signed_in.get(base).text
    assert first.count(ROWS) == 100
    assert "210 items · page 1 of 3" in first
    assert f"Run {run_id}: Push · Employees to Fortnox" in first
    assert "employee emp-0001 (person.1@demo-ab.se)" in first
    assert '<span class="badge badge-ok">Created</span>' in first
    assert "<summary>Internal keys</summary>" in first
    assert "<dd><code>emp-0001</code></dd>" in first  # the key, inside the toggle
    assert 'href="?page=3" aria-label="Page 3 of 3"' in first
    last = signed_in.get(base, params={"page": "3"}).text
    assert last.count(ROWS) == 10
    # an item kept before references were: its external id, shortened, with the whole in a title
    assert 'class="run-key" title="3f2b8c1e-aaaa-bbbb-cccc-000000000000"' in last
    assert signed_in.get(base, params={"page": "99"}).text.count(ROWS) == 10  # the last page
    assert signed_in.get(base, params={"page": "x"}).text.count(ROWS) == 100

    failed = signed_in.get(base, params={"outcome": "failed"}).text
    assert failed.count(ROWS) == 20
    assert "20 items" in failed
    assert "Ogiltigt personnummer" in failed
    searched = signed_in.get(base, params={"outcome": "failed", "record": "PERSON.11"}).text
    # person.110 … person.119 and person.11 (not failed) hold it; 110 is the failed one
    assert searched.count(ROWS) == 1
    assert "emp-0110" in searched
    by_fortnox_id = signed_in.get(base, params={"record": "5199"}).text
    assert by_fortnox_id.count(ROWS) == 1
    assert "emp-0199" in by_fortnox_id
    created = signed_in.get(base, params={"outcome": "created", "page": "2"}).text
    assert created.count(ROWS) == 80
    assert "180 items · page 2 of 2" in created
    assert 'href="?outcome=created" aria-label="Page 1 of 2"' in created
    none = signed_in.get(base, params={"record": "100%_"}).text  # searched as written
    assert none.count(ROWS) == 0

    token = csrf_of(first)
    signed_in.post("/ui/language", data={"language": "sv", "csrf_token": token})
    swedish = signed_in.get(base).text
    assert f"Körning {run_id}: Push · Anställda till Fortnox" in swedish
    assert "finns inte i Fortnox än" in swedish
    assert '<span class="badge badge-ok">Skapade</span>' in swedish
    assert "210 poster · sida 1 av 3" in swedish
    for english in (">succeeded<", ">partial<", ">create<", ">ok<", "not in Fortnox yet</td>"):
        assert english not in swedish


def test_the_runs_list_pages_and_filters_by_kind_status_and_flow(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, clock, "Lista AB")
    with sessions.begin() as session:
        runs = RunRepository(session)
        for n in range(40):
            kind = "push" if n % 2 else "sweep"
            run = runs.start(tenant, kind, now=clock.now() - timedelta(minutes=n))
            status = "partial" if n % 4 == 1 else "succeeded"
            runs.finish(run.id, status, now=clock.now(), counts={}, requests=1)
            flow = "hr.absence.push" if n % 8 == 1 else "hr.employee.push"
            runs.add_items(run.id, [ItemRecord(flow, f"e{n}", "create", "ok")])
    page = signed_in.get(f"/ui/tenants/{tenant}/runs").text
    assert page.count("<tr data-run=") == 25
    assert "40 runs · page 1 of 2" in page
    assert "<svg" in page  # the 30-day chart stays
    assert '<option value="hr.absence.push">Absence to Fortnox</option>' in page
    assert '<option value="partial">Partly failed</option>' in page
    # the newest 25 (n = 39 … 15): six of them partly failed
    assert page.count('data-status="succeeded">Succeeded</span>') == 19
    assert page.count('data-status="partial">Partly failed</span>') == 6
    second = signed_in.get(f"/ui/tenants/{tenant}/runs", params={"page": "2"}).text
    assert second.count("<tr data-run=") == 15

    query = {"kind": "push", "status": "partial", "flow": "hr.absence.push"}
    both = signed_in.get(f"/ui/tenants/{tenant}/runs", params=query).text
    assert both.count("<tr data-run=") == 5  # n = 1, 9, 17, 25, 33
    assert "5 runs" in both
    assert '<option value="hr.absence.push" selected>' in both
    pushes = signed_in.get(f"/ui/tenants/{tenant}/runs", params={"kind": "push"}).text
    assert pushes.count("<tr data-run=") == 20
    assert re.search(r'href="\?kind=push&amp;page=2"', pushes) is None  # one page only
    query = {"kind": "sweep", "status": "succeeded", "flow": "hr.employee.push"}
    sweeps_ok = signed_in.get(f"/ui/tenants/{tenant}/runs", params=query).text
    assert "20 runs" in sweeps_ok
    ok = {"status": "succeeded", "page": "2"}
    second_ok = signed_in.get(f"/ui/tenants/{tenant}/runs", params=ok).text
    assert second_ok.count("<tr data-run=") == 5  # 30 succeeded: 25 + 5
    assert 'href="?status=succeeded" aria-label="Page 1 of 2"' in second_ok
    unknown = signed_in.get(f"/ui/tenants/{tenant}/runs", params={"status": "bogus"}).text
    assert unknown.count("<tr data-run=") == 25  # an unknown filter is no filter
    sweeps = signed_in.get(f"/ui/tenants/{tenant}/runs", params={"kind": "sweep"}).text
    assert "20 runs" in sweeps
    token = csrf_of(page)
    signed_in.post("/ui/language", data={"language": "sv", "csrf_token": token})
    swedish = signed_in.get(f"/ui/tenants/{tenant}/runs", params={"page": "1"}).text
    assert "40 körningar · sida 1 av 2" in swedish
    assert 'href="?page=2" aria-label="Sida 2 av 2"' in swedish
    assert swedish.count('data-status="succeeded">Lyckades</span>') == 19
    assert '<td data-kind="sweep">Svep' in swedish
    for english in (">sweep<", ">succeeded<", ">Sweep<", ">Succeeded<"):
        assert english not in swedish


def test_the_recorder_keeps_the_reference_of_each_item() -> None:
    summary = RunSummary(tenant_id=1, started_at=ManualClock().now())
    result = FlowResult("hr.employee.push")
    result.items.append(ItemOutcome("emp-7", "create", "ok", "x", "employee emp-7 (k@ek.se)"))
    result.items.append(ItemOutcome("emp-8", "create", "ok", "x"))
    summary.flows.append(result)
    lines = RunRecorder._lines(RunRecorder.__new__(RunRecorder), summary)
    assert [line.reference for line in lines] == ["employee emp-7 (k@ek.se)", None]
