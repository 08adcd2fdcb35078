"""The sandbox clock: the injected clock, movable through the control API.

Tests inject a :class:`~fortnox_bridge.clock.ManualClock`; moving the sandbox clock then moves that
clock, so the test and the sandbox agree on the time. Standalone, the sandbox runs on the system
clock plus an offset that ``POST /_sandbox/clock`` changes. Nothing here sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fortnox_bridge.clock import Clock


class SandboxClock:
    """Wraps the injected clock; :meth:`advance` and :meth:`set` move the sandbox's time."""

    def __init__(self, inner: Clock) -> None:
        self.inner = inner
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """The sandbox's current time (timezone-aware, UTC)."""
        return self.inner.now() + self.offset

    def advance(self, seconds: float) -> datetime:
        """Move the clock by ``seconds`` (negative moves back); returns the new time."""
        advance = getattr(self.inner, "advance", None)
        if callable(advance):
            advance(seconds)  # a ManualClock: move it, so tests see the same time
        else:
            self.offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Jump to ``when`` (a naive time is read as UTC); returns the new time."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return self.advance((when - self.now()).total_seconds())


def iso(moment: datetime) -> str:
    """``moment`` as ISO 8601 in UTC, as the control API shows times."""
    return moment.astimezone(UTC).isoformat()


def stockholm_stamp(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` as Fortnox writes date-times (server time).

    The sandbox keeps UTC: Europe/Stockholm for ``lastmodified`` is UNCONFIRMED, and UTC keeps
    tests independent of the machine's time-zone database.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
