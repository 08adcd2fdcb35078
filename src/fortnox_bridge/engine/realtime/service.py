"""The real-time listeners of a process: one per Fortnox app, run only under the app's lease.

Every worker process (``serve``, ``worker``) runs one :class:`RealtimeService`. Each round
(every ``renew`` seconds) it claims or renews the lease of each app with active connections;
for an app it leads, a :class:`~.listener.Listener` runs and is told to look at the tenants
again; for an app whose lease it lost, the listener stops at once. Apps left without an active
connection are let go.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.realtime.directory import TenantDirectory
from fortnox_bridge.engine.realtime.intake import Intake
from fortnox_bridge.engine.realtime.leader import Leadership
from fortnox_bridge.engine.realtime.listener import HealthMark, Listener, Sleep

log = logging.getLogger(__name__)


@dataclass
class _Led:
    leadership: Leadership
    listener: Listener
    task: asyncio.Task[None]


class RealtimeService:
    """Claims the apps' leases and runs the listeners of those it holds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        directory: TenantDirectory,
        intake: Intake,
        *,
        holder: str,
        clock: Clock,
        url: str,
        topics: Sequence[str],
        ttl: timedelta = timedelta(seconds=30),
        renew: timedelta = timedelta(seconds=10),
        sleep: Sleep = asyncio.sleep,
        health: HealthMark | None = None,
    ) -> None:
        self.sessions = sessions
        #: Told when an app's stream is healthy or not (the sweeps stretch while it is).
        self.health = health
        self.directory = directory
        self.intake = intake
        self.holder = holder
        self.clock = clock
        self.url = url
        self.topics = tuple(topics)
        self.ttl = ttl
        self.renew = renew
        self.sleep = sleep
        self.led: dict[str, _Led] = {}

    async def run(self) -> None:
        """Rounds every ``renew`` until cancelled (then the leases are given back)."""
        try:
            while True:
                try:
                    await self.step()
                except Exception:  # the store is away: no lease is renewed, so stop listening
                    log.exception("realtime round failed")
                    for app in list(self.led):
                        await self._stop(app, release=False)
                await self.sleep(self.renew.total_seconds())
        finally:
            await self.stop()

    async def step(self) -> None:
        """One round: claim or renew each app's lease; start, wake or stop its listener."""
        apps = await asyncio.to_thread(self.directory.apps)
        for app in apps:
            led = self.led.get(app)
            leadership = led.leadership if led else self._leadership(app)
            held = await asyncio.to_thread(leadership.claim)
            if held and led is None:
                await self._start(app, leadership)
            elif held and led is not None:
                if led.task.done():  # it failed: start it again
                    await self._stop(app, release=False)
                    await self._start(app, leadership)
                else:
                    led.listener.wake()
            elif led is not None:
                log.warning("realtime lease lost", extra={"app": app, "holder": self.holder})
                await self._stop(app, release=False)
        for app in [a for a in self.led if a not in apps]:
            await self._stop(app, release=True)
        if self.led:  # a leader keeps the kept events short
            await asyncio.to_thread(self.intake.forget_old)

    async def stop(self) -> None:
        """Stop every listener and give the leases back."""
        for app in list(self.led):
            await self._stop(app, release=True)

    def status(self) -> dict[str, str]:
        """``{client id: listener state}`` of the apps this process leads."""
        return {app: led.listener.state for app, led in self.led.items()}

    def _leadership(self, app: str) -> Leadership:
        return Leadership(self.sessions, app, self.holder, clock=self.clock, ttl=self.ttl)

    async def _start(self, app: str, leadership: Leadership) -> None:
        owed = await self.intake.resubmit_owed(app)
        listener = Listener(
            app,
            url=self.url,
            directory=self.directory,
            intake=self.intake,
            topics=self.topics,
            sleep=self.sleep,
            health=self.health,
        )
        self.led[app] = _Led(leadership, listener, asyncio.create_task(listener.run()))
        log.info("realtime leader", extra={"app": app, "holder": self.holder, "owed": owed})

    async def _stop(self, app: str, *, release: bool) -> None:
        led = self.led.pop(app)
        led.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await led.task
        if release:
            await asyncio.to_thread(led.leadership.release)
