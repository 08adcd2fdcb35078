"""The admin web UI app: sign-in, language, and the page routers; mounted at ``/ui``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from fortnox_bridge.store.users import AdminUserRepository
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.i18n import LANGUAGES
from fortnox_bridge.web.pages import page_routers
from fortnox_bridge.web.passwords import hash_password, needs_rehash, verify_password
from fortnox_bridge.web.render import gettext, render
from fortnox_bridge.web.security import (
    Csrf,
    CsrfRejected,
    LoginRequired,
    current_user,
    root,
    sign_in,
    sign_out,
)
from fortnox_bridge.web.throttle import SignInThrottle

STATIC = Path(__file__).parent / "static"
#: Where the UI lives in the bridge's HTTP server.
MOUNT = "/ui"
#: How long a session lasts without signing in again.
SESSION_AGE = timedelta(hours=12)
#: A hash to check against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH = hash_password("not a password of anyone")


def _wants_html(request: Request) -> bool:
    """A page load (redirect to the login), not a script's fetch or a JSON client (401)."""
    accept = request.headers.get("accept", "")
    if request.headers.get("x-requested-with"):
        return False
    return "text/html" in accept or "application/json" not in accept


def _safe_next(value: str | None) -> str:
    """A path inside the UI to go to after sign-in (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def create_web_app(context: WebContext) -> FastAPI:
    """The UI as an ASGI app of its own (sessions, CSRF, pages)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = context
    app.add_middleware(
        SessionMiddleware,
        secret_key=context.secret,
        session_cookie="fortnox_bridge_session",
        max_age=int(SESSION_AGE.total_seconds()),
        same_site="lax",
        https_only=context.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        if not _wants_html(request):
            return JSONResponse({"error": "login_required"}, status_code=401)
        return RedirectResponse(f"{root(request)}/login?next={exc.next_path}", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        message = gettext(
            request,
            "This form was not sent from this page or has expired. Nothing was changed; "
            "reload the page and try again.",
        )
        return render(request, "error.html", status_code=403, title="403", message=message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        try:
            user = current_user(request)
        except LoginRequired as missing:
            if exc.status_code == 404:  # which pages exist is no business of a visitor
                return await to_login(request, missing)
            user = None
        message = exc.detail if isinstance(exc.detail, str) else gettext(request, "Error")
        return render(
            request,
            "error.html",
            user=user,
            status_code=exc.status_code,
            title=str(exc.status_code),
            message=message,
        )

    router = APIRouter(dependencies=[Csrf])
    throttle = SignInThrottle(context.clock)

    @router.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        current_user(request)
        return RedirectResponse(f"{root(request)}/tenants", status_code=303)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str | None = None) -> Response:
        return render(request, "login.html", next=_safe_next(next), email="", errors={})

    @router.post("/login", response_class=HTMLResponse)
    def login(
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
        wait = throttle.wait_minutes(email) if not errors else 0
        if wait:
            errors["__all__"] = gettext(
                request,
                "Too many wrong passwords for this address. Try again in %(minutes)s minutes.",
                minutes=wait,
            )
            return render(
                request,
                "login.html",
                status_code=429,
                next=_safe_next(next),
                email=email,
                errors=errors,
            )
        if not errors:
            with context.sessions.begin() as session:
                users = AdminUserRepository(session)
                user = users.by_email(email)
                valid = verify_password(user.password_hash if user else _DUMMY_HASH, password)
                if user is not None and valid and not user.disabled:
                    if needs_rehash(user.password_hash):
                        user.password_hash = hash_password(password)
                    user.last_login_at = context.clock.now()
                    throttle.succeeded(email)
                    sign_in(request, user.id, user.session_generation)
                    if "language" not in request.session:
                        request.session["language"] = user.language
                    target = _safe_next(next)
                    return RedirectResponse(f"{root(request)}{target}", status_code=303)
            throttle.failed(email)
            errors["__all__"] = gettext(
                request, "The e-mail address or the password is wrong, or the user is disabled."
            )
        return render(
            request,
            "login.html",
            status_code=400,
            next=_safe_next(next),
            email=email,
            errors=errors,
        )

    @router.post("/logout")
    def logout(request: Request) -> Response:
        sign_out(request)
        return RedirectResponse(f"{root(request)}/login", status_code=303)

    @router.post("/language")
    def language(
        request: Request,
        language: Annotated[str, Form()] = "en",
        back: Annotated[str, Form()] = "/",
    ) -> Response:
        if language in LANGUAGES:
            request.session["language"] = language
        return RedirectResponse(f"{root(request)}{_safe_next(back)}", status_code=303)

    app.include_router(router)
    for pages in page_routers():
        app.include_router(pages, dependencies=[Csrf])
    return app


def install_web(api: FastAPI, context: WebContext) -> None:
    """Serve the UI at ``/ui`` of the bridge's HTTP server; ``/`` leads there."""
    api.mount(MOUNT, create_web_app(context))

    @api.get("/", include_in_schema=False)
    def to_ui() -> RedirectResponse:
        return RedirectResponse(f"{MOUNT}/", status_code=307)
