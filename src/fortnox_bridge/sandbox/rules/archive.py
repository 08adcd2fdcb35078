"""The archive: ``GET /3/archive/{id}`` answers a file's bytes, a multipart ``POST /3/archive``
stores a file (``?folderid=`` or ``?path=`` names the folder, the root without).

The sandbox keeps the archive's and the inbox's files in one register (Fortnox's inbox is a
folder of the archive, one ``Id`` for both), so a file uploaded to the inbox is read here too.
Guesses (no recorded answers): an unknown id answers the inbox's not-found code; a folder id
given to ``GET /3/archive/{id}`` is not answered with the folder (the bridge reads files only).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.endpoint import api_endpoint
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Rules
from fortnox_bridge.sandbox.rules.inbox import file_response, find_file, upload
from fortnox_bridge.sandbox.state import Company, SandboxState

#: The register of the inbox, which holds the archive's files as well.
FILES = "inbox"


class ArchiveRules(Rules):
    """The archive's routes."""

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """``POST /3/archive`` and ``GET /3/archive/{id}``."""
        path = resource.desc.path

        def ctx_of(request: Request, company: Company) -> Ctx:
            return Ctx(state, company, resource, request, state.clock.now(), resource.peers)

        async def one(request: Request, company: Company) -> Response:
            ctx = ctx_of(request, company)
            return file_response(find_file(ctx, request.path_params["record_id"], FILES))

        async def post(request: Request, company: Company) -> Response:
            ctx = ctx_of(request, company)
            params = request.query_params
            folder = params.get("folderid") or params.get("path") or "archive"
            return await upload(ctx, request, folder, FILES)

        def bound(handler: Any) -> Any:
            return api_endpoint(state, "archive", handler)

        return [
            Route(path, bound(post), methods=["POST"]),
            Route(path + "/{record_id}", bound(one), methods=["GET"]),
        ]
