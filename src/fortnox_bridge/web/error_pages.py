"""The UI's error pages: every error a page or form runs into is shown in the UI's layout, in
the page's language, with a way back (to the tenant the address names, when it exists, else to
the tenant list), never as the framework's JSON.

A visitor who is not signed in is sent to the login page instead of learning which pages exist.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.paging import MAX_ID
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.render import gettext, render
from fortnox_bridge.web.security import (
    LoginRequired,
    SignedIn,
    current_user,
    root,
    web_context,
)

#: What the pages say instead of the framework's words for a status.
FRAMEWORK_WORDS = {
    404: N_("There is no such page. Check the address."),
    405: N_(
        "This address is not a page to open: it takes a form's answer. Go back and use the "
        "page's buttons."
    ),
}
SOMETHING_WRONG = N_("This request could not be answered. Go back and try again.")
#: The heading of an error page, by status.
HEADINGS = {
    400: N_("The form could not be used"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not a page"),
    409: N_("Not possible now"),
    503: N_("Not available"),
}
#: The heading of an error page of another status.
OTHER_HEADING = N_("Something went wrong")
#: A tenant's pages: ``/tenants/<id>...`` below the UI's root.
_TENANT_PATH = re.compile(r"^/tenants/(\d+)(?:/|$)")


def wants_html(request: Request) -> bool:
    """A page load (redirect to the login), not a script's fetch or a JSON client (401)."""
    accept = request.headers.get("accept", "")
    if request.headers.get("x-requested-with"):
        return False
    return "text/html" in accept or "application/json" not in accept


async def to_login(request: Request, exc: LoginRequired) -> Response:
    """The login page (it leads back to the page asked for); 401 for scripts."""
    if not wants_html(request):
        return JSONResponse({"error": "login_required"}, status_code=401)
    return RedirectResponse(f"{root(request)}/login?next={exc.next_path}", status_code=303)


def way_back(request: Request, user: SignedIn | None) -> tuple[str, str]:
    """Where an error page leads: ``(link, words)``."""
    if user is None:
        return f"{root(request)}/", gettext(request, "Back to the start page")
    path = request.url.path[len(root(request)) :]
    found = _TENANT_PATH.match(path)
    if found is not None and 0 < int(found.group(1)) <= MAX_ID:
        try:
            tenant = web_context(request).services.tenants.get(int(found.group(1)))
        except NotFound:
            pass
        else:
            return (
                f"{root(request)}/tenants/{tenant.id}",
                gettext(request, "Back to %(tenant)s", tenant=tenant.name),
            )
    return f"{root(request)}/tenants", gettext(request, "Back to the tenant list")


def error_page(
    request: Request, status: int, message: str, user: SignedIn | None = None
) -> Response:
    """``message`` on an error page of ``status``, with a way back."""
    back, back_text = way_back(request, user)
    heading = gettext(request, HEADINGS.get(status, OTHER_HEADING))
    return render(
        request,
        "error.html",
        user=user,
        status_code=status,
        title=heading,
        status=status,
        message=message,
        back=back,
        back_text=back_text,
    )


async def csrf_rejected(request: Request, exc: Exception) -> Response:
    """A form without the session's CSRF token: nothing was changed."""
    message = gettext(
        request,
        "This form was not sent from this page or has expired. Nothing was changed; "
        "reload the page and try again.",
    )
    try:
        user: SignedIn | None = current_user(request)
    except LoginRequired:
        user = None
    return error_page(request, 403, message, user)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An error a page raised (or the framework's: no such page, wrong method)."""
    try:
        user: SignedIn | None = current_user(request)
    except LoginRequired as missing:
        if exc.status_code == 404:  # which pages exist is no business of a visitor
            return await to_login(request, missing)
        user = None
    if exc.detail == _phrase(exc.status_code):  # the framework's own (English) words
        message = gettext(request, FRAMEWORK_WORDS.get(exc.status_code, SOMETHING_WRONG))
    else:
        message = exc.detail if isinstance(exc.detail, str) else gettext(request, "Error")
    return error_page(request, exc.status_code, message, user)


async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """A value in the address or a form that cannot be read (the framework's 422)."""
    # An id out of range or a query value that cannot be read names no page: 404. A form
    # field that cannot be read: 400, nothing changed.
    in_body = any(error.get("loc", ("",))[0] == "body" for error in exc.errors())
    if in_body:
        message = gettext(
            request,
            "This form is missing a value or has one that cannot be read. Nothing was "
            "changed; reload the page and try again.",
        )
        return await http_error(request, StarletteHTTPException(400, message))
    return await http_error(request, StarletteHTTPException(404))
