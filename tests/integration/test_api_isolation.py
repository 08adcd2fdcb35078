"""Tenant isolation and secrets, over every ``/api/v1`` route the app has (on SQLite and
PostgreSQL).

Two tenants, A and B, each get one of everything through the store. Then every route and method
of the app's route table is called with A's key, its path parameters filled with B's ids and
values: a route that names a B resource answers 403 or 404, no answer carries B's data, and a
dump of every table shows nothing of B (and nothing global) changed. Admin routes refuse tenant
keys (403) and tenant routes refuse admin keys (401). Every GET route of A's own resources is
read and no key, key hash, token, client secret or webhook secret is in any answer.

The walk is built from the route table, so new routes are covered as they appear; a path
parameter or body this file does not know fails the test with what to add.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.auth import admin_of, caller_of
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.entities import discover_entities
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.documents import DocumentInfo, DocumentRepository
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import (
    Base,
    ChangeOperation,
    Cursor,
    IdempotencyRecord,
    Lease,
    LedgerVoucherDocument,
    Link,
    Notification,
    PushOperation,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from fortnox_bridge.store.models.ledger import LEDGER_DOCUMENT_ENTITY
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import AdminKeyRepository, TenantRepository
from integration.bridge_api import api_app
from integration.ledger_data import NOW, Row, add_account, add_voucher, add_year

TIME_FLOW = "payroll.attendance.push"
PULL_FLOW = "hr.employee.pull"


def _record(entity: str, marker: str, ref: str) -> dict[str, Any]:
    """A valid host record of ``entity`` whose text carries ``marker`` (``ref``: the host id of
    the records it refers to)."""
    records: dict[str, dict[str, Any]] = {
        "employee": {"email": f"{marker}@example.se", "given_name": marker, "family_name": "Ek"},
        "absence_type": {"code": "SEM", "name": f"{marker} semester"},
        "absence": {"employee": ref, "absence_type": ref, "start": "2026-03-02"},
        "project": {"number": "P1", "name": f"{marker} bygget"},
        "time_entry": {"employee": ref, "date": "2026-03-02", "hours": "8"},
        "construction_project": {"number": "10000", "name": f"{marker} skolan", "status_code": 50},
        "work_order": {
            "project": ref,
            "number": "1",
            "name": f"{marker} order",
            "status_code": 50,
            "created_on": "2026-03-02",
        },
        "change_order": {
            "project": ref,
            "number": "1",
            "name": f"{marker} order",
            "status_code": 50,
            "created_on": "2026-03-02",
        },
        "supplier_invoice": {
            "supplier": {"number": "L1", "name": f"{marker} bygg"},
            "invoice_number": "F-1",
            "invoice_date": "2026-03-02",
            "due_date": "2026-04-01",
            "total": "100",
            "rows": [{"account": 4000, "amount": "100"}],
        },
        "customer_invoice": {
            "invoice_number": f"{marker}-1",
            "customer_number": "1001",
            "invoice_date": "2026-03-02",
            "rows": [{"account": 3001, "amount": "100", "vat": 25}],
        },
        "project_customer": {"number": "1001", "name": f"{marker} bygg"},
        "project_supplier": {"number": "2001", "name": f"{marker} lager"},
        "service_object": {"number": "SO1", "name": f"{marker} kompressor"},
        "service_order": {
            "number": "1",
            "kind": "service",
            "customer_number": "1001",
            "order_date": "2026-03-02",
            "rows": [{"type": "text", "text": f"{marker} service"}],
        },
        "service_customer": {"number": "3001", "name": f"{marker} fastighet"},
        "service_article": {"number": "S-1", "description": f"{marker} filterbyte"},
        "service_price": {"article_number": "S-1", "price": "450.00"},
        "time_report": {"employee_number": "1", "date": "2026-03-02", "hours": "8", "code": "TID"},
        "voucher": {
            "series": "A",
            "number": 1,
            "year": 1,
            "date": "2026-03-02",
            "description": f"{marker} inköp",
            "rows": [{"account": 4010, "debit": "100", "project": "P1"}],
        },
    }
    if entity not in records:
        pytest.fail(f"add a record for the host entity {entity!r} to _record() in this file")
    return records[entity]


#: Routes that ask for no key, and what takes its place: tested on their own.
KEYLESS = {
    "/api/v1/ledger/shared/{token}": "a signed, expiring link (test_ledger_api.py)",
    "/api/v1/service-invoices/shared/{token}": "a signed, expiring link "
    "(test_service_orders_api.py)",
}
#: Path parameters that name a resource of one tenant: another tenant's value must be a 403/404.
OWNED = {
    "document_id",
    "tenant_id",
    "key_id",
    "problem_id",
    "conflict_id",
    "run_id",
    "operation_id",
    "webhook_id",
    "delivery_id",
    "event_id",
    "item_id",
}
#: Path parameters whose values live in the caller's own namespace (A may have or make its own
#: ``b-...`` record): reading or deleting B's value is a 404; writing creates A's, never B's.
NAMESPACED = {"external_id", "kind", "local_value", "year", "series", "number"}
#: Path parameters that name something every tenant shares (a flow): A changes its own use of it.
SHARED = {"flow_name"}


@dataclass
class Seeded:
    """One tenant with one of everything."""

    tenant_id: int
    key: str
    marker: str
    params: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed_tenant(
    session: Session, cipher: TokenCipher, marker: str, handle: str, now: datetime, *, events: int
) -> Seeded:
    """A tenant whose every row carries ``marker`` in its text; the values that live in a
    tenant's own namespace (host ids, mapped values) start with ``handle`` instead, since they
    come back in answers about the caller's own records."""
    tenants = TenantRepository(session)
    tenant = tenants.create(f"{marker} AB", now=now)
    tenant.notify_emails = [f"{marker}@example.se"]
    tid, ref = tenant.id, f"{handle}-rec"
    issued = tenants.create_api_key(tid, label=f"{marker} host", now=now)
    mirror = MirrorRepository(session)
    for entity in discover_entities():
        mirror.upsert(tid, entity.entity, ref, _record(entity.entity, marker, ref), now=now)
    session.add(
        Link(
            tenant_id=tid,
            entity_type="employee",
            external_id=ref,
            fortnox_id="1",
            synced_version=1,
            snapshot={"email": f"{marker}@example.se"},
            snapshot_hash="0" * 64,
            state="linked",
            updated_at=now,
        )
    )
    operation = ChangeOperation(
        tenant_id=tid,
        entity_type="employee",
        external_id=ref,
        action="upsert",
        version=1,
        status="failed",
        message=f"{marker} refused",
        created_at=now,
        updated_at=now,
    )
    session.add(operation)
    feed = EventRepository(session)
    appended = [
        feed.append(
            tid,
            "record.changed",
            data={"note": marker},
            now=now,
            entity_type="employee",
            external_id=ref,
        )
        for _ in range(events)
    ]
    signing = f"whsec_{marker}-SIGNING"
    webhook_secret = cipher.encrypt_json(
        {"secret": signing, "previous": None, "previous_until": None}
    )
    endpoint = WebhookEndpoint(
        tenant_id=tid,
        url=f"https://{marker}.example/hook",
        event_types=["*"],
        description=f"{marker} hook",
        secret_ciphertext=webhook_secret,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    delivery = WebhookDelivery(
        tenant_id=tid,
        endpoint_id=endpoint.id,
        event_id=appended[-1].id,
        status="failed",
        attempts=1,
        last_status_code=500,
        last_error=f"{marker} down",
        created_at=now,
        updated_at=now,
    )
    session.add(delivery)
    session.flush()
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempt=1,
            at=now,
            status_code=500,
            error=f"{marker} down",
            duration_ms=5,
        )
    )
    runs = RunRepository(session)
    run = runs.start(tid, "resync", now=now, flow=TIME_FLOW, params={"note": marker})
    run.error = f"{marker} stopped"
    runs.add_items(run.id, [ItemRecord(TIME_FLOW, ref, "create", "failed", f"{marker} why")])
    problem, _ = ProblemRepository(session).record(
        tid,
        ProblemReport(f"{marker}-p", TIME_FLOW, "time_entry", ref, f"{marker} ref", "Fel", 2000),
        now=now,
    )
    conflict = ConflictRepository(session).open_or_update(
        tid,
        flow=PULL_FLOW,
        entity_type="employee",
        external_id=ref,
        fortnox_id="1",
        fields={"family_name": {"base": "Ek", "bridge": marker, "fortnox": "Fort"}},
        now=now,
    )
    MappingRepository(session).put(tid, "absence_type", f"{handle}-SJUK", marker, now=now)
    tokens = cipher.encrypt_tokens(
        TokenSet(f"{marker}-ACCESS", now + timedelta(hours=1), f"{marker}-REFRESH", "salary")
    )
    app_secret = cipher.encrypt_json(
        {"client_id": f"{marker}-client", "client_secret": f"{marker}-CLIENT-SECRET"}
    )
    connections = ConnectionRepository(session)
    connection = connections.create(tid, f"{marker}-token-key", now=now)
    connection.tokens_ciphertext, connection.app_ciphertext = tokens, app_secret
    connection.client_id, connection.scopes = f"{marker}-client", "salary"
    connection.last_error = f"{marker} last error"
    connections.record_transition(connection, "active", f"{marker} connected", now=now)
    session.add_all(
        [
            IdempotencyRecord(
                tenant_id=tid,
                key=f"{marker}-idem",
                method="PUT",
                path=f"/api/v1/employees/{ref}",
                request_hash="0" * 64,
                status_code=201,
                response={"note": marker},
                created_at=now,
            ),
            Cursor(tenant_id=tid, flow=PULL_FLOW, position=now, updated_at=now),
            PushOperation(
                tenant_id=tid,
                flow="hr.employee.push",
                entity_type="employee",
                external_id=ref,
                kind="create",
                idempotency_key=f"{marker}-push",
                status="failed",
                created_at=now,
                updated_at=now,
            ),
            Notification(
                tenant_id=tid,
                kind="problem",
                subject=f"{marker} problem",
                recipients=[f"{marker}@example.se"],
                status="sent",
                sent_at=now,
            ),
            Lease(name=f"sweep:{tid}", holder=f"{marker}-worker", expires_at=now),
        ]
    )
    session.flush()
    extra = _first_sync(session, tid, ref, marker, now) | _ledger(session, tid, marker, handle)
    return Seeded(
        tid,
        issued.key,
        marker,
        params={
            "tenant_id": str(tid),
            "key_id": str(issued.id),
            "problem_id": str(problem.id),
            "conflict_id": str(conflict.id),
            "run_id": str(run.id),
            "operation_id": str(operation.id),
            "webhook_id": str(endpoint.id),
            "delivery_id": str(delivery.id),
            "event_id": str(appended[-1].seq),
            "external_id": ref,
            "kind": "absence_type",
            "local_value": f"{handle}-SJUK",
            "flow_name": PULL_FLOW,
            **extra,
        },
        secrets=[
            issued.key,
            sha256(issued.key),
            tokens,
            app_secret,
            webhook_secret,
            f"{marker}-ACCESS",
            f"{marker}-REFRESH",
            f"{marker}-CLIENT-SECRET",
            signing,
        ],
    )


def _ledger(session: Session, tenant_id: int, marker: str, handle: str) -> dict[str, str]:
    """A ledger year with an account, a voucher and its document; A's and B's years, series and
    numbers differ, so B's values name nothing of A's."""
    first = handle == "aa"
    start = 2025 if first else 2023
    year = add_year(
        session, tenant_id, date(start, 1, 1), date(start, 12, 31), last_error=f"{marker} failed"
    )
    add_account(session, year, "1930", f"{marker} bank", "1.00", "2.00")
    series, number = ("A", 1) if first else ("Q", 7)
    rows = [Row("1930", "1.00", text=marker), Row("3001", "-1.00", project=f"{marker}-P")]
    voucher = add_voucher(session, year, series, number, year.from_date, rows, text=marker)
    info = DocumentInfo(f"{marker}.pdf", "application/pdf", 3, "0" * 64, f"{handle}-file", NOW)
    document = DocumentRepository(session).save(
        tenant_id, LEDGER_DOCUMENT_ENTITY, f"{handle}-file", "bookkeeping", info
    )
    session.add(
        LedgerVoucherDocument(tenant_id=tenant_id, voucher_id=voucher.id, document_id=document.id)
    )
    session.flush()
    return {
        "year": str(year.from_date.year),
        "series": series,
        "number": str(number),
        "document_id": str(document.id),
    }


def _first_sync(
    session: Session, tenant_id: int, ref: str, marker: str, now: datetime
) -> dict[str, str]:
    """An open first-synchronization plan with one item, when the store has them."""
    plans = Base.metadata.tables.get("first_sync_plans")
    items = Base.metadata.tables.get("first_sync_items")
    if plans is None or items is None:
        return {}
    plan_id = session.execute(
        insert(plans).values(
            tenant_id=tenant_id,
            entity_type="employee",
            status="open",
            counts={},
            result={},
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key[0]
    item_id = session.execute(
        insert(items).values(
            plan_id=plan_id,
            kind="host_only",
            external_id=ref,
            label=f"{marker} item",
            host={"note": marker},
            fortnox={},
            differences={},
            details={},
            notes=[],
            status="pending",
            outcome={},
            updated_at=now,
        )
    ).inserted_primary_key[0]
    return {"item_id": str(item_id)}


def _body(annotation: Any, params: dict[str, str]) -> Any:
    """A valid body for a route whose body is ``annotation`` (unknown ones fail the test)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    name = getattr(annotation, "__name__", str(annotation))
    if name.endswith("Batch"):  # records of one entity at once
        return {"records": [{"op": "delete", "external_id": params["external_id"]}]}
    if typing.get_origin(annotation) is dict:  # a JSON merge patch of a record
        return {}
    entity = next((e for e in discover_entities() if e.model is annotation), None)
    if entity is not None:
        return _record(entity.entity, "alfa-only", params["external_id"])
    bodies: dict[str, Any] = {
        "Resolution": {"winner": "bridge"},
        "FlowPatch": {"enabled": True},
        "MappingIn": {"fortnox_value": "SJK"},
        "ServiceAccountIn": {"fortnox_tenant_id": 1},
        "SyncRequest": {"wait": True},
        "ResyncRequest": {"flow": TIME_FLOW, "from": "2026-03-01", "to": "2026-03-31"},
        "AcceptRequest": {"from": "2026-03-01", "to": "2026-03-31"},
        "TenantSettings": {"digest": "per_run"},
        "TenantCreate": {"name": "walked AB"},
        "ApiKeyCreate": {"label": "walked"},
        "WebhookIn": {"url": "https://alfa-only.example/walked"},
        "WebhookPatch": {"description": "walked"},
        "ConsentRequest": {"redirect_uri": "https://alfa-only.example/cb", "state": "walked"},
        "ConnectIn": {"code": "walked", "redirect_uri": "https://alfa-only.example/cb"},
        "Decision": {"skip": True},
        "BulkDecision": {"host_only": "skip"},
        "RepairRequest": {"apply": True},
        "LedgerSyncIn": {"latest": 2},
        "FromFortnoxIn": {"fortnox_number": "1"},
        "LedgerYearSyncIn": {"documents_only": True},
        "bytes": (  # a PAXml file: 8 hours for the employee with this host id
            "<paxml><header><version>2.0</version></header><tidtransaktioner>"
            f'<tidtrans anstid="{params["external_id"]}"><tidkod>TID</tidkod>'
            "<datum>2026-03-02</datum><timmar>8</timmar></tidtrans></tidtransaktioner></paxml>"
        ),
    }
    if name not in bodies:
        pytest.fail(f"add a valid body for {name} to _body() in this file")
    return bodies[name]


@dataclass(frozen=True)
class Call:
    """One route and method of the app."""

    method: str
    path: str
    params: tuple[str, ...]
    body: Any
    admin: bool

    def url(self, values: dict[str, str]) -> str:
        url = self.path
        for name in self.params:
            if name not in values:
                pytest.fail(f"add a seed for {name} (route {self.method} {self.path})")
            url = url.replace("{" + name + "}", values[name])
        return url


def _calls_of(dependant: Dependant) -> set[Callable[..., Any]]:
    found = {dependant.call} if dependant.call is not None else set()
    for sub in dependant.dependencies:
        found |= _calls_of(sub)
    return found


def walk(app: FastAPI) -> list[Call]:
    """Every ``/api/v1`` route and method of ``app``'s route table."""
    calls = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, str(context.path)
        if not isinstance(route, APIRoute) or not path.startswith("/api/v1"):
            continue
        needs = _calls_of(route.dependant)
        if path in KEYLESS:
            continue
        assert needs & {caller_of, admin_of}, f"{path} answers without asking for a key"
        params = tuple(p.name for p in route.dependant.path_params)
        body = route.body_field.field_info.annotation if route.body_field is not None else None
        for method in sorted(context.methods or ()):
            calls.append(Call(method, path, params, body, admin_of in needs))
    return calls


def dump(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as text."""
    return {
        table.name: [
            {key: json.dumps(value, default=str) for key, value in row._mapping.items()}
            for row in session.execute(select(table))
        ]
        for table in Base.metadata.sorted_tables
    }


def owner_of(table: Table, row: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> Any:
    """The tenant a row belongs to (through its parents), or ``None`` for global rows."""
    if table.name == "tenants":
        return row["id"]
    if "tenant_id" in row:
        return row["tenant_id"]
    for key in table.foreign_keys:
        parent = key.column.table
        value = row.get(key.parent.name)
        for candidate in rows[parent.name]:
            if candidate[key.column.name] == value:
                return owner_of(parent, candidate, rows)
    return None


def not_of(tenant_id: int, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """The rows that do not belong to ``tenant_id`` (other tenants' and global ones)."""
    mine = json.dumps(tenant_id)
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    return {
        name: sorted(
            (row for row in table_rows if owner_of(tables[name], row, rows) != mine),
            key=lambda row: json.dumps(row, sort_keys=True),
        )
        for name, table_rows in rows.items()
    }


@dataclass
class World:
    """Tenants A and B, an admin key, and the app."""

    a: Seeded
    b: Seeded
    admin: str
    app: FastAPI
    http: httpx.AsyncClient
    sessions: sessionmaker[Session]


@pytest.fixture
async def world(sessions: sessionmaker[Session], clock: ManualClock) -> AsyncIterator[World]:
    cipher = TokenCipher(Fernet.generate_key().decode())
    now = clock.now()
    with sessions.begin() as session:
        a = seed_tenant(session, cipher, "alfa-only", "aa", now, events=1)
        b = seed_tenant(session, cipher, "beta-only", "bb", now, events=3)
        FlowConfigRepository(session).put(
            b.tenant_id, PULL_FLOW, enabled=True, settings={"import_unmatched": True}, now=now
        )
        admin = AdminKeyRepository(session).issue(label="ops", now=now).key
    hooks = EngineHooks()
    if "cipher" in {f.name for f in dataclasses.fields(EngineHooks)}:
        hooks = EngineHooks(cipher=cipher)  # type: ignore[call-arg]
    app = api_app(sessions, clock=clock, hooks=hooks)
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app)
    ) as http:
        yield World(a, b, admin, app, http, sessions)


async def _send(world: World, call: Call, key: str, values: dict[str, str]) -> httpx.Response:
    body = _body(call.body, values) if call.body is not None else None
    headers = {"Authorization": f"Bearer {key}"}
    if isinstance(body, str):  # a file, in the media type its route reads (PAXml: XML)
        headers["Content-Type"] = "application/xml"
        return await world.http.request(
            call.method, call.url(values), content=body.encode(), headers=headers
        )
    return await world.http.request(call.method, call.url(values), json=body, headers=headers)


async def test_tenant_a_reaches_nothing_of_tenant_b_on_any_route(world: World) -> None:
    order = {"GET": 0, "DELETE": 1}  # reads and deletes before A writes anything of its own
    calls = sorted(walk(world.app), key=lambda call: order.get(call.method, 2))
    assert len(calls) >= 30
    with world.sessions.begin() as session:
        before = dump(session)
    assert all(before[table] for table in ("webhook_attempts", "run_items", "events", "mappings"))
    refused: list[str] = []
    for call in calls:
        answer = await _send(world, call, world.a.key, world.b.params)
        where = f"{call.method} {call.path} → {answer.status_code} {answer.text[:200]}"
        assert answer.status_code < 500 or answer.status_code == 503, where
        assert world.b.marker not in answer.text, f"B's data leaked: {where}"
        owned = set(call.params) & OWNED
        if call.admin:
            assert answer.status_code == 403, where
            assert answer.json()["error"] == "admin_key_required", where
        elif owned:
            assert answer.status_code in (403, 404), where
        elif set(call.params) & NAMESPACED and call.method in ("GET", "DELETE"):
            # A write to a Fortnox-owned collection is refused before any record is looked at.
            refused_unseen = answer.status_code == 405 and "fortnox_owned" in answer.text
            assert answer.status_code == 404 or refused_unseen, where
        elif not set(call.params) <= NAMESPACED | SHARED:
            pytest.fail(f"classify the parameters {call.params} of {call.method} {call.path}")
        if answer.status_code in (403, 404):
            refused.append(where)
    assert len(refused) >= len([c for c in calls if set(c.params) & OWNED or c.admin])

    with world.sessions.begin() as session:
        after = dump(session)
    assert not_of(world.a.tenant_id, after) == not_of(world.a.tenant_id, before), (
        "a request with A's key changed something that is not A's"
    )
    flows = (
        await world.http.get("/api/v1/flows", headers={"Authorization": f"Bearer {world.a.key}"})
    ).json()["data"]
    pull = next(flow for flow in flows if flow["name"] == PULL_FLOW)
    assert (pull["enabled"], pull["settings"]) == (True, {"import_unmatched": False})  # A's own


async def test_admin_routes_refuse_tenant_keys_and_tenant_routes_refuse_admin_keys(
    world: World,
) -> None:
    calls = walk(world.app)
    admin_routes = [call for call in calls if call.admin]
    assert {c.path for c in admin_routes} >= {"/api/v1/tenants", "/api/v1/tenants/{tenant_id}"}
    for call in calls:
        key = world.a.key if call.admin else world.admin
        answer = await _send(world, call, key, world.a.params)
        where = f"{call.method} {call.path} → {answer.status_code} {answer.text[:200]}"
        if call.admin:
            assert (answer.status_code, answer.json()["error"]) == (403, "admin_key_required"), (
                where
            )
        else:
            assert (answer.status_code, answer.json()["error"]) == (401, "invalid_api_key"), where


async def test_no_answer_of_any_get_route_carries_a_secret(world: World) -> None:
    secrets = [*world.a.secrets, *world.b.secrets, world.admin, sha256(world.admin)]
    read = 0
    for call in walk(world.app):
        if call.method != "GET":
            continue
        key = world.admin if call.admin else world.a.key
        answer = await _send(world, call, key, world.a.params)
        where = f"{call.method} {call.path} → {answer.status_code}"
        assert answer.status_code < 500, where
        read += answer.status_code == 200
        for secret in secrets:
            assert secret not in answer.text, f"a secret is in the answer of {where}"
    assert read >= 15  # the walk read real resources, not only errors
