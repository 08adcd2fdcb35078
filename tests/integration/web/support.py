"""Helpers of the admin UI tests."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

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


def sign_in_as(client: TestClient, email: str, password: str, next: str = "/") -> Response:
    """Post the login form (with the page's CSRF token) as ``email``."""
    page = client.get("/ui/login")
    return client.post(
        "/ui/login",
        data={"email": email, "password": password, "next": next, "csrf_token": csrf_of(page.text)},
    )


def sign_out(client: TestClient) -> Response:
    """Post the sign-out form."""
    return client.post("/ui/logout", data={"csrf_token": csrf_of(client.get("/ui/login").text)})


@asynccontextmanager
async def another_writer(service: Any, tenant_id: int) -> AsyncIterator[None]:
    """Another job holds the tenant's writer lease (in a task of its own, as another request's
    job would) until the block ends."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def job() -> None:
        async with service.writers.hold(tenant_id, "another job"):
            holding.set()
            await release.wait()

    other = asyncio.create_task(job())
    await holding.wait()
    try:
        yield
    finally:
        release.set()
        await other
