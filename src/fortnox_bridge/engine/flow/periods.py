"""Whole periods: an interval is widened to the periods it touches ("Synchronization is
always made for complete Periods ... Treks will automatically adjust them")."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from fortnox_bridge.engine.flow.base import Period


def widen(first: date, last: date, period: Period) -> tuple[date, date]:
    """``first``..``last`` widened to whole ``period``\\ s (weeks run Monday to Sunday)."""
    if last < first:
        raise ValueError(f"the interval ends ({last}) before it starts ({first})")
    if period == "day":
        return first, last
    if period == "week":
        return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())
    end = calendar.monthrange(last.year, last.month)[1]
    return first.replace(day=1), last.replace(day=end)
