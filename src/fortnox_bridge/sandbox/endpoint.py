"""What every ``/3/...`` endpoint shares: bearer auth, licence and scope checks, error rendering
and request bodies."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fortnox_bridge.sandbox.auth import TokenGrant
from fortnox_bridge.sandbox.errors import FortnoxStyleError, SandboxError, UnauthorizedError
from fortnox_bridge.sandbox.middleware import GRANT_KEY
from fortnox_bridge.sandbox.state import Company, SandboxState

ApiHandler = Callable[[Request, Company], Awaitable[Response]]

# Code 2000663 "not authorised for scope"; the wording is the sandbox's.
SCOPE_MISSING = (2000663, "Saknar behörighet för scope {scope}.")
# Codes 2001101 "no active licence for the scope" (Fortnox's documented wording) and 2001103
# "API licence missing" (the wording is the sandbox's).
LICENCE_MISSING = (2001101, "Det finns ingen aktiv licens för önskat scope.")
API_LICENCE_MISSING = (2001103, "Företaget saknar licens för API.")
# Code 2001392 "empty or wrong body", 2002115 "JSON syntax error".
WRONG_BODY = (2001392, 'Felaktig eller tom body. Skicka {{"{wrapper}": {{...}}}}.')
JSON_SYNTAX = (2002115, "Felaktig JSON-syntax.")


def api_endpoint(state: SandboxState, scope: str, handler: ApiHandler) -> Callable[..., Any]:
    """Wrap ``handler`` with the behaviour every Fortnox API endpoint has."""

    async def endpoint(request: Request) -> Response:
        try:
            company = authenticate(state, request, scope)
            return await handler(request, company)
        except SandboxError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)

    return endpoint


def authenticate(state: SandboxState, request: Request, scope: str) -> Company:
    """The company the bearer token is for, once token, API licence, scope and licence pass."""
    grant: TokenGrant | None = request.scope.get(GRANT_KEY)
    if grant is None:
        header = request.headers.get("authorization", "")
        kind, _, token = header.partition(" ")
        grant = state.grant_for(token.strip()) if kind.lower() == "bearer" else None
    if grant is None:
        raise UnauthorizedError()
    company = state.companies.get(grant.tenant_id)
    if company is None:  # the company was removed by a reset
        raise UnauthorizedError()
    if not company.settings.api_licence:
        raise FortnoxStyleError(403, *API_LICENCE_MISSING)
    if scope not in grant.scopes:
        code, message = SCOPE_MISSING
        raise FortnoxStyleError(403, code, message.format(scope=scope))
    if scope not in company.licences:
        raise FortnoxStyleError(403, *LICENCE_MISSING)
    return company


async def read_wrapped(request: Request, wrapper: str) -> dict[str, Any]:
    """The object inside ``{"<wrapper>": {...}}`` of a request body, or a Fortnox-style 400."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        code, message = JSON_SYNTAX
        raise FortnoxStyleError(400, code, message) from None
    inner = data.get(wrapper) if isinstance(data, dict) else None
    if not isinstance(inner, dict):
        code, message = WRONG_BODY
        raise FortnoxStyleError(400, code, message.format(wrapper=wrapper))
    return inner
