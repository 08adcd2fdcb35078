"""Across processes: the refresh lock and the rate-limit window shared through a real Redis."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.auth import TokenManager
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.fortnox.retry import NO_RETRIES
from fortnox_bridge.fortnox.tokens import InMemoryTokenStore, RedisRefreshLock, TokenSet

from .fake_oauth import FakeFortnox

pytestmark = pytest.mark.redis


async def test_two_processes_refresh_once_under_the_redis_lock(
    redis_client: Any, clock: ManualClock
) -> None:
    fake = FakeFortnox(clock)
    transport = httpx.MockTransport(fake.handler)
    shared_store = InMemoryTokenStore(
        {
            "app:1": TokenSet(
                "access-0", clock.now() - timedelta(seconds=1), refresh_token="refresh-0"
            )
        }
    )
    clients = []
    for _ in range(2):  # two "workers", each with its own objects; only Redis and the store shared
        oauth = OAuthApp(
            "app", "secret", auth_url="https://apps.test", transport=transport, clock=clock
        )
        lock = RedisRefreshLock(redis_client, prefix=redis_client.test_prefix + "refresh:")
        tokens = TokenManager("app:1", store=shared_store, oauth=oauth, lock=lock, clock=clock)
        clients.append(
            FortnoxClient(
                tokens=tokens, api_url="https://api.test", transport=transport, retry=NO_RETRIES
            )
        )
    await asyncio.gather(*(clients[n % 2].customers.list_page() for n in range(20)))
    assert fake.refresh_calls == 1
    assert fake.api_calls == 20


async def test_the_rate_limit_window_is_shared_through_redis(
    redis_client: Any, clock: ManualClock
) -> None:
    sleep = clock.sleep
    prefix = redis_client.test_prefix + "rl:"
    limit = RateLimit(25, 5.0, 0.0, burst=25)
    limiters = [
        SlidingWindowLimiter(limit, clock=clock, sleep=sleep, redis=redis_client, prefix=prefix)
        for _ in range(2)
    ]
    stamps: list[datetime] = []
    for n in range(60):
        await limiters[n % 2].acquire("app:1")
        stamps.append(clock.now())
    for index in range(25, len(stamps)):
        assert (stamps[index] - stamps[index - 25]).total_seconds() >= 5.0
    assert (stamps[-1] - stamps[0]).total_seconds() == pytest.approx(10.0, abs=0.05)
