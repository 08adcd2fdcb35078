"""Helpers of the admin UI tests."""

from __future__ import annotations

import re

ADMIN_EMAIL = "anna.admin@example.se"
ADMIN_PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    """The CSRF token a page carries in its forms (every form of the page carries the same)."""
    tokens = set(re.findall(r'name="csrf_token" value="([^"]*)"', html))
    assert tokens, "the page has no form with a CSRF token"
    assert len(tokens) == 1, f"the forms of the page carry different CSRF tokens: {tokens}"
    token = tokens.pop()
    assert token, "a form of the page has an empty CSRF token"
    return token
