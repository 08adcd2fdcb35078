"""Time and waiting, injected: real clock and ``asyncio.sleep`` by default, fakes in tests.

The client depends on nothing else of fortnox-bridge, so it declares what it needs as protocols;
any object with ``now() -> datetime`` is a clock (``fortnox_bridge.clock.ManualClock`` is one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

#: ``await sleep(seconds)``; tests pass one that advances a manual clock instead of waiting.
Sleep = Callable[[float], Awaitable[None]]


class Clock(Protocol):
    """Anything that tells the current time (timezone-aware)."""

    def now(self) -> datetime:
        """The current time."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


async def real_sleep(seconds: float) -> None:
    """Wait for real (the default :data:`Sleep`)."""
    await asyncio.sleep(seconds)
