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
from fortnox_bridge.fortnox.ratelimit import POLL_SECONDS, RateLimit, SlidingWindowLimiter
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
    limit = RateLimit(25, 5.0, 0.0)
    limiters = [
        SlidingWindowLimiter(limit, clock=clock, sleep=sleep, redis=redis_client, prefix=prefix)
        for _ in range(2)
    ]
    stamps: list[datetime] = []
    for n in range(60):
        async with limiters[n % 2].slot("app:1"):
            stamps.append(clock.now())
    for index in range(25, len(stamps)):
        assert (stamps[index] - stamps[index - 25]).total_seconds() >= 5.0
    assert (stamps[-1] - stamps[0]).total_seconds() == pytest.approx(10.0, abs=0.05)
    assert stamps[:25] == [stamps[0]] * 25  # one budget, used at once by both processes


async def test_a_request_in_flight_in_one_process_holds_its_place_in_the_other(
    redis_client: Any, clock: ManualClock
) -> None:
    prefix = redis_client.test_prefix + "rl:"
    limit = RateLimit(2, 5.0, 0.0)
    looks: list[float] = []
    looked = asyncio.Event()

    async def look_again(seconds: float) -> None:  # the clock stands still while it waits
        looks.append(seconds)
        looked.set()
        await asyncio.sleep(0)

    async def looked_times(count: int) -> None:
        while len(looks) < count:  # each look is a round trip to Redis
            looked.clear()
            await looked.wait()

    one = SlidingWindowLimiter(
        limit, clock=clock, sleep=clock.sleep, redis=redis_client, prefix=prefix
    )
    other = SlidingWindowLimiter(
        limit, clock=clock, sleep=look_again, redis=redis_client, prefix=prefix
    )
    await one.acquire("app:1")
    await one.acquire("app:1")  # both places in flight in the first process
    waiting = asyncio.create_task(other.acquire("app:1"))
    await looked_times(5)
    assert not waiting.done()
    assert set(looks) == {POLL_SECONDS}  # in flight: no answer time to wait for yet
    await one.release("app:1")  # an answer now: that place leaves 5 s later
    await looked_times(len(looks) + 2)
    assert not waiting.done()
    assert looks[-1] == pytest.approx(5.0)  # it knows how long now
    clock.advance(5.0)
    await asyncio.wait_for(waiting, timeout=10)
    await one.release("app:1")
    await other.release("app:1")
