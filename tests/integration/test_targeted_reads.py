"""Events of Fortnox's topics read just the record they name (``read_entities``), against the
in-process sandbox (SQLite and PostgreSQL): a change made in Fortnox lands in the bridge as a
sweep would store it (mirror records, links, the host's event feed), with one read per record;
the sweep that follows writes nothing new; a topic no flow of the tenant listens to costs
nothing; duplicates of an event are read once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.sync.targeted import read_entities, targets_of
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.runs import RunRepository
from integration.families import use_family
from integration.test_projects_vouchers import book, bridge_id, configure

from .conftest import Bridge


def events(bridge: Bridge, sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions.begin() as session:
        found = EventRepository(session).after(bridge.tenant, 0, limit=1000)
        return [(e.type, e.entity_type, e.external_id) for e in found]


def requests(state: SandboxState, company: int) -> int:
    found = state.stats_by_tenant.get(company)
    return int(found.to_dict()["requests_total"]) if found else 0


def mirror(bridge: Bridge, sessions: sessionmaker[Session], entity: str) -> dict[str, Any]:
    with sessions.begin() as session:
        rows = MirrorRepository(session).live(bridge.tenant, entity)
        return {row.external_id: dict(row.payload) for row in rows}


async def quiet_sweep(bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock) -> None:
    """A sweep after the read adds no event and changes no record."""
    before = events(bridge, sessions)
    clock.advance(60)
    summary = await bridge.service.sweep(bridge.tenant)
    assert summary.error is None, summary.error
    for result in summary.flows:
        assert (result.imported, result.updated, result.deleted, result.failed) == (0, 0, 0, 0), (
            result.flow,
            result.items,
        )
    assert events(bridge, sessions) == before


async def projects_tenant(bridge: Bridge, sessions: sessionmaker[Session]) -> None:
    await bridge.connect()
    with sessions.begin() as session:
        use_family(session, bridge.tenant)


async def test_a_cost_centre_event_reads_that_cost_centre(
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    await projects_tenant(bridge, sessions)
    await engine_client.cost_centers.create({"code": "BYGG", "description": "Bygg"})
    await bridge.service.sweep(bridge.tenant)
    await engine_client.cost_centers.create({"code": "EL", "description": "El"})
    await engine_client.cost_centers.update("BYGG", {"description": "Bygg och mark"})
    before = requests(sandbox_state, bridge.company)

    done = await read_entities(
        bridge.service,
        bridge.tenant,
        "cost-centers",
        [{"topic": "cost-centers", "entityId": "EL", "type": "cost-center-created-v1"},
         "BYGG", "EL"],
    )  # fmt: skip

    assert done.error is None
    assert done.targets == {"projects.cost_center.pull": ["EL", "BYGG"]}
    assert requests(sandbox_state, bridge.company) - before == 2 == done.requests
    stored = mirror(bridge, sessions, "cost_center")
    assert stored["EL"]["name"] == "El"
    assert stored["BYGG"]["name"] == "Bygg och mark"
    assert ("record.created", "cost_center", "EL") in events(bridge, sessions)
    assert ("record.changed", "cost_center", "BYGG") in events(bridge, sessions)
    with sessions.begin() as session:
        assert LinkRepository(session).get(bridge.tenant, "cost_center", "EL") is not None
        (run,) = RunRepository(session).latest(bridge.tenant, kind="event")
        assert run.requests == 2
    await quiet_sweep(bridge, sessions, clock)

    await engine_client.cost_centers.delete("EL")
    gone = await read_entities(bridge.service, bridge.tenant, "cost-centers", ["EL"])
    assert gone.requests == 1
    assert "EL" not in mirror(bridge, sessions, "cost_center")
    assert ("record.deleted", "cost_center", "EL") in events(bridge, sessions)
    await quiet_sweep(bridge, sessions, clock)


async def test_a_voucher_event_reads_that_voucher(
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    await projects_tenant(bridge, sessions)
    for code in ("A", "D"):
        await engine_client.voucher_series.create({"code": code, "description": code})
    await engine_client.projects.create({"project_number": "P-1", "description": "P-1"})
    configure(bridge, sessions, clock)
    first = await book(engine_client, "A")
    await bridge.service.sweep(bridge.tenant)
    key = await book(engine_client, "A")
    year, series, number = key.split("/")
    before = requests(sandbox_state, bridge.company)

    event = {"topic": "vouchers", "entityId": f"{series}-{number}", "type": "voucher-created-v1",
             "year": int(year), "series": series, "id": int(number)}  # fmt: skip
    done = await read_entities(bridge.service, bridge.tenant, "vouchers", [event, event])

    assert done.targets == {"projects.voucher.pull": [key]}
    assert requests(sandbox_state, bridge.company) - before == 1 == done.requests
    assert mirror(bridge, sessions, "voucher")[bridge_id(key)]["number"] == int(number)
    assert ("record.created", "voucher", bridge_id(key)) in events(bridge, sessions)
    await quiet_sweep(bridge, sessions, clock)
    # The series moved on: the sweep read nothing new in it.
    with sessions.begin() as session:
        series_link = LinkRepository(session).get(bridge.tenant, "voucher.series", "A")
        assert series_link is None or series_link.snapshot["highest"] == int(number)
    assert bridge_id(first) in mirror(bridge, sessions, "voucher")


async def test_a_voucher_event_beyond_the_next_number_is_not_read_twice(
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    await projects_tenant(bridge, sessions)
    await engine_client.voucher_series.create({"code": "A", "description": "A"})
    await engine_client.projects.create({"project_number": "P-1", "description": "P-1"})
    configure(bridge, sessions, clock)
    await book(engine_client, "A")
    await bridge.service.sweep(bridge.tenant)
    skipped = await book(engine_client, "A")  # its event was lost
    key = await book(engine_client, "A")
    done = await read_entities(bridge.service, bridge.tenant, "vouchers", [key.replace("/", "-")])
    assert done.requests == 1
    before = requests(sandbox_state, bridge.company)
    clock.advance(60)
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == "projects.voucher.pull"]
    assert result.imported == 1  # the one whose event was lost; the other is not read again
    assert set(mirror(bridge, sessions, "voucher")) >= {bridge_id(skipped), bridge_id(key)}
    assert result.requests <= requests(sandbox_state, bridge.company) - before


async def test_a_topic_no_flow_of_the_tenant_listens_to_costs_nothing(
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    sandbox_state: SandboxState,
) -> None:
    await bridge.connect()  # the hr and payroll families only: no topic at all
    await engine_client.cost_centers.create({"code": "EL", "description": "El"})
    before = requests(sandbox_state, bridge.company)
    for topic in ("cost-centers", "vouchers", "invoices", "financial-years", "customers"):
        done = await read_entities(bridge.service, bridge.tenant, topic, ["EL"])
        assert done.ignored
        assert (done.requests, done.summary) == (0, None)
    assert requests(sandbox_state, bridge.company) == before
    assert mirror(bridge, sessions, "cost_center") == {}
    with sessions.begin() as session:
        use_family(session, bridge.tenant)  # the paid-date pulls stay off until turned on
    for topic in ("invoices", "supplier-invoices"):
        assert (await read_entities(bridge.service, bridge.tenant, topic, ["1"])).ignored
    assert requests(sandbox_state, bridge.company) == before
    with sessions.begin() as session:
        assert RunRepository(session).latest(bridge.tenant) == []


def test_every_family_declares_its_topics() -> None:
    flows = {flow.name: flow for flow in discover_flows()}
    listening = {name: flow.topics for name, flow in flows.items() if flow.topics}
    assert listening == {
        "projects.cost_center.pull": ("cost-centers",),
        "projects.voucher.pull": ("vouchers",),
        "projects.customer_invoice.pull": ("invoices",),
        "projects.supplier_invoice.pull": ("supplier-invoices",),
        "service.service_order.pull": ("orders", "invoices"),
        "ledger.year.pull": ("vouchers", "financial-years"),
        "service.service_customer.pull": ("customers",),
        "service.service_article.pull": ("articles",),
    }
    instances = [flow() for flow in flows.values()]
    assert targets_of(
        instances, "vouchers", [{"entityId": "x", "year": 3, "series": "b", "id": 7}]
    ) == {
        "projects.voucher.pull": ["3/B/7"],
        "ledger.year.pull": ["3/B/7"],
    }
    assert targets_of(instances, "financial-years", ["4"]) == {
        "ledger.year.pull": ["financial-years"]
    }
    assert targets_of(instances, "vouchers", ["not a voucher"]) == {}
    assert targets_of(instances, "invoices", ["12"]) == {
        "projects.customer_invoice.pull": ["12"],
        "service.service_order.pull": ["12"],
    }
    assert targets_of(instances, "orders", ["12"]) == {}
