"""API keys and tenant management, on SQLite and PostgreSQL: keys shown once and stored hashed,
read and read-write scopes, revocation, ``last_used_at`` at most once a minute, admin keys for
``/api/v1/tenants``, the tenant's own settings, and the ``keys`` / ``admin-keys`` commands."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app as cli_app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import AdminKey, ApiKey, Base, Tenant
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import RunRepository
from fortnox_bridge.store.tenants import AdminKeyRepository, TenantRepository
from integration.bridge_api import api_app


@dataclass
class Keys:
    """Two tenants (Alfa, Beta) and keys of each kind."""

    alfa: int
    beta: int
    writer: str
    writer_id: int
    reader: str
    reader_id: int
    beta_key: str
    beta_key_id: int
    admin: str


@pytest.fixture
def keys(sessions: sessionmaker[Session], clock: ManualClock) -> Keys:
    now = clock.now()
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        alfa = tenants.create("Alfa AB", now=now)
        beta = tenants.create("Beta AB", now=now)
        writer = tenants.create_api_key(alfa.id, label="host", now=now)
        reader = tenants.create_api_key(alfa.id, label="reports", now=now, scope="read")
        other = tenants.create_api_key(beta.id, label="host", now=now)
        admin = AdminKeyRepository(session).issue(label="ops", now=now)
        return Keys(
            alfa.id,
            beta.id,
            writer.key,
            writer.id,
            reader.key,
            reader.id,
            other.key,
            other.id,
            admin.key,
        )


@pytest.fixture
async def api(
    sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    app = api_app(sessions, clock=clock)
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app)
    ) as client:
        yield client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def test_a_new_key_is_shown_once_listed_without_secrets_and_works(
    api: httpx.AsyncClient, keys: Keys, sessions: sessionmaker[Session]
) -> None:
    created = await api.post(
        "/api/v1/api-keys",
        json={"label": "payroll export", "scope": "read"},
        headers=auth(keys.writer),
    )
    assert created.status_code == 201
    new = created.json()
    assert new["key"].startswith("fbk_")
    assert (new["label"], new["scope"], new["prefix"]) == (
        "payroll export",
        "read",
        new["key"][:12],
    )
    assert new["revoked_at"] is None

    listed = await api.get("/api/v1/api-keys", headers=auth(keys.writer))
    assert listed.status_code == 200
    page = listed.json()
    assert page["next_cursor"] is None
    assert [(k["label"], k["scope"]) for k in page["data"]] == [
        ("host", "read_write"),
        ("reports", "read"),
        ("payroll export", "read"),
    ]
    assert all("key" not in k and "key_hash" not in k for k in page["data"])
    for secret in (new["key"], sha256(new["key"]), keys.writer, sha256(keys.writer)):
        assert secret not in listed.text
    with sessions.begin() as session:
        stored = session.get(ApiKey, new["id"])
        assert stored is not None
        assert stored.key_hash == sha256(new["key"])

    own = await api.get("/api/v1/tenant", headers=auth(new["key"]))
    assert (own.status_code, own.json()["name"]) == (200, "Alfa AB")
    refused = await api.patch("/api/v1/tenant", json={"digest": "daily"}, headers=auth(new["key"]))
    assert (refused.status_code, refused.json()["error"]) == (403, "read_only_key")


async def test_read_keys_cannot_manage_keys(api: httpx.AsyncClient, keys: Keys) -> None:
    for method, path, body in (
        ("GET", "/api/v1/api-keys", None),
        ("POST", "/api/v1/api-keys", {"label": "x"}),
        ("DELETE", f"/api/v1/api-keys/{keys.writer_id}", None),
    ):
        answer = await api.request(method, path, json=body, headers=auth(keys.reader))
        assert (answer.status_code, answer.json()["error"]) == (403, "read_only_key"), path
    assert (await api.get("/api/v1/tenant", headers=auth(keys.writer))).status_code == 200


async def test_a_revoked_key_stops_at_once_and_other_tenants_keys_are_out_of_reach(
    api: httpx.AsyncClient, keys: Keys, clock: ManualClock
) -> None:
    revoked = await api.delete(f"/api/v1/api-keys/{keys.reader_id}", headers=auth(keys.writer))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] == clock.now().isoformat().replace("+00:00", "Z")
    after = await api.get("/api/v1/tenant", headers=auth(keys.reader))
    assert (after.status_code, after.json()["error"]) == (401, "invalid_api_key")
    clock.advance(60)
    again = await api.delete(f"/api/v1/api-keys/{keys.reader_id}", headers=auth(keys.writer))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # the first time is kept

    foreign = await api.delete(f"/api/v1/api-keys/{keys.beta_key_id}", headers=auth(keys.writer))
    assert (foreign.status_code, foreign.json()["error"]) == (404, "not_found")
    beta = await api.get("/api/v1/tenant", headers=auth(keys.beta_key))
    assert (beta.status_code, beta.json()["name"]) == (200, "Beta AB")


async def test_a_key_revokes_itself_only_while_another_write_key_remains(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    alone = await api.delete(f"/api/v1/api-keys/{keys.writer_id}", headers=auth(keys.writer))
    assert (alone.status_code, alone.json()["error"]) == (409, "last_write_key")
    assert (await api.get("/api/v1/tenant", headers=auth(keys.writer))).status_code == 200

    second = (
        await api.post("/api/v1/api-keys", json={"label": "rotated"}, headers=auth(keys.writer))
    ).json()
    rotated = await api.delete(f"/api/v1/api-keys/{keys.writer_id}", headers=auth(keys.writer))
    assert rotated.status_code == 200
    assert (await api.get("/api/v1/tenant", headers=auth(keys.writer))).status_code == 401
    assert (await api.get("/api/v1/tenant", headers=auth(second["key"]))).status_code == 200


async def test_last_used_moves_at_most_once_a_minute(
    api: httpx.AsyncClient, keys: Keys, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    engine = sessions.kw["bind"]
    updates: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_KEYS"):
            updates.append(statement)

    def last_used() -> Any:
        with sessions.begin() as session:
            return session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == keys.writer_id))

    started = clock.now()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(10):
            assert (await api.get("/api/v1/tenant", headers=auth(keys.writer))).status_code == 200
            clock.advance(5)  # ten requests within 50 seconds
        assert last_used() == started
        assert len(updates) == 1  # one write for ten requests
        clock.advance(15)  # 65 s after the first use
        await api.get("/api/v1/tenant", headers=auth(keys.writer))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert last_used() == clock.now()
    assert len(updates) == 2


async def test_admin_keys_manage_tenants_and_tenant_keys_may_not(
    api: httpx.AsyncClient, keys: Keys, sessions: sessionmaker[Session]
) -> None:
    admin = auth(keys.admin)
    body = {
        "name": "Gamma AB",
        "conflict_policy": "bridge_wins",
        "sweep_interval_minutes": 60,
        "recipients": ["ekonomi@gamma.se"],
        "digest": "per_run",
    }
    created = await api.post("/api/v1/tenants", json=body, headers=admin)
    assert created.status_code == 201
    gamma = created.json()
    assert {k: gamma[k] for k in body} == body
    assert gamma["connection"] == "not_connected"
    duplicate = await api.post("/api/v1/tenants", json={"name": "Gamma AB"}, headers=admin)
    assert (duplicate.status_code, duplicate.json()["error"]) == (409, "name_taken")

    listed = (await api.get("/api/v1/tenants", headers=admin)).json()
    assert [t["name"] for t in listed["data"]] == ["Alfa AB", "Beta AB", "Gamma AB"]
    one = await api.get(f"/api/v1/tenants/{gamma['id']}", headers=admin)
    assert one.json() == gamma
    changed = await api.patch(
        f"/api/v1/tenants/{gamma['id']}", json={"digest": "daily"}, headers=admin
    )
    assert (changed.json()["digest"], changed.json()["sweep_interval_minutes"]) == ("daily", 60)
    bad = await api.patch(
        f"/api/v1/tenants/{gamma['id']}", json={"conflict_policy": "coin_toss"}, headers=admin
    )
    assert bad.status_code == 422
    with sessions.begin() as session:
        stored = session.get(Tenant, gamma["id"])
        assert stored is not None
        assert (stored.digest, stored.conflict_policy) == ("daily", "bridge_wins")
    assert (await api.get("/api/v1/tenants/999999", headers=admin)).status_code == 404

    issued = await api.post(
        f"/api/v1/tenants/{gamma['id']}/api-keys", json={"label": "host"}, headers=admin
    )
    assert issued.status_code == 201
    own = await api.get("/api/v1/tenant", headers=auth(issued.json()["key"]))
    assert own.json()["name"] == "Gamma AB"

    for method, path in (
        ("GET", "/api/v1/tenants"),
        ("POST", "/api/v1/tenants"),
        ("GET", f"/api/v1/tenants/{keys.alfa}"),
        ("DELETE", f"/api/v1/tenants/{keys.beta}"),
    ):
        refused = await api.request(method, path, json={"name": "X"}, headers=auth(keys.writer))
        assert (refused.status_code, refused.json()["error"]) == (403, "admin_key_required")
    as_tenant = await api.get("/api/v1/tenant", headers=admin)
    assert (as_tenant.status_code, as_tenant.json()["error"]) == (401, "invalid_api_key")
    assert "admin key" in as_tenant.json()["detail"]
    assert (await api.get("/api/v1/tenants", headers=auth("fba_unknown"))).status_code == 401

    with sessions.begin() as session:
        row = session.scalars(select(AdminKey)).one()
        AdminKeyRepository(session).revoke(row, now=row.created_at)
    assert (await api.get("/api/v1/tenants", headers=admin)).status_code == 401


def _rows_of(session: Session, tenant_id: int) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        if "tenant_id" in table.c:
            counts[table.name] = session.scalar(
                select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            )
    return {name: n for name, n in counts.items() if n}


async def test_removing_a_tenant_removes_all_it_owns_but_not_while_connected(
    api: httpx.AsyncClient, keys: Keys, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        gamma = TenantRepository(session).create("Gamma AB", now=now).id
        TenantRepository(session).create_api_key(gamma, label="host", now=now)
        MirrorRepository(session).upsert(gamma, "employee", "e1", {"email": "a@g.se"}, now=now)
        RunRepository(session).start(gamma, "sweep", now=now)
        ProblemRepository(session).record(
            gamma, ProblemReport("k", "hr.employee.push", "employee", "e1", "e1", "no"), now=now
        )
        connections = ConnectionRepository(session)
        connection = connections.create(gamma, "gamma-token", now=now)
        connections.record_transition(connection, "active", "test", now=now)
        alfa_before = _rows_of(session, keys.alfa)
    admin = auth(keys.admin)
    kept = await api.delete(f"/api/v1/tenants/{gamma}", headers=admin)
    assert (kept.status_code, kept.json()["error"]) == (409, "tenant_connected")
    with sessions.begin() as session:
        assert _rows_of(session, gamma).keys() >= {"api_keys", "mirror_records", "runs"}
    removed = await api.delete(f"/api/v1/tenants/{gamma}?force=true", headers=admin)
    assert removed.status_code == 204
    with sessions.begin() as session:
        assert session.get(Tenant, gamma) is None
        assert _rows_of(session, gamma) == {}
        assert _rows_of(session, keys.alfa) == alfa_before
    assert (await api.delete(f"/api/v1/tenants/{gamma}", headers=admin)).status_code == 404


async def test_a_tenant_reads_and_changes_its_own_settings(
    api: httpx.AsyncClient, keys: Keys, sessions: sessionmaker[Session]
) -> None:
    writer = auth(keys.writer)
    own = (await api.get("/api/v1/tenant", headers=auth(keys.reader))).json()
    assert (own["id"], own["conflict_policy"], own["sweep_interval_minutes"]) == (
        keys.alfa,
        "ask",
        30,
    )
    changed = await api.patch(
        "/api/v1/tenant",
        json={"recipients": ["lon@alfa.se", "it@alfa.se"], "sweep_interval_minutes": 15},
        headers=writer,
    )
    assert changed.status_code == 200
    assert changed.json()["recipients"] == ["lon@alfa.se", "it@alfa.se"]
    with sessions.begin() as session:
        stored = session.get(Tenant, keys.alfa)
        assert stored is not None
        assert (stored.notify_emails, stored.sweep_interval_minutes) == (
            ["lon@alfa.se", "it@alfa.se"],
            15,
        )
    taken = await api.patch("/api/v1/tenant", json={"name": "Beta AB"}, headers=writer)
    assert (taken.status_code, taken.json()["error"]) == (409, "name_taken")
    for bad in ({"recipients": ["not-an-address"]}, {"sweep_interval_minutes": 0}, {"x": 1}):
        assert (await api.patch("/api/v1/tenant", json=bad, headers=writer)).status_code == 422
    with sessions.begin() as session:
        stored = session.get(Tenant, keys.alfa)
        assert stored is not None
        assert (stored.name, stored.sweep_interval_minutes) == ("Alfa AB", 15)


@pytest.fixture
def cli(tmp_path: Path, migrated_url: str) -> Iterator[Any]:
    env = {"FORTNOX_BRIDGE_DATABASE_URL": migrated_url, "COLUMNS": "200"}

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(cli_app, [*args, "--data-dir", str(tmp_path / "var")], env=env)

    return invoke


def test_keys_and_admin_keys_from_the_command_line(
    cli: Any, keys: Keys, sessions: sessionmaker[Session]
) -> None:
    created = cli("keys", "create", "--tenant", "Alfa AB", "--scope", "read", "--label", "bi")
    assert created.exit_code == 0, created.output
    found = re.search(r"Key \(shown once\): (fbk_\S+)", created.output)
    assert found is not None
    key = found.group(1)
    with sessions.begin() as session:
        caller = TenantRepository(session).caller_for_api_key(key)
        assert caller is not None
        tenant, key_id, scope = caller
        assert (tenant.name, scope) == ("Alfa AB", "read")

    listed = cli("keys", "list", "--tenant", str(keys.alfa))
    assert listed.exit_code == 0, listed.output
    assert key[:12] in listed.output
    assert key not in listed.output
    assert sha256(key) not in listed.output
    assert re.search(rf"{key_id}\s+│\s+bi\s+│\s+{re.escape(key[:12])}\s+│\s+read\s", listed.output)

    revoked = cli("keys", "revoke", str(key_id))
    assert revoked.exit_code == 0, revoked.output
    with sessions.begin() as session:
        assert TenantRepository(session).caller_for_api_key(key) is None

    assert cli("keys", "create", "--tenant", "Nobody AB").exit_code == 2
    assert cli("keys", "create", "--tenant", "Alfa AB", "--scope", "admin").exit_code == 2
    assert cli("keys", "revoke", "999999").exit_code == 2

    made = cli("admin-keys", "create", "--label", "ops-2")
    assert made.exit_code == 0, made.output
    admin = re.search(r"Key \(shown once\): (fba_\S+)", made.output)
    assert admin is not None
    with sessions.begin() as session:
        row = AdminKeyRepository(session).for_key(admin.group(1))
        assert row is not None
        admin_id = row.id
    admins = cli("admin-keys", "list")
    assert admins.exit_code == 0
    assert "ops-2" in admins.output
    assert admin.group(1) not in admins.output
    assert cli("admin-keys", "revoke", str(admin_id)).exit_code == 0
    with sessions.begin() as session:
        assert AdminKeyRepository(session).for_key(admin.group(1)) is None
