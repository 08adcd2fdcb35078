"""``fortnox-bridge serve``: the host API, the scheduler and the job workers in one process.

In the distributed mode (``queue = "procrastinate"``) the jobs wait in PostgreSQL; ``serve`` runs
a worker beside the API unless ``--no-worker``, and ``fortnox-bridge worker`` processes run them
too (see ``cli/work/jobs.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from pathlib import Path

import uvicorn
from rich.console import Console

from fortnox_bridge.cli.errors import EXIT_OK, CommandError
from fortnox_bridge.cli.work.logs import AccessLog
from fortnox_bridge.cli.work.runtime import check_port_free, reported, run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.outbox.webhooks import WebhookWorker
from fortnox_bridge.runtime.http import SANDBOX_MOUNT, build_http
from fortnox_bridge.runtime.jobs import Jobs, distributed_problem, open_jobs
from fortnox_bridge.runtime.stack import Stack, open_stack


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
    """``fortnox-bridge serve`` (declared in :mod:`fortnox_bridge.cli.serve`): logs at INFO
    unless told."""
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
    with reported(console):
        if sandbox_control and not _loopback(config.host):
            raise CommandError(
                f"--sandbox-control opens the sandbox's control API without authentication, so "
                f"it needs --host on loopback (127.0.0.1 or ::1), not {config.host}"
            )
        check_port_free(config.host, config.port)
        check_queue(config, worker=not no_worker)
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
    """Raise :class:`CommandError` if the chosen way of running jobs cannot work on ``config``."""
    if config.queue == "embedded":
        if not worker:
            raise CommandError(
                "--no-worker is for the distributed mode (FORTNOX_BRIDGE_QUEUE=procrastinate); "
                "in embedded mode serve runs the jobs itself"
            )
        return
    problem = distributed_problem(config, several_processes=not worker)
    if problem is not None:
        raise CommandError(problem)


async def serve_until_stopped(
    config: Settings, console: Console, *, worker: bool = True, sandbox_control: bool = False
) -> int:
    """The API, scheduler, job workers and webhook deliveries on ``config`` until stopped
    (distributed mode without ``worker``: no job runs here)."""
    check_queue(config, worker=worker)
    async with open_stack(config) as stack:
        for tenant_id in stack.tenant_ids():
            await stack.ensure_connected(tenant_id)  # tenants made by `demo`
        stack.services.runs.end_stale()  # sweeps and pushes a stopped bridge left running
        jobs = open_jobs(stack, worker=worker)
        http = build_http(stack, jobs, sandbox_control=sandbox_control)
        if sandbox_control:
            _warn_sandbox_control(console, config, opened=http.sandbox_control)
        server = _Server(
            uvicorn.Config(
                AccessLog(http.app),
                host=config.host,
                port=config.port,
                log_level=config.log_level.lower(),
                log_config=None,  # uvicorn's lines go through our handler (text or JSON)
                access_log=False,  # AccessLog writes one structured line per request
            )
        )
        try:
            await _run_until_stopped(stack, console, server, jobs, http.webhooks)
        finally:
            await http.app.state.jobs.stop()  # a running re-sync is kept as interrupted
    return EXIT_OK


def _warn_sandbox_control(console: Console, config: Settings, *, opened: bool) -> None:
    if not opened:
        console.print("--sandbox-control does nothing here: no in-process sandbox runs.")
        return
    console.print(
        f"[bold red]warning:[/] --sandbox-control: the sandbox's control API is open "
        f"WITHOUT authentication at http://{config.host}:{config.port}"
        f"{SANDBOX_MOUNT}/_sandbox/ — anything that reaches this port (also a web "
        "page in a local browser) can issue tokens for any sandbox company and reset "
        "the sandbox. For local testing only."
    )


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
