"""Client-side rate limit: 25 requests per sliding 5 seconds per (client id, tenant).

Fortnox allows 300 requests a minute per app and company, enforced as a sliding window of 5 s;
exceeding it costs a 429. The limiter uses that window fully: the first 25 requests go at once,
and each further one as soon as the window has room again — without ever sending a 26th that
Fortnox could count inside one window.

Fortnox counts a request when it *arrives*, which the client does not see. So a request holds
its place in the window from the moment it is sent (in flight) until its answer comes, and is
stamped with the time of the answer: the request that takes its place later is sent at least a
window after the answer, hence after the arrival. Delays on the way — a busy network, a queue in
front of the server, many tenants sharing the machine — therefore never squeeze more than the
budget into Fortnox's window. A small margin (default 100 ms) on top covers clocks that do not run
quite alike.

The window is kept in memory, or — when Redis is configured — in a sorted set per budget shared
by every process of the bridge (a place in flight is kept there with a lease, so a process that
dies does not hold it for ever). Times come from the injected clock and waits go through the
injected sleep, so tests run on a manual clock without waiting for real.
"""

from __future__ import annotations

import contextlib
import uuid
from bisect import insort
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from fortnox_bridge.fortnox.timing import Clock, Sleep, SystemClock, real_sleep

#: How long a place in flight is kept in Redis if its answer is never recorded (the process died).
LEASE_SECONDS = 60.0
#: How often a waiter looks again when the places that must free first are all still in flight.
POLL_SECONDS = 0.05

#: Take a place for KEYS[1] if the window has room: ARGV = now (ms), window (ms), budget, member,
#: lease (ms). Returns -1 when taken, else the score of the place that must leave first.
_TAKE = """
local now, window, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < budget then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[5]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]) + window)
  return -1
end
local first = redis.call('ZRANGE', KEYS[1], count - budget, count - budget, 'WITHSCORES')
return first[2]
"""
#: The answer to the request behind member ARGV[2] came at ARGV[1] (ms): stamp its place.
_STAMP = """
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


@dataclass(frozen=True)
class RateLimit:
    """``requests`` per sliding ``seconds``, plus ``margin`` seconds of safety."""

    requests: int = 25
    seconds: float = 5.0
    margin: float = 0.1

    @property
    def window(self) -> float:
        """The window the limiter enforces, in seconds."""
        return self.seconds + self.margin

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
    """Hands out places in a request budget."""

    def slot(self, key: str) -> AbstractAsyncContextManager[float]:
        """``async with limiter.slot(key) as waited:`` send one request inside the block; the
        place is taken on entry (after waiting ``waited`` seconds if needed) and stamped with
        the time the block ends, that is when the answer (or the failure) came."""
        ...


@dataclass
class _Window:
    """One budget in memory: the answer times still inside the window, and places in flight."""

    answered: deque[float] = field(default_factory=deque)
    in_flight: int = 0


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
        self._windows: dict[str, _Window] = {}
        self._members: dict[str, list[str]] = {}  # Redis: this process's places in flight
        self._scripts: tuple[Any, Any] | None = None
        self.waited_seconds = 0.0

    def _now(self) -> float:
        return self._clock.now().timestamp()

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[float]:
        """One request's place in the budget of ``key`` (see :class:`Limiter`)."""
        waited = await self.acquire(key)
        try:
            yield waited
        finally:
            await self.release(key)

    async def acquire(self, key: str) -> float:
        """Take a place for ``key`` — in flight until :meth:`release` — waiting (on the injected
        sleep) until the window has room; returns the seconds waited."""
        waited = 0.0
        while True:
            delay = await (self._take_redis(key) if self._redis else self._take(key))
            if delay is None:
                self.waited_seconds += waited
                return waited
            delay = max(delay, 0.001)
            waited += delay
            await self._sleep(delay)

    async def release(self, key: str) -> None:
        """The answer to a request of ``key`` came (or it failed): its place is stamped now and
        leaves the window one window later."""
        if self._redis:
            await self._stamp_redis(key)
            return
        window = self._windows[key]
        window.in_flight -= 1
        insort(window.answered, self._now())

    async def _take(self, key: str) -> float | None:
        """``None`` when a place was taken, else the seconds to wait before trying again."""
        window = self._windows.setdefault(key, _Window())
        now, span, budget = self._now(), self.limit.window, self.limit.requests
        answered = window.answered
        while answered and answered[0] <= now - span:
            answered.popleft()
        count = len(answered) + window.in_flight
        if count < budget:
            window.in_flight += 1
            return None
        first = count - budget  # the place that must leave before this request may go
        return answered[first] + span - now if first < len(answered) else POLL_SECONDS

    async def _take_redis(self, key: str) -> float | None:
        take, _ = self._redis_scripts()
        member = uuid.uuid4().hex
        now_ms = int(self._now() * 1000)
        window_ms = int(self.limit.window * 1000)
        lease_ms = int(LEASE_SECONDS * 1000)
        found = await take(
            keys=[self._prefix + key],
            args=[now_ms, window_ms, self.limit.requests, member, lease_ms],
        )
        score = float(found)
        if score < 0:
            self._members.setdefault(key, []).append(member)
            return None
        if score > now_ms:  # still in flight somewhere
            return POLL_SECONDS
        return (score + window_ms - now_ms) / 1000

    async def _stamp_redis(self, key: str) -> None:
        _, stamp = self._redis_scripts()
        member = self._members[key].pop()
        window_ms = int(self.limit.window * 1000)
        await stamp(
            keys=[self._prefix + key],
            args=[int(self._now() * 1000), member, int(LEASE_SECONDS * 1000) + window_ms],
        )

    def _redis_scripts(self) -> tuple[Any, Any]:
        if self._scripts is None:
            self._scripts = (
                self._redis.register_script(_TAKE),
                self._redis.register_script(_STAMP),
            )
        return self._scripts


class NoLimiter:
    """No client-side limit (the server's 429s are still retried)."""

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[float]:
        """Never waits."""
        yield 0.0
