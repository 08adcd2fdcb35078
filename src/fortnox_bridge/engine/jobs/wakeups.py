"""procrastinate's worker and connector, made so that a worker never misses a wake-up.

A worker learns of new jobs (and of a tenant's job ending, see ``queue_schema.HANDOVER``) from
PostgreSQL notifications; between them it only polls the table (``queue_poll_seconds``). Two
ways of missing a notification are closed here:

- **Before the worker listens.** The notifications arrive on a connection of the worker's own,
  which its listener opens while the worker already fetches jobs. A notification sent before that
  connection's ``LISTEN`` went nowhere: a job that ended in between (often the worker's own first
  job) left the tenant's next job waiting for the next poll. The same holds while the listener
  reconnects. So each time the listener is up, it wakes the worker as a notification would
  (:class:`WakingConnector`), and the worker looks at the table once more.
- **While the worker fetches.** procrastinate's worker forgets every wake-up once a fetch
  returns, including one that came while the fetch ran, whose query may have read the table
  before the change it announces committed. Such a wake-up is kept for one more fetch
  (:class:`WakeUp`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

import psycopg
from procrastinate import PsycopgConnector
from procrastinate.connector import LISTEN_TIMEOUT, Notify
from procrastinate.worker import Worker

#: The channel named with the wake-up (procrastinate's, for a job of any queue).
WAKE_CHANNEL = "procrastinate_any_queue_v1"
#: What the listener hands the worker: "a job may wait", as procrastinate says it.
WAKE = json.dumps({"type": "job_inserted", "job_id": None})


class WakingConnector(PsycopgConnector):
    """A :class:`~procrastinate.PsycopgConnector` whose listener wakes the worker each time its
    ``LISTEN`` is up (notifications sent earlier were lost)."""

    async def _loop_notify(
        self,
        on_notification: Notify,
        connection: psycopg.AsyncConnection[Any],
        timeout: float = LISTEN_TIMEOUT,  # noqa: ASYNC109 (procrastinate's signature)
    ) -> None:
        # procrastinate calls this right after the LISTEN statements, on each (re)connection.
        await on_notification(channel=WAKE_CHANNEL, payload=WAKE)
        await super()._loop_notify(
            on_notification=on_notification, connection=connection, timeout=timeout
        )


class WakeUp(asyncio.Event):
    """The worker's "a job may wait" flag.

    The worker waits for it, then fetches jobs, and clears it after each fetch. A wake-up that
    came after the worker woke (while it fetched) survives that clear: the worker fetches once
    more, and sees the change the wake-up announced.
    """

    def __init__(self) -> None:
        super().__init__()
        self._unseen = False

    def set(self) -> None:
        self._unseen = True
        super().set()

    async def wait(self) -> Literal[True]:
        await super().wait()
        self._unseen = False  # the worker woke for the wake-ups so far: its next fetch sees them
        return True

    def clear(self) -> None:
        if self._unseen:
            self._unseen = False  # it came during the fetch: kept for one more
        else:
            super().clear()


class WakefulWorker(Worker):
    """procrastinate's :class:`~procrastinate.worker.Worker` with a :class:`WakeUp`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._new_job_event = WakeUp()
