"""Security headers on every answer of the bridge's HTTP server.

:class:`SecuredFastAPI` wraps its whole middleware stack, so the headers are on every answer,
the error pages of the framework itself (500) included. An answer that sets one of the headers
itself keeps its own value.

- The host API (:func:`api_headers`): ``X-Content-Type-Options: nosniff``, so a browser never
  reads a JSON answer as HTML or script; ``Strict-Transport-Security`` when the bridge's public
  URL is HTTPS.
- The admin UI (:func:`ui_headers`): besides, a Content-Security-Policy that allows scripts,
  styles, images and requests from the bridge itself only (no inline script, no inline style,
  no plugins, no ``<base>``), forms that post to the bridge (and to the Fortnox consent page the
  connect button leads to), and no framing (``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY``); ``Referrer-Policy: same-origin``.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Browsers remember for a year to use HTTPS only.
HSTS = "max-age=31536000"


class SecurityHeaders:
    """ASGI middleware: adds ``headers`` to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.headers:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SecuredFastAPI(FastAPI):
    """A FastAPI app whose every answer carries :attr:`security_headers` (set them before the
    app serves its first request)."""

    security_headers: Mapping[str, str] = {}

    def build_middleware_stack(self) -> ASGIApp:
        """The framework's stack, error pages included, inside :class:`SecurityHeaders`."""
        return SecurityHeaders(super().build_middleware_stack(), self.security_headers)


def _https(public_url: str | None) -> bool:
    return bool(public_url and public_url.lower().startswith("https://"))


def api_headers(public_url: str | None) -> dict[str, str]:
    """The headers of every answer of the bridge's server (the host API's JSON among them)."""
    headers = {"X-Content-Type-Options": "nosniff"}
    if _https(public_url):
        headers["Strict-Transport-Security"] = HSTS
    return headers


def ui_headers(public_url: str | None, form_targets: tuple[str, ...] = ()) -> dict[str, str]:
    """The headers of every page of the admin UI. ``form_targets``: addresses forms may lead
    to besides the bridge (a redirect after a post counts: the Fortnox consent page)."""
    origins = sorted({origin for url in form_targets if (origin := origin_of(url))})
    policy = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            " ".join(["form-action 'self'", *origins]),
        ]
    )
    return {
        **api_headers(public_url),
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def origin_of(url: str) -> str | None:
    """``https://apps.fortnox.se`` of ``https://apps.fortnox.se/oauth-v1/auth``; ``None`` for
    a path on the bridge itself."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"
