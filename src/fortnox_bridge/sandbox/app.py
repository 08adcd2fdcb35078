"""The sandbox ASGI app: the Fortnox API host (``/3/...``) and the control API (``/_sandbox``)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox import control
from fortnox_bridge.sandbox.resources import employee
from fortnox_bridge.sandbox.state import SandboxState


def create_app(state: SandboxState) -> Starlette:
    """An ASGI app serving ``state``; usable in-process or under uvicorn."""

    async def root(request: Request) -> Response:
        return JSONResponse(
            {"service": "fortnox-bridge sandbox", "companies": len(state.companies)}
        )

    all_routes: list[BaseRoute] = [Route("/", root, methods=["GET"])]
    all_routes += control.routes(state)
    all_routes += employee.routes(state)
    app = Starlette(routes=all_routes)
    app.state.sandbox = state
    return app
