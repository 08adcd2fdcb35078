"""The sandbox ASGI app: the API host (``/3/...``), the apps host (``/oauth-v1/...``), the
WebSocket host (``/topics-v1``) and the control API (``/_sandbox/...``) in one app, usable
in-process or under uvicorn."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from fortnox_bridge.sandbox import control, oauth
from fortnox_bridge.sandbox.dispatch import CollectionRoutes
from fortnox_bridge.sandbox.middleware import SandboxMiddleware
from fortnox_bridge.sandbox.registers.engine import api_routes, discover
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.state import SandboxState
from fortnox_bridge.sandbox.topics import socket as topics_socket

#: The sandbox pages a browser needs when it connects a company: the consent page (shown with GET,
#: answered with POST). Codes are exchanged by the bridge itself, in-process.
BROWSER_PATHS = frozenset({"/oauth-v1/auth"})


class BrowserPages:
    """A sandbox app with only :data:`BROWSER_PATHS` reachable; every other path (the control
    API, the API and token hosts) answers 404, as if it did not exist.

    ``serve`` shows the in-process sandbox to browsers through this, so nobody who reaches the
    bridge's port can issue tokens or reset the sandbox.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass browser pages on; refuse everything else."""
        path, root = scope.get("path", ""), scope.get("root_path", "")
        if root and path.startswith(root):  # mounted: the path below the mount point
            path = path[len(root) :]
        if scope["type"] == "websocket":  # the topics endpoint is no browser page
            await WebSocketClose()(scope, receive, send)
            return
        if scope["type"] == "http" and path.rstrip("/") not in BROWSER_PATHS:
            await JSONResponse({"message": "not found"}, status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(state: SandboxState, *, standalone: bool = False) -> Starlette:
    """An ASGI app serving ``state``.

    ``standalone=True`` is for a real server (``fortnox-bridge sandbox``): latency and timeout
    faults then really wait and dropped answers really close the connection. In-process (the
    default) nothing waits; use :class:`~fortnox_bridge.sandbox.transport.SandboxTransport` to
    turn dropped and timed-out answers into httpx errors.
    """

    async def root(request: Request) -> Response:
        return JSONResponse(
            {"service": "fortnox-bridge sandbox", "companies": len(state.companies)}
        )

    resources = [Resource(spec) for spec in discover()]
    api = [route for route in api_routes(state, resources) if isinstance(route, Route)]
    all_routes: list[BaseRoute] = [CollectionRoutes(api), Route("/", root, methods=["GET"])]
    all_routes += control.routes(state)
    all_routes += oauth.routes(state)
    all_routes.append(topics_socket.route(state))
    middleware = [Middleware(SandboxMiddleware, state=state, standalone=standalone)]
    app = Starlette(routes=all_routes, middleware=middleware)
    app.state.sandbox = state
    app.state.resources = resources
    return app
