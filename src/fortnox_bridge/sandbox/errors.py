"""Errors the sandbox answers with, rendered in the body shapes real Fortnox uses.

::

    SandboxError            root; carries status and body shape
    ├── FortnoxStyleError   ``{"ErrorInformation": {...}}`` with PascalCase or lower-case keys
    ├── UnauthorizedError   401 ``{"message": "unauthorized"}``
    ├── OAuthError          ``/oauth-v1/*``: ``{"error": ..., "error_description": ...}``
    └── ControlError        control API (``/_sandbox``): ``{"error": ..., "detail": ...}``
"""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """Root of the errors a sandbox handler raises to answer with an error response."""

    status = 400

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        raise NotImplementedError


class FortnoxStyleError(SandboxError):
    """An ``ErrorInformation`` envelope.

    Real Fortnox uses PascalCase keys for not-found answers and lower-case keys for validation
    answers (recorded traffic); ``pascal`` picks the casing.
    """

    def __init__(self, status: int, code: int, message: str, *, pascal: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.pascal = pascal

    def body(self) -> dict[str, Any]:
        """``{"ErrorInformation": {"error": 1, "message": ..., "code": ...}}``, cased as Fortnox."""
        if self.pascal:
            info: dict[str, Any] = {"Error": 1, "Message": self.message, "Code": self.code}
        else:
            info = {"error": 1, "message": self.message, "code": self.code}
        return {"ErrorInformation": info}


class UnauthorizedError(SandboxError):
    """Missing, unknown or expired bearer token."""

    status = 401

    def body(self) -> dict[str, Any]:
        """The exact body Fortnox sends for token problems."""
        return {"message": "unauthorized"}


class OAuthError(SandboxError):
    """An error of the OAuth endpoints, with the content types Fortnox really sends.

    Recorded: ``invalid_grant`` comes as ``text/html``, ``invalid_client`` as ``text/plain``,
    although both bodies are JSON.
    """

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` Fortnox sends with this error."""
        if self.error == "invalid_client":
            return "text/plain;charset=UTF-8"
        if self.error == "invalid_grant":
            return "text/html; charset=UTF-8"
        return "application/json"

    def body(self) -> dict[str, Any]:
        """``{"error": ..., "error_description": ...}``."""
        return {"error": self.error, "error_description": self.description}


class ControlError(SandboxError):
    """A bad call to the control API; says what was wrong and how to fix it."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail

    def body(self) -> dict[str, Any]:
        """``{"error": <slug>, "detail": <what and how to fix>}``."""
        return {"error": self.error, "detail": self.detail}
