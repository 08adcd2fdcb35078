"""Slowing down password guessing without letting a guesser lock an admin out.

Failed sign-ins are counted three ways, each with a delay that doubles with every further
failure once a number of free failures is used up (1 s, 2 s, 4 s, ... up to 15 minutes):

- per client IP address (:data:`PER_IP`): one machine trying many e-mail addresses;
- per e-mail address *and* IP (:data:`PER_PAIR`): one machine guessing one admin's password;
- per e-mail address from anywhere (:data:`PER_ADDRESS`, more free failures): many machines
  guessing one password. A browser that signed in as that address before carries a device
  cookie (see ``web/app.py``) and is not held by this counter, so the admin still gets in.

While a counter holds, the attempt is refused with 429 before any password is checked (no Argon2
work) and is not counted. A successful sign-in clears the IP's, the pair's and the address's
counters. A counter is forgotten an hour after its last failure.

The counters live in the serving process's memory (at most :data:`MAX_KEYS`, the least recently
touched dropped first, so a flood of made-up addresses cannot grow it), or in Redis when
``redis_url`` is set, shared by every process of the bridge (keys expire by themselves). E-mail
addresses are kept as SHA-256 digests only.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from fortnox_bridge.clock import Clock

#: The longest a counter holds.
CAP = timedelta(minutes=15)
#: A counter without failures for this long starts afresh.
FORGET = timedelta(hours=1)
#: Counters the in-memory store keeps at most.
MAX_KEYS = 10_000


@dataclass(frozen=True)
class Rule:
    """How one counter holds: after ``free`` failures, the next attempt waits ``base`` seconds,
    doubling with each further failure up to ``cap``."""

    free: int
    base: float = 1.0
    cap: float = CAP.total_seconds()

    def delay(self, failures: int) -> float:
        """Seconds to hold after the ``failures``-th failure."""
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2.0 ** min(failures - self.free, 32))


PER_IP = Rule(free=10)
PER_PAIR = Rule(free=5)
PER_ADDRESS = Rule(free=20)


@dataclass(frozen=True)
class Strike:
    """A counter: failures so far and until when (epoch seconds) it holds."""

    failures: int
    until: float


class StrikeStore(Protocol):
    """Where the counters are kept (see :class:`MemoryStrikes` and :class:`RedisStrikes`)."""

    async def get(self, key: str, now: float) -> Strike | None:
        """The counter, or ``None`` (never counted, or forgotten)."""
        ...

    async def fail(self, key: str, now: float, rule: Rule) -> Strike:
        """Count a failure at ``now``; the counter afterwards."""
        ...

    async def clear(self, key: str) -> None:
        """Forget the counter."""
        ...


class MemoryStrikes:
    """Counters in this process's memory: at most ``max_keys``, least recently touched first
    out; each forgotten ``forget`` after its last failure."""

    def __init__(self, *, max_keys: int = MAX_KEYS, forget: timedelta = FORGET) -> None:
        self.max_keys, self.forget = max_keys, forget.total_seconds()
        self._strikes: OrderedDict[str, tuple[Strike, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._strikes)

    async def get(self, key: str, now: float) -> Strike | None:
        """The counter, or ``None``."""
        kept = self._strikes.get(key)
        if kept is None:
            return None
        strike, last = kept
        if now - last >= self.forget:
            del self._strikes[key]
            return None
        return strike

    async def fail(self, key: str, now: float, rule: Rule) -> Strike:
        """Count a failure."""
        before = await self.get(key, now)
        failures = (before.failures if before else 0) + 1
        strike = Strike(failures, max(before.until if before else 0.0, now + rule.delay(failures)))
        self._strikes[key] = (strike, now)
        self._strikes.move_to_end(key)
        while len(self._strikes) > self.max_keys:
            self._strikes.popitem(last=False)
        return strike

    async def clear(self, key: str) -> None:
        """Forget the counter."""
        self._strikes.pop(key, None)


class RedisStrikes:
    """Counters in Redis (a hash per counter, expiring ``forget`` after its last failure), shared
    by every process of the bridge. ``redis`` is a ``redis.asyncio.Redis``."""

    def __init__(
        self, redis: Any, *, prefix: str = "fortnox-bridge:signin:", forget: timedelta = FORGET
    ) -> None:
        self._redis, self._prefix = redis, prefix
        self.forget = int(forget.total_seconds())

    async def get(self, key: str, now: float) -> Strike | None:
        """The counter, or ``None``."""
        failures, until = await self._redis.hmget(self._prefix + key, ["failures", "until"])
        if failures is None:
            return None
        return Strike(int(failures), float(until or 0))

    async def fail(self, key: str, now: float, rule: Rule) -> Strike:
        """Count a failure (one atomic increment; the hold only ever grows)."""
        name = self._prefix + key
        failures = int(await self._redis.hincrby(name, "failures", 1))
        before = await self._redis.hget(name, "until")
        until = max(float(before or 0), now + rule.delay(failures))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(name, "until", repr(until))
            pipe.expire(name, self.forget)
            await pipe.execute()
        return Strike(failures, until)

    async def clear(self, key: str) -> None:
        """Forget the counter."""
        await self._redis.delete(self._prefix + key)


def address_digest(email: str) -> str:
    """What the counters keep of an e-mail address (case and spaces ignored)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class SignInThrottle:
    """Counts failed sign-ins per IP, per address and IP, and per address, and says how long
    an attempt must wait."""

    def __init__(
        self,
        clock: Clock,
        store: StrikeStore | None = None,
        *,
        per_ip: Rule = PER_IP,
        per_pair: Rule = PER_PAIR,
        per_address: Rule = PER_ADDRESS,
    ) -> None:
        self.clock = clock
        self.store: StrikeStore = store if store is not None else MemoryStrikes()
        self.per_ip, self.per_pair, self.per_address = per_ip, per_pair, per_address

    def _counters(self, ip: str, email: str) -> list[tuple[str, Rule]]:
        address = address_digest(email)
        return [
            (f"ip:{ip}", self.per_ip),
            (f"pair:{address}:{ip}", self.per_pair),
            (f"address:{address}", self.per_address),
        ]

    async def wait_seconds(self, ip: str, email: str, *, trusted: bool = False) -> int:
        """Whole seconds until an attempt from ``ip`` for ``email`` may check a password (0: now).
        ``trusted``: the browser signed in as ``email`` before (the address counter is skipped)."""
        now = self.clock.now().timestamp()
        longest = 0.0
        for key, _rule in self._counters(ip, email):
            if trusted and key.startswith("address:"):
                continue
            strike = await self.store.get(key, now)
            if strike is not None:
                longest = max(longest, strike.until - now)
        return math.ceil(longest) if longest > 0 else 0

    async def failed(self, ip: str, email: str) -> None:
        """A wrong password (or an unknown or disabled user) for ``email`` from ``ip``."""
        now = self.clock.now().timestamp()
        for key, rule in self._counters(ip, email):
            await self.store.fail(key, now, rule)

    async def succeeded(self, ip: str, email: str) -> None:
        """A sign-in: the IP, the pair and the address start afresh."""
        for key, _rule in self._counters(ip, email):
            await self.store.clear(key)
