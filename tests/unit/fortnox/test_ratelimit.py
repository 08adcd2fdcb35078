"""The client-side sliding window, on a manual clock."""

from __future__ import annotations

from datetime import datetime

import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter


@pytest.mark.parametrize(
    ("burst", "expected_elapsed"),
    [
        (25, 4 * 5.1),  # whole windows: 120 = 25 + 4 × 25 - 5, so four waits of 5.1 s
        (5, 23 * 1.02),  # paced: 24 bursts of 5, one every 5.1 × 5 / 25 = 1.02 s
    ],
)
async def test_never_more_than_the_limit_in_any_window(
    clock: ManualClock, burst: int, expected_elapsed: float
) -> None:
    limit = RateLimit(25, 5.0, 0.1, burst=burst)
    limiter = SlidingWindowLimiter(limit, clock=clock, sleep=clock.sleep)
    stamps: list[datetime] = []
    for _ in range(120):
        await limiter.acquire("app:1")
        stamps.append(clock.now())
    for index in range(25, len(stamps)):
        assert (stamps[index] - stamps[index - 25]).total_seconds() >= 5.1
    elapsed = (stamps[-1] - stamps[0]).total_seconds()
    assert elapsed == pytest.approx(expected_elapsed, abs=0.05)
    assert limiter.waited_seconds == pytest.approx(elapsed, abs=0.01)


async def test_each_key_has_its_own_budget(clock: ManualClock) -> None:
    limit = RateLimit(2, 5.0, 0.0, burst=2)
    limiter = SlidingWindowLimiter(limit, clock=clock, sleep=clock.sleep)
    for key in ("app:1", "app:1", "app:2", "app:2"):
        assert await limiter.acquire(key) == 0.0
    assert await limiter.acquire("app:1") == pytest.approx(5.0, abs=0.01)


async def test_the_window_slides(clock: ManualClock) -> None:
    limit = RateLimit(3, 5.0, 0.0, burst=3)
    limiter = SlidingWindowLimiter(limit, clock=clock, sleep=clock.sleep)
    await limiter.acquire("k")
    clock.advance(3)
    await limiter.acquire("k")
    await limiter.acquire("k")
    # The first request leaves the window at t=5, the next two at t=8.
    assert await limiter.acquire("k") == pytest.approx(2.0, abs=0.01)
    assert await limiter.acquire("k") == pytest.approx(3.0, abs=0.01)


async def test_pacing_spreads_a_full_window(clock: ManualClock) -> None:
    limiter = SlidingWindowLimiter(RateLimit(25, 5.0, 0.0, burst=5), clock=clock, sleep=clock.sleep)
    waits = [await limiter.acquire("k") for _ in range(10)]
    assert waits[:5] == [0.0] * 5
    assert waits[5] == pytest.approx(1.0, abs=0.01)  # the sixth waits for the next pace slot
    assert waits[6:] == [0.0] * 4


def test_rate_limit_parsing() -> None:
    assert RateLimit.parse("25/5") == RateLimit(25, 5.0)
    assert RateLimit.parse("10/1.5").window_ms == 1600
    with pytest.raises(ValueError, match="must look like 25/5"):
        RateLimit.parse("25 per 5")
    with pytest.raises(ValueError, match="at least 1 request"):
        RateLimit.parse("0/5")


async def test_a_budget_too_large_to_pace_still_limits(clock: ManualClock) -> None:
    limit = RateLimit.parse("100000/1")
    assert len(limit.rates()) == 1
    limiter = SlidingWindowLimiter(limit, clock=clock, sleep=clock.sleep)
    assert [await limiter.acquire("k") for _ in range(3)] == [0.0, 0.0, 0.0]
