"""Work the bridge starts and answers for before it ends (a re-sync job runs after its 202).

Tasks are kept until they finish (so they are not garbage-collected mid-run) and are cancelled
when the server stops; a cancelled re-sync is marked ``interrupted`` and resumes when started
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundJobs:
    """The running background tasks of the API and the UI, by name (one per name at a time)."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def running(self, name: str) -> bool:
        """Whether a task called ``name`` has not finished yet."""
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def start(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background under ``name``."""
        task = asyncio.create_task(self._guarded(name, work), name=name)
        self._tasks[name] = task
        task.add_done_callback(lambda done: self._forget(name, done))

    def _forget(self, name: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]

    @staticmethod
    async def _guarded(name: str, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:  # the job's own record says what happened; keep the server up
            log.exception("background job failed", extra={"job": name})

    async def join(self) -> None:
        """Wait until every task has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel every task and wait for them to wind down."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
