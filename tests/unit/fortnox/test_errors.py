from __future__ import annotations

import pytest

from fortnox_bridge.fortnox.errors import (
    AuthenticationError,
    FortnoxApiError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ValidationError,
    error_for_status,
    parse_error_body,
)


def test_pascal_case_envelope() -> None:
    body = {"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta kunden.", "Code": 2000433}}
    assert parse_error_body(body, "") == (2000433, "Kan inte hitta kunden.")


def test_lower_case_envelope_with_string_code() -> None:
    body = {"ErrorInformation": {"error": 1, "message": "Ett ogiltigt filter.", "code": "2000587"}}
    assert parse_error_body(body, "") == (2000587, "Ett ogiltigt filter.")


def test_token_and_oauth_and_html_bodies() -> None:
    assert parse_error_body({"message": "unauthorized"}, "") == (None, "unauthorized")
    oauth = {"error": "invalid_grant", "error_description": "Invalid refresh token"}
    assert parse_error_body(oauth, "") == (None, "Invalid refresh token")
    html = "<html>\n<body>  Service   Unavailable </body></html>"
    assert parse_error_body(None, html) == (
        None,
        "<html> <body> Service Unavailable </body></html>",
    )
    assert parse_error_body(None, "") == (None, "empty response body")


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, ValidationError, False),
        (401, AuthenticationError, False),
        (403, PermissionDeniedError, False),
        (404, NotFoundError, False),
        (429, RateLimitedError, True),
        (500, ServerError, True),
        (503, ServerError, True),
        (409, FortnoxApiError, False),
    ],
)
def test_status_maps_to_error_class(status: int, cls: type, retryable: bool) -> None:
    error = error_for_status(status, None, "x", "GET", "/3/employees")
    assert type(error) is cls
    assert error.retryable is retryable
    assert error.status == status
    assert "GET /3/employees" in str(error)
