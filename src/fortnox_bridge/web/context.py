"""What the web UI reaches: the application services, the clock, the settings and the running
engine."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType

from fortnox_bridge.clock import Clock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.jobs.scheduler import Scheduler
from fortnox_bridge.engine.sync.preflight import Checklist
from fortnox_bridge.engine.tenancy.connections import ConnectionService
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.jobs import BackgroundJobs
from fortnox_bridge.services.passwords import PasswordChecks
from fortnox_bridge.services.root import Services
from fortnox_bridge.web.consent import FortnoxConsent
from fortnox_bridge.web.pages import page_modules
from fortnox_bridge.web.pages._ui_jobs import UiJob
from fortnox_bridge.web.throttle import SignInThrottle


def session_secret(secret_key: str) -> str:
    """The key that signs web sessions, derived from the bridge's secret key (never the key)."""
    return hmac.new(secret_key.encode(), b"fortnox-bridge web session", hashlib.sha256).hexdigest()


@dataclass
class WebContext:
    """Everything the pages need; made once by ``serve`` (or a test) and kept on the app."""

    #: The application services the pages call (``serve`` builds them like the API's, over the
    #: same store, engine and background jobs).
    services: Services
    #: Signs the session cookie (see :func:`session_secret`).
    secret: str
    #: The settings the pages read; ``None``: the services' own.
    given_settings: Settings | None = None
    #: Moves connections between states (connect, reconnect, disconnect).
    connections: ConnectionService | None = None
    #: Send the session cookie over HTTPS only (on unless the UI is served on plain HTTP).
    secure_cookies: bool = False
    #: How tenants are connected from the browser (consent page, code exchange); ``None``: the
    #: pages say how to connect with the command line instead.
    consent: FortnoxConsent | None = None
    #: The scheduler beside the UI (the next sweep of each tenant); ``None``: not shown.
    scheduler: Scheduler | None = None
    #: The last pre-flight checklist of each tenant (kept in memory; run again on demand).
    checklists: dict[int, Checklist] = field(default_factory=dict)
    #: The newest "Sync now", preview and plan job of each tenant, by (tenant id, kind), with
    #: when it was made and its result (kept in memory; see ``pages/sync_jobs.py``).
    ui_jobs: dict[tuple[int, str], UiJob] = field(default_factory=dict)
    #: Failed sign-ins per IP and address; ``None``: counted in this process's memory (``serve``
    #: gives one over Redis when ``redis_url`` is set).
    throttle: SignInThrottle | None = None
    #: The bound on password checks running at once.
    password_checks: PasswordChecks = field(default_factory=PasswordChecks)
    #: The page modules the UI serves, with the tabs they declare (default: every page module).
    pages: Sequence[ModuleType] = field(default_factory=page_modules)

    @property
    def settings(self) -> Settings:
        """The bridge's settings (public address, session timeouts)."""
        return self.given_settings or self.services.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self.given_settings = value

    @property
    def clock(self) -> Clock:
        """The services' clock."""
        return self.services.clock

    @property
    def hooks(self) -> EngineHooks:
        """The engine beside the UI (sync now, dry run, re-sync, pre-flight); its ``service``
        is ``None`` when the UI is read-only."""
        return self.services.hooks

    @property
    def flows(self) -> Sequence[type[Flow]]:
        """The flows the bridge runs."""
        return self.services.flows

    @property
    def jobs(self) -> BackgroundJobs:
        """Background work the UI starts (re-sync jobs, applying a first-sync plan); ``serve``
        shares the API's, so the UI and the API see each other's running re-syncs."""
        return self.services.jobs
