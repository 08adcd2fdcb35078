"""One WebSocket connection to Fortnox's topics for all of an app's tenants.

Connecting: ``add-tenants-v1`` with every connected tenant's access token, ``add-topics-v1``
with each topic's stored offset (Fortnox replays from there), ``subscribe-v1``. Then the events
come; each is handed to the intake. While connected, :meth:`Listener.wake` (the service calls
it on every lease renewal) compares the app's tenants with what was added: a new tenant or a
renewed token is sent with ``add-tenants-v1``, a tenant gone with ``remove-tenants-v1``. A
dropped connection is opened again after a pause that doubles up to a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from fortnox_bridge.engine.realtime import protocol
from fortnox_bridge.engine.realtime.directory import AppTenants, TenantDirectory, TenantToken
from fortnox_bridge.engine.realtime.intake import Intake
from fortnox_bridge.store.realtime import StreamEvent

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
#: Told whether an app's stream is healthy: ``(client id, healthy)`` (the sweeps stretch while
#: it is); called in a thread, it may write to the store.
HealthMark = Callable[[str, bool], None]
#: How long Fortnox may take to answer a command.
ANSWER_SECONDS = 30.0
#: The pauses before connecting again: 1 s, doubling, at most a minute.
FIRST_PAUSE, LAST_PAUSE = 1.0, 60.0


class CommandRefused(Exception):
    """Fortnox answered a command with an error."""


class Listener:
    """The stream of one Fortnox app (``client_id``)."""

    def __init__(
        self,
        client_id: str,
        *,
        url: str,
        directory: TenantDirectory,
        intake: Intake,
        topics: Sequence[str],
        sleep: Sleep = asyncio.sleep,
        health: HealthMark | None = None,
    ) -> None:
        self.client_id = client_id
        self.health = health
        self.url = url
        self.directory = directory
        self.intake = intake
        self.topics = tuple(topics)
        self.sleep = sleep
        #: ``idle`` (nothing to listen to), ``connecting``, ``connected``, ``waiting`` (paused).
        self.state = "idle"
        self.connections = 0
        #: The tenants added on the current connection, by the bridge's tenant id.
        self.added: dict[int, TenantToken] = {}
        #: Fortnox company → the bridge's tenant.
        self.companies: dict[int, int] = {}
        self._wake = asyncio.Event()
        self._socket: ClientConnection | None = None

    def wake(self) -> None:
        """Look at the app's tenants again now (added, removed, renewed tokens)."""
        self._wake.set()

    async def run(self) -> None:
        """Listen until cancelled, connecting again after each drop."""
        failures = 0
        while True:
            try:
                listened = await self._listen_once()
            except (OSError, WebSocketException, TimeoutError, CommandRefused) as exc:
                listened = False
                log.warning(
                    "realtime connection lost",
                    extra={"app": self.client_id, "error": f"{type(exc).__name__}: {exc}"},
                )
            failures = 0 if listened else failures + 1
            if self.state == "connected" or not listened:
                await self._mark(healthy=False)
            self.state = "waiting"
            await self.sleep(min(LAST_PAUSE, FIRST_PAUSE * 2 ** max(failures - 1, 0)))

    async def _listen_once(self) -> bool:
        """One connection, until it drops; whether it got as far as the stream."""
        app = await self.directory.app(self.client_id)
        if app is None or not app.tenants or not self.topics:
            self.state = "idle"
            self._wake.clear()
            await self._wake.wait()  # a tenant connected, or the service stops us
            return True
        self.state = "connecting"
        async with connect(self.url, open_timeout=ANSWER_SECONDS) as socket:
            self._socket = socket
            try:
                await self._open(socket, app)
                self.state = "connected"
                self.connections += 1
                await self._mark(healthy=True)
                refreshing = asyncio.create_task(self._refresh_on_wake(socket))
                try:
                    async for frame in socket:
                        await self._on_frame(frame)
                finally:
                    refreshing.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await refreshing
            finally:
                self._socket = None
        return True

    async def _open(self, socket: ClientConnection, app: AppTenants) -> None:
        self.added, self.companies = {}, {}
        await self._add(socket, app, list(app.tenants.values()), wait=True)
        offsets = await asyncio.to_thread(self.intake.offsets, self.client_id)
        await self._ask(socket, protocol.add_topics({t: offsets.get(t) for t in self.topics}))
        await self._ask(socket, protocol.subscribe())
        log.info(
            "realtime stream open",
            extra={"app": self.client_id, "tenants": len(self.added), "offsets": offsets},
        )

    async def _add(
        self, socket: ClientConnection, app: AppTenants, tenants: list[TenantToken], *, wait: bool
    ) -> None:
        for tenant in tenants:
            self.added[tenant.tenant_id] = tenant
            if tenant.fortnox_tenant_id is not None:
                self.companies[tenant.fortnox_tenant_id] = tenant.tenant_id
        frame = protocol.add_tenants(app.client_secret, [t.access_token for t in tenants])
        if wait:
            self._on_response(await self._ask(socket, frame))
        else:
            await socket.send(frame)  # the answer comes between events

    async def _ask(self, socket: ClientConnection, frame: str) -> protocol.Response:
        """Send a command and read until its answer (events before it are handled)."""
        await socket.send(frame)
        command = str(_command(frame))
        async with asyncio.timeout(ANSWER_SECONDS):
            while True:
                read = protocol.read(await socket.recv())
                if isinstance(read, protocol.Response) and read.command == command:
                    if not read.ok:  # the answer may list tokens: only its message is told
                        raise CommandRefused(f"{command}: {read.raw.get('message', 'error')}")
                    return read
                if read is not None:
                    await self._handle(read)

    async def _refresh_on_wake(self, socket: ClientConnection) -> None:
        while True:
            self._wake.clear()
            await self._wake.wait()
            app = await self.directory.app(self.client_id)
            if app is None:
                await socket.close()  # no tenant left: the next round goes idle
                return
            await self._refresh(socket, app)
            await self._mark(healthy=True)  # still connected: marked again every round

    async def _mark(self, *, healthy: bool) -> None:
        if self.health is None:
            return
        try:
            await asyncio.to_thread(self.health, self.client_id, healthy)
        except Exception:  # the mark is advice for the sweeps; the stream goes on
            log.exception("marking the stream's health failed")

    async def _refresh(self, socket: ClientConnection, app: AppTenants) -> None:
        changed = [t for i, t in app.tenants.items() if self.added.get(i) != t]
        gone = [t for i, t in self.added.items() if i not in app.tenants]
        if changed:
            log.info("realtime tenants added", extra={"tenants": [t.tenant_id for t in changed]})
            await self._add(socket, app, changed, wait=False)
        if gone:
            for tenant in gone:
                del self.added[tenant.tenant_id]
            companies = {c for c, t in self.companies.items() if t in {g.tenant_id for g in gone}}
            for company in companies:
                del self.companies[company]
            if companies:
                await socket.send(protocol.remove_tenants(companies))
            log.info("realtime tenants removed", extra={"tenants": [t.tenant_id for t in gone]})

    async def _on_frame(self, frame: str | bytes) -> None:
        read = protocol.read(frame)
        if read is not None:
            await self._handle(read)

    async def _handle(self, read: protocol.Response | StreamEvent) -> None:
        if isinstance(read, protocol.Response):
            self._on_response(read)
            return
        tenant_id = self.companies.get(read.fortnox_tenant_id)
        if tenant_id is None:
            await self.intake.skip(self.client_id, read)
        else:
            await self.intake.accept(self.client_id, read, tenant_id)

    def _on_response(self, response: protocol.Response) -> None:
        if not response.ok:
            message = response.raw.get("message", "error")
            log.warning(
                "realtime command refused", extra={"command": response.command, "answer": message}
            )
        by_token = {t.access_token: t.tenant_id for t in self.added.values()}
        for token, company in response.tenant_ids.items():
            tenant_id = by_token.get(token.removeprefix("Bearer "))
            if tenant_id is not None:
                self.companies[company] = tenant_id
        if response.invalid and response.command == protocol.ADD_TENANTS:
            log.warning("realtime tokens refused", extra={"count": len(response.invalid)})


def _command(frame: str) -> Any:
    return json.loads(frame)["command"]
