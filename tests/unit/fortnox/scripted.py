"""A scripted stand-in for Fortnox's HTTP side, for the client's unit tests.

Each test lists the answers Fortnox gives, in order; the transport records what the client sent.
(The stateful sandbox is used by the contract tests; here we need exact, odd answers.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Answer = httpx.Response | type[Exception] | Callable[[httpx.Request], httpx.Response]


def fortnox_json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """A JSON answer."""
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers or {})


def error(status: int, code: int, message: str) -> httpx.Response:
    """A Fortnox error envelope (lower-case keys, as validation errors use)."""
    return fortnox_json(
        status, {"ErrorInformation": {"error": 1, "message": message, "code": code}}
    )


@dataclass
class Script:
    """Answers in order; the last one repeats. Records every request."""

    answers: list[Answer]
    sent: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        answer = self.answers[min(len(self.sent), len(self.answers)) - 1]
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("scripted failure", request=request)  # type: ignore[call-arg]
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        assert isinstance(answer, httpx.Response)
        return answer

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)
