"""What the web UI reaches: the application services, the clock, the settings and the running
engine."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.scheduler import Scheduler
from fortnox_bridge.engine.sync.preflight import Checklist
from fortnox_bridge.engine.tenancy.connections import ConnectionService
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.jobs import BackgroundJobs
from fortnox_bridge.services.root import Services, build_services
from fortnox_bridge.web.consent import FortnoxConsent
from fortnox_bridge.web.passwords import PasswordChecks
from fortnox_bridge.web.throttle import SignInThrottle


def session_secret(secret_key: str) -> str:
    """The key that signs web sessions, derived from the bridge's secret key (never the key)."""
    return hmac.new(secret_key.encode(), b"fortnox-bridge web session", hashlib.sha256).hexdigest()


@dataclass
class WebContext:
    """Everything the pages need; made once by ``serve`` (or a test) and kept on the app."""

    sessions: sessionmaker[Session]
    clock: Clock
    #: Signs the session cookie (see :func:`session_secret`).
    secret: str
    settings: Settings = field(default_factory=Settings)
    #: The engine beside the UI (sync now, dry run, re-sync, pre-flight); ``None``: read-only.
    hooks: EngineHooks = field(default_factory=EngineHooks)
    #: Moves connections between states (connect, reconnect, disconnect).
    connections: ConnectionService | None = None
    flows: Sequence[type[Flow]] = field(default_factory=discover_flows)
    #: Send the session cookie over HTTPS only (on unless the UI is served on plain HTTP).
    secure_cookies: bool = False
    #: How tenants are connected from the browser (consent page, code exchange); ``None``: the
    #: pages say how to connect with the command line instead.
    consent: FortnoxConsent | None = None
    #: The scheduler beside the UI (the next sweep of each tenant); ``None``: not shown.
    scheduler: Scheduler | None = None
    #: The last pre-flight checklist of each tenant (kept in memory; run again on demand).
    checklists: dict[int, Checklist] = field(default_factory=dict)
    #: Background work the UI starts (re-sync jobs, applying a first-sync plan); ``serve`` shares
    #: the API's, so the UI and the API see each other's running re-syncs.
    jobs: BackgroundJobs = field(default_factory=BackgroundJobs)
    #: Failed sign-ins per IP and address; ``None``: counted in this process's memory (``serve``
    #: gives one over Redis when ``redis_url`` is set).
    throttle: SignInThrottle | None = None
    #: The bound on password checks running at once.
    password_checks: PasswordChecks = field(default_factory=PasswordChecks)
    #: The application services the pages call; built from the fields above unless given
    #: (``serve`` hands the API's, so both share one set).
    given_services: Services | None = None

    @property
    def services(self) -> Services:
        """The application services over this context's store, engine and background jobs."""
        built = self.given_services
        if built is None or built.hooks is not self.hooks or built.jobs is not self.jobs:
            built = build_services(
                self.sessions,
                clock=self.clock,
                settings=self.settings,
                hooks=self.hooks,
                flows=self.flows,
                jobs=self.jobs,
            )
            self.given_services = built
        return built
