"""``/topics-v1``: the WebSocket endpoint that speaks Fortnox's topic commands and streams events.

One connection carries any number of tenants and topics. Commands are answered in the order
they arrive, also while the stream runs (tenants and topics can be added and removed live).
After ``subscribe-v1`` the connection sends, in publication order, every kept event after each
added topic's cursor whose tenant is added: first what was asked for again by an offset (the
replay), then each new event as it is published. Events of tenants not added are passed over.

A dropped connection (a fault) is closed with code 1011.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import anyio
from anyio.abc import TaskGroup
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from fortnox_bridge.sandbox.state import SandboxState
from fortnox_bridge.sandbox.topics.commands import Session, answer, error

PATH = "/topics-v1"
#: The close code of a connection dropped by a fault (the server's "internal error").
DROPPED = 1011


def route(state: SandboxState) -> WebSocketRoute:
    """The endpoint bound to ``state``."""

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await Connection(state, websocket).run()

    return WebSocketRoute(PATH, endpoint)


class Connection:
    """One client's connection: reads commands, streams events, obeys the drop fault."""

    def __init__(self, state: SandboxState, websocket: WebSocket) -> None:
        self.state = state
        self.hub = state.topics
        self.websocket = websocket
        self.session = Session()
        self._send_lock = anyio.Lock()
        self._streaming = False
        self._dropped = asyncio.Event()

    async def run(self) -> None:
        """Serve until the client leaves or a fault drops the connection."""
        dropped = self._dropped = self.hub.connected()
        published = self.hub.log.listen()
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._read, group, published)
                group.start_soon(self._until, dropped, group)
        finally:
            self.hub.disconnected(dropped)
            self.hub.log.unlisten(published)
        if dropped.is_set():
            with contextlib.suppress(Exception):
                await self.websocket.close(DROPPED, "connection dropped")

    async def _until(self, dropped: asyncio.Event, group: TaskGroup) -> None:
        await dropped.wait()
        group.cancel_scope.cancel()

    async def _read(self, group: TaskGroup, published: asyncio.Event) -> None:
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text") or message.get("bytes") or b""
                try:
                    frame: Any = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    await self._send(error(None, "not JSON"))
                    continue
                await self._send(answer(self.state, self.session, frame))
                published.set()  # new topics or offsets: look again
                if self.session.subscribed and not self._streaming:
                    self._streaming = True
                    group.start_soon(self._events, group, published)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the client left
        group.cancel_scope.cancel()

    async def _events(self, group: TaskGroup, published: asyncio.Event) -> None:
        log = self.hub.log
        try:
            while True:
                published.clear()
                batch = log.after(dict(self.session.cursors))
                for event in batch:
                    cursor = self.session.cursors.get(event.topic)
                    if cursor is None or event.number <= cursor:
                        continue  # the topic was set again meanwhile
                    self.session.cursors[event.topic] = event.number
                    if event.tenant_id not in self.session.tenants:
                        continue
                    times, drop = self.hub.sending()
                    for _ in range(times):
                        await self._send(event.message())
                    if drop:
                        self._dropped.set()
                        return
                if not batch:
                    await published.wait()
        except (WebSocketDisconnect, RuntimeError, OSError):
            group.cancel_scope.cancel()  # the client left

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(message, ensure_ascii=False))
