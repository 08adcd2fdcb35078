"""The worker's wake-up flag: a wake-up that comes while the worker fetches is not lost."""

from __future__ import annotations

import asyncio

from fortnox_bridge.engine.jobs.wakeups import WakeUp


async def test_a_wake_up_before_the_worker_woke_is_spent_by_its_fetch() -> None:
    wake = WakeUp()
    wake.set()
    assert await asyncio.wait_for(wake.wait(), timeout=1) is True
    wake.clear()  # after the fetch
    assert not wake.is_set()


async def test_a_wake_up_during_a_fetch_survives_one_clear() -> None:
    wake = WakeUp()
    wake.set()
    await wake.wait()
    wake.set()  # a notification while the worker fetches
    wake.clear()  # the fetch returns: the worker fetches once more
    assert wake.is_set()
    await wake.wait()
    wake.clear()
    assert not wake.is_set()


async def test_a_wake_up_while_the_worker_fetches_without_waiting_survives_one_clear() -> None:
    wake = WakeUp()
    wake.clear()  # the worker starts and fetches at once, without waiting
    wake.set()  # the listener is up while that fetch runs
    wake.clear()
    assert wake.is_set()
    wake.clear()  # the next fetch saw it
    assert not wake.is_set()
