"""When a project (or an order's project) is ongoing or completed in Fortnox, by the day (pure).

The status code decides first: below 40 nothing is sent, 40–89 ongoing, 90 and above completed.
Two rules of the day move a project to completed later or earlier:

- **A completion delay** (a setting, in days): a project whose status code reached 90 on
  ``completed_on`` stays ongoing in Fortnox until that many days have passed, so that invoices
  can still be booked on it. Without ``completed_on`` there is nothing to count from and the
  project is completed at once.
- **No end date**: an ongoing project without an end date is completed twelve months after its
  start date.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from pydantic import Field

from fortnox_bridge.engine.flow.base import Excluded, FlowSettings

#: The lowest status code exported, as an ongoing project.
ONGOING_FROM = 40
#: The lowest status code exported as a completed project.
COMPLETED_FROM = 90
#: A project without an end date is completed this many months after its start.
OPEN_MONTHS = 12


class CompletionSettings(FlowSettings):
    """The setting every export of Fortnox projects shares."""

    completion_delay_days: int = Field(
        default=0,
        ge=0,
        le=365,
        title="Completion delay (days)",
        description="How many days after its status code reached 90 (completed_on) a project "
        "stays ongoing in Fortnox, so that supplier and customer invoices can still be booked "
        "on it. 0: completed at once.",
    )


def code_status(status_code: int) -> str:
    """Fortnox's Status by the status code alone (raises :class:`Excluded` below 40)."""
    if status_code < ONGOING_FROM:
        raise Excluded(f"status code {status_code} is below {ONGOING_FROM}: not exported yet")
    return "COMPLETED" if status_code >= COMPLETED_FROM else "ONGOING"


def months_later(day: date, months: int) -> date:
    """``day`` ``months`` later (the month's last day when it is shorter: 29 Feb → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def as_date(value: Any) -> date | None:
    """A payload's date (ISO text or a date), ``None`` when empty."""
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def fortnox_status(
    record: Mapping[str, Any],
    *,
    start: Any,
    end: Any,
    today: date | None,
    delay_days: int,
) -> str:
    """Fortnox's Status of a project or order ``record`` (its ``status_code`` and
    ``completed_on``) that starts on ``start`` and ends on ``end``, on ``today``; without a day,
    by the status code alone. Raises :class:`Excluded` below status 40."""
    status = code_status(int(record["status_code"]))
    if today is None:
        return status
    if status == "COMPLETED":
        completed_on = as_date(record.get("completed_on"))
        if delay_days and completed_on and today < completed_on + timedelta(days=delay_days):
            return "ONGOING"
        return status
    started = as_date(start)
    if as_date(end) is None and started and today >= months_later(started, OPEN_MONTHS):
        return "COMPLETED"
    return status


def delay_of(settings: FlowSettings) -> int:
    """The completion delay of a flow's settings (0 when it has none)."""
    return int(getattr(settings, "completion_delay_days", 0))
