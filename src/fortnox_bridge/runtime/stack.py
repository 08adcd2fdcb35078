"""The composition root of the bridge's processes: the engine assembled from
:class:`~fortnox_bridge.config.Settings` (:func:`open_stack`: store, clock, token key, the
sandbox or Fortnox, the sync service), as ``serve``, ``worker``, ``sync``, ``resync``,
``connect``, ``status --check`` and the benchmarks use it; and the store alone
(:func:`open_store`) for the commands that only read or change the bridge's own data (and the
demo's first cycle). Who runs the jobs is :func:`.jobs.open_jobs`; the HTTP app on top is
:func:`.http.build_http`.

Where Fortnox is: the real one when a developer app is configured (``fortnox_client_id``), a
standalone sandbox at ``sandbox_url``, or else an in-process sandbox kept in
``<data_dir>/sandbox.sqlite`` — the same one ``fortnox-bridge demo`` uses, so ``serve`` and
``sync`` work on the demo's data directory.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock, SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.errors import ConnectionStateError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.engine.jobs.metrics import Metrics
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.outbox.notify import Notifier, SmtpMailer
from fortnox_bridge.engine.realtime.fetch import run_fetch
from fortnox_bridge.engine.sync.scopes import requested_scopes
from fortnox_bridge.engine.tenancy.clients import ConnectionClients, FortnoxEndpoints
from fortnox_bridge.engine.tenancy.connections import ConnectionService, Transition
from fortnox_bridge.engine.tenancy.crypto import TokenCipher, encrypted_in_store, load_secret_key
from fortnox_bridge.engine.tenancy.token_vault import TokenVault
from fortnox_bridge.files import private_dir
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.runtime.errors import SetupError
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.services.root import Services, build_services
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.documents import LocalDocumentFiles
from fortnox_bridge.store.tenants import TenantRepository

log = logging.getLogger(__name__)
#: What the engine's flows and pre-flight need from a sandbox company (see engine/sync/scopes.py).
SANDBOX_SCOPES = list(requested_scopes())
#: The in-process sandbox's state file in the data directory.
SANDBOX_FILE = "sandbox.sqlite"
#: The base URL the in-process sandbox answers on (through its transport, no network).
IN_PROCESS_URL = "http://sandbox.in-process"


@dataclass
class SandboxLink:
    """How the bridge reaches its sandbox: control client, API base URL, optional transport."""

    control: SandboxControl
    api_url: str
    transport: httpx.AsyncBaseTransport | None
    url_for_humans: str | None
    #: The in-process sandbox's ASGI app (``serve`` shows its consent page); ``None``: standalone.
    app: Any = None


@contextlib.asynccontextmanager
async def sandbox_link(settings: Settings) -> AsyncIterator[SandboxLink]:
    """The standalone sandbox at ``settings.sandbox_url``, or an in-process one whose state is
    kept in ``<data_dir>/sandbox.sqlite`` (written through after every change)."""
    if settings.sandbox_url:
        url = settings.sandbox_url.rstrip("/")
        async with SandboxControl(url) as control:
            yield SandboxLink(control, url, None, url)
        return
    state_file = settings.data_dir / SANDBOX_FILE
    try:
        state = SandboxState(data_path=state_file)
    except ValueError as exc:
        raise SetupError(f"cannot use the sandbox state {state_file}: {exc}") from None
    app = create_app(state)
    transport = SandboxTransport(app)
    try:
        async with SandboxControl(IN_PROCESS_URL, transport=transport) as control:
            yield SandboxLink(control, IN_PROCESS_URL, transport, None, app)
    finally:
        state.close()


@dataclass
class Store:
    """The store alone (no key, no sandbox, no Fortnox): what commands that only read or change
    the bridge's own data need."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    flows: list[type[Flow]]

    @functools.cached_property
    def services(self) -> Services:
        """The application services over this store, as the commands use them: with no engine
        hooks (a command that changes settings or keys starts no job)."""
        return build_services(
            self.sessions, clock=self.clock, settings=self.settings, flows=self.flows
        )

    @functools.cached_property
    def documents(self) -> LocalDocumentFiles:
        """Where the files fetched from Fortnox are kept (``<data dir>/documents``)."""
        return LocalDocumentFiles.in_data_dir(self.settings.data_dir)

    def tenant_id(self, name: str) -> int:
        """The id of the tenant called ``name`` (or with that id); ``KeyError`` if none."""
        with self.sessions.begin() as session:
            tenants = TenantRepository(session)
            found = tenants.by_name(name)
            if found is None and name.isdigit():
                found = tenants.get(int(name))
            if found is None:
                raise KeyError(name)
            return found.id

    def tenant_ids(self) -> list[int]:
        """Every tenant, by id."""
        with self.sessions.begin() as session:
            return [tenant.id for tenant in TenantRepository(session).all()]

    def tenant_name(self, tenant_id: int) -> str:
        """The tenant's name (its id when it has gone)."""
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            return tenant.name if tenant else str(tenant_id)


@dataclass
class Stack(Store):
    """Everything a command needs, opened together and closed together."""

    cipher: TokenCipher
    connections: ConnectionService
    notifier: Notifier | None
    metrics: Metrics
    service: SyncService
    sandbox: SandboxLink | None

    async def run_job(self, job: Job) -> None:
        """Run a queued job: a sweep, a push or a fetch of the tenant (what every worker
        does)."""
        if job.kind == "sweep":
            await self.service.sweep(job.tenant_id, only=job.only)
        elif job.kind == "fetch":
            await run_fetch(self.service, job)
        else:
            await self.service.push(job.tenant_id, job.record_map())

    async def connect_sandbox(self, tenant_id: int, *, seed: str = "empty") -> Transition | None:
        """Connect a tenant to a sandbox company (creating one if the tenant has none)."""
        if self.sandbox is None:
            raise ConnectionStateError("no sandbox: this bridge is configured for Fortnox")
        company = await self.sandbox_company(tenant_id, seed=seed)
        issued = await self.sandbox.control.issue_tokens(company, SANDBOX_SCOPES)
        tokens = TokenSet(
            issued["access_token"],
            self.clock.now() + timedelta(seconds=int(issued["expires_in"])),
            issued["refresh_token"],
            issued["scope"],
        )
        return await self.connections.connect(
            tenant_id,
            tokens,
            client_id=issued["client_id"],
            client_secret=issued["client_secret"],
            fortnox_tenant_id=company,
            reason="connected to the sandbox",
        )

    async def sandbox_company(self, tenant_id: int, *, seed: str = "empty") -> int:
        """The tenant's sandbox company, created (``"<name> (sandbox)"``) if it has none."""
        if self.sandbox is None:
            raise ConnectionStateError("no sandbox: this bridge is configured for Fortnox")
        control = self.sandbox.control
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            assert tenant is not None
            company, name = tenant.fortnox_tenant_id, tenant.name
        if company is None or not await control.company_exists(company):
            created = await control.create_company(f"{name} (sandbox)", seed=seed)
            company = int(created["tenant_id"])
            with self.sessions.begin() as session:
                found = TenantRepository(session).get(tenant_id)
                assert found is not None
                found.fortnox_tenant_id = company
        return company

    async def ensure_connected(self, tenant_id: int) -> None:
        """In sandbox mode, connect a tenant that has a sandbox company but no connection (a
        tenant made by ``demo``)."""
        if self.sandbox is None:
            return
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            tenant = TenantRepository(session).get(tenant_id)
            needed = connection is None and tenant is not None and tenant.fortnox_tenant_id
        if needed:
            await self.connect_sandbox(tenant_id)


@contextlib.contextmanager
def open_store(
    settings: Settings, *, clock: Clock | None = None, create: bool = False
) -> Iterator[Store]:
    """Open the store (migrated) alone; ``create``: make the data directory first (and so the
    SQLite store), for commands that may be the first of a new bridge."""
    if create:
        private_dir(settings.data_dir)
    engine = open_engine(settings.effective_database_url)
    try:
        migrate(engine)
        yield Store(
            settings, engine, session_factory(engine), clock or SystemClock(), discover_flows()
        )
    finally:
        engine.dispose()


@contextlib.asynccontextmanager
async def open_stack(
    settings: Settings,
    *,
    clock: Clock | None = None,
    cipher: TokenCipher | None = None,
    endpoints: FortnoxEndpoints | None = None,
) -> AsyncIterator[Stack]:
    """Open the store (migrated), the key, the sandbox or Fortnox endpoints and the service.

    The composition root of the bridge's processes: ``serve``, ``worker``, the commands and the
    benchmarks all build their engine here. ``cipher``: the caller's token key (no key file is
    read or made); ``endpoints``: a Fortnox or sandbox the caller reaches itself (benchmarks
    with a sandbox of their own), instead of the one the settings name.
    """
    clock = clock or SystemClock()
    if cipher is None or settings.database_url is None:
        private_dir(settings.data_dir)
    engine = open_engine(settings.effective_database_url)
    try:
        migrate(engine)
        sessions = session_factory(engine)
        cipher = cipher or _cipher(settings, sessions)
        async with _fortnox(settings, endpoints) as (reached, sandbox):
            yield _assemble(settings, engine, sessions, clock, cipher, reached, sandbox)
    finally:
        engine.dispose()


def _cipher(settings: Settings, sessions: sessionmaker[Session]) -> TokenCipher:
    """The token key: configured, or the data directory's key file (made when the store holds
    nothing encrypted yet)."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    protected = encrypted_in_store(sessions)  # a missing key file is then not made anew
    return TokenCipher(load_secret_key(settings.data_dir, secret, protected=protected))


@contextlib.asynccontextmanager
async def _fortnox(
    settings: Settings, given: FortnoxEndpoints | None
) -> AsyncIterator[tuple[FortnoxEndpoints, SandboxLink | None]]:
    if given is not None:
        yield given, None
        return
    if settings.fortnox_mode == "fortnox":
        secret = settings.fortnox_client_secret
        yield (
            FortnoxEndpoints(
                api_url=settings.fortnox_api_url,
                auth_url=settings.fortnox_auth_url,
                client_id=settings.fortnox_client_id,
                client_secret=secret.get_secret_value() if secret else None,
            ),
            None,
        )
        return
    async with sandbox_link(settings) as sandbox:
        yield FortnoxEndpoints(sandbox.api_url, sandbox.api_url, sandbox.transport), sandbox


def _notifier(settings: Settings, sessions: sessionmaker[Session], clock: Clock) -> Notifier | None:
    """The e-mail notifier, when an SMTP server is configured."""
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    mailer = SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        username=settings.smtp_username,
        password=password,
        starttls=settings.smtp_starttls,
    )
    return Notifier(
        sessions, mailer, clock, sender=settings.mail_from, base_url=settings.public_url
    )


def _assemble(
    settings: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: Clock,
    cipher: TokenCipher,
    endpoints: FortnoxEndpoints,
    sandbox: SandboxLink | None,
) -> Stack:
    flows = discover_flows()
    notifier = _notifier(settings, sessions, clock)
    redis = None
    if settings.redis_url:
        import redis.asyncio as redis_asyncio

        redis = redis_asyncio.Redis.from_url(settings.redis_url)
    limiter = SlidingWindowLimiter(RateLimit.parse(settings.rate_limit), clock=clock, redis=redis)
    vault = TokenVault(engine, cipher, clock=clock)
    clients = ConnectionClients(
        sessions, vault, cipher, clock=clock, endpoints=endpoints, limiter=limiter
    )
    connections = ConnectionService(
        sessions,
        clock,
        cipher,
        flows=flows,
        on_transition=notifier.connection_changed if notifier else None,
        revoker=clients,  # disconnecting revokes the refresh token at Fortnox
    )
    metrics = Metrics(sessions)
    service = SyncService(
        sessions,
        clock=clock,
        clients=clients,
        connections=connections,
        notifier=notifier,
        flows=flows,
        observer=metrics,
        documents=LocalDocumentFiles.in_data_dir(settings.data_dir),
    )
    return Stack(
        settings,
        engine,
        sessions,
        clock,
        flows,
        cipher,
        connections,
        notifier,
        metrics,
        service,
        sandbox,
    )
