"""Structured log lines: the message plus the record's ``extra`` fields, as text or JSON; and
the access log of ``serve`` (one line per request).

The engine logs with ``extra={...}`` (tenant, flow, counts, states); tokens, secrets and API keys
are never among them. The access log leaves out query strings, which can carry OAuth codes.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Attributes every LogRecord has; everything else came in through ``extra`` (uvicorn's
#: ``color_message`` is its message again, with terminal colours).
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}
#: Libraries that log every HTTP request (or migration step) at INFO: only their warnings are shown
#: unless the level is DEBUG.
_CHATTY = ("httpx", "httpcore", "alembic")
access_log = logging.getLogger("fortnox_bridge.access")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message key=value ...``."""

    def format(self, record: logging.LogRecord) -> str:
        """One line."""
        extras = " ".join(f"{k}={v}" for k, v in sorted(_extras(record).items()))
        line = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return f"{line} {extras}".rstrip()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON."""
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure(level: str, fmt: str) -> None:
    """Send log lines to standard error in the chosen format.

    Like ``logging.basicConfig``, it leaves logging alone when the root logger already has
    handlers (an embedding application, or a test runner capturing logs).
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    if level != "DEBUG":
        for name in _CHATTY:
            logging.getLogger(name).setLevel(logging.WARNING)


class AccessLog:
    """ASGI middleware: one INFO line per HTTP request — method, path (without the query
    string), status and duration in milliseconds as extra fields."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; log it when it is answered (or fails)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method, path = scope["method"], scope["path"]
            access_log.info(
                "%s %s %s",
                method,
                path,
                status if status is not None else "no answer",
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
