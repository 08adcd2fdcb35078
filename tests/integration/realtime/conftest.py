"""The real-time listener's world: a store with connected tenants, the fake topics endpoint,
the sync service the fetch jobs run with, and an in-process dispatcher recording the reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.dispatch import InProcessDispatcher, Job
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.realtime.directory import TenantDirectory
from fortnox_bridge.engine.realtime.fetch import run_fetch
from fortnox_bridge.engine.realtime.intake import DeferIn, Intake
from fortnox_bridge.engine.realtime.service import RealtimeService
from fortnox_bridge.engine.tenancy.clients import ConnectionClients, FortnoxEndpoints
from fortnox_bridge.engine.tenancy.connections import ConnectionService
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.engine.tenancy.token_vault import TokenVault
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.tenants import TenantRepository

from .fake_topics import FakeTopics, fake_topics

APP, SECRET = "bridge-app", "app-secret"
TOPICS = ("cost-centers", "vouchers")
#: How often :func:`eventually` looks.
POLL = 0.005


@dataclass
class World:
    sessions: sessionmaker[Session]
    clock: ManualClock
    topics: FakeTopics
    vault: TokenVault
    connections: ConnectionService
    directory: TenantDirectory
    service: SyncService
    dispatcher: InProcessDispatcher
    #: Every fetch job run, in order.
    fetches: list[Job] = field(default_factory=list)
    #: The stream's health as the listeners told it: ``(client id, healthy)``.
    marks: list[tuple[str, bool]] = field(default_factory=list)

    async def connect(self, name: str, company: int, token: str) -> int:
        """A tenant connected to ``company`` with access token ``token``; its id."""
        with self.sessions.begin() as session:
            tenant_id = TenantRepository(session).create(name, now=self.clock.now()).id
        tokens = TokenSet(token, self.clock.now() + timedelta(hours=1), f"refresh-{token}")
        await self.connections.connect(
            tenant_id, tokens, client_id=APP, client_secret=SECRET, fortnox_tenant_id=company
        )
        self.topics.tokens[token] = company
        return tenant_id

    async def renew_token(self, tenant_id: int, token: str) -> None:
        """What the token manager does on a refresh: a new access token in the vault."""
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            assert connection is not None
            assert connection.fortnox_tenant_id is not None
            key, company = connection.token_key, connection.fortnox_tenant_id
        tokens = TokenSet(token, self.clock.now() + timedelta(hours=1), f"refresh-{token}")
        await self.vault.save(key, tokens)
        self.topics.tokens[token] = company

    def intake(self, defer_in: DeferIn | None = None) -> Intake:
        return Intake(self.sessions, self.clock, self.dispatcher, defer_in=defer_in)

    def realtime(self, holder: str, intake: Intake | None = None) -> RealtimeService:
        """A process's real-time service (lease 30 s, renewed every 10 s)."""
        return RealtimeService(
            self.sessions,
            self.directory,
            intake or self.intake(),
            holder=holder,
            clock=self.clock,
            url=self.topics.url,
            topics=TOPICS,
            sleep=self.clock.sleep,
            health=lambda app, healthy: self.marks.append((app, healthy)),
        )

    def read_ids(self) -> list[tuple[int, str, str]]:
        """``(tenant, topic, entity)`` of every entity the fetch jobs read, in order."""
        return [
            (j.tenant_id, t, key) for j in self.fetches for t, keys in j.records for key in keys
        ]

    async def settle(self, reads: int) -> None:
        """Wait until this many entities were read and every job ran."""
        await eventually(lambda: len(self.read_ids()) >= reads)
        await self.dispatcher.join()


async def eventually(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for what the other end of a real socket does (polled, at most ``seconds``)."""
    for _ in range(int(seconds / POLL)):
        if condition():
            return
        await asyncio.sleep(POLL)
    raise AssertionError(f"not true after {seconds} s")


@pytest.fixture
async def world(sessions: sessionmaker[Session], clock: ManualClock) -> AsyncIterator[World]:
    cipher = TokenCipher(Fernet.generate_key().decode())
    vault = TokenVault(sessions.kw["bind"], cipher, clock=clock)
    flows = discover_flows()
    connections = ConnectionService(sessions, clock, cipher, flows=flows)
    clients = ConnectionClients(sessions, vault, cipher, clock=clock, endpoints=FortnoxEndpoints())
    service = SyncService(sessions, clock=clock, clients=clients, connections=connections)
    fetches: list[Job] = []

    async def handle(job: Job) -> None:
        assert job.kind == "fetch"
        await run_fetch(service, job)
        fetches.append(job)

    dispatcher = InProcessDispatcher(handle, workers=2)
    dispatcher.start()
    async with fake_topics(SECRET) as topics:
        yield World(
            sessions,
            clock,
            topics,
            vault,
            connections,
            TenantDirectory(sessions, clients),
            service,
            dispatcher,
            fetches,
        )
    await dispatcher.stop()
