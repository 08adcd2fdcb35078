"""A WebSocket client of the sandbox app without a socket: ``connect(app)`` talks to
``/topics-v1`` over ASGI in the test's own event loop, the way ``httpx.ASGITransport`` does for
HTTP.

The connection has the part of ``websockets``' client connection a listener uses (``send``,
``recv``, ``close``, ``async for``, ``close_code``, ``async with``) and ends with the same
exceptions (``ConnectionClosedOK`` for a normal close, ``ConnectionClosedError`` otherwise: a
dropped connection's 1011), so code written against ``websockets.asyncio.client.connect`` can be
handed this instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Generator
from types import TracebackType
from typing import Any

from starlette.types import ASGIApp, Message
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.frames import Close

from fortnox_bridge.sandbox.topics.socket import PATH

#: The close code when the app ended without closing (websockets' "abnormal closure").
ABNORMAL = 1006
NORMAL = frozenset({1000, 1001})


class InProcessConnection:
    """One in-process connection to the sandbox's topics endpoint."""

    def __init__(self, app: ASGIApp, path: str = PATH) -> None:
        self._app = app
        self._path = path
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self.close_reason = ""

    async def open(self) -> InProcessConnection:
        """Run the app and wait until it accepts (or refuses) the connection."""
        scope = {
            "type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws",
            "path": self._path, "raw_path": self._path.encode(), "root_path": "",
            "query_string": b"", "headers": [(b"host", b"sandbox.test")],
            "client": ("127.0.0.1", 0), "server": ("sandbox.test", 80), "subprotocols": [],
        }  # fmt: skip
        self._task = asyncio.create_task(self._run(scope))
        await self._to_app.put({"type": "websocket.connect"})
        first = await self._from_app.get()
        if first is None or first["type"] != "websocket.accept":
            self._closed(first)
            raise self._error()
        return self

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self._app(scope, self._to_app.get, self._from_app.put)
        finally:
            await self._from_app.put(None)  # the app is done: no more frames

    async def send(self, message: str | bytes) -> None:
        """Send one frame to the app."""
        if self.close_code is not None:
            raise self._error()
        key = "text" if isinstance(message, str) else "bytes"
        await self._to_app.put({"type": "websocket.receive", key: message})

    async def recv(self) -> str | bytes:
        """The next frame the app sends; raises when the connection has closed."""
        if self.close_code is not None:
            raise self._error()
        message = await self._from_app.get()
        if message is None or message["type"] != "websocket.send":
            self._closed(message)
            raise self._error()
        frame: str | bytes = message.get("text") or message.get("bytes") or ""
        return frame

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close from the client's side and let the app finish."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            await self._to_app.put({"type": "websocket.disconnect", "code": code})
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task

    def _closed(self, message: Message | None) -> None:
        if self.close_code is not None:
            return
        if message is not None and message["type"] == "websocket.close":
            self.close_code = int(message.get("code", 1000))
            self.close_reason = str(message.get("reason") or "")
        else:
            self.close_code = ABNORMAL

    def _error(self) -> ConnectionClosedOK | ConnectionClosedError:
        close = Close(self.close_code or ABNORMAL, self.close_reason)
        if close.code in NORMAL:
            return ConnectionClosedOK(close, None)
        return ConnectionClosedError(close, None)

    async def __aenter__(self) -> InProcessConnection:
        return self if self._task is not None else await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __await__(self) -> Generator[Any, None, InProcessConnection]:
        return self.open().__await__()

    async def __aiter__(self) -> AsyncIterator[str | bytes]:
        while True:
            try:
                yield await self.recv()
            except ConnectionClosedOK:
                return


def connect(app: ASGIApp, path: str = PATH) -> InProcessConnection:
    """``await connect(app)`` or ``async with connect(app) as ws``: a connection to the sandbox
    app's topics endpoint, in-process."""
    return InProcessConnection(app, path)
