"""The sandbox ASGI app: the API host (``/3/...``), the apps host (``/oauth-v1/...``) and the
control API (``/_sandbox/...``) in one app, usable in-process or under uvicorn."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox import control, oauth
from fortnox_bridge.sandbox.dispatch import CollectionRoutes
from fortnox_bridge.sandbox.middleware import SandboxMiddleware
from fortnox_bridge.sandbox.registers.engine import api_routes, discover
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.state import SandboxState


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
    middleware = [Middleware(SandboxMiddleware, state=state, standalone=standalone)]
    app = Starlette(routes=all_routes, middleware=middleware)
    app.state.sandbox = state
    app.state.resources = resources
    return app
