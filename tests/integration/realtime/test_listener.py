"""The real-time listener against a Fortnox topics endpoint on a real socket (SQLite and
PostgreSQL): the commands, events made fetch jobs, duplicates, a dropped connection, renewed
tokens, tenants added and removed while it runs, and leader election between two processes."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.jobs.dispatch import InProcessDispatcher
from fortnox_bridge.engine.realtime.intake import Intake
from fortnox_bridge.engine.realtime.leader import lease_name
from fortnox_bridge.engine.realtime.metrics import RealtimeCollector
from fortnox_bridge.engine.realtime.service import RealtimeService
from fortnox_bridge.store.leases import LeaseRepository
from fortnox_bridge.store.models import RealtimeEvent
from fortnox_bridge.store.realtime import RealtimeRepository, StreamEvent, entity_of

from .conftest import APP, SECRET, World, eventually


async def _leading(world: World, service: RealtimeService) -> None:
    """A round of ``service``, then wait until its stream is open."""
    await service.step()
    await eventually(lambda: service.status().get(APP) == "connected")


def _events(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """Accepted events and those read."""
    with sessions.begin() as session:
        total = session.scalar(select(func.count()).select_from(RealtimeEvent))
        handled = session.scalar(select(func.count()).where(RealtimeEvent.handled_at.is_not(None)))
        return int(total or 0), int(handled or 0)


def _offsets(world: World) -> dict[str, str]:
    with world.sessions.begin() as session:
        return RealtimeRepository(session).offsets(APP)


async def test_commands_are_sent_and_events_become_fetch_jobs(world: World) -> None:
    first = await world.connect("Alfa AB", 501, "token-a")
    second = await world.connect("Beta AB", 502, "token-b")
    service = world.realtime("process-1")
    await _leading(world, service)

    commands = world.topics.commands
    assert [c["command"] for c in commands] == ["add-tenants-v1", "add-topics-v1", "subscribe-v1"]
    assert commands[0] == {
        "command": "add-tenants-v1",
        "clientSecret": SECRET,
        "accessTokens": ["token-a", "token-b"],
    }
    # No offset stored yet: the topics are read from now.
    assert commands[1]["topics"] == [{"topic": "cost-centers"}, {"topic": "vouchers"}]

    world.topics.publish("cost-centers", 501, "CC1")
    world.topics.publish("vouchers", 502, "7")
    world.topics.publish("cost-centers", 502, "CC9")
    world.topics.publish("invoices", 501, "1001")  # a topic nobody listens to
    await world.settle(3)
    assert sorted(world.read_ids()) == [
        (first, "cost-centers", "CC1"),
        (second, "cost-centers", "CC9"),
        (second, "vouchers", "7"),
    ]
    assert _events(world.sessions) == (3, 3)
    assert _offsets(world) == {"cost-centers": "00000002", "vouchers": "00000001"}
    await service.stop()
    assert world.topics.open == 0 or await _closed(world)


async def _closed(world: World) -> bool:
    await eventually(lambda: world.topics.open == 0)
    return True


async def test_a_voucher_event_s_year_and_series_reach_the_read(world: World) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")
    service = world.realtime("process-1")
    await _leading(world, service)

    world.topics.publish("vouchers", 501, "7", "created", year=3, series="A", id=7)
    await world.settle(1)
    ((reader, topic, key),) = world.read_ids()
    assert (reader, topic) == (tenant, "vouchers")
    assert entity_of(key) == {"entityId": "7", "year": 3, "series": "A", "id": 7}
    assert _events(world.sessions) == (1, 1)
    await service.stop()


async def test_a_duplicate_is_ignored(world: World) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")
    intake = world.intake()
    service = world.realtime("process-1", intake)
    await _leading(world, service)

    twice = world.topics.publish("cost-centers", 501, "CC1")
    world.topics.twice.add(twice)
    world.topics.twice.add(world.topics.publish("cost-centers", 501, "CC2"))
    await world.settle(2)
    await eventually(lambda: intake.duplicates == 2)
    await world.dispatcher.join()
    assert world.read_ids() == [(tenant, "cost-centers", "CC1"), (tenant, "cost-centers", "CC2")]
    assert (intake.accepted, intake.duplicates) == (2, 2)
    assert _events(world.sessions) == (2, 2)
    await service.stop()


async def test_a_dropped_connection_resumes_from_the_stored_offset(world: World) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")
    intake = world.intake()
    service = world.realtime("process-1", intake)
    await _leading(world, service)

    world.topics.drop_after = 3  # Fortnox drops the connection after the third event
    for number in range(1, 6):
        world.topics.publish("cost-centers", 501, f"CC{number}")
    await world.settle(5)

    assert world.topics.connections == 2
    topics_sent = world.topics.sent("add-topics-v1")
    # The second connection resumes at the last offset stored (the endpoint replays it too).
    assert {"topic": "cost-centers", "offset": "00000003"} in topics_sent[1]["topics"]
    assert sorted(world.read_ids()) == [(tenant, "cost-centers", f"CC{n}") for n in range(1, 6)]
    assert intake.duplicates == 1  # the replayed third event
    # Healthy once subscribed, not when dropped, healthy again (the sweeps stretch on it).
    assert world.marks == [(APP, True), (APP, False), (APP, True)]
    assert _events(world.sessions) == (5, 5)
    assert _offsets(world)["cost-centers"] == "00000005"
    await service.stop()


async def test_a_renewed_token_is_sent_again(world: World) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")
    service = world.realtime("process-1")
    await _leading(world, service)

    await world.renew_token(tenant, "token-a-renewed")
    await service.step()  # every round looks at the tenants again
    await eventually(lambda: len(world.topics.sent("add-tenants-v1")) == 2)
    again = world.topics.sent("add-tenants-v1")[1]
    assert again == {
        "command": "add-tenants-v1",
        "clientSecret": SECRET,
        "accessTokens": ["token-a-renewed"],
    }
    await service.step()  # nothing changed: nothing sent
    world.topics.publish("cost-centers", 501, "CC1")
    await world.settle(1)
    assert len(world.topics.sent("add-tenants-v1")) == 2
    await service.stop()


async def test_tenants_are_added_and_removed_while_listening(world: World) -> None:
    first = await world.connect("Alfa AB", 501, "token-a")
    service = world.realtime("process-1")
    await _leading(world, service)

    second = await world.connect("Beta AB", 502, "token-b")
    await service.step()
    await eventually(lambda: len(world.topics.sent("add-tenants-v1")) == 2)
    assert world.topics.sent("add-tenants-v1")[1]["accessTokens"] == ["token-b"]
    world.topics.publish("vouchers", 502, "12")
    await world.settle(1)
    assert world.read_ids() == [(second, "vouchers", "12")]

    await world.connections.transition(first, "paused", "paused by the admin")
    await service.step()
    await eventually(lambda: len(world.topics.sent("remove-tenants-v1")) == 1)
    assert world.topics.sent("remove-tenants-v1")[0]["tenants"] == [501]
    world.topics.publish("vouchers", 501, "13")  # not sent any more
    world.topics.publish("vouchers", 502, "14")
    await world.settle(2)
    assert world.read_ids() == [(second, "vouchers", "12"), (second, "vouchers", "14")]
    assert world.topics.connections == 1
    await service.stop()


async def test_only_the_leader_connects_and_another_takes_over_after_the_ttl(
    world: World,
) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")
    one, two = world.realtime("process-1"), world.realtime("process-2")
    await _leading(world, one)
    await two.step()
    assert two.status() == {}
    world.topics.publish("cost-centers", 501, "CC1")
    await world.settle(1)

    # Rounds go on: the leader renews, the other keeps waiting.
    for _ in range(5):
        world.clock.advance(10)
        await one.step()
        await two.step()
    assert (one.status(), two.status()) == ({APP: "connected"}, {})
    assert world.topics.connections == 1

    # The leader dies (no lease given back, no round any more); the changes go on.
    led = one.led.pop(APP)
    led.task.cancel()
    await eventually(lambda: world.topics.open == 0)
    world.topics.publish("cost-centers", 501, "CC2")
    world.clock.advance(10)
    await two.step()
    assert two.status() == {}  # the lease has not run out yet
    world.clock.advance(21)
    await _leading(world, two)
    with world.sessions.begin() as session:
        holder = LeaseRepository(session).holder(lease_name(APP))
    assert holder is not None
    assert holder[0] == "process-2"
    world.topics.publish("cost-centers", 501, "CC3")
    await world.settle(3)
    assert world.read_ids() == [(tenant, "cost-centers", f"CC{n}") for n in (1, 2, 3)]
    assert world.topics.connections == 2
    await two.stop()
    with world.sessions.begin() as session:
        assert LeaseRepository(session).holder(lease_name(APP)) is None  # given back


async def test_embedded_reads_owed_when_the_process_stopped_are_run_by_the_next_leader(
    world: World,
) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")
    # A process whose in-memory jobs never ran: the events were accepted, offsets moved.
    stopped = InProcessDispatcher(world.dispatcher.handler)
    gone = Intake(world.sessions, world.clock, stopped)
    for number in (1, 2):
        offset = world.topics.publish("vouchers", 501, f"A-{number}")
        event = StreamEvent("vouchers", offset, "voucher-updated-v1", 501, f"A-{number}")
        assert await gone.accept(APP, event, tenant)
    assert world.read_ids() == []
    assert _offsets(world) == {"vouchers": "00000002"}

    service = world.realtime("process-2")
    world.clock.advance(42)
    registry = CollectorRegistry()
    registry.register(RealtimeCollector(service))
    scraped = generate_latest(registry).decode()
    assert 'fortnox_bridge_realtime_lag_seconds{topic="vouchers"} 42.0' in scraped
    assert 'fortnox_bridge_realtime_lag_seconds{topic="cost-centers"} 0.0' in scraped
    await _leading(world, service)  # the new leader hands the owed reads to its dispatcher
    await world.settle(2)
    assert world.read_ids() == [(tenant, "vouchers", "A-1"), (tenant, "vouchers", "A-2")]
    assert _events(world.sessions) == (2, 2)
    # Resumed from the stored offset: nothing is read twice.
    assert world.topics.sent("add-topics-v1")[0]["topics"][1] == {
        "topic": "vouchers",
        "offset": "00000002",
    }
    await service.stop()


async def test_a_refused_app_is_tried_again_and_its_tokens_never_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.connect("Alfa AB", 501, "token-a")
    world.topics.client_secret = "another-secret"  # Fortnox refuses the app's secret
    service = world.realtime("process-1")
    await service.step()
    await eventually(lambda: len(world.topics.sent("add-tenants-v1")) >= 4)
    assert service.status()[APP] != "connected"
    assert world.topics.sent("subscribe-v1") == []
    assert "realtime connection lost" in caplog.text
    assert "token-a" not in caplog.text
    pauses = [s for s in world.clock.slept if s >= 1]
    assert pauses[:3] == [1.0, 2.0, 4.0]  # the pause doubles while it fails

    world.topics.client_secret = SECRET
    await eventually(lambda: service.status().get(APP) == "connected")
    await service.stop()


async def test_read_events_are_forgotten_after_fifteen_days_and_owed_ones_kept(
    world: World,
) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")
    intake = world.intake()
    for number in (1, 2):
        event = StreamEvent("vouchers", f"0000000{number}", "voucher-updated-v1", 501, f"A{number}")
        assert await intake.accept(APP, event, tenant)
    await world.settle(2)
    owed = StreamEvent("vouchers", "00000003", "voucher-updated-v1", 501, "A3")
    assert await Intake(
        world.sessions, world.clock, InProcessDispatcher(world.dispatcher.handler)
    ).accept(APP, owed, tenant)

    world.clock.advance(14 * 86400)
    assert intake.forget_old() == 0  # Fortnox may still replay them
    world.clock.advance(86400 + 3600)
    assert intake.forget_old() == 2
    assert _events(world.sessions) == (1, 0)  # the unread one stays owed
    assert _offsets(world) == {"vouchers": "00000003"}
    assert intake.forget_old() == 0  # at most once an hour
