"""Structured log lines: the message plus the record's ``extra`` fields, as text or JSON.

The engine logs with ``extra={...}`` (tenant, flow, counts, states); tokens, secrets and API keys
are never among them.
"""

from __future__ import annotations

import json
import logging
from typing import Any

#: Attributes every LogRecord has; everything else came in through ``extra``.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


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
