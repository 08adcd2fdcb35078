"""The store on SQLite and PostgreSQL: migrations, tenants and keys, mirror versions, links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.store.db import migrate, open_engine
from fortnox_bridge.store.events import EventRepository, NewEvent
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import ApiKey, Base
from fortnox_bridge.store.problems import REFERENCE_LENGTH, ProblemReport, ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_migration_creates_the_tables_and_is_repeatable(db_url: str) -> None:
    engine = open_engine(db_url)
    migrate(engine)
    migrate(engine)  # a second start finds nothing to do
    tables = set(inspect(engine).get_table_names())
    assert {"tenants", "api_keys", "mirror_records", "links", "alembic_version"} <= tables
    engine.dispose()


def test_migrations_build_exactly_the_schema_the_models_declare(db_url: str) -> None:
    engine = open_engine(db_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], "a model changed without a migration (or the reverse)"


def test_api_keys_are_hashed_and_resolve_to_their_tenant(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Bygg AB", now=NOW)
        key = tenants.issue_api_key(tenant, label="host", now=NOW)
    assert key.startswith("fbk_")
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        found = tenants.tenant_for_api_key(key)
        assert found is not None
        assert found.name == "Bygg AB"
        assert tenants.tenant_for_api_key(key + "x") is None
        assert tenants.tenant_for_api_key("not-a-key") is None
        stored = session.query(ApiKey).one()
        assert key not in stored.key_hash
        stored.revoked_at = NOW
    with sessions.begin() as session:
        assert TenantRepository(session).tenant_for_api_key(key) is None


def test_tenant_names_are_unique(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        TenantRepository(session).create("Bygg AB", now=NOW)
    with pytest.raises(IntegrityError), sessions.begin() as session:
        TenantRepository(session).create("Bygg AB", now=NOW)


def test_mirror_version_grows_only_on_real_changes(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("A", now=NOW)
        mirror = MirrorRepository(session)
        outcomes = []
        for payload in ({"email": "a@b.se"}, {"email": "a@b.se"}, {"email": "c@d.se"}):
            result = mirror.upsert(tenant.id, "employee", "e1", payload, now=NOW)
            outcomes.append((result.outcome, result.record.version))
        assert outcomes == [("created", 1), ("unchanged", 1), ("updated", 2)]
        other = mirror.upsert(tenant.id, "employee", "e0", {"email": "x@y.se"}, now=NOW)
        assert other.outcome == "created"
        live = mirror.live(tenant.id, "employee")
        assert [r.external_id for r in live] == ["e0", "e1"]
        assert live[1].payload == {"email": "c@d.se"}
        assert mirror.live(tenant.id, "customer") == []


def test_mirror_keeps_unicode_payloads(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Åäö AB", now=NOW)
        MirrorRepository(session).upsert(
            tenant.id, "employee", "ö-1", {"given_name": "Åsa", "city": "Örebro"}, now=NOW
        )
    with sessions.begin() as session:
        record = MirrorRepository(session).get(tenant.id, "employee", "ö-1")
        assert record is not None
        assert record.payload == {"given_name": "Åsa", "city": "Örebro"}


def test_links_are_saved_moved_and_forgotten(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("A", now=NOW)
        links = LinkRepository(session)
        links.save(
            tenant.id,
            "employee",
            "e1",
            fortnox_id="7",
            version=1,
            snapshot={"a": 1},
            snapshot_hash="h1",
            now=NOW,
        )
        links.save(
            tenant.id,
            "employee",
            "e1",
            fortnox_id="7",
            version=2,
            snapshot={"a": 2},
            snapshot_hash="h2",
            now=NOW,
        )
        by_id = links.by_external_id(tenant.id, "employee")
        assert list(by_id) == ["e1"]
        assert (by_id["e1"].synced_version, by_id["e1"].snapshot) == (2, {"a": 2})
        assert links.forget_tenant(tenant.id) == 1
        assert links.by_external_id(tenant.id, "employee") == {}


def test_events_are_numbered_per_tenant_and_read_after_a_cursor(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        a, b = tenants.create("A", now=NOW), tenants.create("B", now=NOW)
        events = EventRepository(session)
        for n in range(3):
            events.append(a.id, "record.changed", data={"n": n}, now=NOW, entity_type="employee")
        events.append(b.id, "operation.failed", data={}, now=NOW)
        ids = (a.id, b.id)
    with sessions.begin() as session:
        events = EventRepository(session)
        assert [(e.seq, e.data["n"]) for e in events.after(ids[0], 0, limit=10)] == [
            (1, 0),
            (2, 1),
            (3, 2),
        ]
        assert [e.seq for e in events.after(ids[0], 1, limit=1)] == [2]
        assert [e.type for e in events.after(ids[1], 0, limit=10)] == ["operation.failed"]
        assert events.after(ids[0], 0, limit=10, types=frozenset({"operation.failed"})) == []
        assert (events.last_seq(ids[0]), events.last_seq(ids[1])) == (3, 1)
        # Many at once: numbered on from the last, in the order given, with one update.
        added = events.append_many(
            ids[0], [NewEvent("operation.succeeded", {"n": n}) for n in (3, 4, 5)], now=NOW
        )
        assert [e.seq for e in added] == [4, 5, 6]
        assert events.append_many(ids[0], [], now=NOW) == []
        events.append(ids[0], "record.changed", data={"n": 6}, now=NOW)
    with sessions.begin() as session:
        found = EventRepository(session).after(ids[0], 3, limit=10)
        assert [(e.seq, e.data["n"]) for e in found] == [(4, 3), (5, 4), (6, 5), (7, 6)]


def test_a_problem_with_a_long_reference_is_kept_with_the_reference_shortened(
    sessions: sessionmaker[Session],
) -> None:
    # A record's name may be long (a supplier's name up to 1,024 characters); the run that
    # reports its problem must not fail on the column's 400 characters.
    reference = "supplier s1 (" + "Byggleverantören " * 60 + ")"
    report = ProblemReport(
        dedupe_key="projects.project_supplier.push:s1:failed",
        flow="projects.project_supplier.push",
        entity_type="project_supplier",
        external_id="s1",
        reference=reference,
        message="Fortnox refused the supplier",
    )
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Lång AB", now=NOW)
        problem, first = ProblemRepository(session).record(tenant.id, report, now=NOW)
        assert first
        assert len(problem.reference) == REFERENCE_LENGTH
        assert problem.reference.startswith("supplier s1 (Byggleverantören ")
        assert problem.reference.endswith("…")
