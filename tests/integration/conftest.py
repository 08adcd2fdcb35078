"""Fixtures of the engine tests: a sandbox with faults, a client that never waits for real,
tenants with host records in the store."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.outbox.notify import Notifier, SmtpMailer
from fortnox_bridge.engine.sync.scopes import requested_scopes
from fortnox_bridge.engine.tenancy.clients import ConnectionClients, FortnoxEndpoints
from fortnox_bridge.engine.tenancy.connections import ConnectionService
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.engine.tenancy.token_vault import TokenVault
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.documents import LocalDocumentFiles
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

SANDBOX_URL = "http://sandbox.test"
#: Everything the engine's flows and pre-flight read or write.
#: What the bridge asks a company for: derived from the flows, as serve does.
ENGINE_SCOPES = list(requested_scopes())


@pytest.fixture
def sandbox_state(clock: ManualClock) -> SandboxState:
    """A sandbox whose probabilistic faults are reproducible."""
    return SandboxState(clock=clock, fault_seed=7)


@pytest.fixture
def faulty_transport(sandbox_state: SandboxState) -> SandboxTransport:
    """In-process transport that turns dropped and timed-out answers into network errors."""
    return SandboxTransport(create_app(sandbox_state))


@pytest.fixture
def sleep(clock: ManualClock) -> ManualClock:
    """Waits of the retry policy, on the manual clock."""
    return clock


@pytest.fixture
async def engine_client(
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    sleep: ManualClock,
) -> AsyncIterator[FortnoxClient]:
    """A client for :func:`company` with the engine's scopes, faults and clock-driven retries."""
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=faulty_transport,
        retry=RetryPolicy(sleep=sleep.sleep, max_total_wait=600),
    )
    yield client
    await client.aclose()


def employee(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host employee payload."""
    return {
        "email": f"person{number}@example.se",
        "given_name": f"Förnamn{number}",
        "family_name": "Svensson",
        "phone": f"070-000 00 {number:02d}",
        **extra,
    }


Put = Callable[..., None]


@pytest.fixture
def tenant(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    """A tenant with no records; its id."""
    with sessions.begin() as session:
        return TenantRepository(session).create("Engine AB", now=clock.now()).id


@pytest.fixture
def put(sessions: sessionmaker[Session], clock: ManualClock, tenant: int) -> Put:
    """``put("employee", "e1", payload)`` stores a host record; ``put(..., None)`` deletes it."""

    def store(entity: str, external_id: str, payload: dict[str, Any] | None) -> None:
        with sessions.begin() as session:
            mirror = MirrorRepository(session)
            if payload is None:
                mirror.delete(tenant, entity, external_id, now=clock.now())
            else:
                mirror.upsert(tenant, entity, external_id, payload, now=clock.now())

    return store


@pytest.fixture
def employees(put: Put) -> Callable[[int], None]:
    """``employees(n)`` stores host employees e001..e00n."""

    def store(count: int) -> None:
        for number in range(1, count + 1):
            put("employee", f"e{number:03d}", employee(number))

    return store


class Inbox:
    """An aiosmtpd handler that keeps every message the local SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=email_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        """Subjects of the received messages, in order."""
        return [str(message["Subject"]) for _, message in self.messages]

    @staticmethod
    def text(message: EmailMessage) -> str:
        """The plain-text part."""
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    @staticmethod
    def html(message: EmailMessage) -> str:
        """The HTML part."""
        part = message.get_body(preferencelist=("html",))
        assert part is not None
        return str(part.get_content())


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port; its inbox and port."""
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@dataclass
class Bridge:
    """The engine wired as ``serve`` wires it, over the in-process sandbox."""

    service: SyncService
    connections: ConnectionService
    notifier: Notifier
    inbox: Inbox
    company: int
    tenant: int
    issued: dict[str, Any]

    async def connect(self, **overrides: Any) -> None:
        """Give the tenant an active connection with fresh sandbox tokens."""
        issued = {**self.issued, **overrides}
        tokens = TokenSet(
            issued["access_token"],
            self.service.clock.now() + timedelta(seconds=int(issued["expires_in"])),
            issued["refresh_token"],
            issued["scope"],
        )
        await self.connections.connect(
            self.tenant,
            tokens,
            client_id=issued["client_id"],
            client_secret=issued["client_secret"],
            fortnox_tenant_id=self.company,
        )


RECIPIENTS = ["ekonomi@engine.se", "it@engine.se"]


@pytest.fixture
async def bridge(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
    company: int,
    tenant: int,
    faulty_transport: SandboxTransport,
    sleep: ManualClock,
    smtp: tuple[Inbox, int],
    tmp_path: Path,
) -> Bridge:
    """Store, vault, connections, clients, notifier and service for :func:`tenant`; documents
    fetched from Fortnox are kept under ``tmp_path`` (the data directory of ``Settings``)."""
    inbox, port = smtp
    with sessions.begin() as session:
        found = TenantRepository(session).get(tenant)
        assert found is not None
        found.notify_emails = RECIPIENTS
    cipher = TokenCipher(Fernet.generate_key().decode())
    vault = TokenVault(sessions.kw["bind"], cipher, clock=clock)
    notifier = Notifier(sessions, SmtpMailer("127.0.0.1", port), clock, sender="bridge@engine.se")
    flows = discover_flows()
    connections = ConnectionService(
        sessions, clock, cipher, flows=flows, on_transition=notifier.connection_changed
    )
    endpoints = FortnoxEndpoints(
        api_url=SANDBOX_URL, auth_url=SANDBOX_URL, transport=faulty_transport
    )
    clients = ConnectionClients(
        sessions,
        vault,
        cipher,
        clock=clock,
        endpoints=endpoints,
        retry=RetryPolicy(sleep=sleep.sleep, max_total_wait=600),
    )
    service = SyncService(
        sessions,
        clock=clock,
        clients=clients,
        connections=connections,
        notifier=notifier,
        flows=flows,
        sleep=sleep.sleep,
        documents=LocalDocumentFiles.in_data_dir(tmp_path),
    )
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    return Bridge(service, connections, notifier, inbox, company, tenant, issued)


class WriteWatcher:
    """ASGI wrapper around a sandbox app that tells waiting threads about finished writes."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.writes = 0
        self.changed = threading.Condition()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["path"].startswith("/3/") and scope["method"] != "GET":
            with self.changed:
                self.writes += 1
                self.changed.notify_all()

    def wait_for_writes(self, count: int, timeout: float = 15.0) -> bool:
        """Block until ``count`` writes have been served (or the timeout passed)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.writes >= count, timeout)


class _ReadyServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@dataclass
class LiveSandbox:
    """A sandbox served on a real loopback port by a thread of this process."""

    url: str
    state: SandboxState
    watcher: WriteWatcher

    def stats(self, tenant_id: int) -> dict[str, Any]:
        """The sandbox's request counters of one company."""
        found = self.state.stats_by_tenant.get(tenant_id)
        return found.to_dict() if found else {"requests_total": 0, "write_requests": 0}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_sandbox() -> Iterator[LiveSandbox]:
    """A standalone sandbox (system clock) for commands run with ``--sandbox-url``."""
    state = SandboxState()
    watcher = WriteWatcher(create_app(state))
    port, ready = free_port(), threading.Event()
    server = _ReadyServer(
        uvicorn.Config(watcher, host="127.0.0.1", port=port, log_level="warning"), ready
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert ready.wait(15), "the sandbox did not start"
    yield LiveSandbox(f"http://127.0.0.1:{port}", state, watcher)
    server.should_exit = True
    thread.join(15)
