"""``fortnox-bridge serve``: the host API, the scheduler and the job workers in one process."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from fortnox_bridge.api import create_app
from fortnox_bridge.api.app import ApiHooks
from fortnox_bridge.api.jobs import BackgroundJobs
from fortnox_bridge.cli_service.commands import DataDir, SandboxUrl, run, settings
from fortnox_bridge.cli_service.stack import Stack, open_stack
from fortnox_bridge.config import Settings
from fortnox_bridge.demo import EXIT_OK, DemoError, check_port_free
from fortnox_bridge.engine.crypto import load_secret_key
from fortnox_bridge.engine.dispatch import InProcessDispatcher, Job
from fortnox_bridge.engine.events import EventBus
from fortnox_bridge.engine.scheduler import PushDebouncer, Scheduler
from fortnox_bridge.engine.webhooks import WebhookWorker
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.consent import ConsentApp, FortnoxConsent
from fortnox_bridge.web.context import WebContext, session_secret

#: Where ``serve`` shows the in-process sandbox (its consent page) to browsers.
SANDBOX_MOUNT = "/sandbox"


def serve(
    host: Annotated[str | None, typer.Option(help="API address [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="API port [8000].")] = None,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Serve the API with the scheduler and the sync workers until Ctrl-C."""
    config = settings(host=host, port=port, data_dir=data_dir, sandbox_url=sandbox_url)
    console = Console()
    try:
        check_port_free(config.host, config.port)
    except DemoError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    run(console, lambda: serve_until_stopped(config, console))


async def serve_until_stopped(config: Settings, console: Console) -> int:
    """The API, scheduler, job workers and webhook deliveries on ``config`` until stopped."""
    async with open_stack(config) as stack:
        for tenant_id in stack.tenant_ids():
            await stack.ensure_connected(tenant_id)  # tenants made by `demo`

        async def handle(job: Job) -> None:
            if job.kind == "sweep":
                await stack.service.sweep(job.tenant_id)
            else:
                await stack.service.push(job.tenant_id, job.record_map())

        dispatcher = InProcessDispatcher(handle, workers=config.workers)
        scheduler = Scheduler(
            stack.sessions,
            dispatcher,
            stack.clock,
            sleep=asyncio.sleep,
            spread_seconds=config.sweep_spread_seconds,
            rng=random.Random(),
        )
        debouncer = PushDebouncer(
            dispatcher,
            stack.clock,
            sleep=asyncio.sleep,
            quiet=config.push_debounce_seconds,
            max_delay=config.push_max_delay_seconds,
        )
        debouncer.bind(asyncio.get_running_loop())
        events = EventBus()  # wakes long-polls and the webhook worker on every new event
        events.attach(stack.sessions)
        webhooks = WebhookWorker(
            stack.sessions,
            stack.cipher,
            stack.clock,
            max_attempts=config.webhook_max_attempts,
            timeout=config.webhook_timeout_seconds,
            sleep=asyncio.sleep,
            bus=events,
        )
        hooks = ApiHooks(
            on_change=debouncer.changed,
            dispatcher=dispatcher,
            metrics=stack.metrics,
            service=stack.service,
            events=events,
            cipher=stack.cipher,
        )
        app = create_app(
            stack.sessions, clock=stack.clock, hooks=hooks, flows=stack.flows, settings=config
        )
        install_web(app, web_context(stack, hooks, app.state.jobs, scheduler))
        if stack.sandbox is not None and stack.sandbox.app is not None:
            # The in-process sandbox's consent page must be reachable by browsers.
            app.mount(SANDBOX_MOUNT, stack.sandbox.app)
        server = _Server(
            uvicorn.Config(
                app, host=config.host, port=config.port, log_level=config.log_level.lower()
            )
        )
        try:
            await _run_until_stopped(stack, console, server, dispatcher, scheduler, webhooks)
        finally:
            await app.state.jobs.stop()  # a running re-sync is kept as interrupted
    return EXIT_OK


async def _run_until_stopped(
    stack: Stack,
    console: Console,
    server: _Server,
    dispatcher: InProcessDispatcher,
    scheduler: Scheduler,
    webhooks: WebhookWorker,
) -> None:
    config = stack.settings
    dispatcher.start()
    for tenant_id, _ in scheduler.tenants():  # catch up at start, then on the slots
        await dispatcher.submit(Job("sweep", tenant_id, reason="start"))
    ticking = asyncio.create_task(scheduler.run())
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
            f"/healthz, metrics: /metrics, docs: /api/docs) against {where}; Ctrl-C stops."
        )

    announcing = asyncio.create_task(announce())
    try:
        await server.serve()
    finally:
        for task in (ticking, delivering, announcing):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await webhooks.aclose()
        await dispatcher.stop()
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
    return WebContext(
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
