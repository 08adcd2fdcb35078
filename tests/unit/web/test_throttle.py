"""The sign-in throttle's counters (in memory and in Redis) and the bound on password checks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services.passwords import PasswordChecks, SignInBusy
from fortnox_bridge.web.throttle import (
    CAP,
    MemoryStrikes,
    RedisStrikes,
    Rule,
    SignInThrottle,
    StrikeStore,
)


def test_the_delay_doubles_after_the_free_failures_and_stops_at_the_cap() -> None:
    rule = Rule(free=3)
    assert [rule.delay(n) for n in range(1, 9)] == [0, 0, 1, 2, 4, 8, 16, 32]
    assert rule.delay(1_000_000) == CAP.total_seconds() == 900


async def test_memory_keeps_a_bounded_number_of_counters(clock: ManualClock) -> None:
    store = MemoryStrikes(max_keys=100)
    throttle = SignInThrottle(clock, store)
    for number in range(10_000):  # a flood of made-up addresses from made-up IPs
        await throttle.failed(f"10.0.{number // 250}.{number % 250}", f"x{number}@example.se")
    assert len(store) == 100


async def test_memory_forgets_a_counter_an_hour_after_its_last_failure(clock: ManualClock) -> None:
    store = MemoryStrikes()
    now = clock.now().timestamp()
    await store.fail("ip:x", now, Rule(free=1))
    assert (await store.get("ip:x", now + 3599)) is not None
    assert (await store.get("ip:x", now + 3600)) is None
    assert len(store) == 0


async def _exercise(store: StrikeStore, clock: ManualClock) -> None:
    throttle = SignInThrottle(clock, store, per_ip=Rule(3), per_pair=Rule(2), per_address=Rule(4))
    for _ in range(2):
        await throttle.failed("198.51.100.7", "Anna@Example.se")
    assert await throttle.wait_seconds("198.51.100.7", "anna@example.se") == 1  # case ignored
    assert await throttle.wait_seconds("203.0.113.20", "anna@example.se") == 0
    await throttle.failed("198.51.100.7", "anna@example.se")
    assert await throttle.wait_seconds("198.51.100.7", "anna@example.se") == 2
    assert await throttle.wait_seconds("198.51.100.7", "bo@example.se") == 1  # the IP's count
    await throttle.failed("203.0.113.20", "anna@example.se")
    assert await throttle.wait_seconds("203.0.113.21", "anna@example.se") == 1  # the address's
    assert await throttle.wait_seconds("203.0.113.21", "anna@example.se", trusted=True) == 0
    clock.advance(2)
    assert await throttle.wait_seconds("198.51.100.7", "anna@example.se") == 0
    await throttle.succeeded("198.51.100.7", "anna@example.se")
    assert await throttle.wait_seconds("198.51.100.7", "anna@example.se") == 0
    assert await throttle.wait_seconds("203.0.113.21", "anna@example.se") == 0


async def test_the_throttle_counts_per_ip_per_pair_and_per_address_in_memory(
    clock: ManualClock,
) -> None:
    await _exercise(MemoryStrikes(), clock)


@pytest.mark.redis
async def test_the_throttle_counts_the_same_in_redis_shared_by_processes(
    redis_client: Any, clock: ManualClock
) -> None:
    prefix = redis_client.test_prefix + "signin:"
    await _exercise(RedisStrikes(redis_client, prefix=prefix), clock)
    other_process = SignInThrottle(clock, RedisStrikes(redis_client, prefix=prefix))
    for _ in range(5):
        await SignInThrottle(clock, RedisStrikes(redis_client, prefix=prefix)).failed(
            "192.0.2.1", "cecilia@example.se"
        )
    assert await other_process.wait_seconds("192.0.2.1", "cecilia@example.se") == 1
    ttl = await redis_client.ttl(prefix + "ip:192.0.2.1")
    assert 0 < ttl <= timedelta(hours=1).total_seconds()


async def test_password_checks_run_at_most_slots_at_once_and_refuse_past_the_queue() -> None:
    checks = PasswordChecks(slots=2, queue=3, wait=30)
    release = asyncio.Event()
    started = 0

    async def sign_in() -> str:
        nonlocal started
        try:
            async with checks.slot():
                started += 1
                await release.wait()
                return "checked"
        except SignInBusy:
            return "busy"

    tasks = [asyncio.create_task(sign_in()) for _ in range(8)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert started == 2  # two run, three wait in the queue, three are refused at once
    done = [task.result() for task in tasks if task.done()]
    assert done == ["busy", "busy", "busy"]
    release.set()
    results = await asyncio.gather(*tasks)
    assert sorted(results) == ["busy"] * 3 + ["checked"] * 5
    assert checks.peak == 2


async def test_a_check_runs_in_a_worker_thread() -> None:
    import threading

    checks = PasswordChecks(slots=1)
    async with checks.slot():
        thread = await checks.run(threading.get_ident)
    assert thread != threading.get_ident()
