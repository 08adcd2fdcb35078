"""Webhooks end to end: registration through the API, fan-out, signed deliveries to a real HTTP
receiver on a loopback port that checks them with ``fortnox_bridge.webhooks.verify``, retries with
backoff on the injected clock, order per endpoint, the delivery log — on SQLite and PostgreSQL.

Loopback addresses are refused as webhook receivers; these tests allow 127.0.0.1 as a deployment
with an internal receiver would (``webhook_allow_networks``), and resolve no name through DNS."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.outbox.events import EventBus
from fortnox_bridge.engine.outbox.outbound import OutboundPolicy
from fortnox_bridge.engine.outbox.webhooks import WebhookWorker
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import WebhookEndpoint
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.webhooks import SignatureError, verify
from integration.bridge_api import api_app

from .conftest import free_port


def no_dns(host: str, port: int) -> list[str]:
    """A resolver that knows no name (the tests' URLs are addresses, or never delivered to)."""
    raise OSError(f"{host}: not resolved in tests")


#: The receivers of these tests listen on 127.0.0.1, allowed as an internal network would be.
LOCAL_RECEIVERS = OutboundPolicy.of(["127.0.0.1/32"], resolver=no_dns)


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A real HTTP server on a loopback port, in a thread, that receives webhook deliveries.

    Each path answers from its script of status codes while it lasts, then checks the signature
    with :func:`verify` (200 if genuine, 400 otherwise). It can be stopped and started again on
    the same port, so a delivery meets a refused connection in between.
    """

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.port = free_port()
        self.secrets: dict[str, str] = {}
        self.scripts: dict[str, list[int]] = {}
        self.requests: list[Received] = []
        self.changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = receiver.answer(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        with self.changed:
            self.requests.append(Received(path, headers, body))
            self.changed.notify_all()
            script = self.scripts.get(path)
            if script:
                status = script.pop(0)
                return status, f"scripted {status}".encode()
        try:
            verify(
                self.secrets[path],
                headers.get("Fortnox-Bridge-Signature"),
                body,
                now=self.clock.now(),
            )
        except SignatureError as exc:
            return 400, f"bad signature: {exc}".encode()
        return 200, b"ok, thanks"

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.requests) >= count, timeout)


class Middle(random.Random):
    """Jitter at its middle: every wait is exactly the designed one."""

    def random(self) -> float:
        return 0.5


@pytest.fixture
def receiver(clock: ManualClock) -> Iterator[Receiver]:
    found = Receiver(clock)
    found.start()
    yield found
    found.stop()


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher(Fernet.generate_key().decode())


@pytest.fixture
def bus(sessions: sessionmaker[Session]) -> EventBus:
    found = EventBus()
    found.attach(sessions)
    return found


@dataclass
class Tenant:
    id: int
    key: str
    read_key: str


def _tenant(sessions: sessionmaker[Session], clock: ManualClock, name: str) -> Tenant:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create(name, now=clock.now())
        key = tenants.issue_api_key(tenant, label="rw", now=clock.now())
        read = tenants.issue_api_key(tenant, label="r", now=clock.now(), scope="read")
        return Tenant(tenant.id, key, read)


@pytest.fixture
def host(sessions: sessionmaker[Session], clock: ManualClock) -> Tenant:
    return _tenant(sessions, clock, "Värd AB")


@pytest.fixture
async def api(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    bus: EventBus,
    host: Tenant,
) -> AsyncIterator[httpx.AsyncClient]:
    hooks = EngineHooks(events=bus, cipher=cipher, outbound=LOCAL_RECEIVERS)
    app = api_app(sessions, clock=clock, hooks=hooks)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {host.key}"},
    ) as client:
        yield client


def _worker(
    sessions: sessionmaker[Session],
    cipher: TokenCipher,
    clock: ManualClock,
    bus: EventBus,
    **options: Any,
) -> WebhookWorker:
    return WebhookWorker(
        sessions,
        cipher,
        clock,
        sleep=clock.sleep,
        bus=bus,
        timeout=5.0,
        rng=Middle(),
        policy=LOCAL_RECEIVERS,
        **options,
    )


@pytest.fixture
async def worker(
    sessions: sessionmaker[Session], cipher: TokenCipher, clock: ManualClock, bus: EventBus
) -> AsyncIterator[WebhookWorker]:
    found = _worker(sessions, cipher, clock, bus, max_attempts=8)
    yield found
    await found.aclose()


def _append(
    sessions: sessionmaker[Session], clock: ManualClock, tenant_id: int, type_: str, **data: Any
) -> None:
    with sessions.begin() as session:
        EventRepository(session).append(
            tenant_id, type_, data=data, now=clock.now(), entity_type="employee", external_id="e1"
        )


async def _register(
    api: httpx.AsyncClient, receiver: Receiver, path: str, types: list[str] | None = None
) -> dict[str, Any]:
    answer = await api.post(
        "/api/v1/webhooks",
        json={"url": receiver.url(path), "event_types": types or ["*"], "description": path},
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    receiver.secrets[path] = created["secret"]
    return created


async def _deliveries(api: httpx.AsyncClient, webhook_id: int, **params: Any) -> list[Any]:
    answer = await api.get(f"/api/v1/webhooks/{webhook_id}/deliveries", params=params)
    assert answer.status_code == 200, answer.text
    data: list[Any] = answer.json()["data"]
    return data


async def test_an_endpoint_is_registered_read_changed_and_deleted_and_its_secret_shown_once(
    api: httpx.AsyncClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    receiver: Receiver,
    host: Tenant,
) -> None:
    created = await _register(api, receiver, "/hooks", ["record.changed", "record.changed"])
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert created["event_types"] == ["record.changed"]
    assert created["active"] is True
    webhook_id = created["id"]

    listed = await api.get("/api/v1/webhooks")
    one = await api.get(f"/api/v1/webhooks/{webhook_id}")
    for answer in (listed, one):
        assert answer.status_code == 200
        assert secret not in answer.text
        assert "secret" not in answer.text
    assert listed.json() == {"data": [one.json()], "next_cursor": None}
    with sessions.begin() as session:
        stored = session.scalars(select(WebhookEndpoint)).one()
        assert secret not in stored.secret_ciphertext

    patched = await api.patch(
        f"/api/v1/webhooks/{webhook_id}",
        json={"event_types": ["*", "record.deleted"], "description": "ERP", "active": False},
    )
    assert patched.status_code == 200
    assert (patched.json()["event_types"], patched.json()["active"]) == (["*"], False)
    assert patched.json()["description"] == "ERP"

    reader = {"Authorization": f"Bearer {host.read_key}"}
    assert (await api.get("/api/v1/webhooks", headers=reader)).status_code == 200
    refused = await api.post("/api/v1/webhooks", json={"url": "https://x.se"}, headers=reader)
    assert refused.status_code == 403
    stranger = _tenant(sessions, clock, "Främling AB")
    theirs = {"Authorization": f"Bearer {stranger.key}"}
    assert (await api.get(f"/api/v1/webhooks/{webhook_id}", headers=theirs)).status_code == 404
    assert (await api.delete(f"/api/v1/webhooks/{webhook_id}", headers=theirs)).status_code == 404

    assert (await api.delete(f"/api/v1/webhooks/{webhook_id}")).status_code == 204
    assert (await api.get(f"/api/v1/webhooks/{webhook_id}")).status_code == 404
    assert (await api.get("/api/v1/webhooks")).json() == {"data": [], "next_cursor": None}


BAD_REQUESTS: list[tuple[dict[str, Any], str, str]] = [
    ({"url": "ftp://files.example.se/in"}, "$.url", "https://"),
    ({"url": "https://user:pw@app.example.se/h"}, "$.url", "user name or password"),
    ({"url": "https:///hooks"}, "$.url", "no host"),
    ({"url": "https://a.se/" + "x" * 2000}, "$.url", "at most 2000"),
    ({"url": "https://a.se/h", "event_types": []}, "$.event_types", "at least one"),
    (
        {"url": "https://a.se/h", "event_types": ["record.changed", "record.moved"]},
        "$.event_types",
        "record.moved; known: record.created, record.changed",
    ),
]


async def test_a_bad_url_or_an_unknown_event_type_is_a_422_naming_the_field(
    api: httpx.AsyncClient, sessions: sessionmaker[Session], clock: ManualClock, host: Tenant
) -> None:
    for body, path, says in BAD_REQUESTS:
        answer = await api.post("/api/v1/webhooks", json=body)
        assert answer.status_code == 422, answer.text
        (error,) = answer.json()["errors"]
        assert error["path"] == path
        assert says in error["message"]
    created = await api.post("/api/v1/webhooks", json={"url": "https://a.se/h"})
    assert created.status_code == 201
    hook = created.json()["id"]
    for body, path, says in BAD_REQUESTS:
        answer = await api.patch(f"/api/v1/webhooks/{hook}", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["path"] == path
        assert says in answer.json()["errors"][0]["message"]
    listed = (await api.get("/api/v1/webhooks")).json()["data"]
    assert [(w["url"], w["event_types"]) for w in listed] == [("https://a.se/h", ["*"])]

    keyless = api_app(sessions, clock=clock)  # no secret key: no secrets can be kept
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=keyless),
        headers={"Authorization": f"Bearer {host.key}"},
    ) as without:
        answer = await without.post("/api/v1/webhooks", json={"url": "https://a.se/h"})
    assert answer.status_code == 503
    assert answer.json()["error"] == "no_secret_key"


async def test_a_real_receiver_verifies_the_signature_and_refuses_a_tampered_body(
    api: httpx.AsyncClient,
    worker: WebhookWorker,
    receiver: Receiver,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    host: Tenant,
) -> None:
    hook = await _register(api, receiver, "/erp", ["record.changed"])
    _append(sessions, clock, host.id, "operation.succeeded", operation_id=1)  # not subscribed
    _append(sessions, clock, host.id, "record.changed", changed={"city": "Umeå"})
    assert await worker.run_once() == 1

    (got,) = receiver.on("/erp")
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Fortnox-Bridge-Event-Id"] == "2"
    assert got.json() == {
        "id": "2",
        "type": "record.changed",
        "tenant": host.id,
        "created_at": "2026-01-01T00:00:00Z",
        "data": {"changed": {"city": "Umeå"}},
    }
    signature = got.headers["Fortnox-Bridge-Signature"]
    assert signature.startswith(f"t={int(clock.now().timestamp())},v1=")

    (delivery,) = await _deliveries(api, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "succeeded",
        1,
        200,
    )
    assert delivery["event_id"] == "2"
    assert delivery["delivered_at"] == "2026-01-01T00:00:00Z"
    detail = (await api.get(f"/api/v1/webhook-deliveries/{delivery['id']}")).json()
    (attempt,) = detail["attempt_log"]
    assert attempt["status_code"] == 200
    assert set(attempt) == {"attempt", "at", "status_code", "error", "duration_ms"}
    assert "ok, thanks" not in json.dumps(detail)  # the receiver's body is never kept
    assert detail["event"]["data"] == {"changed": {"city": "Umeå"}}
    assert got.headers["Fortnox-Bridge-Delivery-Id"] == str(delivery["id"])

    # The same request with a changed body, straight to the receiver: refused.
    tampered = got.body.replace("Umeå".encode(), b"Lule\xc3\xa5")
    async with httpx.AsyncClient() as direct:
        replay = await direct.post(
            receiver.url("/erp"),
            content=tampered,
            headers={"Fortnox-Bridge-Signature": signature, "Content-Type": "application/json"},
        )
        genuine = await direct.post(
            receiver.url("/erp"),
            content=got.body,
            headers={"Fortnox-Bridge-Signature": signature, "Content-Type": "application/json"},
        )
    assert replay.status_code == 400
    assert "does not match the body" in replay.text
    assert genuine.status_code == 200


async def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    api: httpx.AsyncClient,
    worker: WebhookWorker,
    receiver: Receiver,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    host: Tenant,
) -> None:
    hook = await _register(api, receiver, "/flaky")
    receiver.scripts["/flaky"] = [500]
    start = clock.now()
    _append(sessions, clock, host.id, "operation.failed", operation_id=7)

    assert await worker.run_once() == 1  # 500
    (delivery,) = await _deliveries(api, hook["id"])
    assert (delivery["status"], delivery["last_status_code"]) == ("retrying", 500)
    assert delivery["last_error"] == "the receiver answered HTTP 500"
    assert _at(delivery["next_attempt_at"]) == start + timedelta(seconds=30)
    assert await worker.run_once() == 0  # not due yet

    clock.advance(30)
    receiver.stop()
    assert await worker.run_once() == 1  # connection refused
    (delivery,) = await _deliveries(api, hook["id"])
    assert delivery["status"] == "retrying"
    assert delivery["last_status_code"] is None
    assert "could not connect" in delivery["last_error"]
    assert _at(delivery["next_attempt_at"]) == start + timedelta(seconds=30 + 120)

    clock.advance(119)
    assert await worker.run_once() == 0
    clock.advance(1)
    receiver.start()
    assert await worker.run_once() == 1
    (delivery,) = await _deliveries(api, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["next_attempt_at"]) == (
        "succeeded",
        3,
        None,
    )
    log = (await api.get(f"/api/v1/webhook-deliveries/{delivery['id']}")).json()["attempt_log"]
    assert [(a["attempt"], a["status_code"]) for a in log] == [(1, 500), (2, None), (3, 200)]
    assert [_at(a["at"]) - start for a in log] == [
        timedelta(0),
        timedelta(seconds=30),
        timedelta(seconds=150),
    ]
    assert log[0]["error"] == "the receiver answered HTTP 500"  # not its body
    assert "could not connect" in log[1]["error"]
    assert len(receiver.on("/flaky")) == 2  # the refused attempt never arrived
    assert await worker.run_once() == 0


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_after_the_last_attempt_a_delivery_fails_and_the_endpoints_next_event_goes(
    api: httpx.AsyncClient,
    receiver: Receiver,
    sessions: sessionmaker[Session],
    cipher: TokenCipher,
    clock: ManualClock,
    bus: EventBus,
    host: Tenant,
) -> None:
    worker = _worker(sessions, cipher, clock, bus, max_attempts=3)
    down = await _register(api, receiver, "/down")
    up = await _register(api, receiver, "/up")
    receiver.scripts["/down"] = [503, 503, 503]
    _append(sessions, clock, host.id, "record.changed", n=1)
    _append(sessions, clock, host.id, "record.changed", n=2)
    try:
        assert await worker.run_once() == 3  # /up gets both; /down fails the first, holds the 2nd
        assert [r.json()["data"]["n"] for r in receiver.on("/up")] == [1, 2]
        assert [r.json()["data"]["n"] for r in receiver.on("/down")] == [1]
        clock.advance(30)
        assert await worker.run_once() == 1
        clock.advance(120)
        assert await worker.run_once() == 1  # the third and last attempt
        failed, pending = sorted(await _deliveries(api, down["id"]), key=lambda d: d["id"])
        assert (failed["status"], failed["attempts"], failed["next_attempt_at"]) == (
            "failed",
            3,
            None,
        )
        assert pending["status"] == "pending"
        assert [d["status"] for d in await _deliveries(api, up["id"])] == ["succeeded"] * 2

        assert await worker.run_once() == 1  # now the second event goes (the receiver is back)
        assert [r.json()["data"]["n"] for r in receiver.on("/down")] == [1, 1, 1, 2]
        only_failed = await _deliveries(api, down["id"], status="failed")
        assert [d["event_id"] for d in only_failed] == ["1"]

        retried = await api.post(f"/api/v1/webhook-deliveries/{failed['id']}/retry")
        assert (retried.status_code, retried.json()["status"]) == (202, "pending")
        assert await worker.run_once() == 1
        assert [r.json()["data"]["n"] for r in receiver.on("/down")] == [1, 1, 1, 2, 1]
        detail = (await api.get(f"/api/v1/webhook-deliveries/{failed['id']}")).json()
        assert (detail["status"], detail["attempts"]) == ("succeeded", 4)
        assert len(detail["attempt_log"]) == 4
    finally:
        await worker.aclose()


async def test_endpoints_get_events_from_their_registration_on_tests_only_their_own(
    api: httpx.AsyncClient,
    worker: WebhookWorker,
    receiver: Receiver,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    host: Tenant,
) -> None:
    _append(sessions, clock, host.id, "record.changed", n=0)  # before the endpoints exist
    clock.advance(1)
    a = await _register(api, receiver, "/a")
    b = await _register(api, receiver, "/b")
    assert await worker.run_once() == 0  # endpoints receive events from their registration on
    queued = await api.post(f"/api/v1/webhooks/{a['id']}/test")
    assert queued.status_code == 202
    assert (queued.json()["type"], queued.json()["data"]["webhook_id"]) == ("webhook.test", a["id"])
    assert await worker.run_once() == 1
    assert [r.json()["type"] for r in receiver.on("/a")] == ["webhook.test"]
    assert receiver.on("/b") == []

    await api.patch(f"/api/v1/webhooks/{b['id']}", json={"active": False})
    paused = await api.post(f"/api/v1/webhooks/{b['id']}/test")
    assert (paused.status_code, paused.json()["error"]) == (409, "webhook_paused")
    _append(sessions, clock, host.id, "record.deleted", n=3)
    assert await worker.run_once() == 1  # /a only
    await api.patch(f"/api/v1/webhooks/{b['id']}", json={"active": True})
    assert await worker.run_once() == 1
    assert [r.json()["data"] for r in receiver.on("/b")] == [{"n": 3}]

    other = _tenant(sessions, clock, "Annan AB")
    _append(sessions, clock, other.id, "record.deleted", n=4)
    assert await worker.run_once() == 0  # another tenant's events never reach these endpoints


async def test_after_a_rotation_deliveries_carry_both_signatures_until_the_overlap_ends(
    api: httpx.AsyncClient,
    worker: WebhookWorker,
    receiver: Receiver,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    host: Tenant,
) -> None:
    hook = await _register(api, receiver, "/r")
    old = hook["secret"]
    rotated = await api.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret?overlap_hours=1")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != old
    assert new.startswith("whsec_")
    assert _at(rotated.json()["previous_secret_expires_at"]) == clock.now() + timedelta(hours=1)
    receiver.secrets["/r"] = new
    _append(sessions, clock, host.id, "record.changed", n=1)
    assert await worker.run_once() == 1
    first = receiver.on("/r")[0]
    header = first.headers["Fortnox-Bridge-Signature"]
    assert header.count("v1=") == 2
    assert verify(old, header, first.body, now=clock.now())
    assert verify(new, header, first.body, now=clock.now())

    clock.advance(3600)
    _append(sessions, clock, host.id, "record.changed", n=2)
    assert await worker.run_once() == 1
    later = receiver.on("/r")[1]
    assert later.headers["Fortnox-Bridge-Signature"].count("v1=") == 1
    with pytest.raises(SignatureError):
        verify(old, later.headers["Fortnox-Bridge-Signature"], later.body, now=clock.now())

    at_once = await api.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret?overlap_hours=0")
    assert at_once.json()["previous_secret_expires_at"] is None
    receiver.secrets["/r"] = at_once.json()["secret"]
    _append(sessions, clock, host.id, "record.changed", n=3)
    assert await worker.run_once() == 1
    assert receiver.on("/r")[2].headers["Fortnox-Bridge-Signature"].count("v1=") == 1
    assert [d["status"] for d in await _deliveries(api, hook["id"])] == ["succeeded"] * 3


async def test_the_delivery_log_is_paged_newest_first(
    api: httpx.AsyncClient,
    worker: WebhookWorker,
    receiver: Receiver,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    host: Tenant,
) -> None:
    hook = await _register(api, receiver, "/log")
    for n in range(5):
        _append(sessions, clock, host.id, "record.changed", n=n)
    assert await worker.run_once() == 5
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = await api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params=params)
        seen += [d["event_id"] for d in answer.json()["data"]]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ["5", "4", "3", "2", "1"]
    assert [r.json()["id"] for r in receiver.on("/log")] == ["1", "2", "3", "4", "5"]
    bad = await api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"cursor": "zz"})
    assert bad.status_code == 422
    assert (await api.get("/api/v1/webhook-deliveries/999999")).status_code == 404


async def test_the_worker_loop_delivers_as_soon_as_an_event_is_committed(
    api: httpx.AsyncClient,
    receiver: Receiver,
    sessions: sessionmaker[Session],
    cipher: TokenCipher,
    clock: ManualClock,
    bus: EventBus,
) -> None:
    waits: list[float] = []

    async def parked(seconds: float) -> None:  # only the bus can wake the loop
        waits.append(seconds)
        await asyncio.Event().wait()

    worker = WebhookWorker(
        sessions, cipher, clock, sleep=parked, bus=bus, timeout=5.0, policy=LOCAL_RECEIVERS
    )
    hook = await _register(api, receiver, "/live")
    looping = asyncio.create_task(worker.run())
    try:
        for _ in range(100):
            if waits:
                break
            await asyncio.sleep(0)
        assert waits == [1.0]
        queued = await api.post(f"/api/v1/webhooks/{hook['id']}/test")  # commits in a thread
        assert queued.status_code == 202
        assert await asyncio.to_thread(receiver.wait_for, 1)
        (got,) = receiver.on("/live")
        assert got.json()["type"] == "webhook.test"
        for _ in range(200):
            delivered = await _deliveries(api, hook["id"], status="succeeded")
            if delivered:
                break
        assert [d["event_id"] for d in delivered] == [queued.json()["id"]]
    finally:
        looping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await looping
        await worker.aclose()
