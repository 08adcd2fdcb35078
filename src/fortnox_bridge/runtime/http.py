"""The bridge's HTTP app, composed on a :class:`~.stack.Stack` and its :class:`~.jobs.Jobs`: the
host API, the admin UI, the webhook deliveries and (in sandbox mode) the in-process sandbox's
consent page at ``/sandbox``. ``serve`` runs it; tests and benchmarks build it the same way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import FastAPI

from fortnox_bridge.api import create_app
from fortnox_bridge.api.webhooks import outbound_policy
from fortnox_bridge.engine.jobs.scheduler import Scheduler
from fortnox_bridge.engine.outbox.events import EventBus
from fortnox_bridge.engine.outbox.webhooks import WebhookWorker
from fortnox_bridge.engine.tenancy.crypto import load_secret_key
from fortnox_bridge.runtime.jobs import Jobs
from fortnox_bridge.runtime.stack import Stack
from fortnox_bridge.sandbox.app import BrowserPages
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import Services, build_services
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.consent import ConsentApp, FortnoxConsent
from fortnox_bridge.web.context import WebContext, session_secret
from fortnox_bridge.web.throttle import RedisStrikes, SignInThrottle

#: Where ``serve`` shows the in-process sandbox (its consent page) to browsers.
SANDBOX_MOUNT = "/sandbox"


@dataclass
class Http:
    """The HTTP app and what runs beside it."""

    app: FastAPI
    #: Delivers the events to the webhook receivers (``serve`` runs it).
    webhooks: WebhookWorker
    hooks: EngineHooks
    #: The in-process sandbox's control API is mounted without authentication.
    sandbox_control: bool = False


def build_http(stack: Stack, jobs: Jobs, *, sandbox_control: bool = False) -> Http:
    """The API and the admin UI on ``stack``, the jobs going to ``jobs``; with
    ``sandbox_control`` the in-process sandbox's whole app (control API too) at ``/sandbox``."""
    config = stack.settings
    events = EventBus()  # wakes long-polls and the webhook worker on every new event
    events.attach(stack.sessions)
    outbound = outbound_policy(config)  # where webhook receivers may be
    webhooks = WebhookWorker(
        stack.sessions,
        stack.cipher,
        stack.clock,
        max_attempts=config.webhook_max_attempts,
        timeout=config.webhook_timeout_seconds,
        sleep=asyncio.sleep,
        bus=events,
        policy=outbound,
    )
    hooks = EngineHooks(
        on_change=jobs.on_change,
        dispatcher=jobs.dispatcher,
        metrics=stack.metrics,
        service=stack.service,
        events=events,
        cipher=stack.cipher,
        outbound=outbound,
        consent=consent_setup(stack),
    )
    # One set of services for the API and the UI: they see each other's running re-syncs.
    services = build_services(
        stack.sessions, clock=stack.clock, settings=config, hooks=hooks, flows=stack.flows
    )
    app = create_app(services)
    install_web(app, web_context(stack, services, jobs.scheduler))
    opened = False
    if stack.sandbox is not None and stack.sandbox.app is not None:
        # Browsers need the in-process sandbox's consent page, and nothing else of it.
        app.mount(
            SANDBOX_MOUNT,
            stack.sandbox.app if sandbox_control else BrowserPages(stack.sandbox.app),
        )
        opened = sandbox_control
    return Http(app, webhooks, hooks, sandbox_control=opened)


def web_context(stack: Stack, services: Services, scheduler: Scheduler | None = None) -> WebContext:
    """What the admin UI needs of the running bridge."""
    config = stack.settings
    configured = config.secret_key.get_secret_value() if config.secret_key else None
    throttle = None
    if config.redis_url:  # failed sign-ins counted for every process of the bridge
        import redis.asyncio as redis_asyncio

        redis = redis_asyncio.Redis.from_url(config.redis_url)
        throttle = SignInThrottle(stack.clock, RedisStrikes(redis))
    return WebContext(
        services,
        throttle=throttle,
        consent=consent_setup(stack),
        scheduler=scheduler,
        secret=session_secret(load_secret_key(config.data_dir, configured)),
        connections=stack.connections,
        secure_cookies=bool(config.public_url and config.public_url.startswith("https://")),
    )


def consent_setup(stack: Stack) -> FortnoxConsent | None:
    """How the UI connects tenants: Fortnox's consent page with the configured app, or the
    sandbox's (standalone: at its own address; in-process: at /sandbox of this server) with an
    app registered for the callback address."""
    config = stack.settings
    sandbox = stack.sandbox
    if sandbox is None:
        if not config.fortnox_client_id or not config.fortnox_client_secret:
            return None
        return FortnoxConsent(
            browser_auth_url=config.fortnox_auth_url,
            token_url=config.fortnox_auth_url,
            redirect_uri=config.fortnox_redirect_uri,
            app=ConsentApp(
                config.fortnox_client_id, config.fortnox_client_secret.get_secret_value()
            ),
        )

    async def register(redirect_uri: str) -> ConsentApp:
        made = await sandbox.control.create_app(redirect_uris=[redirect_uri])
        return ConsentApp(str(made["client_id"]), str(made["client_secret"]))

    async def prepare(tenant_id: int) -> None:
        await stack.sandbox_company(tenant_id)

    return FortnoxConsent(
        browser_auth_url=sandbox.url_for_humans or SANDBOX_MOUNT,
        token_url=sandbox.api_url,
        transport=sandbox.transport,
        register=register,
        prepare=prepare,
        sandbox=True,
    )
