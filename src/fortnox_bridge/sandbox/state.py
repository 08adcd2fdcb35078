"""All state of one sandbox: companies, the OAuth registry, counters, the rate limit and faults.

State lives in memory. With a SQLite file (``SandboxState(data_path=...)`` or
:meth:`SandboxState.open`) every change is written through after each request, so a standalone
sandbox survives a restart; :meth:`SandboxState.save` / :meth:`SandboxState.load` copy the whole
state to or from such a file.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from fortnox_bridge.clock import Clock, SystemClock
from fortnox_bridge.sandbox.auth import (
    ACCESS_TOKEN_LIFETIME,
    KNOWN_SCOPES,
    AuthRegistry,
    DeveloperApp,
    IssuedTokens,
    TokenGrant,
)
from fortnox_bridge.sandbox.clock import SandboxClock
from fortnox_bridge.sandbox.company import DEFAULT_LICENCES, Company
from fortnox_bridge.sandbox.store import SqliteStore
from fortnox_bridge.sandbox.topics.hub import TopicsHub
from fortnox_bridge.sandbox.traffic import FaultBook, RequestLog, SlidingWindowLimiter, Stats

__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "DEFAULT_LICENCES",
    "KNOWN_SCOPES",
    "Company",
    "SandboxState",
    "Stats",
    "TokenGrant",
]


class SandboxState:
    """Everything one sandbox knows. Create one per test; nothing is global.

    ``clock`` is the injected clock (the control API moves it); ``fault_seed`` or ``rng`` make
    probabilistic faults reproducible; ``data_path`` persists the state in a SQLite file.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        token_factory: Callable[[], str] | None = None,
        rng: random.Random | None = None,
        fault_seed: int | None = None,
        data_path: Path | None = None,
    ) -> None:
        self.clock = SandboxClock(clock or SystemClock())
        self.auth = AuthRegistry(token_factory)
        self.companies: dict[int, Company] = {}
        self.stats = Stats()
        self.stats_by_tenant: dict[int, Stats] = {}
        self.limiter = SlidingWindowLimiter()
        self.faults = FaultBook(rng or random.Random(fault_seed))
        self.requests = RequestLog()
        self.store: SqliteStore | None = None
        self.clock_dirty = False
        #: The WebSocket topics: the event log every register change feeds, faults, connections.
        self.topics = TopicsHub(self.clock)
        if data_path is not None:
            self.attach(data_path)

    @classmethod
    def open(cls, path: Path, **kwargs: object) -> SandboxState:
        """A state kept in the SQLite file ``path`` (read now, written after each change)."""
        return cls(data_path=path, **kwargs)  # type: ignore[arg-type]

    @property
    def app(self) -> DeveloperApp:
        """The built-in developer app that control-API tokens are issued to."""
        return self.auth.default_app

    def attach(self, path: Path) -> None:
        """Persist to ``path``: load what it holds, then write every change through."""
        store = SqliteStore(path)
        if store.has_state():
            store.read_into(self)
        else:
            store.write_all(self)
        self.store = store
        self._watch_companies()

    def close(self) -> None:
        """Write pending changes and close the attached file (no-op without one)."""
        if self.store is not None:
            self.store.flush(self)
            self.store.close()
            self.store = None

    def flush(self) -> None:
        """Write pending changes to the attached file (no-op without one)."""
        if self.store is not None:
            self.store.flush(self)

    def reset(self) -> None:
        """Forget every company, token, counter, fault and log entry (the apps stay)."""
        self.companies.clear()
        self.auth.reset()
        self.stats = Stats()
        self.stats_by_tenant.clear()
        self.faults.clear()
        self.requests.clear()
        self.topics.reset()
        self.limiter.configure(enabled=self.limiter.enabled)
        if self.store is not None:
            self.store.write_all(self)

    def add_company(self, name: str, licences: list[str] | None = None) -> Company:
        """Create a company with the next tenant id."""
        tenant_id = max(self.companies, default=0) + 1
        company = Company(tenant_id, name, list(DEFAULT_LICENCES if licences is None else licences))
        self.companies[tenant_id] = company
        company.watch = self.topics.watcher(tenant_id)
        return company

    def _watch_companies(self) -> None:
        """Publish the changes of every company (after companies were read from a file)."""
        for company in self.companies.values():
            company.watch = self.topics.watcher(company.tenant_id)

    def issue_tokens(self, company: Company, scopes: frozenset[str]) -> IssuedTokens:
        """Direct consent for the built-in app: an access token (1 h) and a refresh token."""
        return self.auth.issue(self.app, company.tenant_id, scopes, self.clock.now())

    def grant_for(self, access_token: str) -> TokenGrant | None:
        """The live grant behind ``access_token``, or ``None`` if unknown or expired."""
        return self.auth.grant_for(access_token, self.clock.now())

    def record(
        self, tenant_id: int | None, method: str, status: int | None, fault: str | None = None
    ) -> None:
        """Count one API request, overall and for its tenant."""
        self.stats.record(method, status, fault)
        if tenant_id is not None:
            self.stats_by_tenant.setdefault(tenant_id, Stats()).record(method, status, fault)

    def save(self, path: Path) -> None:
        """Copy the whole state to the SQLite file ``path`` (replacing what it held)."""
        store = SqliteStore(path)
        try:
            store.write_all(self)
        finally:
            store.close()

    def load(self, path: Path) -> None:
        """Replace companies, apps and tokens with those saved in the SQLite file ``path``."""
        store = SqliteStore(path, create=False)
        try:
            store.read_into(self)
        finally:
            store.close()
        self._watch_companies()
