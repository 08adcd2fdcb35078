"""Field-level problems of a record or request: where (a JSON path), what is wrong, a stable
code. The services raise :class:`RecordRejected` with them; the API answers them as its ``422``.

Paths into a JSON body start at ``$`` (``$.records[3].data.email``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class FieldIssue:
    """One invalid field: where (a JSON path or ``query.<name>``), what is wrong, a stable code."""

    path: str
    message: str
    type: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"path": self.path, "message": self.message, "type": self.type}

    def under(self, prefix: str) -> FieldIssue:
        """The same issue with its ``$`` replaced by ``prefix`` (``$.records[2].data``)."""
        return FieldIssue(prefix + self.path[1:], self.message, self.type)


class RecordRejected(Exception):
    """A request the API refuses with a ``422`` and field-level errors; nothing was stored."""

    def __init__(self, issues: Sequence[FieldIssue]) -> None:
        super().__init__(summary(issues))
        self.issues = list(issues)


def json_path(location: Iterable[str | int], root: str = "$") -> str:
    """``("email",)`` → ``$.email``; ``("records", 3, "data")`` → ``$.records[3].data``."""
    path = root
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            path += f'["{escaped}"]'
    return path


def pydantic_issues(exc: ValidationError, root: str = "$") -> list[FieldIssue]:
    """The errors of a model validation as issues under ``root``."""
    return [
        FieldIssue(json_path(error["loc"], root), error_message(error), error["type"])
        for error in exc.errors(include_url=False)
    ]


def summary(issues: Sequence[FieldIssue], *, write: bool = True) -> str:
    """``2 fields are invalid ($.email, $.phone); nothing was stored: correct them ...``; a
    request that changes nothing (``write=False``: a ``GET``) does not speak of storing."""
    paths = list(dict.fromkeys(issue.path for issue in issues))
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    count = (
        f"{len(paths)} field is invalid" if len(paths) == 1 else f"{len(paths)} fields are invalid"
    )
    stored = "nothing was stored: " if write else ""
    return f"{count} ({shown}); {stored}correct the request and send it again"


def error_message(error: Any) -> str:
    """The words of one pydantic or FastAPI error (a validator's own message as it is)."""
    message = str(error.get("msg", "invalid value"))
    # A model's own rule (a ValueError in a validator) already says everything.
    return message.removeprefix("Value error, ")
