"""The consent page of ``/oauth-v1/auth``: pick a company, approve or deny.

``GET /oauth-v1/auth?client_id=..&response_type=code&state=..&scope=..[&redirect_uri=..]
[&account_type=service]`` shows an HTML form; posting it redirects to the redirect URI with
``code`` and ``state`` (or ``error=access_denied``), as Fortnox does.

Without a signed-in user the page lists every company (the sandbox's shortcut). When the sandbox
has users (``POST /_sandbox/users``) the page also offers to sign in as one (``&user=<id>``):
a user of one company just approves for it; a user of several (an accounting bureau) chooses
one of them, as in Fortnox, and the code, the tokens and their ``tenantId`` are that company's.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.sandbox.auth import AUTH_CODE_LIFETIME, AuthCode, DeveloperApp, SandboxUser
from fortnox_bridge.sandbox.state import SandboxState

# Fortnox's FAQ wording for an unknown client.
BAD_CLIENT_PAGE = "Auth code or ClientID supplied is invalid"
# The sandbox's wording: an unknown user, a company the signed-in user does not belong to.
UNKNOWN_USER_PAGE = "Okänd användare."
NOT_USERS_COMPANY_PAGE = "Användaren har inte behörighet till det valda företaget."


class _Refused(Exception):
    """The request cannot even be redirected back (unknown client or redirect URI)."""


def page(state: SandboxState, request: Request) -> Response:
    """The consent form, an error page, or a redirect carrying an OAuth error."""
    params = dict(request.query_params)
    try:
        app, redirect_uri = _app_and_redirect(state, params)
    except _Refused as exc:
        return _error_page(str(exc))
    error = _request_error(app, params)
    if error is not None:
        return _redirect(redirect_uri, {"error": error, "state": params.get("state", "")})
    if params.get("user") and _user(state, params) is None:
        return _error_page(UNKNOWN_USER_PAGE)
    # Mounted under a prefix (``serve`` shows the in-process sandbox at /sandbox): post back there.
    action = f"{str(request.scope.get('root_path', '')).rstrip('/')}/oauth-v1/auth"
    return HTMLResponse(_form_html(state, app, redirect_uri, params, action))


def decide(state: SandboxState, form: dict[str, str]) -> Response:
    """Approve (redirect with a code) or deny (redirect with ``access_denied``)."""
    try:
        app, redirect_uri = _app_and_redirect(state, form)
    except _Refused as exc:
        return _error_page(str(exc))
    error = _request_error(app, {**form, "response_type": "code"})  # checked on the GET
    if error is None and form.get("decision") != "approve":
        error = "access_denied"
    if error is not None:
        return _redirect(redirect_uri, {"error": error, "state": form.get("state", "")})
    raw_tenant = form.get("tenant_id", "")
    if not raw_tenant.isdigit() or int(raw_tenant) not in state.companies:
        return _error_page("Välj ett företag.")
    if form.get("user"):
        user = _user(state, form)
        if user is None:
            return _error_page(UNKNOWN_USER_PAGE)
        if int(raw_tenant) not in user.companies:
            return _error_page(NOT_USERS_COMPANY_PAGE)
    now: datetime = state.clock.now()
    code = AuthCode(
        client_id=app.client_id,
        tenant_id=int(raw_tenant),
        scopes=frozenset(form["scope"].split()),
        redirect_uri=form.get("redirect_uri") or None,
        expires_at=now + AUTH_CODE_LIFETIME,
        service_account=form.get("account_type") == "service",
    )
    value = state.auth.new_code(app, code)
    return _redirect(redirect_uri, {"code": value, "state": form.get("state", "")})


def _user(state: SandboxState, params: dict[str, str]) -> SandboxUser | None:
    """The signed-in user named by ``user`` (``None``: unknown)."""
    raw = params.get("user", "")
    return state.auth.users.get(int(raw)) if raw.isdigit() else None


def _app_and_redirect(state: SandboxState, params: dict[str, str]) -> tuple[DeveloperApp, str]:
    app = state.auth.apps.get(params.get("client_id", ""))
    if app is None:
        raise _Refused(BAD_CLIENT_PAGE)
    given = params.get("redirect_uri")
    if given:
        if given not in app.redirect_uris:
            raise _Refused("redirect_uri is not registered for this app")
        return app, given
    if not app.redirect_uris:
        raise _Refused("the app has no registered redirect_uri")
    return app, app.redirect_uris[0]


def _request_error(app: DeveloperApp, params: dict[str, str]) -> str | None:
    if params.get("response_type") != "code":
        return "unsupported_response_type"
    if not params.get("state"):
        return "invalid_request"
    scopes = set(params.get("scope", "").split())
    if not scopes or not scopes <= app.scopes:
        return "invalid_scope"
    return None


def _redirect(redirect_uri: str, params: dict[str, str]) -> Response:
    joiner = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{joiner}{urlencode(params)}", status_code=302)


def _error_page(message: str) -> Response:
    body = f"<!doctype html><title>Fortnox sandbox</title><p>{escape(message)}</p>"
    return HTMLResponse(body, status_code=400)


def _form_html(
    state: SandboxState,
    app: DeveloperApp,
    redirect_uri: str,
    params: dict[str, str],
    action: str = "/oauth-v1/auth",
) -> str:
    hidden = {
        "client_id": app.client_id,
        "redirect_uri": params.get("redirect_uri", ""),
        "state": params.get("state", ""),
        "scope": params.get("scope", ""),
        "account_type": params.get("account_type", ""),
    }
    user = _user(state, params) if params.get("user") else None
    if user is not None:
        hidden["user"] = str(user.user_id)
    fields = _hidden(hidden)
    account = " som tjänstekonto" if params.get("account_type") == "service" else ""
    scopes = ", ".join(escape(s) for s in sorted(params.get("scope", "").split()))
    minutes = int(AUTH_CODE_LIFETIME.total_seconds() // 60)
    companies = _user_companies(state, user) if user is not None else _all_companies(state)
    sign_in = _sign_in(state, {**hidden, "response_type": "code"}, action) if user is None else ""
    return (
        "<!doctype html><html lang=sv><meta charset=utf-8><title>Fortnox sandbox – godkänn</title>"
        f"<h1>Godkänn integration{account}</h1><p>App <code>{escape(app.client_id)}</code> vill "
        f"komma åt: {scopes}.</p><p>Svar skickas till <code>{escape(redirect_uri)}</code>; koden "
        f"gäller i {minutes} minuter.</p>{sign_in}"
        f'<form method="post" action="{escape(action)}">{fields}{companies}'
        '<button name="decision" value="approve">Godkänn</button> '
        '<button name="decision" value="deny" formnovalidate>Avbryt</button></form></html>'
    )


def _hidden(values: dict[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">'
        for name, value in values.items()
    )


def _radios(companies: list[tuple[int, str]]) -> str:
    return "".join(
        f'<label><input type="radio" name="tenant_id" value="{tenant}" required> '
        f"{escape(name)} (tenant {tenant})</label><br>"
        for tenant, name in companies
    )


def _all_companies(state: SandboxState) -> str:
    # No company is chosen in advance: the administrator picks the one to connect, so a new
    # tenant is never connected to whichever company happens to be listed first.
    listed = [(c.tenant_id, c.name) for c in state.companies.values()]
    radios = _radios(listed) or "<p>Inga företag finns. Skapa ett med POST /_sandbox/companies.</p>"
    return f"<fieldset><legend>Företag</legend>{radios}</fieldset>"


def _user_companies(state: SandboxState, user: SandboxUser) -> str:
    """A signed-in user's companies: the one it has, or a choice (a bureau's user)."""
    listed = [(t, state.companies[t].name) for t in user.companies if t in state.companies]
    signed_in = f"<p>Inloggad som <strong>{escape(user.name)}</strong>.</p>"
    if len(listed) == 1:
        tenant, name = listed[0]
        return (
            f"{signed_in}<p>Företag: {escape(name)} (tenant {tenant})</p>"
            f'<input type="hidden" name="tenant_id" value="{tenant}">'
        )
    radios = _radios(listed) or "<p>Användaren har inga företag.</p>"
    return (
        f"{signed_in}<fieldset><legend>Välj vilket företag integrationen ska kopplas till"
        f"</legend>{radios}</fieldset>"
    )


def _sign_in(state: SandboxState, hidden: dict[str, str], action: str) -> str:
    """Signing in as a user of the sandbox (a GET of this page with ``user``)."""
    if not state.auth.users:
        return ""
    options = "".join(
        f'<option value="{u.user_id}">{escape(u.name)}</option>' for u in state.auth.users.values()
    )
    return (
        f'<form method="get" action="{escape(action)}">{_hidden(hidden)}'
        '<fieldset><legend>Logga in</legend><label>Användare <select name="user">'
        f"{options}</select></label> "
        '<button name="sign_in" value="1">Logga in</button></fieldset></form>'
        "<p>Eller välj ett företag direkt som dess administratör:</p>"
    )
