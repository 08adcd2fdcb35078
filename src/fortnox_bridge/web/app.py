"""The admin web UI app: sign-in, language, and the page routers; mounted at ``/ui``."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from fortnox_bridge.headers import SecuredFastAPI, ui_headers
from fortnox_bridge.services.passwords import SignInBusy
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.error_pages import (
    csrf_rejected,
    http_error,
    invalid_request,
    to_login,
)
from fortnox_bridge.web.forms import WORDING
from fortnox_bridge.web.i18n import LANGUAGES
from fortnox_bridge.web.pages import page_routers
from fortnox_bridge.web.render import error_words, gettext, render
from fortnox_bridge.web.security import (
    Csrf,
    CsrfRejected,
    LoginRequired,
    current_user,
    root,
    sign_in,
    sign_out,
    timeouts,
    web_context,
)
from fortnox_bridge.web.throttle import SignInThrottle

STATIC = Path(__file__).parent / "static"
#: Where the UI lives in the bridge's HTTP server.
MOUNT = "/ui"
#: The cookie that tells a browser which signed in before (as one address, for 90 days).
DEVICE_COOKIE = "fortnox_bridge_device"
DEVICE_AGE = timedelta(days=90)
#: How long a busy sign-in is asked to wait before trying again.
BUSY_RETRY_SECONDS = 2
#: The session's mark of a language picked on the login page (kept on the user at sign-in).
CHOSEN_HERE = "language_chosen"


def _safe_next(value: str | None) -> str:
    """A path inside the UI to go to after sign-in (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def client_ip(request: Request) -> str:
    """The address the request came from (uvicorn reads ``X-Forwarded-For`` only from the
    proxies ``FORWARDED_ALLOW_IPS`` trusts)."""
    return request.client.host if request.client else "unknown"


class DeviceCookie:
    """A signed cookie naming the address a browser last signed in as (its SHA-256, not the
    address): such a browser is not held when others guess that address's password."""

    def __init__(self, secret: str, *, secure: bool) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="fortnox-bridge device")
        self.secure = secure

    @staticmethod
    def _digest(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    def knows(self, request: Request, email: str) -> bool:
        """Whether this browser signed in as ``email`` within :data:`DEVICE_AGE`."""
        value = request.cookies.get(DEVICE_COOKIE)
        if not value:
            return False
        try:
            known = self._signer.loads(value, max_age=int(DEVICE_AGE.total_seconds()))
        except BadSignature:
            return False
        return bool(known == self._digest(email))

    def remember(self, request: Request, response: Response, email: str) -> None:
        """Mark this browser as one that signed in as ``email``."""
        response.set_cookie(
            DEVICE_COOKIE,
            self._signer.dumps(self._digest(email)),
            max_age=int(DEVICE_AGE.total_seconds()),
            path=root(request) or "/",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )


def create_web_app(context: WebContext) -> FastAPI:
    """The UI as an ASGI app of its own (sessions, CSRF, pages, security headers)."""
    app = SecuredFastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    consent_page = (context.consent.browser_auth_url,) if context.consent is not None else ()
    app.security_headers = ui_headers(context.settings.public_url, consent_page)
    app.state.web = context
    app.add_middleware(
        SessionMiddleware,
        secret_key=context.secret,
        session_cookie="fortnox_bridge_session",
        max_age=context.settings.session_absolute_hours * 3600,
        same_site="lax",
        https_only=context.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(LoginRequired, to_login)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRejected, csrf_rejected)
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    if context.throttle is None:
        context.throttle = SignInThrottle(context.clock)
    app.state.device = DeviceCookie(context.secret, secure=context.secure_cookies)
    app.include_router(signin, dependencies=[Wording])
    for pages in page_routers(context.pages):
        app.include_router(pages, dependencies=[Csrf, Wording])
    return app


async def word_errors(request: Request) -> None:
    """Word the form errors of this request in its page's language (see ``web/forms.py``).
    An ``async`` dependency: it runs in the request's own context, which the page then sees."""
    WORDING.set(error_words(request))


Wording = Depends(word_errors)


# -- sign-in -----------------------------------------------------------------------------------

signin = APIRouter(dependencies=[Csrf])


@signin.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    current_user(request)
    return RedirectResponse(f"{root(request)}/tenants", status_code=303)


@signin.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), email="", errors={})


def _login_again(
    request: Request, email: str, next: str, errors: dict[str, str], status_code: int = 400
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        status_code=status_code,
        next=_safe_next(next),
        email=email,
        errors=errors,
    )


def _refused(request: Request, email: str, next: str, message: str, retry_after: int) -> Response:
    answer = _login_again(request, email, next, {"__all__": message}, status_code=429)
    answer.headers["Retry-After"] = str(retry_after)
    return answer


def _held(request: Request, email: str, next: str, seconds: int) -> Response:
    if seconds < 120:
        message = gettext(
            request, "Too many failed sign-ins. Try again in %(seconds)s s.", seconds=seconds
        )
    else:
        message = gettext(
            request,
            "Too many failed sign-ins. Try again in %(minutes)s min.",
            minutes=-(-seconds // 60),
        )
    return _refused(request, email, next, message, seconds)


def _check_password(
    request: Request, context: WebContext, email: str, password: str, now: datetime
) -> bool:
    """Whether the password is right (the session starts then); Argon2 runs here, with no
    database connection held meanwhile."""
    started = context.services.sign_ins.sign_in(email, password, now, timeouts(context.settings))
    if started is None:
        return False
    chosen = request.session.get("language") if request.session.get(CHOSEN_HERE) else None
    sign_in(request, started.token)
    if chosen in LANGUAGES and chosen != started.language:  # picked on the login page
        context.services.sign_ins.choose_language(started.user_id, chosen)
    else:  # the user's own, also when this browser last showed another one
        request.session["language"] = started.language
    return True


@signin.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = gettext(request, "Enter your e-mail address.")
    if not password:
        errors["password"] = gettext(request, "Enter your password.")
    if errors:
        return _login_again(request, email, next, errors)
    context = web_context(request)
    throttle, checks, device = context.throttle, context.password_checks, request.app.state.device
    assert throttle is not None
    ip, trusted = client_ip(request), device.knows(request, email)
    wait = await throttle.wait_seconds(ip, email, trusted=trusted)
    if wait:
        return _held(request, email, next, wait)
    now = context.clock.now()
    try:
        async with checks.slot():
            # Others may have failed for this address while this one waited for a slot.
            wait = await throttle.wait_seconds(ip, email, trusted=trusted)
            if wait:
                return _held(request, email, next, wait)
            signed_in = await checks.run(
                lambda: _check_password(request, context, email, password, now)
            )
    except SignInBusy:
        message = gettext(
            request, "Many sign-ins are being checked right now. Try again in a moment."
        )
        return _refused(request, email, next, message, BUSY_RETRY_SECONDS)
    if signed_in:
        await throttle.succeeded(ip, email)
        answer = RedirectResponse(f"{root(request)}{_safe_next(next)}", status_code=303)
        device.remember(request, answer, email)
        return answer
    await throttle.failed(ip, email)
    errors["__all__"] = gettext(
        request, "The e-mail address or the password is wrong, or the user is disabled."
    )
    return _login_again(request, email, next, errors)


@signin.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse(f"{root(request)}/login", status_code=303)


@signin.post("/language")
def language(
    request: Request,
    language: Annotated[str, Form()] = "en",
    back: Annotated[str, Form()] = "/",
) -> Response:
    if language in LANGUAGES:
        request.session["language"] = language
        try:  # kept on the user too: a sign-in on another device starts in it
            user = current_user(request)
        except LoginRequired:
            user = None  # the login page: this browser only
        if user is not None:
            web_context(request).services.sign_ins.choose_language(user.id, language)
        else:
            request.session[CHOSEN_HERE] = True
    return RedirectResponse(f"{root(request)}{_safe_next(back)}", status_code=303)


def install_web(api: FastAPI, context: WebContext) -> None:
    """Serve the UI at ``/ui`` of the bridge's HTTP server; ``/`` leads there."""
    api.mount(MOUNT, create_web_app(context))
    # Pages are found first, not after every API route has been tried.
    api.router.routes.insert(0, api.router.routes.pop())

    @api.get("/", include_in_schema=False)
    def to_ui() -> RedirectResponse:
        return RedirectResponse(f"{MOUNT}/", status_code=307)

    @api.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The bridge's icon where browsers look for one without a page naming it."""
        return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")
