"""Tokens, where they are kept, and the lock that makes a refresh single-flight.

Fortnox refresh tokens are single-use: the refresh answer carries a new refresh token and the old
one dies at once, so two workers refreshing in parallel log the customer out.
The client therefore refreshes under a per-tenant lock, re-reads the store inside the lock (someone
else may just have refreshed), and saves the rotated token before using it.

The engine provides a database-backed :class:`TokenStore` (tokens encrypted at rest) and a
database row lock; this module has the in-memory store, the in-process lock and a Redis lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

#: Refresh this long before the access token expires, so a request never races the expiry.
EXPIRY_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class TokenSet:
    """What the Fortnox token endpoint handed out.

    ``refresh_token`` is ``None`` for client-credentials tokens (service accounts), which are
    renewed by asking again with the ``TenantId``.
    """

    access_token: str
    expires_at: datetime
    refresh_token: str | None = None
    scope: str = ""
    tenant_id: int | None = None

    def expired(self, now: datetime, margin: timedelta = EXPIRY_MARGIN) -> bool:
        """Whether the access token is expired or about to be."""
        return now >= self.expires_at - margin

    def with_tenant(self, tenant_id: int | None) -> TokenSet:
        """The same tokens, remembering the Fortnox tenant they belong to."""
        return replace(self, tenant_id=tenant_id)

    def __repr__(self) -> str:  # never show tokens in logs or tracebacks
        return f"TokenSet(expires_at={self.expires_at.isoformat()}, scope={self.scope!r})"


class TokenStore(Protocol):
    """Where the tokens of each connection live."""

    async def load(self, key: str) -> TokenSet | None:
        """The tokens saved under ``key``."""
        ...

    async def save(self, key: str, tokens: TokenSet) -> None:
        """Replace the tokens under ``key`` (durably, before they are used)."""
        ...


class RefreshLock(Protocol):
    """A per-key mutual exclusion, across tasks (and, for some implementations, processes)."""

    def hold(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the lock of ``key`` for the duration of the ``async with`` block."""
        ...


class InMemoryTokenStore:
    """Tokens in a dict: for tests, scripts and single-process use."""

    def __init__(self, initial: dict[str, TokenSet] | None = None) -> None:
        self._tokens: dict[str, TokenSet] = dict(initial or {})

    async def load(self, key: str) -> TokenSet | None:
        """The tokens under ``key``."""
        return self._tokens.get(key)

    async def save(self, key: str, tokens: TokenSet) -> None:
        """Replace the tokens under ``key``."""
        self._tokens[key] = tokens


class InProcessRefreshLock:
    """One ``asyncio.Lock`` per key: single-flight across the tasks of one process."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold the lock of ``key``."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            yield


class RedisRefreshLock:
    """A Redis lock per key: single-flight across processes and machines.

    ``redis`` is a ``redis.asyncio.Redis``; the lock expires after ``timeout`` seconds so a crashed
    holder cannot block refreshes forever.
    """

    def __init__(self, redis: Any, *, prefix: str = "fortnox-bridge:refresh:", timeout: float = 30):
        self._redis = redis
        self._prefix = prefix
        self._timeout = timeout

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold the Redis lock of ``key``."""
        lock = self._redis.lock(self._prefix + key, timeout=self._timeout, blocking_timeout=60)
        async with lock:
            yield
