"""Slowing down password guessing: after a few wrong passwords for one address, sign-in for that
address waits.

Failures are counted per e-mail address (case ignored) in a sliding window, in the memory of
the process that serves the UI; a successful sign-in clears them. While an address is held, no
password is checked for it, so guessing costs no Argon2 work either.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from fortnox_bridge.clock import Clock

#: Wrong passwords allowed per address within :data:`WINDOW`.
LIMIT = 5
WINDOW = timedelta(minutes=15)


class SignInThrottle:
    """Counts wrong passwords per address and says how long an address must wait."""

    def __init__(self, clock: Clock, *, limit: int = LIMIT, window: timedelta = WINDOW) -> None:
        self.clock, self.limit, self.window = clock, limit, window
        self._failures: dict[str, deque[datetime]] = {}

    def wait_minutes(self, email: str) -> int:
        """Whole minutes until ``email`` may try again (0: it may now)."""
        failures = self._recent(email)
        if len(failures) < self.limit:
            return 0
        free_at = failures[0] + self.window
        return max(1, math.ceil((free_at - self.clock.now()).total_seconds() / 60))

    def failed(self, email: str) -> None:
        """A wrong password (or an unknown or disabled user) for ``email``."""
        self._recent(email).append(self.clock.now())

    def succeeded(self, email: str) -> None:
        """A sign-in: the address starts afresh."""
        self._failures.pop(_key(email), None)

    def _recent(self, email: str) -> deque[datetime]:
        failures = self._failures.setdefault(_key(email), deque())
        oldest = self.clock.now() - self.window
        while failures and failures[0] <= oldest:
            failures.popleft()
        return failures


def _key(email: str) -> str:
    return email.strip().lower()
