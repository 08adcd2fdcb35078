"""Who is signed in, and CSRF protection of every form.

The session is a signed cookie (Starlette's ``SessionMiddleware``, itsdangerous) holding the user
id, the user's session generation and the CSRF token. A user who is disabled or changes password
gets a new generation, which ends every older session. Every ``POST`` must carry the session's
CSRF token, as the form field ``csrf_token`` or the ``X-CSRF-Token`` header (synchroniser token
pattern); a request without it is refused with 403 and nothing is changed.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from fortnox_bridge.store.users import AdminUserRepository
from fortnox_bridge.web.context import WebContext

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


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


def sign_in(request: Request, user_id: int, generation: int) -> None:
    """Start a fresh session for the user (a new CSRF token too: no session fixation)."""
    language = request.session.get("language")
    request.session.clear()
    request.session.update({"user_id": user_id, "generation": generation})
    if language:
        request.session["language"] = language
    csrf_token(request)


def sign_out(request: Request) -> None:
    """End the session (the chosen language stays)."""
    language = request.session.get("language")
    request.session.clear()
    if language:
        request.session["language"] = language


def current_user(request: Request) -> SignedIn:
    """The signed-in user, or :class:`LoginRequired`."""
    user_id, generation = request.session.get("user_id"), request.session.get("generation")
    if isinstance(user_id, int) and isinstance(generation, int):
        with web_context(request).sessions.begin() as session:
            user = AdminUserRepository(session).get(user_id)
            if user is not None and not user.disabled and user.session_generation == generation:
                return SignedIn(user.id, user.email, user.name, user.language)
    for key in ("user_id", "generation"):  # the language and an open form's token stay
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
