"""The client-side sliding window, on a manual clock."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter


async def _send(limiter: SlidingWindowLimiter, key: str, clock: ManualClock) -> datetime:
    """One request that is answered at once: the time it was sent."""
    async with limiter.slot(key):
        return clock.now()


async def test_the_first_window_goes_at_once_then_each_request_as_room_frees(
    clock: ManualClock,
) -> None:
    limiter = SlidingWindowLimiter(RateLimit(25, 5.0, 0.1), clock=clock, sleep=clock.sleep)
    start = clock.now()
    sent = [(await _send(limiter, "app:1", clock) - start).total_seconds() for _ in range(120)]
    assert sent[:25] == [0.0] * 25  # the whole first window, no pacing
    assert sent[25:50] == [pytest.approx(5.1)] * 25  # the next window as soon as it opens
    assert sent[-1] == pytest.approx(4 * 5.1)  # 120 = 5 windows: 4 waits, not 24 paced ones
    for index in range(25, len(sent)):
        assert sent[index] - sent[index - 25] >= 5.1 - 1e-9  # never 26 in one window
    assert limiter.waited_seconds == pytest.approx(4 * 5.1)


async def test_thirty_requests_take_one_wait(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(RateLimit.parse("25/5"), clock=clock, sleep=clock.sleep)
    start = clock.now()
    for _ in range(30):
        await _send(limiter, "app:1", clock)
    assert (clock.now() - start).total_seconds() == pytest.approx(5.1)


async def test_a_place_is_held_until_the_answer_and_stamped_then(clock: ManualClock) -> None:
    """A slow answer moves the next window: Fortnox may have counted the request late."""
    limiter = SlidingWindowLimiter(RateLimit(2, 5.0, 0.0), clock=clock, sleep=clock.sleep)
    async with limiter.slot("k"):
        clock.advance(1.5)  # the first answer takes 1.5 s
    async with limiter.slot("k"):
        pass  # answered at once, at t=1.5
    # Room again when the first place leaves: 5 s after its answer (t=6.5), not after t=0.
    assert await limiter.acquire("k") == pytest.approx(5.0)
    await limiter.release("k")


async def test_places_in_flight_count_until_answered(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(RateLimit(3, 5.0, 0.0), clock=clock, sleep=clock.sleep)
    for _ in range(3):
        await limiter.acquire("k")  # three requests sent, no answer yet
    started = clock.now()
    waiter = asyncio.create_task(limiter.acquire("k"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiter.done()  # no answer: no room, however long it looks
    clock.advance(2)
    await limiter.release("k")  # one answer: room 5 s later
    answered = clock.now()
    waited = await waiter
    assert (clock.now() - answered).total_seconds() == pytest.approx(5.0)
    assert waited == pytest.approx((clock.now() - started).total_seconds() - 2)


async def test_each_key_has_its_own_budget(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(RateLimit(2, 5.0, 0.0), clock=clock, sleep=clock.sleep)
    for key in ("app:1", "app:1", "app:2", "app:2"):
        async with limiter.slot(key) as waited:
            assert waited == 0.0
    async with limiter.slot("app:1") as waited:
        assert waited == pytest.approx(5.0, abs=0.01)


async def test_the_window_slides(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(RateLimit(3, 5.0, 0.0), clock=clock, sleep=clock.sleep)
    await _send(limiter, "k", clock)
    clock.advance(3)
    await _send(limiter, "k", clock)
    await _send(limiter, "k", clock)
    # The first request leaves the window at t=5, the next two at t=8.
    async with limiter.slot("k") as waited:
        assert waited == pytest.approx(2.0, abs=0.01)
    async with limiter.slot("k") as waited:
        assert waited == pytest.approx(3.0, abs=0.01)


async def test_a_failed_request_keeps_its_place(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(RateLimit(1, 5.0, 0.0), clock=clock, sleep=clock.sleep)
    with pytest.raises(RuntimeError):
        async with limiter.slot("k"):
            raise RuntimeError("connection reset")  # it may have reached Fortnox
    async with limiter.slot("k") as waited:
        assert waited == pytest.approx(5.0)


def test_rate_limit_parsing() -> None:
    assert RateLimit.parse("25/5") == RateLimit(25, 5.0)
    assert RateLimit.parse("10/1.5").window == pytest.approx(1.6)
    with pytest.raises(ValueError, match="must look like 25/5"):
        RateLimit.parse("25 per 5")
    with pytest.raises(ValueError, match="at least 1 request"):
        RateLimit.parse("0/5")


async def test_a_large_budget_never_waits(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(RateLimit.parse("100000/1"), clock=clock, sleep=clock.sleep)
    assert [await _send(limiter, "k", clock) for _ in range(3)] == [clock.now()] * 3
    assert limiter.waited_seconds == 0.0
