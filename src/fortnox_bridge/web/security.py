"""Who is signed in, and CSRF protection of every form.

The session cookie (Starlette's ``SessionMiddleware``, signed with itsdangerous) holds a random
session token, the CSRF token and the chosen language. The token names a row of
``admin_sessions`` (the store keeps its SHA-256 only), so a session is ended on the server:
signing out deletes the row, and a copy of the cookie opens nothing afterwards; a new password
or disabling the user deletes every session of the user. A session also ends after
``session_idle_minutes`` without a request and ``session_absolute_hours`` after sign-in, whatever
the cookie says. Every ``POST`` must carry the session's CSRF token, as the form field
``csrf_token`` or the ``X-CSRF-Token`` header (synchroniser token pattern); a request without it
is refused with 403 and nothing is changed.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from fortnox_bridge.config import Settings
from fortnox_bridge.services.sessions import Timeouts
from fortnox_bridge.web.context import WebContext

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
#: The cookie's key of the session token.
SESSION_KEY = "sid"
#: How often a session's last request is written (the idle timeout is this precise).
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SignedIn:
    """The admin user behind a request."""

    id: int
    email: str
    name: str
    language: str


class LoginRequired(Exception):
    """No valid session: the page redirects to the login page (``next`` brings the user back)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """A form was posted without the session's CSRF token."""


def web_context(request: Request) -> WebContext:
    """The :class:`WebContext` of the app serving ``request``."""
    context: WebContext = request.app.state.web
    return context


def root(request: Request) -> str:
    """Where the UI is mounted (``/ui``), for links."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def timeouts(settings: Settings) -> Timeouts:
    """How long a session lasts under ``settings``."""
    return Timeouts(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def sign_in(request: Request, token: str) -> None:
    """Keep a fresh session's token in the cookie (a new CSRF token too: no session
    fixation)."""
    language = request.session.get("language")
    request.session.clear()
    request.session[SESSION_KEY] = token
    if language:
        request.session["language"] = language
    csrf_token(request)


def sign_out(request: Request) -> None:
    """End the session, in the store too (the chosen language stays in the cookie)."""
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        web_context(request).services.sign_ins.end(token)
    language = request.session.get("language")
    request.session.clear()
    if language:
        request.session["language"] = language


def current_user(request: Request) -> SignedIn:
    """The signed-in user, or :class:`LoginRequired`."""
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        context = web_context(request)
        user = context.services.sign_ins.user_of(
            token, context.clock.now(), timeouts(context.settings), touch_every=TOUCH_EVERY
        )
        if user is not None:
            return SignedIn(user.id, user.email, user.name, user.language)
    for key in (SESSION_KEY, "user_id", "generation"):  # the language and a form's token stay
        request.session.pop(key, None)
    path = request.url.path[len(root(request)) :] or "/"
    if request.url.query:
        path += "?" + request.url.query
    raise LoginRequired(quote(path, safe="/?=&"))


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request that does not carry the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRejected()


#: A page for signed-in users: ``user: User``.
User = Annotated[SignedIn, Depends(current_user)]
#: Add to every router: ``APIRouter(dependencies=[Csrf])``.
Csrf = Depends(check_csrf)
