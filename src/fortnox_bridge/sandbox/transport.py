"""An in-process transport that turns the sandbox's fault marks into real httpx network errors.

An ASGI app cannot break a connection, so for ``timeout`` and ``drop_response`` faults the sandbox
answers with a marked response; :class:`SandboxTransport` raises what a client would see over a
network instead: ``httpx.ReadTimeout`` (the request was not applied) or
``httpx.RemoteProtocolError`` (the request was applied, the answer lost). Latency faults never
sleep in-process; they only appear in the request log.
"""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from fortnox_bridge.sandbox.middleware import FAULT_HEADER


class SandboxTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` to a sandbox app, with network faults made real."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` to the app; raise the network error a marked answer stands for."""
        response = await self._inner.handle_async_request(request)
        fault = response.headers.get(FAULT_HEADER)
        if fault is None:
            return response
        await response.aclose()
        if fault == "timeout":
            raise httpx.ReadTimeout(
                "sandbox fault: the answer did not come in time", request=request
            )
        raise httpx.RemoteProtocolError(
            "sandbox fault: the server closed the connection without an answer", request=request
        )

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()
