"""What a use case refuses, in words both front ends can show.

Every error carries a stable ``code`` and a ``detail`` (what went wrong and how to fix it). The
API answers them with the status of their class (:data:`STATUS`) and the body
``{"error": code, "detail": detail}``; the web UI shows the detail on the page (or its own
translated words, chosen by the class and code). :class:`InvalidInput` names the field at fault,
so both can put the message beside it.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A use case refused; nothing was changed."""

    code = "error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class NotFound(ServiceError):
    """What the request names does not exist (for the caller's tenant)."""

    code = "not_found"


class Conflict(ServiceError):
    """The request clashes with the current state (a running job, a connection not active)."""

    code = "conflict"


class Unavailable(ServiceError):
    """A part the use case needs does not run beside this front end (the engine, a Fortnox
    app)."""

    code = "unavailable"


class InvalidInput(ServiceError):
    """One field of the request is refused: ``field`` is where (``("body", "flow")``), ``value``
    what was given."""

    code = "invalid"

    def __init__(
        self, detail: str, *, code: str, field: tuple[str | int, ...], value: Any = None
    ) -> None:
        super().__init__(detail, code=code)
        self.field = field
        self.value = value


#: The HTTP status the API answers each kind of refusal with.
STATUS: dict[type[ServiceError], int] = {
    NotFound: 404,
    Conflict: 409,
    Unavailable: 503,
    InvalidInput: 422,
}


def status_of(error: ServiceError) -> int:
    """The HTTP status of ``error`` (its nearest class in :data:`STATUS`; 400 otherwise)."""
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def no_engine() -> Unavailable:
    """The engine does not run beside this front end."""
    return Unavailable(
        "this API runs without the sync engine; start it with 'fortnox-bridge serve'",
        code="no_engine",
    )
