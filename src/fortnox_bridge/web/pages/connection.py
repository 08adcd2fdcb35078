"""Connecting a tenant to Fortnox from the browser: "Connect to Fortnox", the callback from the
consent page and the connection link for the tenant's Fortnox administrator (connecting as a
service account and "Disconnect" are ``connection_account.py``).

The consent starts from a signed-in session (the ``state`` is signed, bound to the tenant and to
a nonce kept in the session) or from a connection link (signed, 7 days; the person who opens it
needs no account here, so the answer is bound to the tenant and expires in 30 minutes). A
callback whose state is missing, forged, expired, for another tenant or not this session's
changes nothing. When the approved Fortnox company is one another tenant is connected to, the
bridge asks first: "Connect anyway", or withdraw the approval at Fortnox.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.engine.errors import EngineError, SharedCompanyError
from fortnox_bridge.engine.tenancy.connections import ConnectionService
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.web.consent import (
    CALLBACK_PATH,
    ConsentApp,
    ConsentState,
    StateRefused,
    Via,
    make_state,
    read_link_token,
    read_state,
)
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant
from fortnox_bridge.web.pages.tenants import bridge_base
from fortnox_bridge.web.render import flash, gettext, render
from fortnox_bridge.web.security import SESSION_KEY as SESSION_KEY_OF_USER
from fortnox_bridge.web.security import LoginRequired, User, current_user, root, web_context

log = logging.getLogger(__name__)
router = APIRouter()
SESSION_KEY = "consent"

#: Fortnox's OAuth errors (RFC 6749 §4.1.2.1) in words.
OAUTH_ERRORS = {
    "access_denied": N_("The Fortnox administrator declined the connection."),
    "invalid_scope": N_("Fortnox refused the permissions the bridge asks for (invalid_scope)."),
    "invalid_request": N_("Fortnox refused the request as malformed (invalid_request)."),
    "unauthorized_client": N_(
        "Fortnox does not allow this app to ask for approval (unauthorized_client)."
    ),
    "unsupported_response_type": N_(
        "Fortnox refused the kind of approval asked for (unsupported_response_type)."
    ),
    "server_error": N_("Fortnox had an error; try again in a moment (server_error)."),
    "temporarily_unavailable": N_(
        "Fortnox is busy; try again in a moment (temporarily_unavailable)."
    ),
}


def connections_of(context: WebContext) -> ConnectionService:
    if context.connections is None:
        raise EngineError("the connection service is not running beside this page")
    return context.connections


async def _start(request: Request, context: WebContext, tenant_id: int, via: Via) -> Response:
    """Send the browser to the consent page for ``tenant_id``."""
    consent = context.consent
    if consent is None:
        raise EngineError("no Fortnox app is configured")
    state, nonce = make_state(context.secret, tenant_id, via)
    if via == "session":
        pending = dict(request.session.get(SESSION_KEY, {}))
        pending[str(tenant_id)] = nonce
        request.session[SESSION_KEY] = pending
    if not context.services.overview.has_connection(tenant_id):
        await connections_of(context).transition(
            tenant_id, "pending_auth", "approval asked for in the admin UI"
        )
    base = bridge_base(request, context)
    redirect_uri = consent.callback_uri(base, root(request))
    scopes = context.services.flow_config.consent_scopes(tenant_id)
    url = await consent.authorize_url(tenant_id, state, redirect_uri, base, scopes)
    return RedirectResponse(url, status_code=303)


@router.post("/tenants/{tenant_id}/connection/connect")
async def connect(request: Request, tenant_id: TenantId, user: User) -> Response:
    """ "Connect to Fortnox" and "Reconnect": on to the consent page."""
    context = web_context(request)
    ensure_tenant(request, tenant_id)
    if context.consent is None:
        flash(request, gettext(request, NO_CONSENT), "error")
        return RedirectResponse(f"{root(request)}/tenants/{tenant_id}", status_code=303)
    try:
        return await _start(request, context, tenant_id, "session")
    except (EngineError, FortnoxError) as exc:
        message = gettext(request, "Cannot start the connection: %(error)s", error=str(exc))
        flash(request, message, "error")
        return RedirectResponse(f"{root(request)}/tenants/{tenant_id}", status_code=303)


NO_CONSENT = N_(
    "Connecting from this page needs a Fortnox app (fortnox_client_id, fortnox_client_secret "
    "and fortnox_redirect_uri) or the sandbox; use 'fortnox-bridge connect' instead."
)


@router.get("/connect/{token}", response_class=HTMLResponse)
async def connection_link(request: Request, token: str) -> Response:
    """A connection link: the tenant's Fortnox administrator goes on to the consent page."""
    context = web_context(request)
    try:
        tenant_id = read_link_token(context.secret, token)
        if context.services.overview.name_of(tenant_id) is None:
            raise StateRefused(N_("this connection link is for a tenant that no longer exists"))
        if context.consent is None:
            raise StateRefused(NO_CONSENT)
        return await _start(request, context, tenant_id, "link")
    except StateRefused as exc:
        return _result(request, ok=False, message=gettext(request, str(exc)), status_code=400)
    except (EngineError, FortnoxError) as exc:
        message = gettext(request, "Cannot start the connection: %(error)s", error=str(exc))
        return _result(request, ok=False, message=message, status_code=503)


@router.get(CALLBACK_PATH, response_class=HTMLResponse)
async def callback(request: Request) -> Response:
    """Where Fortnox sends the browser back (the registered redirect URI)."""
    return await _callback(request, None)


@router.get("/tenants/{tenant_id}/connection/callback", response_class=HTMLResponse)
async def tenant_callback(request: Request, tenant_id: TenantId) -> Response:
    """The same, with the tenant in the address (its state must be for this tenant)."""
    return await _callback(request, tenant_id)


def _verify(request: Request, context: WebContext, expected: int | None) -> ConsentState:
    """The callback's state, checked against the tenant and, if started here, the session."""
    found = read_state(context.secret, request.query_params.get("state"))
    if expected is not None and found.tenant_id != expected:
        raise StateRefused(N_("the answer is for another tenant"))
    if found.via == "session":
        pending = dict(request.session.get(SESSION_KEY, {}))
        if pending.get(str(found.tenant_id)) != found.nonce:
            raise StateRefused(N_("the answer does not belong to this browser session"))
        pending.pop(str(found.tenant_id))
        request.session[SESSION_KEY] = pending
    return found


async def _callback(request: Request, expected: int | None) -> Response:
    context = web_context(request)
    try:
        state = _verify(request, context, expected)
    except StateRefused as exc:
        message = gettext(
            request,
            "The answer from Fortnox was refused: %(reason)s. Nothing was changed.",
            reason=gettext(request, str(exc)),
        )
        return _result(request, ok=False, message=message, status_code=400)
    user = _user_or_none(request) if state.via == "session" else None
    if state.via == "session" and user is None:
        raise LoginRequired(f"/tenants/{state.tenant_id}")
    error = request.query_params.get("error")
    code = request.query_params.get("code")
    if error or not code:
        words = OAUTH_ERRORS.get(error or "", "")
        reason = (
            gettext(request, words)
            if words
            else gettext(request, "Fortnox answered: %(error)s", error=error or "no code")
        )
        detail = request.query_params.get("error_description")
        message = gettext(request, "Not connected. %(reason)s", reason=reason)
        if detail:
            message += f" ({detail})"
        return _finish(request, state, ok=False, message=message)
    try:
        consent = context.consent
        assert consent is not None
        redirect_uri = consent.callback_uri(bridge_base(request, context), root(request))
        tokens, app = await consent.exchange(code, redirect_uri)
        connected = await _connect(request, context, state.tenant_id, tokens, app)
    except SharedCompanyError as shared:
        return _ask_to_share(request, context, state, tokens, app, shared.company)
    except (EngineError, FortnoxError) as exc:
        message = gettext(
            request, "Not connected: Fortnox refused the approval code: %(error)s", error=str(exc)
        )
        return _finish(request, state, ok=False, message=message)
    return _finish(request, state, ok=True, message=connected)


@dataclass(frozen=True)
class _Shared:
    """An approval for a Fortnox company another tenant is connected to, waiting for a yes."""

    state: ConsentState
    tokens: TokenSet
    app: ConsentApp
    company: int
    until: datetime


#: How long an approval waits for "Connect anyway".
SHARED_WAIT = timedelta(minutes=10)
SHARED_KEY = "shared_company"
#: Approvals waiting for a confirmation: token (kept in the browser's session) → approval. In
#: memory only: the tokens never reach the cookie or the store before the confirmation.
_waiting_shared: dict[str, _Shared] = {}


def _ask_to_share(
    request: Request,
    context: WebContext,
    state: ConsentState,
    tokens: TokenSet,
    app: ConsentApp,
    company: int,
) -> Response:
    """Ask before connecting a tenant to a Fortnox company another tenant already uses."""
    now = context.clock.now()
    for token, waiting in list(_waiting_shared.items()):
        if waiting.until < now:
            del _waiting_shared[token]
    token = secrets.token_urlsafe(24)
    _waiting_shared[token] = _Shared(state, tokens, app, company, now + SHARED_WAIT)
    request.session[SHARED_KEY] = token
    name = context.services.overview.name_of(state.tenant_id) or str(state.tenant_id)
    return render(
        request,
        "tenants_connect_shared.html",
        user=_user_or_none(request),
        status_code=409,
        name=name,
        company=company,
        minutes=int(SHARED_WAIT.total_seconds() // 60),
    )


@router.post("/connection/shared", response_class=HTMLResponse)
async def shared_company(request: Request, decision: Annotated[str, Form()] = "") -> Response:
    """The answer to "Connect anyway?": connect, or withdraw the approval at Fortnox."""
    context = web_context(request)
    token = request.session.pop(SHARED_KEY, None)
    waiting = _waiting_shared.pop(token, None) if isinstance(token, str) else None
    if waiting is None or waiting.until < context.clock.now():
        message = gettext(
            request,
            "This question has expired or was answered already. Nothing was changed; "
            "connect again.",
        )
        return _result(request, ok=False, message=message, status_code=400)
    state = waiting.state
    if state.via == "session" and _user_or_none(request) is None:
        raise LoginRequired(f"/tenants/{state.tenant_id}")
    if decision == "connect":
        try:
            connected = await _connect(
                request, context, state.tenant_id, waiting.tokens, waiting.app, shared=True
            )
        except (EngineError, FortnoxError) as exc:
            message = gettext(request, "Cannot connect: %(error)s", error=str(exc))
            return _finish(request, state, ok=False, message=message)
        return _finish(request, state, ok=True, message=connected)
    consent = context.consent
    try:
        if consent is not None:
            await consent.withdraw(waiting.tokens, waiting.app)
    except FortnoxError as exc:  # the approval dies unused: its token is not kept anywhere
        log.warning("an unused approval was not revoked at Fortnox: %s", exc)
    message = gettext(
        request,
        "Not connected: the approval was withdrawn. Connect again and choose the Fortnox "
        "company of this tenant.",
    )
    return _finish(request, state, ok=False, message=message)


async def _connect(
    request: Request,
    context: WebContext,
    tenant_id: int,
    tokens: TokenSet,
    app: ConsentApp,
    *,
    shared: bool = False,
) -> str:
    """Make the connection active with the approval's tokens, run the pre-flight check.
    ``shared``: connect even where another tenant uses the same Fortnox company."""
    moved = await connections_of(context).connect(
        tenant_id,
        tokens,
        client_id=app.client_id,
        client_secret=app.client_secret,
        fortnox_tenant_id=tokens.tenant_id,
        reason="approved in Fortnox (admin UI)"
        + (", sharing the company with another tenant" if shared else ""),
        confirm_shared_company=shared,
    )
    noted = context.services.overview.note_company(tenant_id, tokens.tenant_id)
    name = noted if noted is not None else str(tenant_id)
    service = context.hooks.service
    if service is not None:
        try:
            context.checklists[tenant_id] = await service.check(tenant_id)
        except (EngineError, FortnoxError) as exc:  # the connection stands; the check says why
            log.warning("pre-flight check after connecting failed: %s", exc)
    message = gettext(request, "%(name)s is connected to Fortnox.", name=name)
    if moved is not None and moved.proposals:
        message += " " + gettext(
            request, "A re-sync of the time it was disconnected is proposed under Maintenance."
        )
    return message


def _finish(request: Request, state: ConsentState, *, ok: bool, message: str) -> Response:
    if state.via == "session":
        flash(request, message, "success" if ok else "error")
        return RedirectResponse(f"{root(request)}/tenants/{state.tenant_id}", status_code=303)
    return _result(request, ok=ok, message=message, status_code=200 if ok else 400)


def _result(request: Request, *, ok: bool, message: str, status_code: int) -> Response:
    """The page a Fortnox administrator without an account here sees at the end."""
    return render(
        request,
        "tenants_connect_result.html",
        user=_user_or_none(request),
        status_code=status_code,
        ok=ok,
        message=message,
    )


def _user_or_none(request: Request) -> Any:
    if SESSION_KEY_OF_USER not in request.session:
        return None
    try:
        return current_user(request)
    except LoginRequired:
        return None
