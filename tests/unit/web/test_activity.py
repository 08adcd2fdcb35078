"""How much of Fortnox's rate limit a tenant's runs used, read from the runs' requests and
times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from fortnox_bridge.web.activity import rate_use

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _run(run_id: int, ago: timedelta, seconds: float | None, requests: int) -> Any:
    started = NOW - ago
    finished = started + timedelta(seconds=seconds) if seconds is not None else None
    return SimpleNamespace(id=run_id, started_at=started, finished_at=finished, requests=requests)


def test_the_busiest_run_and_the_requests_of_the_last_hour_and_day() -> None:
    runs = [
        _run(1, timedelta(hours=5), 60, 120),  # 10 per 5 s
        _run(2, timedelta(minutes=30), 1, 5),  # all in one window: 5
        _run(3, timedelta(minutes=10), None, 50),  # still running: no duration yet
        _run(4, timedelta(days=2), 5, 25),  # too old
    ]
    use = rate_use(runs, NOW, 25, 5.0)
    assert (use.last_hour, use.last_day) == (55, 175)
    assert (use.busiest, use.per_window, use.share) == (1, 10.0, 40)


def test_a_short_run_counts_as_one_window_and_no_run_as_none() -> None:
    use = rate_use([_run(7, timedelta(minutes=1), 0.5, 25)], NOW, 25, 5.0)
    assert (use.busiest, use.per_window, use.share) == (7, 25.0, 100)
    idle = rate_use([], NOW, 25, 5.0)
    assert (idle.busiest, idle.last_hour, idle.share) == (None, 0, 0)
