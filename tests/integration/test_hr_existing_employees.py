"""A tenant connected to a Fortnox company that has employees already, with no first-synchronization
plan: no employee is ever created a second time. By default the employees Fortnox has wait for the
plan; with ``existing_in_fortnox=adopt`` they are linked and get only the fields that differ.
Employees Fortnox does not have are created either way. Against the sandbox, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session, sessionmaker

from conftest import ClientFactory
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import ItemOutcome, RunSummary
from fortnox_bridge.engine.flow.sources import FixedClient
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.first_sync import FirstSync
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.problems import ProblemRepository

from .conftest import Bridge, Put, employee

#: Fortnox's employees before the bridge came: 1–3 are host employees e001–e003 (by e-mail; 3 in
#: other letter case), 9 is nobody's. Host e001 lives elsewhere, e003 has another family name.
FORTNOX = {
    "1": {**employee(1), "city": "Lund", "schedule_id": "DEL"},
    "2": employee(2),
    "3": {**employee(3), "email": "PERSON3@Example.se", "family_name": "Berg"},
    "9": {"email": "someone@else.se", "given_name": "Någon", "family_name": "Annan"},
}


async def seed(client: FortnoxClient) -> None:
    for employee_id, host in FORTNOX.items():
        fields = {
            "employee_id": employee_id,
            "email": host["email"],
            "first_name": host["given_name"],
            "last_name": host["family_name"],
            "phone1": host.get("phone"),
            "city": host.get("city"),
            "schedule_id": host.get("schedule_id"),
        }
        await client.employees.create({k: v for k, v in fields.items() if v is not None})


def put_host(put: Put) -> None:
    put("employee", "e001", employee(1, city="Uppsala"))
    for number in range(2, 6):
        put("employee", f"e{number:03d}", employee(number))


def setting(sessions: sessionmaker[Session], clock: ManualClock, tenant: int, value: str) -> None:
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            tenant,
            "hr.employee.push",
            enabled=True,
            settings={"existing_in_fortnox": value},
            now=clock.now(),
        )


def items(summary: RunSummary) -> dict[str, ItemOutcome]:
    (push,) = [f for f in summary.flows if f.flow == "hr.employee.push"]
    return {item.external_id: item for item in push.items}


def linked(sessions: sessionmaker[Session], tenant: int) -> dict[str, tuple[str, str]]:
    with sessions.begin() as session:
        found = LinkRepository(session).by_external_id(tenant, "employee")
        return {ext: (link.fortnox_id, link.origin) for ext, link in found.items()}


async def employees_by_email(client: FortnoxClient) -> Counter[str]:
    return Counter([(e.email or "").lower() async for e in client.employees.iterate()])


async def writes(control: SandboxControl, company: int) -> list[tuple[str, str]]:
    log = await control.requests(company, limit=10_000)
    return [(r["method"], r["path"]) for r in log if r["method"] != "GET"]


def open_problems(sessions: sessionmaker[Session], tenant: int) -> dict[str, str]:
    with sessions.begin() as session:
        return {p.external_id: p.message for p in ProblemRepository(session).open(tenant)}


async def test_by_default_employees_fortnox_has_wait_for_the_plan_and_flow_once_it_is_applied(
    bridge: Bridge,
    engine_client: FortnoxClient,
    make_client: ClientFactory,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
) -> None:
    await bridge.connect()
    await seed(engine_client)
    seeded = len(await writes(control, bridge.company))
    put_host(put)

    first = await bridge.service.sweep(bridge.tenant)
    assert (first.total("created"), first.total("skipped"), first.total("adopted")) == (2, 3, 0)
    assert (await writes(control, bridge.company))[seeded:] == [("POST", "/3/employees")] * 2
    held = items(first)
    for ext, fortnox_id in (("e001", "1"), ("e002", "2"), ("e003", "3")):
        assert held[ext].problem
        assert held[ext].reason.startswith(f"Fortnox already has employee {fortnox_id} with")
        assert "waits for the first-synchronization plan" in held[ext].reason
        assert "fortnox-bridge hr first-sync plan" in held[ext].reason
    assert sorted(linked(sessions, bridge.tenant)) == ["e004", "e005"]
    assert set(open_problems(sessions, bridge.tenant)) == {"e001", "e002", "e003"}
    (mail,) = [m for _, m in bridge.inbox.messages if "3 new problems" in str(m["Subject"])]
    assert "first-synchronization plan" in bridge.inbox.text(mail)

    # Links exist now; still nothing Fortnox has is created (one read to check, no write).
    clock.advance(1800)
    before = await control.stats(bridge.company)
    again = await bridge.service.sweep(bridge.tenant)
    assert (again.total("created"), again.total("skipped")) == (0, 3)
    after = await control.stats(bridge.company)
    assert (after["requests_total"] - before["requests_total"], after["write_requests"]) == (
        1,
        before["write_requests"],
    )

    # The plan pairs them by e-mail; applied, they are linked and the host's values written.
    first_sync = FirstSync(bridge.service.sessions, clock)
    plan = await first_sync.make_plan(bridge.tenant, FixedClient(engine_client))
    counts = plan.counts
    assert (counts["pairs"], counts["fortnox_only"], counts["host_only"]) == (3, 1, 0)
    first_sync.decide_all(bridge.tenant, pairs="host", fortnox_only=False)
    assert (await first_sync.apply(bridge.tenant, FixedClient(engine_client))).status == "applied"
    found = linked(sessions, bridge.tenant)
    assert {ext: found[ext] for ext in ("e001", "e002", "e003")} == {
        "e001": ("1", "matched"),
        "e002": ("2", "matched"),
        "e003": ("3", "matched"),
    }
    assert (found["e004"][1], found["e005"][1]) == ("created", "created")
    assert open_problems(sessions, bridge.tenant) == {}
    assert (await engine_client.employees.get("1")).city == "Uppsala"

    put("employee", "e001", employee(1, city="Kiruna"))
    clock.advance(1800)
    flowing = await bridge.service.sweep(bridge.tenant)
    counted = flowing.counts()
    # The applied plan switched the employee pull on: it leaves out the Fortnox-only employee
    # the plan did not take.
    assert (counted["created"], counted["updated"], counted["skipped"]) == (0, 1, 1)
    (left_out,) = [i for f in flowing.flows for i in f.items if i.outcome == "skipped"]
    assert left_out.reason.startswith("left out by the first synchronization")
    reader = await make_client(bridge.company)  # the first client's token has expired
    assert (await reader.employees.get("1")).city == "Kiruna"
    by_email = await employees_by_email(reader)
    assert by_email == Counter(
        {f"person{n}@example.se": 1 for n in range(1, 6)} | {"someone@else.se": 1}
    )


async def test_adopt_links_the_fortnox_employees_and_sends_only_what_differs(
    bridge: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
) -> None:
    await bridge.connect()
    setting(sessions, clock, bridge.tenant, "adopt")
    await seed(engine_client)
    seeded = len(await writes(control, bridge.company))
    put_host(put)

    preview = await bridge.service.sweep(bridge.tenant, dry_run=True)
    assert (preview.total("adopted"), preview.total("created")) == (3, 2)
    assert len(await writes(control, bridge.company)) == seeded

    summary = await bridge.service.sweep(bridge.tenant)
    counts = summary.counts()
    assert (counts["adopted"], counts["created"], counts["failed"]) == (3, 2, 0)
    sent = await writes(control, bridge.company)
    assert sorted(sent[seeded:]) == [
        ("POST", "/3/employees"),
        ("POST", "/3/employees"),
        ("PUT", "/3/employees/1"),
        ("PUT", "/3/employees/3"),
    ]
    done = items(summary)
    assert {ext: done[ext].changes for ext in ("e001", "e002", "e003")} == {
        "e001": {"city": "Uppsala"},
        "e002": {},
        "e003": {"email": "person3@example.se", "last_name": "Svensson"},
    }
    assert "adopted, not created again" in done["e001"].reason
    found = linked(sessions, bridge.tenant)
    assert {ext: found[ext] for ext in ("e001", "e002", "e003")} == {
        "e001": ("1", "matched"),
        "e002": ("2", "matched"),
        "e003": ("3", "matched"),
    }
    one = await engine_client.employees.get("1")
    assert (one.city, one.schedule_id) == ("Uppsala", "DEL")  # Fortnox's own setup stays
    three = await engine_client.employees.get("3")
    assert (three.email, three.last_name) == ("person3@example.se", "Svensson")
    assert await employees_by_email(engine_client) == Counter(
        {f"person{n}@example.se": 1 for n in range(1, 6)} | {"someone@else.se": 1}
    )
    assert open_problems(sessions, bridge.tenant) == {}

    clock.advance(1800)
    before = await control.stats(bridge.company)
    idle = await bridge.service.sweep(bridge.tenant)
    assert (idle.total("created"), idle.total("updated"), idle.requests) == (0, 0, 0)
    assert (await control.stats(bridge.company))["requests_total"] == before["requests_total"]


async def test_adopt_never_guesses_between_several_fortnox_employees_with_the_e_mail(
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
) -> None:
    await bridge.connect()
    setting(sessions, clock, bridge.tenant, "adopt")
    for employee_id, first_name in (("6", "Anna"), ("7", "Annika")):
        await engine_client.employees.create(
            {
                "employee_id": employee_id,
                "email": "person6@example.se",
                "first_name": first_name,
                "last_name": "Ek",
            }
        )
    put("employee", "e006", employee(6))
    summary = await bridge.service.sweep(bridge.tenant)
    assert (summary.total("created"), summary.total("adopted")) == (0, 0)
    held = items(summary)["e006"]
    assert held.problem
    assert held.reason.startswith("several Fortnox records have its email (6, 7)")
    assert "e006" in open_problems(sessions, bridge.tenant)
    assert linked(sessions, bridge.tenant) == {}
    assert (await employees_by_email(engine_client))["person6@example.se"] == 2


async def test_when_fortnox_s_employees_cannot_be_read_nothing_is_created_unchecked(
    bridge: Bridge,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
) -> None:
    await bridge.connect()
    put("employee", "e001", employee(1))
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 1
    put("employee", "e001", employee(1, city="Luleå"))
    put("employee", "e002", employee(2))
    await control.add_fault("5xx", method="GET", path_prefix="/3/employees", count=6)
    clock.advance(60)
    summary = await bridge.service.sweep(bridge.tenant)
    counts = summary.counts()
    assert (counts["updated"], counts["created"], counts["skipped"]) == (1, 0, 1)
    waiting = items(summary)["e002"]
    assert waiting.problem
    assert waiting.reason.startswith("not created: Fortnox's employees could not be read")
    assert waiting.reason.endswith("tried again on the next run")
    clock.advance(60)
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 1
    assert sorted(linked(sessions, bridge.tenant)) == ["e001", "e002"]
