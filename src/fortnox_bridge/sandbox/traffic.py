"""What the sandbox observes and injects on the wire: counters, the request log, the sliding-window
rate limit and scripted faults. All time comes from the sandbox clock; randomness from an injected
``random.Random``.
"""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

#: Fault kinds the control API accepts (``POST /_sandbox/faults``).
FAULT_KINDS = ("429", "5xx", "403", "latency", "timeout", "drop_response")
#: Real Fortnox allows 25 requests per sliding 5 s per client id and tenant.
FORTNOX_RATE = (25, 5.0)
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
REQUEST_LOG_SIZE = 10_000


@dataclass
class Stats:
    """Request counters for the API host (``/3``); token calls are counted apart."""

    requests_total: int = 0
    write_requests: int = 0
    responses_by_status: Counter[str] = field(default_factory=Counter)
    requests_by_method: Counter[str] = field(default_factory=Counter)
    token_requests: int = 0
    faults_injected: Counter[str] = field(default_factory=Counter)

    def record(self, method: str, status: int | None, fault: str | None = None) -> None:
        """Count one API request; ``status`` is ``None`` when the client got no answer."""
        self.requests_total += 1
        if method in WRITE_METHODS:
            self.write_requests += 1
        if status is not None:
            self.responses_by_status[str(status)] += 1
        self.requests_by_method[method] += 1
        if fault is not None:
            self.faults_injected[fault] += 1

    def to_dict(self) -> dict[str, Any]:
        """The ``GET /_sandbox/stats`` body."""
        return {
            "requests_total": self.requests_total,
            "write_requests": self.write_requests,
            "responses_by_status": dict(self.responses_by_status),
            "requests_by_method": dict(self.requests_by_method),
            "token_requests": self.token_requests,
            "faults_injected": dict(self.faults_injected),
        }


class RequestLog:
    """The last :data:`REQUEST_LOG_SIZE` requests to the API and OAuth hosts, oldest first."""

    def __init__(self, size: int = REQUEST_LOG_SIZE) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)

    def add(self, entry: dict[str, Any]) -> None:
        """Append one entry (``at``, ``method``, ``path``, ``query``, ``status``, ...)."""
        self._entries.append(entry)

    def tail(self, limit: int, tenant_id: int | None = None) -> list[dict[str, Any]]:
        """The newest ``limit`` entries (of ``tenant_id`` when given), oldest first."""
        if tenant_id is None:
            entries = list(self._entries)
        else:
            entries = [e for e in self._entries if e["tenant_id"] == tenant_id]
        return entries[-limit:] if limit > 0 else []

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()


class SlidingWindowLimiter:
    """``requests`` per sliding ``seconds`` per key, on the sandbox clock.

    Only admitted requests enter the window, so a client that backs off after a 429 gets through
    as soon as the oldest admitted request has left the window.
    """

    def __init__(self, requests: int = FORTNOX_RATE[0], seconds: float = FORTNOX_RATE[1]) -> None:
        self.enabled = False
        self.requests = requests
        self.seconds = seconds
        self._windows: dict[tuple[str, int], deque[datetime]] = {}

    def configure(
        self, *, enabled: bool, requests: int | None = None, seconds: float | None = None
    ) -> None:
        """Switch the limit on or off and optionally change its size; windows start empty."""
        self.enabled = enabled
        if requests is not None:
            self.requests = requests
        if seconds is not None:
            self.seconds = seconds
        self._windows.clear()

    def admit(self, key: tuple[str, int], now: datetime) -> float | None:
        """``None`` when the request may pass (and is counted), else seconds until it would."""
        if not self.enabled:
            return None
        window = self._windows.setdefault(key, deque())
        horizon = now - timedelta(seconds=self.seconds)
        while window and window[0] <= horizon:
            window.popleft()
        if len(window) >= self.requests:
            return max((window[0] - horizon).total_seconds(), 0.0)
        window.append(now)
        return None

    def describe(self) -> dict[str, Any]:
        """The control API's view of the limit."""
        return {"enabled": self.enabled, "requests": self.requests, "seconds": self.seconds}


@dataclass
class FaultRule:
    """One scripted fault; it matches requests by tenant, method and path prefix."""

    id: int
    kind: str
    count: int | None = None
    probability: float | None = None
    status: int = 503
    seconds: float = 0.0
    tenant_id: int | None = None
    method: str | None = None
    path_prefix: str | None = None
    retry_after: float | None = None
    fired: int = 0

    def matches(self, method: str, path: str, tenant_id: int | None) -> bool:
        """Whether this rule is live and selects the request."""
        if self.count is not None and self.fired >= self.count:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.path_prefix is not None and not path.startswith(self.path_prefix):
            return False
        return self.tenant_id is None or self.tenant_id == tenant_id

    def to_dict(self) -> dict[str, Any]:
        """The control API's view of the rule."""
        remaining = None if self.count is None else max(self.count - self.fired, 0)
        return {
            "id": self.id,
            "kind": self.kind,
            "count": self.count,
            "probability": self.probability,
            "status": self.status,
            "seconds": self.seconds,
            "tenant_id": self.tenant_id,
            "method": self.method,
            "path_prefix": self.path_prefix,
            "retry_after": self.retry_after,
            "fired": self.fired,
            "remaining": remaining,
        }


class FaultBook:
    """The scripted faults, tried in the order they were added; the first that fires wins."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, **fields: Any) -> FaultRule:
        """Add a rule (fields as :class:`FaultRule`, without ``id``)."""
        rule = FaultRule(id=self._next_id, **fields)
        self._next_id += 1
        self.rules.append(rule)
        return rule

    def clear(self) -> int:
        """Remove every rule; returns how many there were."""
        removed = len(self.rules)
        self.rules.clear()
        return removed

    def fire(self, method: str, path: str, tenant_id: int | None) -> FaultRule | None:
        """The rule that fires for this request, if any (counts it)."""
        for rule in self.rules:
            if not rule.matches(method, path, tenant_id):
                continue
            if rule.probability is not None and self.rng.random() >= rule.probability:
                continue
            rule.fired += 1
            return rule
        return None


def retry_after_header(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, rounded up."""
    return str(max(math.ceil(seconds), 0))
