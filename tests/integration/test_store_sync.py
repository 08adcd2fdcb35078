"""The sync engine's part of the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.cursors import CursorRepository
from fortnox_bridge.store.db import open_engine
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.leases import LeaseRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mappings import MappedValue, MappingRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.notifications import NotificationRepository
from fortnox_bridge.store.operations import PushOperationRepository
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import TenantRepository

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _tenant(sessions: sessionmaker[Session], name: str = "Bygg AB") -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create(name, now=NOW).id


def test_new_tables_exist_and_tenants_get_default_policies(
    sessions: sessionmaker[Session], db_url: str
) -> None:
    engine = open_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "connections",
        "connection_events",
        "flow_configs",
        "mappings",
        "cursors",
        "push_operations",
        "runs",
        "run_items",
        "problems",
        "conflicts",
        "notifications",
        "leases",
    } <= tables
    tenant_id = _tenant(sessions)
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        assert (tenant.conflict_policy, tenant.sweep_interval_minutes, tenant.digest) == (
            "ask",
            30,
            "daily",
        )
        assert tenant.notify_emails == []
        assert [t.name for t in TenantRepository(session).all()] == ["Bygg AB"]


def test_datetimes_come_back_aware_in_utc(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        session.expire(tenant)
        assert tenant.created_at == NOW
        assert tenant.created_at.tzinfo is not None


def test_connection_transitions_are_kept_as_history(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    with sessions.begin() as session:
        repo = ConnectionRepository(session)
        connection = repo.create(tenant_id, "app:1", now=NOW)
        assert connection.state == "pending_auth"
        repo.record_transition(connection, "active", "connected", now=NOW)
        repo.record_transition(connection, "needs_reauth", "invalid_grant", now=NOW)
    with sessions.begin() as session:
        repo = ConnectionRepository(session)
        found = repo.by_token_key("app:1", for_update=True)
        assert found is not None
        assert found.state == "needs_reauth"
        assert [(e.from_state, e.to_state) for e in repo.history(tenant_id)] == [
            ("pending_auth", "active"),
            ("active", "needs_reauth"),
        ]
    with pytest.raises(IntegrityError), sessions.begin() as session:
        ConnectionRepository(session).create(tenant_id, "app:2", now=NOW)  # one per tenant


def test_flow_configs_mappings_and_cursors(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    later = NOW + timedelta(minutes=5)
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        configs.put(tenant_id, "hr.employee.push", enabled=False, settings={"a": 1}, now=NOW)
        configs.put(tenant_id, "hr.employee.push", enabled=True, settings={"a": 2}, now=NOW)
        mappings = MappingRepository(session)
        mappings.put(tenant_id, "absence_type", "sick", "SJK", now=NOW)
        mappings.put(tenant_id, "absence_type", "self_cert", None, excluded=True, now=NOW)
        cursors = CursorRepository(session)
        assert cursors.get(tenant_id, "f") is None
        cursors.advance(tenant_id, "f", later, now=NOW)
        cursors.advance(tenant_id, "f", NOW, now=NOW)  # never backwards
    with sessions.begin() as session:
        (config,) = FlowConfigRepository(session).for_tenant(tenant_id).values()
        assert (config.flow, config.enabled, config.settings) == (
            "hr.employee.push",
            True,
            {"a": 2},
        )
        assert MappingRepository(session).for_tenant(tenant_id) == {
            "absence_type": {
                "sick": MappedValue("SJK", False),
                "self_cert": MappedValue(None, True),
            }
        }
        assert CursorRepository(session).get(tenant_id, "f") == later


def _begin_op(
    sessions: sessionmaker[Session], tenant_id: int, *, key: str, owner: str, external_id: str
) -> int | None:
    with sessions.begin() as session:
        op = PushOperationRepository(session).begin(
            tenant_id=tenant_id,
            flow="hr.employee.push",
            entity_type="employee",
            external_id=external_id,
            kind="create",
            idempotency_key=key,
            natural_key="a@b.se",
            owner=owner,
            lease_until=NOW + timedelta(minutes=1),
            now=NOW,
        )
        return op.id if op else None


def test_one_active_push_operation_per_record(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    first = _begin_op(sessions, tenant_id, key="k1", owner="w1", external_id="e1")
    assert first is not None
    # The same write by another worker while it is in flight: refused without an error.
    assert _begin_op(sessions, tenant_id, key="k1", owner="w2", external_id="e1") is None
    # A different write of the same record while the first is active: the partial index refuses.
    with pytest.raises(IntegrityError):
        _begin_op(sessions, tenant_id, key="k2", owner="w2", external_id="e1")
    assert _begin_op(sessions, tenant_id, key="k3", owner="w2", external_id="e2") is not None
    with sessions.begin() as session:
        repo = PushOperationRepository(session)
        assert {op.external_id for op in repo.active(tenant_id, "employee")} == {"e1", "e2"}
        op = repo.get(first)
        assert op is not None
        repo.finish(op, "failed", now=NOW, error="400 bad")
    retried = _begin_op(sessions, tenant_id, key="k1", owner="w3", external_id="e1")
    assert retried == first
    with sessions.begin() as session:
        repo = PushOperationRepository(session)
        op = repo.get(first)
        assert op is not None
        assert (op.attempts, op.status, op.last_error) == (2, "processing", "400 bad")
        repo.finish(op, "succeeded", now=NOW, fortnox_id="7")
        assert repo.count_by_status(tenant_id) == {"succeeded": 1, "processing": 1}


def test_runs_keep_counts_items_and_progress(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    with sessions.begin() as session:
        runs = RunRepository(session)
        run = runs.start(tenant_id, "resync", now=NOW, flow="f", params={"from": "2026-01-01"})
        runs.add_items(run.id, [ItemRecord("f", "e1", "delete", "ok", fortnox_id="9")])
        run_id = run.id
    with sessions.begin() as session:
        runs = RunRepository(session)
        assert runs.unfinished_resync(tenant_id, "f") is not None
        runs.finish(run_id, "succeeded", now=NOW, counts={"deleted": 1}, requests=3)
    with sessions.begin() as session:
        runs = RunRepository(session)
        (run,) = runs.latest(tenant_id)
        assert (run.status, run.counts, run.requests, run.params) == (
            "succeeded",
            {"deleted": 1},
            3,
            {"from": "2026-01-01"},
        )
        assert [(i.external_id, i.action, i.outcome) for i in runs.items(run_id)] == [
            ("e1", "delete", "ok")
        ]
        assert runs.unfinished_resync(tenant_id, "f") is None


def _report(
    code: int = 2000359, *, external_id: str = "e1", flow: str = "hr.employee.push"
) -> ProblemReport:
    return ProblemReport(
        dedupe_key=f"{flow}:{external_id}:{code}",
        flow=flow,
        entity_type=flow.split(".")[1],
        external_id=external_id,
        reference=f"{flow.split('.')[1]} {external_id}",
        message="Värdet innehåller ej tillåtna tecken",
        code=code,
        status=400,
    )


def test_problems_are_deduplicated_and_reopen_after_resolution(
    sessions: sessionmaker[Session],
) -> None:
    tenant_id = _tenant(sessions)
    firsts = []
    for minute in range(3):
        with sessions.begin() as session:
            _, first = ProblemRepository(session).record(
                tenant_id, _report(), now=NOW + timedelta(minutes=minute)
            )
            firsts.append(first)
    assert firsts == [True, False, False]
    with sessions.begin() as session:
        repo = ProblemRepository(session)
        (problem,) = repo.open(tenant_id)
        assert (problem.count, problem.first_seen, problem.last_seen) == (
            3,
            NOW,
            NOW + timedelta(minutes=2),
        )
        assert repo.resolve_entity(tenant_id, "hr.employee.push", "e1", now=NOW) == 1
        assert repo.open(tenant_id) == []
    with sessions.begin() as session:  # many at once, only the flow's and the ids' open ones
        repo = ProblemRepository(session)
        for external_id in ("e1", "e2", "e3"):
            repo.record(tenant_id, _report(external_id=external_id), now=NOW)
        other = _report(external_id="e2", flow="hr.absence.push")
        repo.record(tenant_id, other, now=NOW)
        ids = ["e1", "e2", "nobody"]
        assert repo.resolve_entities(tenant_id, "hr.employee.push", ids, now=NOW) == 2
        assert sorted((p.flow, p.external_id) for p in repo.open(tenant_id)) == [
            ("hr.absence.push", "e2"),
            ("hr.employee.push", "e3"),
        ]
        repo.resolve_entities(tenant_id, "hr.employee.push", ["e3"], now=NOW)
        repo.resolve_entities(tenant_id, "hr.absence.push", ["e2"], now=NOW)
    with sessions.begin() as session:
        problem, first = ProblemRepository(session).record(tenant_id, _report(), now=NOW)
        assert (first, problem.count) == (True, 1)


def test_conflicts_open_refresh_and_resolve(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    fields = {"city": {"base": "Lund", "bridge": "Malmö", "fortnox": "Ystad"}}
    with sessions.begin() as session:
        repo = ConflictRepository(session)
        opened = repo.open_or_update(
            tenant_id,
            flow="hr.employee.pull",
            entity_type="employee",
            external_id="e1",
            fortnox_id="3",
            fields=fields,
            now=NOW,
        )
        again = repo.open_or_update(
            tenant_id,
            flow="hr.employee.pull",
            entity_type="employee",
            external_id="e1",
            fortnox_id="3",
            fields={**fields, "phone1": {}},
            now=NOW,
        )
        assert again.id == opened.id
        assert set(repo.open_for_entity(tenant_id, "employee")["e1"].fields) == {"city", "phone1"}
        repo.resolve(again, "bridge", now=NOW)
        assert repo.open(tenant_id) == []


def test_notification_log_and_leases(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    with sessions.begin() as session:
        log = NotificationRepository(session)
        log.log(
            tenant_id,
            kind="digest",
            subject="s",
            recipients=["a@b.se"],
            status="failed",
            now=NOW,
            error="refused",
        )
        log.log(
            tenant_id,
            kind="digest",
            subject="s",
            recipients=["a@b.se"],
            status="sent",
            now=NOW,
            digest_key="abc",
        )
        last = log.last(tenant_id, "digest")
        assert last is not None
        assert last.digest_key == "abc"
        assert len(log.for_tenant(tenant_id)) == 2
    later = NOW + timedelta(minutes=10)
    with sessions.begin() as session:
        assert LeaseRepository(session).acquire("sweep:1", "w1", until=later, now=NOW)
    with sessions.begin() as session:
        assert not LeaseRepository(session).acquire("sweep:1", "w2", until=later, now=NOW)
        assert LeaseRepository(session).acquire("sweep:1", "w1", until=later, now=NOW)  # renew
    with sessions.begin() as session:  # expired: anyone may take it
        assert LeaseRepository(session).acquire("sweep:1", "w2", until=later, now=later)
        LeaseRepository(session).release("sweep:1", "w2")
    with sessions.begin() as session:
        assert LeaseRepository(session).acquire("sweep:1", "w3", until=later, now=NOW)


def test_dirty_records_are_only_those_that_need_a_look(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    with sessions.begin() as session:
        mirror, links = MirrorRepository(session), LinkRepository(session)
        for n in range(1, 6):
            mirror.upsert(tenant_id, "employee", f"e{n}", {"n": n}, now=NOW)
        for n in (1, 2, 3, 4):
            links.save(
                tenant_id,
                "employee",
                f"e{n}",
                fortnox_id=str(n),
                version=1,
                snapshot={},
                snapshot_hash="h",
                now=NOW,
            )
        mirror.upsert(tenant_id, "employee", "e2", {"n": 22}, now=NOW)  # changed
        links.save(
            tenant_id,
            "employee",
            "e3",
            fortnox_id="3",
            version=1,
            snapshot={},
            snapshot_hash="h",
            now=NOW,
            state="stale",
        )
        mirror.delete(tenant_id, "employee", "e4", now=NOW)  # deleted, still in Fortnox
    with sessions.begin() as session:
        mirror = MirrorRepository(session)
        dirty = [
            r.external_id for r, _ in mirror.with_links(tenant_id, "employee", only_dirty=True)
        ]
        assert dirty == ["e2", "e3", "e4", "e5"]
        every = mirror.with_links(tenant_id, "employee")
        assert len(every) == 5
        assert [link is None for _, link in every] == [False, False, False, False, True]
        assert [
            r.external_id
            for r, _ in mirror.with_links(tenant_id, "employee", external_ids=["e5", "e1"])
        ] == ["e1", "e5"]
        assert mirror.delete(tenant_id, "employee", "nope", now=NOW) is None
        link = LinkRepository(session).get(tenant_id, "employee", "e4")
        assert link is not None
        link.state = "deleted"
    with sessions.begin() as session:
        dirty = MirrorRepository(session).with_links(tenant_id, "employee", only_dirty=True)
        assert [r.external_id for r, _ in dirty] == ["e2", "e3", "e5"]


def test_links_created_in_an_interval(sessions: sessionmaker[Session]) -> None:
    tenant_id = _tenant(sessions)
    with sessions.begin() as session:
        links = LinkRepository(session)
        for day, origin in ((1, "created"), (15, "created"), (20, "matched"), (31, "created")):
            links.save(
                tenant_id,
                "time_entry",
                f"t{day}",
                fortnox_id=f"f{day}",
                version=1,
                snapshot={},
                snapshot_hash="h",
                now=NOW,
                origin=origin,
                record_date=date(2026, 1, day),
            )
        links.save(
            tenant_id,
            "time_entry",
            "t1",
            fortnox_id="f1",
            version=2,
            snapshot={},
            snapshot_hash="h",
            now=NOW,
        )  # origin kept
    with sessions.begin() as session:
        links = LinkRepository(session)
        found = links.created_between(tenant_id, "time_entry", date(2026, 1, 1), date(2026, 1, 20))
        assert [link.external_id for link in found] == ["t1", "t15"]
        assert links.fortnox_ids(tenant_id, "time_entry", ["t1", "t99"]) == {"t1": "f1"}
        assert set(links.by_fortnox_id(tenant_id, "time_entry")) == {"f1", "f15", "f20", "f31"}
