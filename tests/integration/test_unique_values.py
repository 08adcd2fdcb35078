"""Unique host values kept by the database (SQLite and PostgreSQL): normalised spellings collide,
a deleted record frees its values, the API's 422 when the look before the write missed, a pull
that would repeat a value, and the migration that fills the table from existing records."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.store.db import alembic_config, migrate, open_engine, session_factory
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.mirror_bulk import Write
from fortnox_bridge.store.models import ChangeOperation, MirrorRecord, UniqueValue
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.unique import UniqueValueRepository, ValueTaken
from integration.bridge_api import api_app

from .conftest import employee

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KARIN = {
    "email": "Karin.Ek@Example.se",
    "given_name": "Karin",
    "family_name": "Ek",
    "phone": "070-000 00 01",
    "employment_id": "A-1",
}


def held(sessions: sessionmaker[Session]) -> list[tuple[int, str, str, str]]:
    """Every kept unique value: ``(tenant, field, value, holder)``."""
    with sessions.begin() as session:
        rows = session.execute(
            select(
                UniqueValue.tenant_id, UniqueValue.field, UniqueValue.value, UniqueValue.external_id
            ).order_by(UniqueValue.tenant_id, UniqueValue.field, UniqueValue.value)
        )
        return [(int(t), str(f), str(v), str(e)) for t, f, v, e in rows]


def live(sessions: sessionmaker[Session], tenant_id: int) -> dict[str, dict[str, Any]]:
    with sessions.begin() as session:
        return {
            r.external_id: dict(r.payload)
            for r in MirrorRepository(session).live(tenant_id, "employee")
        }


@pytest.fixture
def tenant_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create("Unik AB", now=NOW).id


def upsert(
    sessions: sessionmaker[Session], tenant_id: int, external_id: str, payload: dict[str, Any]
) -> str:
    with sessions.begin() as session:
        return (
            MirrorRepository(session)
            .upsert(tenant_id, "employee", external_id, payload, now=NOW)
            .outcome
        )


# -- the store ---------------------------------------------------------------------------------


def test_two_spellings_of_one_value_collide_and_nothing_of_the_loser_stays(
    sessions: sessionmaker[Session], tenant_id: int
) -> None:
    upsert(sessions, tenant_id, "e1", KARIN)
    assert held(sessions) == [
        (tenant_id, "email", "karin.ek@example.se", "e1"),
        (tenant_id, "employment_id", "A-1", "e1"),
        (tenant_id, "phone", "+46700000001", "e1"),
    ]
    with pytest.raises(ValueTaken) as email:
        upsert(sessions, tenant_id, "e2", {"email": "  KARIN.EK@example.SE", "phone": "0701"})
    (taken,) = email.value.taken
    assert (taken.external_id, taken.field, taken.given, taken.value, taken.holder) == (
        "e2",
        "email",
        "  KARIN.EK@example.SE",
        "karin.ek@example.se",
        "e1",
    )
    with pytest.raises(ValueTaken, match="employee 'e1' has it") as phone:
        upsert(sessions, tenant_id, "e2", {"email": "e2@example.se", "phone": "+46 70-000 00 01"})
    assert [(t.field, t.value) for t in phone.value.taken] == [("phone", "+46700000001")]
    assert list(live(sessions, tenant_id)) == ["e1"]
    assert len(held(sessions)) == 3  # e2's free e-mail address was not kept either


def test_a_record_may_change_the_spelling_of_its_own_values(
    sessions: sessionmaker[Session], tenant_id: int
) -> None:
    upsert(sessions, tenant_id, "e1", KARIN)
    before = held(sessions)
    respelt = {**KARIN, "email": "KARIN.EK@EXAMPLE.SE", "phone": "+46 70 000 00 01"}
    assert upsert(sessions, tenant_id, "e1", respelt) == "updated"
    assert held(sessions) == before
    assert upsert(sessions, tenant_id, "e1", {**respelt, "phone": "08-555 12 12"}) == "updated"
    assert (tenant_id, "phone", "+4685551212", "e1") in held(sessions)
    assert (tenant_id, "phone", "+46700000001", "e1") not in held(sessions)
    assert upsert(sessions, tenant_id, "e2", {"email": "e2@x.se", "phone": "0700000001"})


def test_a_deleted_record_frees_its_values_and_takes_them_again_when_restored(
    sessions: sessionmaker[Session], tenant_id: int
) -> None:
    upsert(sessions, tenant_id, "e1", KARIN)
    with sessions.begin() as session:
        MirrorRepository(session).delete(tenant_id, "employee", "e1", now=NOW)
    assert held(sessions) == []
    assert upsert(sessions, tenant_id, "e2", {**KARIN, "email": "karin.ek@example.se"})
    with pytest.raises(ValueTaken, match="employee 'e2' has it"):
        upsert(sessions, tenant_id, "e1", KARIN)  # restoring e1: its values went to e2
    assert upsert(sessions, tenant_id, "e1", {"email": "ny@example.se"}) == "updated"
    assert sorted(live(sessions, tenant_id)) == ["e1", "e2"]


def test_values_are_unique_per_tenant_and_field(
    sessions: sessionmaker[Session], tenant_id: int
) -> None:
    with sessions.begin() as session:
        other = TenantRepository(session).create("Annan AB", now=NOW).id
    upsert(sessions, tenant_id, "e1", KARIN)
    upsert(sessions, other, "e1", KARIN)  # another tenant's employees are no competition
    upsert(sessions, tenant_id, "e2", {"email": "e2@x.se", "employment_id": "0700000001"})
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        found = tenants.get(other)
        assert found is not None
        tenants.delete(found)
    assert {row[0] for row in held(sessions)} == {tenant_id}


def test_a_bulk_write_names_every_value_another_record_holds(
    sessions: sessionmaker[Session], tenant_id: int
) -> None:
    upsert(sessions, tenant_id, "e1", KARIN)
    writes = [
        Write("n1", {"email": "n1@x.se", "phone": "070-000 00 01"}),
        Write("n2", {"email": "KARIN.EK@example.se"}),
        Write("n3", {"email": "n3@x.se"}),
    ]
    with sessions.begin() as session:
        mirror = MirrorRepository(session)
        with pytest.raises(ValueTaken) as taken:
            mirror.write_many(tenant_id, "employee", writes, existing={}, now=NOW)
        session.rollback()
    assert sorted((t.external_id, t.field, t.holder) for t in taken.value.taken) == [
        ("n1", "phone", "e1"),
        ("n2", "email", "e1"),
    ]
    assert list(live(sessions, tenant_id)) == ["e1"]
    with sessions.begin() as session:
        mirror = MirrorRepository(session)
        written = mirror.write_many(tenant_id, "employee", writes[2:], existing={}, now=NOW)
    assert [w.outcome for w in written] == ["created"]
    with sessions.begin() as session:
        holders = UniqueValueRepository(session).holders(
            tenant_id, "employee", {"email": ["n3@x.se", "karin.ek@example.se", "nobody@x.se"]}
        )
    assert holders == {("email", "n3@x.se"): "n3", ("email", "karin.ek@example.se"): "e1"}


# -- the API -----------------------------------------------------------------------------------


@pytest.fixture
async def api(sessions: sessionmaker[Session], tenant_id: int) -> AsyncIterator[httpx.AsyncClient]:
    with sessions.begin() as session:
        key = TenantRepository(session).create_api_key(tenant_id, label="t", now=NOW).key
    app = api_app(sessions, clock=ManualClock(NOW))
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as client:
        yield client


async def test_a_phone_number_in_another_spelling_is_refused_with_its_path(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/api/v1/employees/e1", json=KARIN)
    other = {**KARIN, "email": "other@example.se", "employment_id": "a-1", "phone": "0702"}
    taken = await api.put("/api/v1/employees/e2", json={**other, "phone": "+46 70 000 00 01"})
    assert taken.status_code == 422
    (error,) = taken.json()["errors"]
    assert (error["path"], error["type"]) == ("$.phone", "unique")
    assert error["message"] == (
        "phone '+46 70 000 00 01' is already used by employee 'e1' (phone numbers are compared "
        "in international form: both are '+46700000001'); each employee needs its own phone: "
        "send another one, or change or delete employee 'e1' first"
    )
    # employment ids are compared as given: a-1 is not A-1
    assert (await api.put("/api/v1/employees/e2", json=other)).status_code == 201
    patched = await api.patch("/api/v1/employees/e2", json={"email": "KARIN.EK@example.se"})
    assert (patched.status_code, patched.json()["errors"][0]["path"]) == (422, "$.email")


async def test_the_database_refuses_a_value_the_look_before_the_write_missed(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    tenant_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As if another request took the values between the look and the write."""
    await api.put("/api/v1/employees/e1", json=KARIN)
    monkeypatch.setattr(UniqueValueRepository, "holders", lambda *args, **kwargs: {})

    one = await api.put("/api/v1/employees/e2", json={**KARIN, "employment_id": "B-2"})
    assert one.status_code == 422
    assert [(e["path"], e["type"]) for e in one.json()["errors"]] == [
        ("$.email", "unique"),
        ("$.phone", "unique"),
    ]
    assert "already used by employee 'e1'" in one.json()["errors"][0]["message"]

    batch = await api.post(
        "/api/v1/employees:batch",
        json={
            "records": [
                {"external_id": "n1", "data": employee(11)},
                {"external_id": "n2", "data": {**employee(12), "email": "karin.ek@EXAMPLE.se"}},
                {"external_id": "n3", "data": employee(13)},
            ]
        },
    )
    assert batch.status_code == 200
    results = batch.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert [(e["path"], e["type"]) for e in results[1]["errors"]] == [
        ("$.records[1].data.email", "unique")
    ]
    assert sorted(live(sessions, tenant_id)) == ["e1", "n1", "n3"]
    with sessions.begin() as session:
        changed = session.scalars(select(ChangeOperation.external_id)).all()
        assert sorted(changed) == ["e1", "n1", "n3"]  # nothing of the losers was stored


# -- a pull that would repeat a value ----------------------------------------------------------


async def test_a_fortnox_change_that_would_repeat_a_value_fails_that_employee_only(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
) -> None:
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            tenant, "hr.employee.pull", enabled=True, settings={}, now=clock.now()
        )
        mirror = MirrorRepository(session)
        for number in (1, 2):
            mirror.upsert(tenant, "employee", f"e{number}", employee(number), now=clock.now())
    runner = Runner(sessions, clock=clock, flows=[EmployeePull, EmployeePush])
    assert (await runner.run_cycle(tenant, engine_client)).total("created") == 2

    await engine_client.employees.update("2", {"phone1": "+46 70 000 00 01", "city": "Lund"})
    summary = await runner.run_cycle(tenant, engine_client)
    pull = next(result for result in summary.flows if result.flow == "hr.employee.pull")
    (failed,) = pull.failures
    assert failed.external_id == "e2"
    assert "employee 'e2' cannot have phone '+46 70 000 00 01': employee 'e1' has it" in (
        failed.message or ""
    )
    host = live(sessions, tenant)
    assert (host["e1"]["phone"], host["e2"]["phone"]) == ("070-000 00 01", "070-000 00 02")
    assert "city" not in host["e2"]  # nothing of that change was taken over


# -- the migration -----------------------------------------------------------------------------


def test_the_migration_keeps_the_oldest_holder_of_a_shared_value_and_warns(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = open_engine(db_url)
    config = alembic_config(engine)
    command.upgrade(config, "0006")
    tenants = sa.table(
        "tenants", sa.column("id"), sa.column("name"), sa.column("created_at", sa.DateTime())
    )
    records = sa.table(
        "mirror_records",
        sa.column("tenant_id"),
        sa.column("entity_type"),
        sa.column("external_id"),
        sa.column("payload", sa.JSON()),
        sa.column("version"),
        sa.column("deleted", sa.Boolean()),
        sa.column("updated_at", sa.DateTime()),
    )
    rows = [
        (1, "employee", "e1", {"email": "Karin@x.se", "phone": "070-000 00 01"}, False),
        (1, "employee", "e2", {"email": "karin@X.se", "employment_id": "7"}, False),
        (1, "employee", "e3", {"email": "karin@x.se"}, True),  # deleted: holds nothing
        (1, "employee", "e4", {"email": "e4@x.se", "phone": "+46700000001"}, False),
        (1, "absence", "a1", {"employee": "e1"}, False),
        (2, "employee", "b1", {"email": "karin@x.se"}, False),
    ]
    with engine.begin() as connection:
        connection.execute(
            sa.insert(tenants),
            [{"id": n, "name": f"T{n}", "created_at": NOW} for n in (1, 2)],
        )
        connection.execute(
            sa.insert(records),
            [
                {
                    "tenant_id": tenant,
                    "entity_type": entity,
                    "external_id": external_id,
                    "payload": payload,
                    "version": 1,
                    "deleted": deleted,
                    "updated_at": NOW,
                }
                for tenant, entity, external_id, payload, deleted in rows
            ],
        )
    with caplog.at_level(logging.WARNING, logger="fortnox_bridge.store.migrations"):
        migrate(engine)
    sessions = session_factory(engine)
    assert held(sessions) == [
        (1, "email", "e4@x.se", "e4"),
        (1, "email", "karin@x.se", "e1"),
        (1, "employment_id", "7", "e2"),
        (1, "phone", "+46700000001", "e1"),
        (2, "email", "karin@x.se", "b1"),
    ]
    warnings = [r.getMessage() for r in caplog.records if r.name.endswith("migrations")]
    assert warnings == [
        "tenant 1: employee 'e2' has the email 'karin@X.se' of employee 'e1'; 'e1' keeps it and "
        "'e2' is left out of the unique values until one of them gets another email",
        "tenant 1: employee 'e4' has the phone '+46700000001' of employee 'e1'; 'e1' keeps it "
        "and 'e4' is left out of the unique values until one of them gets another phone",
    ]
    # a record left out keeps working; a new record cannot take the value
    e2 = {"email": "karin@X.se", "employment_id": "7", "city": "Lund"}
    assert upsert(sessions, 1, "e2", e2) == "updated"
    with pytest.raises(ValueTaken, match="employee 'e1' has it"):
        upsert(sessions, 1, "e5", {"email": "KARIN@x.se"})

    command.downgrade(config, "0006")
    assert "unique_values" not in sa.inspect(engine).get_table_names()
    migrate(engine)
    assert len(held(sessions)) == 5
    with sessions.begin() as session:
        assert session.scalar(select(sa.func.count()).select_from(MirrorRecord)) == 6
    engine.dispose()
