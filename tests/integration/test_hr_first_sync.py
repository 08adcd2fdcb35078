"""The first synchronization of employees against the in-process sandbox, through the API
and the engine, on SQLite and PostgreSQL: the plan, decisions, apply, the e-mail, the hold on the
regular flows while a plan is open, crash and resume, and tenant isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.sources import FixedClient
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox import create_app as sandbox_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.first_sync import FirstSync
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.first_sync import FirstSyncRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Event
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import ENGINE_SCOPES, RECIPIENTS, SANDBOX_URL, Bridge, Put

PUSH = EmployeePush()


def host(number: int, **changes: Any) -> dict[str, Any]:
    """Host employee ``number`` (employment id ``number``), every supported field filled in."""
    payload = {
        "email": f"person{number}@example.se",
        "employment_id": str(number),
        "given_name": f"Förnamn{number}",
        "family_name": "Svensson",
        "phone": f"070-100 {number:02d} 00",
        "address_line1": f"Storgatan {number}",
        "postal_code": "753 20",
        "city": "Uppsala",
        "country": "Sverige",
        "employment_start": "2022-01-10",
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


def fortnox(number: int, **changes: Any) -> dict[str, Any]:
    """The same employee as Fortnox fields (``EmployeeId`` = ``number``)."""
    fields = PUSH.map(host(number))
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


@dataclass
class Api:
    """The host API with the engine behind it, and a key of the bridge's tenant."""

    http: httpx.AsyncClient
    app: Any
    key: str

    async def plan(self) -> dict[str, Any]:
        response = await self.http.get("/api/v1/hr/first-sync")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


@pytest.fixture
async def api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[Api]:
    await bridge.connect()
    app = api_app(sessions, clock=clock, hooks=EngineHooks(service=bridge.service))
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield Api(http, app, key)


async def seed_fortnox(client: FortnoxClient, records: dict[int, dict[str, Any]]) -> None:
    for number, fields in sorted(records.items()):
        await client.employees.create({**fields, "employee_id": str(number)})


def by_label(plan: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    key = "fortnox_id" if kind == "fortnox_only" else "external_id"
    return {item[key]: item for item in plan["items"] if item["kind"] == kind}


async def fortnox_state(client: FortnoxClient) -> dict[str, tuple[Any, ...]]:
    return {
        str(e.employee_id): (e.email, e.first_name, e.last_name, e.phone1)
        async for e in client.employees.iterate()
    }


def host_state(sessions: sessionmaker[Session], tenant: int) -> dict[str, dict[str, Any]]:
    with sessions.begin() as session:
        return {
            r.external_id: dict(r.payload)
            for r in MirrorRepository(session).live(tenant, "employee")
        }


def links(sessions: sessionmaker[Session], tenant: int) -> dict[str, tuple[str, str, str]]:
    with sessions.begin() as session:
        found = LinkRepository(session).by_external_id(tenant, "employee")
        return {ext: (link.fortnox_id, link.origin, link.state) for ext, link in found.items()}


def events(sessions: sessionmaker[Session], tenant: int) -> list[tuple[str, str, dict[str, Any]]]:
    with sessions.begin() as session:
        rows = session.scalars(select(Event).where(Event.tenant_id == tenant).order_by(Event.seq))
        return [(e.type, str(e.external_id), dict(e.data["changed"])) for e in rows]


def enable_pull(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, **settings: Any
) -> None:
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            tenant, "hr.employee.pull", enabled=True, settings=settings, now=clock.now()
        )


async def test_first_sync_of_30_fortnox_and_35_host_employees(
    api: Api,
    bridge: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
) -> None:
    """The scenario of issue 8.

    Fortnox (30): employees 1–26 and 27 are the host's employees 1–27 (the same e-mail, phone,
    address, start date and EmployeeId), except five values: 2's phone, 5's family name, 9's
    e-mail (upper case in the host), 12's city and 20's start date. 28 and 29 exist only in
    Fortnox, and 30 too — but 30 has the e-mail of 27 (shared@example.se): the duplicate e-mail.
    So 27 is matched by its employment id, not by the shared e-mail.

    Host (35): 27 matched (26 by e-mail + 27 by employment id) + 8 host-only (h28–h35; h28–h31
    with employment ids 101–104, h32–h35 without). 30 Fortnox = 27 matched + 3 Fortnox-only.

    Decisions: per pair (2: phone from Fortnox, 5: host wins, 9: Fortnox wins, 12: city from the
    host, 20: Fortnox wins); h35 is not created, the other host-only and Fortnox-only employees
    are (bulk). Apply is refused while the duplicate is open; it is marked skip, which leaves 27
    and 30 out. Result: 26 linked, 7 created in Fortnox, 2 created in the host.
    """
    records = {n: fortnox(n) for n in range(1, 28)}
    records[27] = fortnox(27, email="shared@example.se")
    records[28] = {"first_name": "Fredrik", "last_name": "Fortnoxson", "email": "f28@example.se"}
    records[29] = {"first_name": "Frida", "last_name": "Fortnoxdotter", "email": "f29@example.se"}
    records[30] = {"first_name": "Sam", "last_name": "Samesson", "email": "Shared@Example.se"}
    await seed_fortnox(engine_client, records)
    conflicts = {
        2: {"phone": "070-999 99 02"},
        5: {"family_name": "Bergman"},
        9: {"email": "PERSON9@EXAMPLE.SE"},
        12: {"city": "Stockholm"},
        20: {"employment_start": "2023-03-01"},
        27: {"email": "shared@example.se"},
    }
    for number in range(1, 28):
        put("employee", f"h{number:02d}", host(number, **conflicts.get(number, {})))
    for number in range(28, 36):
        extra = {"employment_id": str(73 + number) if number <= 31 else None}
        put("employee", f"h{number:02d}", host(number, email=f"new{number}@example.se", **extra))

    made = await api.http.post("/api/v1/hr/first-sync")
    assert made.status_code == 201, made.text
    plan = made.json()
    counts = plan["counts"]
    expected = {
        "host": 35,
        "fortnox": 30,
        "pairs": 27,
        "pairs_by_email": 26,
        "pairs_by_employment_id": 1,
        "pairs_with_differences": 5,
        "differences": 5,
        "host_only": 8,
        "fortnox_only": 3,
        "duplicates": 1,
        "undecided": 5 + 8 + 3 + 1,
    }
    assert {name: counts[name] for name in expected} == expected
    pairs = by_label(plan, "pair")
    assert {ext: item["differences"] for ext, item in pairs.items() if item["differences"]} == {
        "h02": {"phone": {"host": "070-999 99 02", "fortnox": "070-100 02 00"}},
        "h05": {"family_name": {"host": "Bergman", "fortnox": "Svensson"}},
        "h09": {"email": {"host": "PERSON9@EXAMPLE.SE", "fortnox": "person9@example.se"}},
        "h12": {"city": {"host": "Stockholm", "fortnox": "Uppsala"}},
        "h20": {"employment_start": {"host": "2023-03-01", "fortnox": "2022-01-10"}},
    }
    assert {ext: item["fortnox_id"] for ext, item in pairs.items()} == {
        f"h{n:02d}": str(n) for n in range(1, 28)
    }
    assert pairs["h27"]["matched_by"] == "employment_id"
    assert sorted(by_label(plan, "host_only")) == [f"h{n}" for n in range(28, 36)]
    assert sorted(by_label(plan, "fortnox_only")) == ["28", "29", "30"]
    (duplicate,) = [item for item in plan["items"] if item["kind"] == "duplicate"]
    assert duplicate["details"]["side"] == "fortnox"
    assert duplicate["details"]["field"] == "email"
    assert [m["id"] for m in duplicate["details"]["members"]] == ["27", "30"]
    assert (await api.http.post("/api/v1/hr/first-sync")).status_code == 409

    decisions = {
        "h02": {"fields": {"phone": "fortnox"}},
        "h05": {"winner": "host"},
        "h09": {"winner": "fortnox"},
        "h12": {"fields": {"city": "host"}},
        "h20": {"winner": "fortnox"},
    }
    for ext, decision in decisions.items():
        answer = await api.http.patch(
            f"/api/v1/hr/first-sync/items/{pairs[ext]['id']}", json=decision
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["needs_decision"] is False
    h35 = by_label(plan, "host_only")["h35"]["id"]
    assert (
        await api.http.patch(f"/api/v1/hr/first-sync/items/{h35}", json={"create": False})
    ).status_code == 200
    bulk = await api.http.post(
        "/api/v1/hr/first-sync/decide", json={"host_only": "create", "fortnox_only": "create"}
    )
    assert bulk.json()["counts"]["undecided"] == 1  # the duplicate

    refused = await api.http.post("/api/v1/hr/first-sync/apply")
    assert refused.status_code == 409
    assert refused.json()["error"] == "not_ready"
    assert "duplicate" in refused.json()["detail"]
    assert refused.json()["items"] == [
        {"id": duplicate["id"], "kind": "duplicate", "label": duplicate["label"]}
    ]
    assert len(await fortnox_state(engine_client)) == 30  # nothing was written

    skip = await api.http.patch(
        f"/api/v1/hr/first-sync/items/{duplicate['id']}", json={"skip": True}
    )
    assert skip.status_code == 200
    applied = await api.http.post("/api/v1/hr/first-sync/apply")
    assert applied.status_code == 200, applied.text
    done = applied.json()
    assert done["status"] == "applied"
    result = {k: v for k, v in done["result"].items() if k != "requests"}
    assert result == {
        "complete": True,
        "linked": 26,
        "updated_in_fortnox": 2,  # h05 (family name), h12 (city)
        "updated_in_host": 3,  # h02 (phone), h09 (e-mail), h20 (start date)
        "created_in_fortnox": 7,
        "created_in_host": 2,
        "employment_ids_assigned": 3,  # h32–h34 had none
        "skipped": 3,  # h27 and Fortnox 30 (the duplicate marked skip), h35 (by decision)
        "failed": 0,
        "employee_pull": "turned_on",  # linked: Fortnox-side changes come back from now on
    }

    # Fortnox: the 30 employees (5 and 12 updated) and 7 new ones.
    after = await fortnox_state(engine_client)
    assert len(after) == 37
    assert after["2"][3] == "070-100 02 00"
    assert after["5"][2] == "Bergman"
    assert (await engine_client.employees.get("12")).city == "Stockholm"
    assert (await engine_client.employees.get("20")).employment_date.isoformat() == "2022-01-10"
    for number, employment_id in zip(range(28, 32), range(101, 105), strict=True):
        assert after[str(employment_id)][0] == f"new{number}@example.se"
    linked = links(sessions, bridge.tenant)
    assigned = {ext: linked[ext][0] for ext in ("h32", "h33", "h34")}
    assert len(set(assigned.values())) == 3
    assert not set(assigned.values()) & {str(n) for n in [*range(1, 31), *range(101, 105)]}
    for ext, fortnox_id in assigned.items():
        assert after[fortnox_id][0] == f"new{ext[1:]}@example.se"
    assert "h27" not in linked
    assert "h35" not in linked

    # The host: 35 + Fortnox's 28 and 29.
    state = host_state(sessions, bridge.tenant)
    assert len(state) == 37
    assert state["h02"]["phone"] == "070-100 02 00"
    assert state["h05"]["family_name"] == "Bergman"
    assert state["h09"]["email"] == "person9@example.se"
    assert state["h12"]["city"] == "Stockholm"
    assert state["h20"]["employment_start"] == "2022-01-10"
    assert {ext: state[ext]["employment_id"] for ext in assigned} == assigned
    assert state["fortnox-28"] == {
        "email": "f28@example.se",
        "employment_id": "28",
        "given_name": "Fredrik",
        "family_name": "Fortnoxson",
    }
    assert state["fortnox-29"]["employment_id"] == "29"
    assert "fortnox-30" not in state
    unchanged = [n for n in range(1, 28) if n not in (2, 9, 20)]
    assert all(state[f"h{n:02d}"] == host(n, **conflicts.get(n, {})) for n in unchanged)

    # Links: 26 matched, 7 created, 2 imported, all in sync.
    origins = sorted(origin for _, origin, _ in linked.values())
    assert origins == ["created"] * 7 + ["imported"] * 2 + ["matched"] * 26
    assert {state_ for _, _, state_ in linked.values()} == {"linked"}

    # The feed tells the host what changed on its side.
    feed = events(sessions, bridge.tenant)
    assert sorted((kind, ext) for kind, ext, _ in feed) == sorted(
        [("record.changed", ext) for ext in ("h02", "h09", "h20", "h32", "h33", "h34")]
        + [("record.created", "fortnox-28"), ("record.created", "fortnox-29")]
    )
    assert {ext: changed for kind, ext, changed in feed if ext == "h32"} == {
        "h32": {"employment_id": assigned["h32"]}
    }

    # One e-mail with the counts.
    (recipients, message) = bridge.inbox.messages[-1]
    assert recipients == RECIPIENTS
    assert "26 linked, 7 created in Fortnox, 2 created in the host" in str(message["Subject"])
    text = bridge.inbox.text(message)
    assert "Found: 35 employees in the host, 30 in Fortnox." in text
    assert "Created in the host: 2" in text
    assert "Left out: 3" in text
    assert "Förnamn35 Svensson <new35@example.se>: left out by decision" in text
    assert "<person2@example.se> (host h02, Fortnox 2); written to the host: phone" in text
    assert "070-100 02 00" not in text  # field names only: values stay out of mailboxes

    # Afterwards: two-way as usual; what was left out stays out; nothing left to write.
    enable_pull(sessions, clock, bridge.tenant, import_unmatched=True)
    before = await control.stats(bridge.company)
    sweep = await bridge.service.sweep(bridge.tenant)
    assert sweep.error is None
    assert sweep.total("created") == sweep.total("updated") == sweep.total("imported") == 0
    assert (await control.stats(bridge.company))["write_requests"] == before["write_requests"]
    assert len(await fortnox_state(engine_client)) == 37
    assert len(host_state(sessions, bridge.tenant)) == 37
    skipped = {i.external_id: i.reason for f in sweep.flows for i in f.items if i.action == "skip"}
    assert set(skipped) == {"h27", "h35", "fortnox:27", "fortnox:30"}
    assert all("left out by the first synchronization" in reason for reason in skipped.values())

    # Apply again: nothing changes, nothing is sent, no second e-mail.
    mails, requests = len(bridge.inbox.messages), (await control.stats(bridge.company))
    again = await api.http.post("/api/v1/hr/first-sync/apply")
    assert (again.status_code, again.json()["status"]) == (200, "applied")
    assert again.json()["result"] == done["result"]
    assert (await control.stats(bridge.company))["requests_total"] == requests["requests_total"]
    assert len(bridge.inbox.messages) == mails


async def test_decisions_per_field_and_what_cannot_be_decided(
    api: Api,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    bridge: Bridge,
    put: Put,
) -> None:
    await seed_fortnox(
        engine_client,
        {
            1: fortnox(1, phone1="08-111 11 11", city="Lund", last_name="Fortnoxsson"),
            2: {"first_name": "Utan", "last_name": "Epost"},
            3: fortnox(3, email=None),
        },
    )
    put("employee", "h1", host(1, employment_id=None))
    put("employee", "h3", host(3))
    plan = (await api.http.post("/api/v1/hr/first-sync")).json()
    pairs = by_label(plan, "pair")
    one, three = pairs["h1"], pairs["h3"]
    assert sorted(one["differences"]) == ["city", "family_name", "phone"]
    assert one["details"]["employment_id"] == {"host": None, "fortnox": "1"}
    assert (three["matched_by"], three["differences"]) == (
        "employment_id",
        {"email": {"host": "person3@example.se", "fortnox": None}},
    )
    assert "no e-mail in Fortnox" in three["notes"]
    nameless = by_label(plan, "fortnox_only")["2"]
    assert "email" in nameless["details"]["cannot_create"]
    assert plan["counts"]["fortnox_without_email"] == 2
    assert plan["counts"]["cannot_create"] == 1

    item = f"/api/v1/hr/first-sync/items/{one['id']}"
    await api.http.patch(item, json={"fields": {"phone": "fortnox"}})
    partly = await api.http.patch(item, json={"fields": {"city": "host"}})
    assert (partly.status_code, partly.json()["needs_decision"]) == (200, True)
    assert partly.json()["decision"] == {"fields": {"phone": "fortnox", "city": "host"}}
    for wrong in (
        {"create": True},
        {"fields": {"country": "host"}},
        {"winner": "both"},
        {},
        {"winner": "host", "skip": True},
    ):
        answer = await api.http.patch(item, json=wrong)
        assert answer.status_code == 422, wrong
    unknown = await api.http.patch(item, json={"fields": {"country": "host"}})
    (issue,) = unknown.json()["errors"]
    assert (issue["path"], issue["type"]) == ("$.fields.country", "invalid_decision")
    assert (
        "has no difference in country; its differing fields: city, family_name, phone"
        in (issue["message"])
    )
    required = await api.http.patch(
        f"/api/v1/hr/first-sync/items/{three['id']}", json={"fields": {"email": "fortnox"}}
    )
    assert required.status_code == 422
    assert "the host requires one" in required.json()["errors"][0]["message"]
    refused = await api.http.patch(
        f"/api/v1/hr/first-sync/items/{nameless['id']}", json={"create": True}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["path"] == "$.create"
    assert "cannot be created" in refused.json()["errors"][0]["message"]

    waiting = await api.http.post("/api/v1/hr/first-sync/apply")
    assert (waiting.status_code, waiting.json()["error"]) == (409, "not_ready")
    assert {i["id"] for i in waiting.json()["items"]} == {one["id"], three["id"], nameless["id"]}

    bulk = await api.http.post(
        "/api/v1/hr/first-sync/decide", json={"pairs": "fortnox", "fortnox_only": "create"}
    )
    decided = {i["id"]: i["decision"] for i in bulk.json()["items"]}
    # what was chosen per field stays; the rest of the pair follows the bulk decision
    assert decided[one["id"]] == {
        "fields": {"phone": "fortnox", "city": "host", "family_name": "fortnox"}
    }
    assert decided[three["id"]] == {"winner": "fortnox"}
    assert decided[nameless["id"]] == {"create": False}  # it cannot be created
    with sessions.begin() as session:  # off by default, and nobody turned it on
        assert "hr.employee.pull" not in FlowConfigRepository(session).for_tenant(bridge.tenant)
    applied = await api.http.post("/api/v1/hr/first-sync/apply")
    assert applied.json()["status"] == "applied", applied.text
    # Linked now: the pull is switched on, so Fortnox-side changes come back on every sweep.
    assert applied.json()["result"]["employee_pull"] == "turned_on"
    with sessions.begin() as session:
        pull = FlowConfigRepository(session).for_tenant(bridge.tenant)["hr.employee.pull"]
        assert (pull.enabled, pull.settings) == (True, {})

    first = await engine_client.employees.get("1")
    assert (first.phone1, first.city, first.last_name) == ("08-111 11 11", "Uppsala", "Fortnoxsson")
    state = host_state(sessions, bridge.tenant)
    assert state["h1"] == host(1, phone="08-111 11 11", family_name="Fortnoxsson")
    assert state["h1"]["employment_id"] == "1"  # Fortnox's EmployeeId reached the host
    # Fortnox won h3, but has no e-mail: the host keeps its own and Fortnox gets it.
    assert (await engine_client.employees.get("3")).email == "person3@example.se"
    assert state["h3"]["email"] == "person3@example.se"
    assert "fortnox-2" not in state
    assert by_label(applied.json(), "pair")["h1"]["outcome"] == {
        "to_fortnox": {"city": "Uppsala"},
        "to_host": {"phone": "08-111 11 11", "family_name": "Fortnoxsson", "employment_id": "1"},
    }
    closed = await api.http.patch(item, json={"winner": "host"})
    assert (closed.status_code, closed.json()["error"]) == (409, "plan_closed")


async def test_an_open_plan_holds_unlinked_employees_back_from_the_flows(
    api: Api,
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
) -> None:
    put("employee", "h1", host(1, employment_id=None))
    first = await bridge.service.sweep(bridge.tenant)
    assert first.total("created") == 1  # before any plan: the usual push
    await seed_fortnox(engine_client, {7: fortnox(7)})
    put("employee", "h2", host(2, employment_id=None))
    put("employee", "h7", host(7))
    assert (await api.http.post("/api/v1/hr/first-sync")).status_code == 201
    enable_pull(sessions, clock, bridge.tenant, import_unmatched=True)
    put("employee", "h1", host(1, employment_id="1", phone="070-555 55 55"))

    synced = await api.http.post("/api/v1/hr/employees/sync")
    assert synced.status_code == 200, synced.text
    body = synced.json()
    assert (body["queued"], body["status"], body["flows"]) == (
        False,
        "succeeded",
        ["hr.employee.pull", "hr.employee.push"],
    )
    assert (body["counts"]["updated"], body["counts"]["created"], body["counts"]["adopted"]) == (
        1,
        0,
        0,
    )
    assert (await engine_client.employees.get("1")).phone1 == "070-555 55 55"  # linked: flows
    assert len(await fortnox_state(engine_client)) == 2  # h2 not created, h7 not matched
    assert links(sessions, bridge.tenant).keys() == {"h1"}
    with sessions.begin() as session:
        runs = session.scalars(select(Event).where(Event.tenant_id == bridge.tenant)).all()
    # Nothing came from Fortnox for the host but the id Fortnox gave h1 when it was created.
    assert [(e.type, e.external_id, e.data["changed"]) for e in runs] == [
        ("record.changed", "h1", {"employment_id": "1"})
    ]

    discarded = await api.http.delete("/api/v1/hr/first-sync")
    assert discarded.json()["status"] == "discarded"
    assert (await api.http.get("/api/v1/hr/first-sync")).status_code == 404
    after = await bridge.service.sweep(bridge.tenant)
    assert after.total("created") == 1  # h2
    assert after.total("adopted") == 1  # h7 matched by e-mail, as without a plan
    assert links(sessions, bridge.tenant).keys() == {"h1", "h2", "h7"}


class Killed(BaseException):
    """The process died (a BaseException: nothing on the way catches it)."""


class KillAfterWrites:
    """The sandbox app, but the process "dies" right after the n-th write was served."""

    def __init__(self, app: Any, writes: int) -> None:
        self.app = app
        self.left = writes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["path"].startswith("/3/") and scope["method"] != "GET":
            self.left -= 1
            if self.left == 0:
                raise Killed()


async def _small_plan(first_sync: FirstSync, tenant: int, client: FortnoxClient, put: Put) -> None:
    """Pairs 1–2 (1: the host's phone wins, 2: Fortnox's city wins), Fortnox-only 5 and 6,
    host-only h5 (employment id 50), h6 and h7 (none). Every item is decided."""
    await seed_fortnox(
        client,
        {
            1: fortnox(1, phone1="08-000 00 01"),
            2: fortnox(2, city="Malmö"),
            5: {"first_name": "Fem", "last_name": "Fortnox", "email": "f5@example.se"},
            6: {"first_name": "Sex", "last_name": "Fortnox", "email": "f6@example.se"},
        },
    )
    put("employee", "h1", host(1))
    put("employee", "h2", host(2))
    put("employee", "h5", host(5, email="h5@example.se", employment_id="50"))
    put("employee", "h6", host(6, email="h6@example.se", employment_id=None))
    put("employee", "h7", host(7, email="h7@example.se", employment_id=None))
    view = await first_sync.make_plan(tenant, FixedClient(client))
    pairs = {item.external_id: item.id for item in view.items if item.kind == "pair"}
    first_sync.decide(tenant, pairs["h1"], {"winner": "host"})
    first_sync.decide(tenant, pairs["h2"], {"winner": "fortnox"})
    first_sync.decide_all(tenant, host_only=True, fortnox_only=True)


@pytest.mark.parametrize("writes", [1, 2, 3])
async def test_a_crash_in_the_middle_of_apply_then_apply_again_converges(
    bridge: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sandbox_state: SandboxState,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
    writes: int,
) -> None:
    """Killed right after the first write (the pair's update), the second (h5 created with
    EmployeeId 50) or the third (h6 created, Fortnox assigned its id) reached Fortnox."""
    await bridge.connect()
    first_sync = FirstSync(sessions, clock, notifier=bridge.notifier)
    await _small_plan(first_sync, bridge.tenant, engine_client, put)
    mails = len(bridge.inbox.messages)  # the connection's e-mail
    issued = await control.issue_tokens(bridge.company, ENGINE_SCOPES)
    dying = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=httpx.ASGITransport(app=KillAfterWrites(sandbox_app(sandbox_state), writes)),
    )
    with pytest.raises(Killed):
        await first_sync.apply(bridge.tenant, FixedClient(dying))
    await dying.aclose()
    assert first_sync.view(bridge.tenant).status == "applying"
    assert len(bridge.inbox.messages) == mails

    resumed = FirstSync(sessions, clock, notifier=bridge.notifier)  # a new process
    view = await resumed.apply(bridge.tenant, FixedClient(engine_client))
    assert view.status == "applied"
    assert {k: view.result[k] for k in ("linked", "created_in_fortnox", "created_in_host")} == {
        "linked": 2,
        "created_in_fortnox": 3,
        "created_in_host": 2,
    }
    after = await fortnox_state(engine_client)
    emails = sorted(str(fields[0]) for fields in after.values())
    assert emails == sorted(
        [
            "person1@example.se",
            "person2@example.se",
            "f5@example.se",
            "f6@example.se",
            "h5@example.se",
            "h6@example.se",
            "h7@example.se",
        ]
    )  # each once: nothing was created twice
    assert after["50"][0] == "h5@example.se"
    assert after["1"][3] == "070-100 01 00"
    state = host_state(sessions, bridge.tenant)
    assert state["h2"]["city"] == "Malmö"
    assert sorted(state) == ["fortnox-5", "fortnox-6", "h1", "h2", "h5", "h6", "h7"]
    linked = links(sessions, bridge.tenant)
    assert len(linked) == 7
    assert {ext: linked[ext][0] for ext in ("h1", "h2", "h5")} == {"h1": "1", "h2": "2", "h5": "50"}
    for ext in ("h6", "h7"):
        assert state[ext]["employment_id"] == linked[ext][0]
    assert len(bridge.inbox.messages) == mails + 1
    # and the regular flows find nothing left to do
    before = await control.stats(bridge.company)
    enable_pull(sessions, clock, bridge.tenant)
    sweep = await bridge.service.sweep(bridge.tenant)
    assert sweep.error is None
    assert sweep.total("created") == sweep.total("updated") == 0
    assert (await control.stats(bridge.company))["write_requests"] == before["write_requests"]


async def test_a_lost_answer_is_reported_and_the_next_apply_adopts_the_employee(
    bridge: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
) -> None:
    await bridge.connect()
    put("employee", "h1", host(1, employment_id=None))
    first_sync = FirstSync(sessions, clock, notifier=bridge.notifier)
    await first_sync.make_plan(bridge.tenant, FixedClient(engine_client))
    first_sync.decide_all(bridge.tenant, host_only=True)
    await control.add_fault("drop_response", method="POST", path_prefix="/3/employees", count=1)
    source = bridge.service.clients.source(bridge.tenant)
    try:
        view = await first_sync.apply(bridge.tenant, source)
    finally:
        await source.aclose()
    assert (view.status, view.result["failed"]) == ("applying", 1)
    (item,) = view.items
    assert item.status == "working"
    assert "apply again" in (item.error or "")
    (_, message) = bridge.inbox.messages[-1]
    assert "not complete: 1 employee failed" in str(message["Subject"])

    again = await first_sync.apply(bridge.tenant, FixedClient(engine_client))
    assert (again.status, again.result["created_in_fortnox"]) == ("applied", 1)
    assert again.items[0].outcome["adopted"] is True
    found = [e async for e in engine_client.employees.iterate()]
    assert [e.email for e in found] == ["person1@example.se"]
    assert host_state(sessions, bridge.tenant)["h1"]["employment_id"] == str(found[0].employee_id)
    assert "applied: 0 linked, 1 created in Fortnox" in str(bridge.inbox.messages[-1][1]["Subject"])


async def test_another_tenants_key_cannot_see_or_apply_the_plan(
    api: Api, sessions: sessionmaker[Session], clock: ManualClock, put: Put
) -> None:
    put("employee", "h1", host(1))
    plan = (await api.http.post("/api/v1/hr/first-sync")).json()
    (item,) = plan["items"]
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        other = tenants.create("Annat AB", now=clock.now())
        other_key = tenants.issue_api_key(other, label="other", now=clock.now())
    headers = {"Authorization": f"Bearer {other_key}"}
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/api/v1/hr/first-sync", None),
        ("PATCH", f"/api/v1/hr/first-sync/items/{item['id']}", {"create": False}),
        ("POST", "/api/v1/hr/first-sync/decide", {"host_only": "skip"}),
        ("POST", "/api/v1/hr/first-sync/apply", None),
        ("DELETE", "/api/v1/hr/first-sync", None),
    ]
    for method, path, body in calls:
        answer = await api.http.request(method, path, json=body, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (404, "not_found"), path
    mine = await api.plan()
    assert mine["items"][0]["decision"] is None
    assert mine["status"] == "open"
    read_only = await api.http.post(
        "/api/v1/hr/first-sync/apply", headers={"Authorization": "Bearer nope"}
    )
    assert read_only.status_code == 401


async def test_without_the_engine_reading_works_and_fortnox_work_is_refused(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int
) -> None:
    app = api_app(sessions, clock=clock)
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        found = tenants.get(tenant)
        assert found is not None
        key = tenants.issue_api_key(found, label="test", now=clock.now())
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        for path in ("/api/v1/hr/first-sync", "/api/v1/hr/first-sync/apply",
                     "/api/v1/hr/employees/sync"):  # fmt: skip
            answer = await http.post(path)
            assert (answer.status_code, answer.json()["error"]) == (503, "no_engine"), path
        missing = await http.get("/api/v1/hr/first-sync")
        assert missing.status_code == 404
        assert "POST /api/v1/hr/first-sync" in missing.json()["detail"]


def test_the_command_line_plans_decides_and_applies(
    tmp_path: Any, db_url: str, live_sandbox: Any
) -> None:
    import asyncio

    from typer.testing import CliRunner

    from fortnox_bridge.cli.app import app as cli_app
    from fortnox_bridge.clock import SystemClock
    from fortnox_bridge.store.db import open_engine, session_factory

    env = {"FORTNOX_BRIDGE_DATABASE_URL": db_url, "COLUMNS": "200"}
    common = ["--data-dir", str(tmp_path / "var"), "--sandbox-url", live_sandbox.url]

    def cli(*args: str) -> Any:
        return CliRunner().invoke(cli_app, [*args, *common], env=env)

    assert cli("tenants", "add", "CLI AB").exit_code == 0
    assert cli("connect", "--tenant", "CLI AB").exit_code == 0
    engine = open_engine(db_url)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        tenant = TenantRepository(session).by_name("CLI AB")
        assert tenant is not None
        assert tenant.fortnox_tenant_id is not None
        tenant_id, company = tenant.id, tenant.fortnox_tenant_id
        mirror = MirrorRepository(session)
        mirror.upsert(tenant_id, "employee", "h1", host(1), now=SystemClock().now())
        mirror.upsert(
            tenant_id, "employee", "h2", host(2, employment_id=None), now=SystemClock().now()
        )

    async def seed() -> None:
        async with SandboxControl(live_sandbox.url) as control:
            issued = await control.issue_tokens(company, ENGINE_SCOPES)
        async with FortnoxClient(
            access_token=issued["access_token"], api_url=live_sandbox.url
        ) as client:
            await seed_fortnox(client, {1: fortnox(1, phone1="08-1"), 3: fortnox(3)})

    asyncio.run(seed())
    planned = cli("hr", "first-sync", "plan", "--tenant", "CLI AB")
    assert planned.exit_code == 0, planned.output
    for text in ("Pairs", "phone", "070-100 01 00", "08-1", "Only in the host", "Only in Fortnox"):
        assert text in planned.output
    assert cli("hr", "first-sync", "plan", "--tenant", "CLI AB").exit_code == 2  # one is open
    assert cli("hr", "first-sync", "show", "--tenant", "CLI AB").exit_code == 1  # undecided
    refused = cli("hr", "first-sync", "apply", "--tenant", "CLI AB")
    assert (refused.exit_code, "undecided" in refused.output) == (2, True)
    assert cli("hr", "first-sync", "decide", "--tenant", "CLI AB").exit_code == 2
    with sessions.begin() as session:
        plan = FirstSyncRepository(session).latest(tenant_id, "employee")
        assert plan is not None
        (pair,) = FirstSyncRepository(session).items(plan.id, kind="pair")
        pair_id = pair.id
    one = cli("hr", "first-sync", "decide", "--tenant", "CLI AB", "--item", str(pair_id),
              "--field", "phone=fortnox")  # fmt: skip
    assert one.exit_code == 0, one.output
    bulk = cli("hr", "first-sync", "decide", "--tenant", "CLI AB", "--host-only", "create",
               "--fortnox-only", "skip")  # fmt: skip
    assert (bulk.exit_code, "Still undecided: 0" in bulk.output) == (0, True)
    applied = cli("hr", "first-sync", "apply", "--tenant", "CLI AB")
    assert applied.exit_code == 0, applied.output
    (totals,) = [line for line in applied.output.splitlines() if line.startswith("Totals:")]
    assert "linked=1 " in totals
    assert "created_in_fortnox=1 " in totals
    assert "failed=0 " in totals
    assert cli("hr", "first-sync", "show", "--tenant", "CLI AB").exit_code == 0
    with sessions.begin() as session:
        record = MirrorRepository(session).get(tenant_id, "employee", "h1")
        assert record is not None
        assert record.payload["phone"] == "08-1"
        assert LinkRepository(session).by_external_id(tenant_id, "employee").keys() == {"h1", "h2"}
    engine.dispose()
