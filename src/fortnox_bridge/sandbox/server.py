"""Serving the sandbox standalone with uvicorn, one socket write per answer.

uvicorn's h11 protocol writes an answer's head and body with separate ``send`` calls; on loopback
each call also runs the receiving side's TCP processing, so two writes per answer cost the
standalone sandbox about a sixth of its throughput. The transport wrapper below gathers what one
turn of the event loop writes and sends it at once. Nothing else about uvicorn changes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol


class _GatheringTransport:
    """Buffers writes made in one event-loop turn and sends them in one call."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        """Queue ``data``; the first write of a turn schedules the flush."""
        if not data:
            return
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(data)

    def _flush(self) -> None:
        if self._pending and not self._transport.is_closing():
            self._transport.write(b"".join(self._pending))
        self._pending.clear()

    def close(self) -> None:
        """Send what is queued, then close (a dropped answer still ends after its head)."""
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _SandboxH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        gathering: Any = _GatheringTransport(transport)  # duck-types asyncio.Transport
        super().connection_made(gathering)


def serve(app: ASGIApp, host: str, port: int) -> None:
    """Run ``app`` until interrupted (Ctrl-C / SIGTERM)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_SandboxH11Protocol,
        log_level="warning",
        access_log=False,
        # Longer than clients keep idle connections (httpx: 5 s; the bridge: 4 s), so a client
        # never sends on a connection the server is closing that instant. A rate-limited client
        # leaves connections idle for about a window — uvicorn's 5 s default raced with that.
        timeout_keep_alive=65,
        server_header=False,
        headers=[("Server", "Fortnox")],  # as the real API answers (recorded)
    )
    uvicorn.Server(config).run()
