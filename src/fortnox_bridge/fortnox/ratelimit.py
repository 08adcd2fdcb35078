"""Client-side rate limit: 25 requests per sliding 5 seconds per (client id, tenant).

Fortnox allows 300 requests a minute per app and company, enforced as a sliding window of 5 s
(fortnox-api.md §2.1); exceeding it costs a 429. The window is a sliding log from pyrate-limiter,
kept in memory or — when Redis is configured — shared by every process of the bridge. Items are
stamped with the injected clock, and waiting goes through the injected sleep, so tests run on a
manual clock without waiting for real.

A small margin (default 100 ms) widens the window: the client's clock and Fortnox's do not see a
request at the same instant, and SDKs that use the exact limit still meet 429s. For the same reason
requests are paced: at most ``burst`` (default 5) per ``burst`` / rate seconds, so a full window is
not sent at once and then spread by network and server delays into the next window.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Protocol

from pyrate_limiter import InMemoryBucket, Rate, RateItem
from pyrate_limiter.abstracts import AbstractBucket

from fortnox_bridge.fortnox.timing import Clock, Sleep, SystemClock, real_sleep

LEAK_EVERY = 200  # puts between trims of the in-memory log


@dataclass(frozen=True)
class RateLimit:
    """``requests`` per sliding ``seconds``, plus ``margin`` seconds of safety."""

    requests: int = 25
    seconds: float = 5.0
    margin: float = 0.1
    burst: int = 5

    @property
    def window_ms(self) -> int:
        """The window the limiter enforces, in milliseconds."""
        return int((self.seconds + self.margin) * 1000)

    def rates(self) -> list[Rate]:
        """The pacing rate (``burst`` at a time) and the full window, as pyrate-limiter rates."""
        full = Rate(self.requests, self.window_ms)
        pace_ms = self.window_ms * self.burst // self.requests
        if not 0 < self.burst < self.requests or pace_ms < 1:
            return [full]  # no pacing, or a budget too large to pace at millisecond resolution
        return [Rate(self.burst, pace_ms), full]

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"25/5"`` → 25 requests per 5 seconds."""
        try:
            requests, seconds = text.split("/")
            limit = cls(requests=int(requests), seconds=float(seconds))
        except ValueError:
            raise ValueError(
                f"rate limit {text!r} must look like 25/5 (requests/seconds)"
            ) from None
        if limit.requests < 1 or limit.seconds <= 0:
            raise ValueError(f"rate limit {text!r} needs at least 1 request per a positive time")
        return limit


class Limiter(Protocol):
    """Waits until one more request for ``key`` fits the budget."""

    async def acquire(self, key: str) -> float:
        """Wait if needed; return the seconds waited."""
        ...


class SlidingWindowLimiter:
    """A sliding-window limiter per key, in memory or shared through Redis."""

    def __init__(
        self,
        limit: RateLimit | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        redis: Any = None,
        prefix: str = "fortnox-bridge:ratelimit:",
    ) -> None:
        self.limit = limit or RateLimit()
        self._clock: Clock = clock or SystemClock()
        self._sleep: Sleep = sleep or real_sleep
        self._redis = redis
        self._prefix = prefix
        self._buckets: dict[str, AbstractBucket] = {}
        self._puts = 0
        self.waited_seconds = 0.0

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    async def _bucket(self, key: str) -> AbstractBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            rates = self.limit.rates()
            if self._redis is None:
                bucket = InMemoryBucket(rates)
            else:
                from pyrate_limiter import RedisBucket

                bucket = await RedisBucket.init(rates, self._redis, self._prefix + key)
            self._buckets[key] = bucket
        return bucket

    async def acquire(self, key: str) -> float:
        """Take one slot for ``key``, waiting (on the injected sleep) until one is free."""
        bucket = await self._bucket(key)
        waited = 0.0
        while True:
            now = self._now_ms()
            decision = bucket.put_decision(RateItem(key, now))
            if inspect.isawaitable(decision):
                decision = await decision
            if decision.allowed:
                await self._trim(bucket, now)
                self.waited_seconds += waited
                return waited
            delay = max((decision.retry_after_ms or 50) / 1000, 0.001)
            waited += delay
            await self._sleep(delay)

    async def _trim(self, bucket: AbstractBucket, now: int) -> None:
        self._puts += 1
        if self._redis is None and self._puts % LEAK_EVERY == 0:
            result = bucket.leak(now)
            if inspect.isawaitable(result):
                await result


class NoLimiter:
    """No client-side limit (the server's 429s are still retried)."""

    async def acquire(self, key: str) -> float:
        """Never waits."""
        return 0.0
