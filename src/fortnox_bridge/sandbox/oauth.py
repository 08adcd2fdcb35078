"""The apps host: ``/oauth-v1/auth`` (consent page), ``/oauth-v1/token`` and ``/oauth-v1/revoke``.

As Fortnox: clients authenticate with HTTP Basic; the token endpoint serves
``authorization_code``, ``refresh_token`` (single-use rotation) and ``client_credentials`` (with a
``TenantId`` header); errors are ``{"error", "error_description"}`` with the recorded statuses and
content types.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fortnox_bridge.sandbox import consent
from fortnox_bridge.sandbox.auth import BAD_CLIENT, DeveloperApp, IssuedTokens
from fortnox_bridge.sandbox.errors import OAuthError
from fortnox_bridge.sandbox.state import SandboxState


def routes(state: SandboxState) -> list[Route]:
    """The OAuth routes bound to ``state``."""

    async def token(request: Request) -> Response:
        try:
            return _json(200, (await _token(state, request)).body(), no_store=True)
        except OAuthError as exc:
            return _error(exc)

    async def revoke(request: Request) -> Response:
        try:
            app = _client(state, request)
            form = await _form(request)
            state.auth.revoke(app, form.get("token", ""))
            return _json(200, {"revoked": True})
        except OAuthError as exc:
            return _error(exc)

    async def auth_page(request: Request) -> Response:
        return consent.page(state, request)

    async def auth_decision(request: Request) -> Response:
        return consent.decide(state, await _form(request))

    return [
        Route("/oauth-v1/auth", auth_page, methods=["GET"]),
        Route("/oauth-v1/auth", auth_decision, methods=["POST"]),
        Route("/oauth-v1/token", token, methods=["POST"]),
        Route("/oauth-v1/revoke", revoke, methods=["POST"]),
    ]


async def _token(state: SandboxState, request: Request) -> IssuedTokens:
    app = _client(state, request)
    form = await _form(request)
    grant_type = form.get("grant_type")
    now = state.clock.now()
    if grant_type == "authorization_code":
        return state.auth.redeem_code(app, form.get("code", ""), form.get("redirect_uri"), now)
    if grant_type == "refresh_token":
        return state.auth.rotate(app, form.get("refresh_token", ""), now)
    if grant_type == "client_credentials":
        raw = request.headers.get("tenantid", "").strip()
        if not raw.isdigit():
            raise OAuthError(400, "invalid_request", "The TenantId header is missing or invalid")
        scopes = frozenset(form["scope"].split()) if form.get("scope") else None
        return state.auth.client_credentials(app, int(raw), scopes, now)
    raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")


def _client(state: SandboxState, request: Request) -> DeveloperApp:
    """The app from the ``Authorization: Basic`` header, as Fortnox requires."""
    kind, _, encoded = request.headers.get("authorization", "").partition(" ")
    if kind.lower() != "basic":
        raise OAuthError(401, *BAD_CLIENT)
    try:
        client_id, sep, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, *BAD_CLIENT) from None
    if not sep:
        raise OAuthError(401, *BAD_CLIENT)
    return state.auth.client(client_id, secret)


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (first value of each field)."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}


def _json(status: int, body: dict[str, object], *, no_store: bool = False) -> Response:
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"} if no_store else None
    return Response(
        json.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _error(exc: OAuthError) -> Response:
    response = Response(json.dumps(exc.body()), status_code=exc.status)
    response.headers["content-type"] = exc.content_type
    if exc.status == 400:
        response.headers["cache-control"] = "no-store"
    return response
