"""Limits of the host API: requests per API key, request body size, and CORS (off by default).

- **Rate limit** (``api_rate_limit``, default ``600/60``): a sliding window per key, kept in
  memory by pyrate-limiter and stamped with the app's injected clock. A request over it gets
  ``429 {"error": "rate_limited", "detail"}`` with ``Retry-After`` in whole seconds.
- **Body size** (``api_max_body_bytes``): a ``Content-Length`` above it is refused before the body
  is read; a body sent without one (chunked) is counted while it streams in and refused as soon
  as it passes the limit. Either way the answer is ``413 {"error": "payload_too_large", ...}``.
- **CORS**: only when ``api_cors_origins`` names origins; otherwise no CORS header is ever sent.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from pyrate_limiter import Decision, InMemoryBucket, Rate, RateItem
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fortnox_bridge.clock import Clock

#: Puts between trims of a key's in-memory log.
TRIM_EVERY = 100


@dataclass(frozen=True)
class KeyRate:
    """``requests`` per sliding ``seconds``."""

    requests: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> KeyRate:
        """``"600/60"`` → 600 requests per 60 seconds."""
        requests, _, seconds = text.partition("/")
        try:
            rate = cls(int(requests), float(seconds))
        except ValueError:
            raise ValueError(
                f"api rate limit {text!r} must look like 600/60 (requests/seconds)"
            ) from None
        if rate.requests < 1 or rate.seconds <= 0:
            raise ValueError(
                f"api rate limit {text!r} needs at least 1 request per a positive time"
            )
        return rate


class RateLimited(HTTPException):
    """429 with ``Retry-After``."""

    def __init__(self, retry_after: int, rate: KeyRate) -> None:
        super().__init__(
            429,
            {
                "error": "rate_limited",
                "detail": f"this API key made more than {rate.requests} requests in "
                f"{rate.seconds:g} seconds; try again in {retry_after} s",
            },
            headers={"Retry-After": str(retry_after)},
        )


class KeyRateLimiter:
    """A sliding-window budget per API key (in memory, so per process)."""

    def __init__(self, rate: KeyRate, clock: Clock) -> None:
        self.rate = rate
        self._clock = clock
        self._buckets: dict[str, InMemoryBucket] = {}
        self._lock = threading.Lock()
        self._puts = 0

    def hit(self, key: str) -> None:
        """Count one request of ``key``; raises :class:`RateLimited` when it is over budget."""
        now = int(self._clock.now().timestamp() * 1000)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = InMemoryBucket([Rate(self.rate.requests, int(self.rate.seconds * 1000))])
                self._buckets[key] = bucket
            decision = bucket.put_decision(RateItem(key, now))
            self._puts += 1
            if self._puts % TRIM_EVERY == 0:
                for other in self._buckets.values():
                    other.leak(now)
        assert isinstance(decision, Decision)  # an in-memory bucket decides at once
        if not decision.allowed:
            wait_ms = decision.retry_after_ms or 1000
            raise RateLimited(max(1, math.ceil(wait_ms / 1000)), self.rate)


class PayloadTooLarge(HTTPException):
    """413 in the API's error shape."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


def too_large(limit: int) -> dict[str, str]:
    """The body of a 413."""
    return {
        "error": "payload_too_large",
        "detail": f"the request body is larger than {limit} bytes; send less per request "
        "(split a batch) or raise api_max_body_bytes",
    }


class BodySizeLimit:
    """ASGI middleware that refuses request bodies above ``limit`` bytes with a JSON 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check ``Content-Length`` first, then count the streamed body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise PayloadTooLarge(self.limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except PayloadTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(too_large(self.limit)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def install_limits(app: FastAPI, *, max_body_bytes: int, cors_origins: list[str]) -> None:
    """Add the body size limit and, when origins are configured, CORS (outside it, so a
    browser can read a 413 too)."""
    app.add_middleware(BodySizeLimit, limit=max_body_bytes)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After"],
        )
