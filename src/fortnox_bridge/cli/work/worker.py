"""``fortnox-bridge worker``: runs the distributed mode's jobs from the PostgreSQL job queue.

Start as many as the load needs, on one machine or several, beside ``serve --no-worker``. Every
setting comes from the environment as well (``FORTNOX_BRIDGE_QUEUE=procrastinate``,
``FORTNOX_BRIDGE_DATABASE_URL``, ``FORTNOX_BRIDGE_SANDBOX_URL`` or the Fortnox app,
``FORTNOX_BRIDGE_SECRET_KEY``, ``FORTNOX_BRIDGE_REDIS_URL``, ``FORTNOX_BRIDGE_WORKERS``), so
scripts can start and kill workers freely: a killed worker's job runs again on another one.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from fortnox_bridge.cli.errors import EXIT_OK
from fortnox_bridge.cli.work.runtime import missing_data, refuse, run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.runtime.jobs import (
    Listening,
    distributed_problem,
    open_queue,
    queue_place,
    realtime_for,
)
from fortnox_bridge.runtime.stack import open_stack


def worker_command(concurrency: int | None, data_dir: Path | None, sandbox_url: str | None) -> None:
    """``fortnox-bridge worker`` (declared in :mod:`fortnox_bridge.cli.worker`)."""
    # The queue's needs first: without them, where the data is does not matter yet.
    config = settings(need="new", data_dir=data_dir, sandbox_url=sandbox_url, workers=concurrency)
    console = Console()
    problem = worker_problem(config) or missing_data(config, "stack")
    if problem is not None:
        raise refuse(console, problem)
    run(console, lambda: work_until_stopped(config, console))


def worker_problem(config: Settings) -> str | None:
    """Why ``worker`` cannot run on ``config`` (``None`` if it can)."""
    if config.queue != "procrastinate":
        return (
            "the worker runs the jobs of the distributed mode: set FORTNOX_BRIDGE_QUEUE="
            "procrastinate and a PostgreSQL FORTNOX_BRIDGE_DATABASE_URL (in embedded mode "
            "serve runs the jobs itself)"
        )
    return distributed_problem(config, several_processes=True)


async def work_until_stopped(config: Settings, console: Console) -> int:
    """Run jobs until SIGINT or SIGTERM (running jobs get a moment to finish)."""
    async with open_stack(config) as stack:
        queue = open_queue(stack)
        where = stack.sandbox.api_url if stack.sandbox is not None else config.fortnox_api_url
        console.print(
            f"Worker {stack.service.owner} running {config.workers} jobs at once from the job "
            f"queue in {queue_place(config)} against {where}; Ctrl-C stops."
        )
        listening = Listening(realtime_for(stack, queue, defer_in=queue.defer_in))
        listening.start()  # the stream of Fortnox's changes, where this process holds it
        try:
            await queue.run_worker(
                stack.run_job,
                concurrency=config.workers,
                install_signal_handlers=True,
                name=stack.service.owner,
            )
        finally:
            await listening.stop()
    console.print("Stopped.")
    return EXIT_OK
