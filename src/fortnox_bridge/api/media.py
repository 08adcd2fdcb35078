"""The media type of request bodies: a body the route cannot read is a ``415``, not a ``422``.

Every route of the API that reads a body says which media type it reads (JSON for nearly all,
``application/merge-patch+json`` besides JSON for a ``PATCH`` of a record, XML for a PAXml file).
A request that carries a body without a ``Content-Type``, or with another one, is answered
before the route runs::

    415 {"error": "unsupported_media_type",
         "detail": "PUT /api/v1/employees/emp-1 reads JSON: send the body with
                    'Content-Type: application/json' (this request has none)"}

A request without a body (no ``Content-Length``, or ``0``, and no ``Transfer-Encoding``) is never
refused here: routes whose body is optional (``POST /api/v1/sync``) take it as absent.
"""

from __future__ import annotations

from email.message import Message

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.types import Scope

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON = "application/json"
#: How each media family is named in the answer, and the header that fits it.
_NAMES = {"json": ("JSON", _JSON), "xml": ("XML", "application/xml")}


def _family(media_type: str) -> str | None:
    """``json`` for ``application/json`` and ``application/*+json``; ``xml`` likewise."""
    main, _, sub = media_type.partition("/")
    if main == "application" and (sub == "json" or sub.endswith("+json")):
        return "json"
    if main in ("application", "text") and (sub == "xml" or sub.endswith("+xml")):
        return "xml"
    return None


def _media_type(header: str) -> str:
    """``Application/JSON; charset=utf-8`` → ``application/json``."""
    message = Message()
    message["content-type"] = header
    return message.get_content_type() if header.strip() else ""


def _declared(route: APIRoute) -> set[str]:
    """The media families the route's body may come in (empty: the route reads no body)."""
    field = route.body_field
    if field is None:
        return set()
    declared = getattr(field.field_info, "media_type", None) or _JSON
    family = _family(str(declared))
    return {family} if family else set()


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            try:
                return int(value) > 0
            except ValueError:
                return True
    return False


class UnsupportedMediaType(HTTPException):
    """415 in the API's error shape."""

    def __init__(self, detail: str) -> None:
        super().__init__(415, {"error": "unsupported_media_type", "detail": detail})


def check_media_type(request: Request) -> None:
    """A dependency of every route: ``415`` for a body in a media type the route does not read
    (see module doc). Runs before the route's body is validated."""
    scope = request.scope
    if scope["method"] not in _WRITES or not _has_body(scope):
        return
    route = scope.get("route")
    if not isinstance(route, APIRoute):
        return
    families = _declared(route)
    if not families:
        return
    media = _media_type(request.headers.get("content-type", ""))
    if _family(media) in families:
        return
    name, header = _NAMES[sorted(families)[0]]
    where = f"{request.method} {request.url.path}"
    got = f"this request has {media!r}" if media else "this request has none"
    raise UnsupportedMediaType(
        f"{where} reads {name}: send the body with 'Content-Type: {header}' ({got})"
    )
