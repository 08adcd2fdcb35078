"""Control through the host API, on SQLite and PostgreSQL: connection and pre-flight, flows and
their settings, mappings, "sync now" (waited for and planned), re-sync jobs with progress,
problems, runs and paging; and the API's limits: per-key rate, body size, CORS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from conftest import ClientFactory
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.base import family_of
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.models import ApiKey, FlowConfig, Mapping, Problem, Run
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import ENGINE_SCOPES, Bridge, Put

TIME_FLOW = "payroll.attendance.push"
MakeApi = Callable[..., Awaitable["Api"]]


@dataclass
class Api:
    """An API app with a read-write and a read key of one tenant."""

    app: FastAPI
    http: httpx.AsyncClient
    tenant: int
    writer: str
    reader: str

    def as_reader(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.reader}"}


@pytest.fixture
async def make_api(sessions: sessionmaker[Session], clock: ManualClock) -> AsyncIterator[MakeApi]:
    """``await make_api(tenant=None, hooks=None, settings=None)``: an app and its keys."""
    clients: list[httpx.AsyncClient] = []

    async def make(
        tenant: int | None = None,
        hooks: EngineHooks | None = None,
        settings: Settings | None = None,
    ) -> Api:
        with sessions.begin() as session:
            tenants = TenantRepository(session)
            if tenant is None:
                tenant = tenants.create(f"Kontroll {len(clients)} AB", now=clock.now()).id
            writer = tenants.create_api_key(tenant, label="w", now=clock.now()).key
            reader = tenants.create_api_key(tenant, label="r", now=clock.now(), scope="read").key
        app = api_app(sessions, clock=clock, hooks=hooks, settings=settings)
        http = httpx.AsyncClient(
            base_url="http://bridge.test",
            transport=httpx.ASGITransport(app=app),
            headers={"Authorization": f"Bearer {writer}"},
        )
        clients.append(http)
        return Api(app, http, tenant, writer, reader)

    yield make
    for http in clients:
        await http.aclose()


@pytest.fixture
async def api(make_api: MakeApi) -> Api:
    return await make_api()


async def test_the_connection_before_and_after_connecting(
    bridge: Bridge, make_api: MakeApi
) -> None:
    api = await make_api(tenant=bridge.tenant)
    before = (await api.http.get("/api/v1/connection", headers=api.as_reader())).json()
    assert (before["state"], before["since"], before["scopes"]) == ("not_connected", None, [])
    await bridge.connect()
    after = (await api.http.get("/api/v1/connection")).json()
    assert after["state"] == "active"
    assert after["since"] is not None
    # The scopes the company granted: what the test connection asked for, sorted.
    assert after["scopes"] == sorted(ENGINE_SCOPES)
    assert {"bookkeeping", "companyinformation", "salary", "settings"} <= set(after["scopes"])
    assert (after["fortnox_tenant_id"], after["last_error"]) == (bridge.company, None)


async def test_the_engine_routes_answer_503_without_an_engine(api: Api) -> None:
    for path, body in (
        ("/api/v1/sync", None),
        ("/api/v1/sync", {"wait": True}),
        ("/api/v1/sync", {"dry_run": True}),
        ("/api/v1/connection/check", None),
        ("/api/v1/resync", {"flow": TIME_FLOW, "from": "2026-01-01", "to": "2026-01-31"}),
    ):
        answer = await api.http.post(path, json=body)
        assert (answer.status_code, answer.json()["error"]) == (503, "no_engine"), (path, body)


async def test_flows_are_listed_with_settings_and_schema_and_changed_with_validation(
    api: Api, sessions: sessionmaker[Session]
) -> None:
    # a tenant uses the hr and payroll families until it chooses
    known = [flow.name for flow in discover_flows() if family_of(flow) in ("hr", "payroll")]
    listed = (await api.http.get("/api/v1/flows", headers=api.as_reader())).json()
    assert [f["name"] for f in listed["data"]] == known
    pull = next(f for f in listed["data"] if f["name"] == "hr.employee.pull")
    assert {k: pull[k] for k in ("family", "entity", "direction", "enabled", "configured")} == {
        "family": "hr",
        "entity": "employee",
        "direction": "pull",
        "enabled": False,
        "configured": False,
    }
    assert pull["settings"] == {"import_unmatched": False}
    assert pull["settings_schema"]["properties"]["import_unmatched"]["type"] == "boolean"

    paged: list[str] = []
    cursor = None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await api.http.get("/api/v1/flows", params=params)).json()
        paged += [f["name"] for f in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == known

    bad = await api.http.patch(
        "/api/v1/flows/hr.employee.pull", json={"settings": {"import_unmatched": "perhaps"}}
    )
    assert bad.status_code == 422
    assert "import_unmatched" in bad.text
    assert "settings" in bad.text
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(FlowConfig)) == 0

    changed = await api.http.patch(
        "/api/v1/flows/hr.employee.pull",
        json={"enabled": True, "settings": {"import_unmatched": True}},
    )
    assert changed.status_code == 200
    assert (changed.json()["enabled"], changed.json()["settings"]) == (
        True,
        {"import_unmatched": True},
    )
    only_off = await api.http.patch("/api/v1/flows/hr.employee.pull", json={"enabled": False})
    assert only_off.json()["settings"] == {"import_unmatched": True}  # settings kept
    with sessions.begin() as session:
        config = FlowConfigRepository(session).for_tenant(api.tenant)["hr.employee.pull"]
        assert (config.enabled, config.settings) == (False, {"import_unmatched": True})

    missing = await api.http.patch("/api/v1/flows/hr.nothing.push", json={"enabled": True})
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert "hr.employee.push" in missing.json()["detail"]
    refused = await api.http.patch(
        "/api/v1/flows/hr.employee.pull", json={"enabled": True}, headers=api.as_reader()
    )
    assert refused.status_code == 403


async def test_mappings_are_put_listed_by_kind_and_deleted(
    api: Api, sessions: sessionmaker[Session]
) -> None:
    path = "/api/v1/mappings/paxml_code/ÖT1"
    created = await api.http.put(path, json={"fortnox_value": "OT2"})
    assert created.status_code == 201
    assert (created.json()["local_value"], created.json()["fortnox_value"]) == ("ÖT1", "OT2")
    replaced = await api.http.put(path, json={"excluded": True, "fortnox_value": "OT2"})
    assert replaced.status_code == 200
    assert (replaced.json()["excluded"], replaced.json()["fortnox_value"]) == (True, None)
    await api.http.put("/api/v1/mappings/absence_cause/sick", json={"fortnox_value": "SJK"})
    nothing = await api.http.put("/api/v1/mappings/absence_cause/vab", json={})
    assert nothing.status_code == 422

    everything = (await api.http.get("/api/v1/mappings", headers=api.as_reader())).json()
    assert [(m["kind"], m["local_value"]) for m in everything["data"]] == [
        ("paxml_code", "ÖT1"),
        ("absence_cause", "sick"),
    ]
    one_kind = (await api.http.get("/api/v1/mappings", params={"kind": "absence_cause"})).json()
    assert [m["fortnox_value"] for m in one_kind["data"]] == ["SJK"]
    with sessions.begin() as session:
        mapped = MappingRepository(session).for_tenant(api.tenant)
        assert mapped["paxml_code"]["ÖT1"].excluded is True

    assert (await api.http.delete(path)).status_code == 204
    assert (await api.http.delete(path)).status_code == 404
    with sessions.begin() as session:
        kinds = {row.kind for row in session.scalars(select(Mapping))}
        assert kinds == {"absence_cause"}


async def test_a_mapping_the_engine_would_never_read_is_refused_with_what_it_reads(
    api: Api, sessions: sessionmaker[Session]
) -> None:
    bogus = await api.http.put("/api/v1/mappings/absence_type/sick", json={"fortnox_value": "SJK"})
    assert bogus.status_code == 422
    (error,) = bogus.json()["errors"]
    assert (error["path"], error["type"]) == ("path.kind", "unknown_mapping_kind")
    assert "no flow reads mappings of kind 'absence_type'" in error["message"]
    assert "absence_cause (read by hr.absence.push: an absence type's code" in error["message"]
    assert "paxml_code (read by payroll.absence.push, payroll.attendance.push" in error["message"]

    cause = await api.http.put("/api/v1/mappings/absence_cause/sick", json={"fortnox_value": "ZZZ"})
    assert cause.status_code == 422
    (error,) = cause.json()["errors"]
    assert (error["path"], error["type"]) == ("$.fortnox_value", "fortnox_enum")
    assert "'ZZZ' is not a Fortnox absence cause code" in error["message"]
    assert "ASK, FPE, FRA" in error["message"]

    # A PAXml code maps to a cause code of its own kind: overtime to attendance, not absence.
    overtime = await api.http.put("/api/v1/mappings/paxml_code/ÖT1", json={"fortnox_value": "SEM"})
    assert overtime.status_code == 422
    assert "is not a Fortnox attendance cause code" in overtime.json()["errors"][0]["message"]
    vacation = await api.http.put("/api/v1/mappings/paxml_code/SEM", json={"fortnox_value": "SJK"})
    assert vacation.status_code == 201
    unknown = await api.http.put("/api/v1/mappings/paxml_code/XYZ", json={"excluded": True})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["path"] == "path.local_value"
    assert "kind paxml_code maps one of: ARB, ASK" in unknown.json()["errors"][0]["message"]
    # Any absence type code may be mapped or excluded; only the Fortnox side is checked.
    assert (
        await api.http.put(
            "/api/v1/mappings/absence_cause/Egen sjukanmälan", json={"excluded": True}
        )
    ).status_code == 201

    listed = await api.http.get("/api/v1/mappings", params={"kind": "absence_type"})
    assert listed.status_code == 422
    assert listed.json()["errors"][0]["path"] == "query.kind"
    with sessions.begin() as session:
        kinds = sorted((row.kind, row.local_value) for row in session.scalars(select(Mapping)))
    assert kinds == [("absence_cause", "Egen sjukanmälan"), ("paxml_code", "SEM")]


def _report(key: str, external_id: str) -> ProblemReport:
    return ProblemReport(
        key, "hr.employee.push", "employee", external_id, f"employee {external_id}", "Fel", 2000
    )


async def test_problems_are_resolved_or_ignored_and_an_ignored_one_stays_quiet(
    api: Api, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        problems = ProblemRepository(session)
        ids = [problems.record(api.tenant, _report(k, k), now=clock.now())[0].id for k in "abc"]
    listed = (await api.http.get("/api/v1/problems", headers=api.as_reader())).json()
    assert [p["id"] for p in listed["data"]] == ids
    assert {p["state"] for p in listed["data"]} == {"open"}

    resolved = await api.http.post(f"/api/v1/problems/{ids[0]}/resolve")
    assert (resolved.json()["state"], resolved.json()["resolved_at"] is not None) == (
        "resolved",
        True,
    )
    ignored = await api.http.post(f"/api/v1/problems/{ids[1]}/ignore")
    assert ignored.json()["state"] == "ignored"
    still_open = (await api.http.get("/api/v1/problems")).json()["data"]
    assert [p["id"] for p in still_open] == [ids[2]]
    by_state = {
        state: [
            p["id"] for p in (await api.http.get(f"/api/v1/problems?state={state}")).json()["data"]
        ]
        for state in ("resolved", "ignored")
    }
    assert by_state == {"resolved": [ids[0]], "ignored": [ids[1]]}

    clock.advance(3600)  # both happen again
    with sessions.begin() as session:
        problems = ProblemRepository(session)
        _, ignored_is_new = problems.record(api.tenant, _report("b", "b"), now=clock.now())
        _, resolved_is_new = problems.record(api.tenant, _report("a", "a"), now=clock.now())
    assert (ignored_is_new, resolved_is_new) == (False, True)  # only the resolved one reopens
    with sessions.begin() as session:
        quiet = session.get(Problem, ids[1])
        assert quiet is not None
        assert (quiet.count, quiet.resolved_at is not None, quiet.ignored_at is not None) == (
            2,
            True,
            True,
        )
    assert [p["id"] for p in (await api.http.get("/api/v1/problems")).json()["data"]] == [
        ids[0],
        ids[2],
    ]
    refused = await api.http.post(f"/api/v1/problems/{ids[2]}/ignore", headers=api.as_reader())
    assert refused.status_code == 403
    assert (await api.http.post("/api/v1/problems/999999/resolve")).status_code == 404


async def test_runs_and_their_items_are_paged_without_gaps_or_repeats(
    api: Api, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        runs = RunRepository(session)
        ids = [runs.start(api.tenant, "sweep", now=clock.now()).id for _ in range(5)]
        runs.add_items(
            ids[0], [ItemRecord("hr.employee.push", f"e{n}", "create", "ok") for n in range(7)]
        )
    pages: list[list[int]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.http.get("/api/v1/runs", params=params)).json()
        pages.append([run["id"] for run in page["data"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        with sessions.begin() as session:  # a run that starts while a client pages
            RunRepository(session).start(api.tenant, "push", now=clock.now())
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1]]
    detail = (await api.http.get(f"/api/v1/runs/{ids[0]}")).json()
    assert (detail["kind"], detail["progress"]) == ("sweep", {"done": 0, "total": 0})

    items: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.http.get(f"/api/v1/runs/{ids[0]}/items", params=params)).json()
        items += [item["external_id"] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert items == [f"e{n}" for n in range(7)]
    pushes = (await api.http.get("/api/v1/runs", params={"kind": "push"})).json()["data"]
    assert [run["kind"] for run in pushes] == ["push", "push"]

    # garbage, a JSON object we never made, a position beyond any id
    for bad in ("not-a-cursor!", "eyJ4IjoxfQ", "OTk5OTk5OTk5OTk5OTk5OTk5OTk"):
        answer = await api.http.get("/api/v1/runs", params={"cursor": bad})
        assert answer.status_code == 422, bad
    assert (await api.http.get("/api/v1/runs/99999999999999999999")).status_code == 422
    assert (await api.http.get("/api/v1/runs", params={"limit": 0})).status_code == 422
    assert (await api.http.get("/api/v1/runs", params={"limit": 1001})).status_code == 422


async def bridge_now(api: Api) -> str:
    """The time the bridge's clock shows, as the API writes it (from the run just kept)."""
    runs = (await api.http.get("/api/v1/runs")).json()["data"]
    return str(runs[0]["finished_at"])


async def test_sync_waits_for_the_run_or_answers_with_the_plan(
    bridge: Bridge,
    make_api: MakeApi,
    put: Put,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
) -> None:
    await bridge.connect()
    api = await make_api(tenant=bridge.tenant, hooks=EngineHooks(service=bridge.service))
    put("employee", "e1", {"email": "a@x.se", "given_name": "Anna", "family_name": "Ek"})
    put("employee", "e2", {"email": "b@x.se", "given_name": "Bo", "family_name": "Ek"})

    planned = await api.http.post("/api/v1/sync", json={"dry_run": True})
    assert planned.status_code == 200
    body = planned.json()
    assert (body["run_id"], body["status"], body["dry_run"]) == (None, "succeeded", True)
    assert body["counts"] == {"created": 2, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 0}
    assert sorted((i["flow"], i["external_id"], i["action"]) for i in body["plan"]) == [
        ("hr.employee.push", "e1", "create"),
        ("hr.employee.push", "e2", "create"),
    ]
    assert all(item["reason"] for item in body["plan"])
    assert [e async for e in engine_client.employees.iterate()] == []  # nothing written

    unknown = await api.http.post("/api/v1/sync", json={"flows": ["hr.nope.push"], "wait": True})
    assert unknown.status_code == 422
    assert "hr.nope.push" in unknown.text
    assert "hr.employee.push" in unknown.text  # the valid names are listed

    done = await api.http.post("/api/v1/sync", json={"wait": True, "flows": ["hr.employee.push"]})
    assert done.status_code == 200
    result = done.json()
    assert (result["status"], result["plan"], result["error"]) == ("succeeded", None, None)
    assert result["counts"]["created"] == 2
    with sessions.begin() as session:
        run = session.get(Run, result["run_id"])
        assert run is not None
        assert (run.tenant_id, run.status, run.counts["created"]) == (bridge.tenant, "succeeded", 2)
    assert len([e async for e in engine_client.employees.iterate()]) == 2
    synced = {
        f["name"]: f["last_synced_at"] for f in (await api.http.get("/api/v1/flows")).json()["data"]
    }
    # The dry run moved nothing; the real run of the one flow moved its last sync alone.
    assert synced["hr.employee.push"] is not None
    assert (await bridge_now(api)) == synced["hr.employee.push"]
    assert synced["hr.absence.push"] is None
    changed = await api.http.patch("/api/v1/flows/hr.employee.push", json={"enabled": True})
    assert changed.json()["last_synced_at"] == synced["hr.employee.push"]  # a change keeps it
    again = (await api.http.post("/api/v1/sync", json={"wait": True})).json()
    assert (again["run_id"], again["counts"]["unchanged"], again["counts"]["created"]) == (
        None,
        2,
        0,
    )  # an idle sweep: nothing to look at, no run kept
    # An idle sweep of some flows counts those flows alone.
    narrowed = await api.http.post(
        "/api/v1/sync", json={"wait": True, "flows": ["hr.absence.push"]}
    )
    assert narrowed.json()["counts"] == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "unchanged": 0,
        "failed": 0,
    }
    employees = await api.http.post(
        "/api/v1/sync", json={"wait": True, "flows": ["hr.employee.push"]}
    )
    assert employees.json()["counts"]["unchanged"] == 2
    refused = await api.http.post("/api/v1/sync", json={"wait": True}, headers=api.as_reader())
    assert refused.status_code == 403


class Queue:
    """A dispatcher that keeps what was queued."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    async def submit(self, job: Job) -> None:
        self.jobs.append(job)


async def test_a_queued_sweep_runs_only_the_flows_asked_for(
    make_api: MakeApi, bridge: Bridge
) -> None:
    queue = Queue()
    api = await make_api(tenant=bridge.tenant, hooks=EngineHooks(dispatcher=queue))
    some = await api.http.post("/api/v1/sync", json={"flows": ["hr.absence.push"] * 2})
    assert some.status_code == 202
    assert some.json()["job"]["flows"] == ["hr.absence.push"]
    every = await api.http.post("/api/v1/sync")
    assert (every.status_code, every.json()["job"]["flows"]) == (202, [])
    assert [(job.kind, job.only) for job in queue.jobs] == [
        ("sweep", ("hr.absence.push",)),
        ("sweep", None),
    ]
    unknown = await api.http.post("/api/v1/sync", json={"flows": ["hr.nope.push"]})
    assert unknown.status_code == 422


async def test_the_preflight_check_answers_with_the_checklist(
    bridge: Bridge, make_api: MakeApi
) -> None:
    api = await make_api(tenant=bridge.tenant, hooks=EngineHooks(service=bridge.service))
    unconnected = (await api.http.post("/api/v1/connection/check")).json()
    assert unconnected["ok"] is False
    (line,) = unconnected["checks"]
    assert (line["name"], line["ok"], line["status"]) == ("connection", False, "fail")
    assert "connect" in line["fix"]
    await bridge.connect()
    checked = (await api.http.post("/api/v1/connection/check")).json()
    assert checked["ok"] is True
    names = [check["name"] for check in checked["checks"]]
    assert names[0] == "connection"
    assert {"financial years", "locked period"} <= set(names)
    assert all(
        set(check) == {"name", "ok", "status", "message", "fix"} for check in checked["checks"]
    )
    connection = (await api.http.get("/api/v1/connection")).json()
    assert connection["facts_checked_at"] == checked["checked_at"].replace("Z", "+00:00")


@pytest.fixture
async def timed(bridge: Bridge, put: Put, make_api: MakeApi) -> Api:
    """Two employees and three January time entries in Fortnox; an API with the engine."""
    await bridge.connect()
    for number in (1, 2):
        put(
            "employee",
            f"e{number}",
            {"email": f"p{number}@x.se", "given_name": "P", "family_name": f"N{number}"},
        )
    for external_id, day in (("t1", "2026-01-05"), ("t2", "2026-01-20"), ("t3", "2026-02-02")):
        put("time_entry", external_id, {"employee": "e1", "date": day, "hours": 8})
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 5
    return await make_api(tenant=bridge.tenant, hooks=EngineHooks(service=bridge.service))


async def test_a_resync_job_is_started_followed_and_finished(
    timed: Api,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = {"flow": TIME_FLOW, "from": "2026-01-10", "to": "2026-01-12"}
    plan = await timed.http.post("/api/v1/resync", json={**request, "dry_run": True})
    assert plan.status_code == 200
    assert plan.json()["interval"] == {"from": "2026-01-01", "to": "2026-01-31"}
    # Time is sent per salary day (employee/date), one transaction per code line of the day.
    assert sorted(plan.json()["plan"]["to_delete"]) == [
        "e1/2026-01-05@TID||",
        "e1/2026-01-20@TID||",
    ]
    assert plan.json()["run_id"] is None
    with sessions.begin() as session:
        assert (
            session.scalar(select(func.count()).select_from(Run).where(Run.kind == "resync")) == 0
        )

    gate, resync = asyncio.Event(), bridge.service.resync

    async def held_back(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()  # the job is slow: it has not started writing yet
        return await resync(*args, **kwargs)

    monkeypatch.setattr(bridge.service, "resync", held_back)
    started = await timed.http.post("/api/v1/resync", json=request)
    before = (await control.stats(bridge.company))["requests_total"]  # the job waits at the gate
    assert started.status_code == 202
    job = started.json()
    assert (job["status"], job["flow"]) == ("running", TIME_FLOW)
    assert (job["requested"], job["interval"]) == (
        {"from": "2026-01-10", "to": "2026-01-12"},
        {"from": "2026-01-01", "to": "2026-01-31"},
    )
    assert job["progress"] == {"done": 0, "total": 4}
    busy = await timed.http.post("/api/v1/resync", json=request)
    assert (busy.status_code, busy.json()["error"]) == (409, "resync_running")
    waiting = (await timed.http.get(f"/api/v1/runs/{job['run_id']}")).json()
    assert (waiting["status"], waiting["progress"]) == ("running", {"done": 0, "total": 4})

    gate.set()
    await timed.app.state.jobs.join()
    run = (await timed.http.get(f"/api/v1/runs/{job['run_id']}")).json()
    assert (run["kind"], run["status"], run["progress"]) == (
        "resync",
        "succeeded",
        {"done": 4, "total": 4},
    )
    assert (run["counts"]["deleted"], run["counts"]["written"]) == (2, 2)
    # Every request the job sent is counted, its reads included, as the sandbox saw them.
    sent = (await control.stats(bridge.company))["requests_total"] - before
    assert run["requests"] == sent
    assert sent >= 4  # two deletes, two creates
    items = (await timed.http.get(f"/api/v1/runs/{job['run_id']}/items")).json()["data"]
    assert sorted((i["action"], i["external_id"]) for i in items) == [
        ("check", "e1/2026-01-05"),  # the day written again
        ("check", "e1/2026-01-20"),
        ("delete", "e1/2026-01-05@TID||"),  # its transaction deleted first
        ("delete", "e1/2026-01-20@TID||"),
    ]
    days = sorted([str(r.date) async for r in engine_client.attendance_transactions.iterate()])
    assert days == ["2026-01-05", "2026-01-20", "2026-02-02"]


async def test_a_resync_that_cannot_start_is_refused_with_the_reason(
    timed: Api, bridge: Bridge
) -> None:
    not_dated = await timed.http.post(
        "/api/v1/resync",
        json={"flow": "hr.employee.push", "from": "2026-01-01", "to": "2026-01-31"},
    )
    assert not_dated.status_code == 422
    assert TIME_FLOW in not_dated.text
    backwards = await timed.http.post(
        "/api/v1/resync", json={"flow": TIME_FLOW, "from": "2026-02-01", "to": "2026-01-01"}
    )
    assert backwards.status_code == 422
    decades = await timed.http.post(
        "/api/v1/resync", json={"flow": TIME_FLOW, "from": "1999-01-01", "to": "2026-01-31"}
    )
    assert decades.status_code == 422
    (error,) = decades.json()["errors"]
    assert error["path"] == "$"
    assert error["message"].startswith("the interval is 9893 days long; a re-sync covers at most")
    assert "deletes and writes again everything the bridge wrote" in error["message"]
    leap_year = await timed.http.post(  # 366 days, both included: the longest allowed
        "/api/v1/resync",
        json={"flow": TIME_FLOW, "from": "2024-01-01", "to": "2024-12-31", "dry_run": True},
    )
    assert leap_year.status_code == 200, leap_year.text
    february = await bridge.service.resync_plan(
        bridge.tenant, TIME_FLOW, date(2026, 2, 1), date(2026, 2, 10)
    )
    run_id = bridge.service.resyncs.start(bridge.tenant, february)  # left unfinished
    other = await timed.http.post(
        "/api/v1/resync", json={"flow": TIME_FLOW, "from": "2026-01-01", "to": "2026-01-31"}
    )
    assert (other.status_code, other.json()["error"]) == (409, "resync_unfinished")
    assert f"run {run_id}" in other.json()["detail"]
    await bridge.connections.transition(bridge.tenant, "paused", "test")
    paused = await timed.http.post(
        "/api/v1/resync", json={"flow": TIME_FLOW, "from": "2026-02-01", "to": "2026-02-10"}
    )
    assert (paused.status_code, paused.json()["error"]) == (409, "connection_not_active")


async def test_each_key_has_its_own_request_budget(
    make_api: MakeApi, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    api = await make_api(settings=Settings(api_rate_limit="3/60"))
    for _ in range(3):
        assert (await api.http.get("/api/v1/tenant")).status_code == 200
    limited = await api.http.get("/api/v1/tenant")
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert "3 requests in 60 seconds" in limited.json()["detail"]
    assert 60 <= int(limited.headers["retry-after"]) <= 61
    assert (await api.http.get("/api/v1/tenant", headers=api.as_reader())).status_code == 200
    clock.advance(30)
    retry = await api.http.get("/api/v1/tenant")
    assert retry.status_code == 429
    assert 30 <= int(retry.headers["retry-after"]) <= 31
    clock.advance(31)
    assert (await api.http.get("/api/v1/tenant")).status_code == 200


async def test_bodies_over_the_limit_are_refused_whether_declared_or_streamed(
    make_api: MakeApi, sessions: sessionmaker[Session]
) -> None:
    api = await make_api(settings=Settings(api_max_body_bytes=1000))
    big = {"label": "x" * 2000}
    declared = await api.http.post("/api/v1/api-keys", json=big)
    assert declared.status_code == 413
    assert declared.json()["error"] == "payload_too_large"
    assert "1000 bytes" in declared.json()["detail"]

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"label": "'
        for _ in range(30):
            yield b"y" * 100
        yield b'"}'

    streamed = await api.http.post(
        "/api/v1/api-keys", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in streamed.request.headers
    assert (streamed.status_code, streamed.json()["error"]) == (413, "payload_too_large")
    small = await api.http.post("/api/v1/api-keys", json={"label": "fits"})
    assert small.status_code == 201
    with sessions.begin() as session:
        labels = set(session.scalars(select(ApiKey.label).where(ApiKey.tenant_id == api.tenant)))
        assert labels == {"w", "r", "fits"}


async def test_cors_is_off_unless_origins_are_configured(make_api: MakeApi) -> None:
    origin = "https://admin.example.se"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    closed = await make_api()
    plain = await closed.http.get("/api/v1/tenant", headers={"Origin": origin})
    assert plain.status_code == 200
    assert "access-control-allow-origin" not in plain.headers
    assert (
        "access-control-allow-origin"
        not in (await closed.http.options("/api/v1/tenant", headers=preflight)).headers
    )

    opened = await make_api(settings=Settings(api_cors_origins=[origin], api_max_body_bytes=1000))
    allowed = await opened.http.get("/api/v1/tenant", headers={"Origin": origin})
    assert allowed.headers["access-control-allow-origin"] == origin
    asked = await opened.http.options("/api/v1/tenant", headers=preflight)
    assert (asked.status_code, asked.headers["access-control-allow-origin"]) == (200, origin)
    too_big = await opened.http.post(
        "/api/v1/api-keys", json={"label": "x" * 2000}, headers={"Origin": origin}
    )
    assert too_big.status_code == 413
    assert too_big.headers["access-control-allow-origin"] == origin  # the browser can read it
    stranger = await opened.http.get("/api/v1/tenant", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in stranger.headers


async def test_a_service_account_is_connected_with_client_credentials_and_renews_itself(
    bridge: Bridge,
    make_api: MakeApi,
    put: Put,
    control: SandboxControl,
    clock: ManualClock,
    make_client: ClientFactory,
) -> None:
    api = await make_api(tenant=bridge.tenant, hooks=EngineHooks(service=bridge.service))
    app = {"client_id": bridge.issued["client_id"], "client_secret": bridge.issued["client_secret"]}
    path = "/api/v1/connection/service-account"
    half = await api.http.post(path, json={"fortnox_tenant_id": bridge.company, "client_id": "x"})
    assert half.status_code == 422
    no_app = await api.http.post(path, json={"fortnox_tenant_id": bridge.company})
    assert (no_app.status_code, no_app.json()["error"]) == (409, "connection_refused")
    assert "give its client id and secret" in no_app.json()["detail"]
    stranger = (await control.create_company("Främmande AB"))["tenant_id"]
    refused = await api.http.post(path, json={"fortnox_tenant_id": stranger, **app})
    assert (refused.status_code, refused.json()["error"]) == (409, "service_account_refused")
    assert "approves the app as a service account" in refused.json()["detail"]
    assert (await api.http.get("/api/v1/connection")).json()["state"] == "not_connected"

    connected = await api.http.post(path, json={"fortnox_tenant_id": bridge.company, **app})
    assert connected.status_code == 200, connected.text
    body = connected.json()
    assert (body["state"], body["fortnox_tenant_id"]) == ("active", bridge.company)
    assert "salary" in body["scopes"]
    put("employee", "e1", {"email": "a@x.se", "given_name": "Anna", "family_name": "Ek"})
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 1
    # No refresh token: when the hour is up the client asks again with the TenantId.
    clock.advance(2 * 3600)
    put("employee", "e2", {"email": "b@x.se", "given_name": "Bo", "family_name": "Ek"})
    later = await bridge.service.sweep(bridge.tenant)
    assert (later.total("created"), later.error) == (1, None)
    reader = await make_client(bridge.company)
    assert len([e async for e in reader.employees.iterate()]) == 2
