"""Retries: bounded exponential backoff with full jitter, honouring ``Retry-After``.

Retried: 429, 5xx, and transport failures where nothing was applied or the request is
idempotent. Never retried: a non-idempotent request that may have reached Fortnox — the client
raises :class:`~fortnox_bridge.fortnox.errors.OutcomeUnknown` instead, before this policy sees it.
Built on tenacity; the sleep and the random generator are injected so tests do not wait.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from fortnox_bridge.fortnox.errors import FortnoxApiError, FortnoxError
from fortnox_bridge.fortnox.timing import Sleep, real_sleep


@dataclass
class RetryPolicy:
    """How often and how long to retry.

    ``max_attempts`` counts the first try; ``max_total_wait`` bounds the sum of all waits of one
    request, so a storm of 429s ends in a :class:`RateLimitedError` instead of hanging.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total_wait: float = 120.0
    rng: random.Random = field(default_factory=random.Random)
    sleep: Sleep = real_sleep

    def _planned(self, state: RetryCallState) -> tuple[float, bool]:
        """``(seconds, exact)``: Fortnox's ``Retry-After`` (exact) or the backoff ceiling."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, FortnoxApiError) and error.retry_after is not None:
            return min(error.retry_after, self.max_delay), True
        return min(self.max_delay, self.base_delay * 2 ** (state.attempt_number - 1)), False

    def wait(self, state: RetryCallState) -> float:
        """The next wait: ``Retry-After`` when Fortnox sent one, else jittered backoff."""
        seconds, exact = self._planned(state)
        return seconds if exact else self.rng.uniform(seconds / 2, seconds)

    def stop(self, state: RetryCallState) -> bool:
        """Stop after ``max_attempts`` or when the next wait could pass ``max_total_wait``."""
        if state.attempt_number >= self.max_attempts:
            return True
        return state.idle_for + self._planned(state)[0] > self.max_total_wait

    def retrying(self) -> AsyncRetrying:
        """A tenacity controller for one request."""
        return AsyncRetrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, FortnoxError) and exc.retryable),
            wait=self.wait,
            stop=self.stop,
            sleep=self.sleep,
            reraise=True,
        )


NO_RETRIES = RetryPolicy(max_attempts=1)
