"""``fortnox-bridge serve``: the host API, the scheduler and the job workers in one process.

In the distributed mode (``queue = "procrastinate"``) the jobs wait in PostgreSQL; ``serve`` runs
a worker beside the API unless ``--no-worker``, and ``fortnox-bridge worker`` processes run them
too (see ``cli_service/jobs.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from fortnox_bridge.api import create_app
from fortnox_bridge.api.app import ApiHooks
from fortnox_bridge.api.jobs import BackgroundJobs
from fortnox_bridge.api.webhooks import outbound_policy
from fortnox_bridge.cli_common.logs import AccessLog
from fortnox_bridge.cli_common.runtime import run, settings
from fortnox_bridge.cli_service.jobs import DistributedJobs, EmbeddedJobs, Jobs, distributed_problem
from fortnox_bridge.cli_service.stack import Stack, open_stack
from fortnox_bridge.config import Settings
from fortnox_bridge.demo import EXIT_OK, DemoError, check_port_free
from fortnox_bridge.engine.jobs.scheduler import Scheduler
from fortnox_bridge.engine.outbox.events import EventBus
from fortnox_bridge.engine.outbox.webhooks import WebhookWorker
from fortnox_bridge.engine.tenancy.crypto import load_secret_key
from fortnox_bridge.sandbox.app import BrowserPages
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.consent import ConsentApp, FortnoxConsent
from fortnox_bridge.web.context import WebContext, session_secret
from fortnox_bridge.web.throttle import RedisStrikes, SignInThrottle

#: Where ``serve`` shows the in-process sandbox (its consent page) to browsers.
SANDBOX_MOUNT = "/sandbox"


def serve_command(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    sandbox_url: str | None,
    *,
    no_worker: bool,
    sandbox_control: bool,
    log_format: str | None,
    log_level: str | None,
) -> None:
    """``fortnox-bridge serve`` (declared in :mod:`.commands`): logs at INFO unless told."""
    config = settings(
        need="new",
        default_log_level="INFO",
        host=host,
        port=port,
        data_dir=data_dir,
        sandbox_url=sandbox_url,
        log_format=log_format,
        log_level=log_level,
    )
    console = Console()
    try:
        if sandbox_control and not _loopback(config.host):
            raise DemoError(
                f"--sandbox-control opens the sandbox's control API without authentication, so "
                f"it needs --host on loopback (127.0.0.1 or ::1), not {config.host}"
            )
        check_port_free(config.host, config.port)
        check_queue(config, worker=not no_worker)
    except DemoError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    run(
        console,
        lambda: serve_until_stopped(
            config, console, worker=not no_worker, sandbox_control=sandbox_control
        ),
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check_queue(config: Settings, *, worker: bool = True) -> None:
    """Raise :class:`DemoError` if the chosen way of running jobs cannot work on ``config``."""
    if config.queue == "embedded":
        if not worker:
            raise DemoError(
                "--no-worker is for the distributed mode (FORTNOX_BRIDGE_QUEUE=procrastinate); "
                "in embedded mode serve runs the jobs itself"
            )
        return
    problem = distributed_problem(config, several_processes=not worker)
    if problem is not None:
        raise DemoError(problem)


async def serve_until_stopped(
    config: Settings, console: Console, *, worker: bool = True, sandbox_control: bool = False
) -> int:
    """The API, scheduler, job workers and webhook deliveries on ``config`` until stopped
    (distributed mode without ``worker``: no job runs here)."""
    check_queue(config, worker=worker)
    async with open_stack(config) as stack:
        for tenant_id in stack.tenant_ids():
            await stack.ensure_connected(tenant_id)  # tenants made by `demo`
        jobs: Jobs = (
            DistributedJobs(stack, worker=worker)
            if config.queue == "procrastinate"
            else EmbeddedJobs(stack)
        )
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
        hooks = ApiHooks(
            on_change=jobs.on_change,
            dispatcher=jobs.dispatcher,
            metrics=stack.metrics,
            service=stack.service,
            events=events,
            cipher=stack.cipher,
            outbound=outbound,
            consent=consent_setup(stack),
        )
        app = create_app(
            stack.sessions, clock=stack.clock, hooks=hooks, flows=stack.flows, settings=config
        )
        install_web(app, web_context(stack, hooks, app.state.jobs, jobs.scheduler))
        if stack.sandbox is not None and stack.sandbox.app is not None:
            # Browsers need the in-process sandbox's consent page, and nothing else of it.
            app.mount(
                SANDBOX_MOUNT,
                stack.sandbox.app if sandbox_control else BrowserPages(stack.sandbox.app),
            )
            if sandbox_control:
                console.print(
                    f"[bold red]warning:[/] --sandbox-control: the sandbox's control API is open "
                    f"WITHOUT authentication at http://{config.host}:{config.port}"
                    f"{SANDBOX_MOUNT}/_sandbox/ — anything that reaches this port (also a web "
                    "page in a local browser) can issue tokens for any sandbox company and reset "
                    "the sandbox. For local testing only."
                )
        elif sandbox_control:
            console.print("--sandbox-control does nothing here: no in-process sandbox runs.")
        server = _Server(
            uvicorn.Config(
                AccessLog(app),
                host=config.host,
                port=config.port,
                log_level=config.log_level.lower(),
                log_config=None,  # uvicorn's lines go through our handler (text or JSON)
                access_log=False,  # AccessLog writes one structured line per request
            )
        )
        try:
            await _run_until_stopped(stack, console, server, jobs, webhooks)
        finally:
            await app.state.jobs.stop()  # a running re-sync is kept as interrupted
    return EXIT_OK


async def _run_until_stopped(
    stack: Stack,
    console: Console,
    server: _Server,
    jobs: Jobs,
    webhooks: WebhookWorker,
) -> None:
    config = stack.settings
    await jobs.start()
    delivering = asyncio.create_task(webhooks.run())
    where = (
        stack.sandbox.url_for_humans
        if stack.sandbox and stack.sandbox.url_for_humans
        else ("the in-process sandbox" if stack.sandbox else config.fortnox_api_url)
    )

    async def announce() -> None:  # once the port takes connections, not before
        await server.listening.wait()
        console.print(
            f"Serving on http://{config.host}:{config.port} (admin UI: /ui, health: "
            f"/healthz, metrics: /metrics, docs: /api/docs) against {where}{jobs.describe()}; "
            "Ctrl-C stops."
        )

    announcing = asyncio.create_task(announce())
    try:
        await server.serve()
    finally:
        for task in (delivering, announcing):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await webhooks.aclose()
        await jobs.stop()
        console.print("Stopped.")


class _Server(uvicorn.Server):
    """uvicorn's server, telling when it listens (``serve`` says "Serving on" only then)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.listening.set()


def web_context(
    stack: Stack,
    hooks: ApiHooks,
    jobs: BackgroundJobs | None = None,
    scheduler: Scheduler | None = None,
) -> WebContext:
    """What the admin UI needs of the running bridge."""
    config = stack.settings
    configured = config.secret_key.get_secret_value() if config.secret_key else None
    throttle = None
    if config.redis_url:  # failed sign-ins counted for every process of the bridge
        import redis.asyncio as redis_asyncio

        redis = redis_asyncio.Redis.from_url(config.redis_url)
        throttle = SignInThrottle(stack.clock, RedisStrikes(redis))
    return WebContext(
        throttle=throttle,
        consent=consent_setup(stack),
        scheduler=scheduler,
        sessions=stack.sessions,
        clock=stack.clock,
        secret=session_secret(load_secret_key(config.data_dir, configured)),
        settings=config,
        hooks=hooks,
        connections=stack.connections,
        flows=stack.flows,
        secure_cookies=bool(config.public_url and config.public_url.startswith("https://")),
        jobs=jobs or BackgroundJobs(),
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
