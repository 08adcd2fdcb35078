"""The pure rules of the projects family's exports: an order's Fortnox project number, its dates,
and the status by status code and day (completion delay, twelve months without an end date)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fortnox_bridge.engine.flow.base import Excluded
from fortnox_bridge.flows.projects.order_projects import (
    order_number,
    project_fields,
    project_number,
)
from fortnox_bridge.flows.projects.project_status import fortnox_status, months_later

PROJECT = {"number": "10000", "start_date": "2026-03-02", "end_date": "2027-06-30"}


def order(**extra: Any) -> dict[str, Any]:
    return {"project": "p1", "number": "1", "name": "Order", "status_code": 50,
            "created_on": "2026-04-01", **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        ("work_order", "1", "10000_1"),
        ("work_order", " 12 ", "10000_12"),
        ("change_order", "1", "10000_Ä001"),
        ("change_order", "Ä002", "10000_Ä002"),
        ("change_order", "1234", "10000_Ä1234"),
    ],
)
def test_an_orders_number_is_its_projects_an_underscore_and_its_own(
    kind: Any, number: str, expected: str
) -> None:
    assert project_number(kind, order(number=number), PROJECT) == expected


def test_a_number_fortnox_cannot_take_names_the_order_and_its_project() -> None:
    with pytest.raises(ValueError, match=r"change order Ä001 of project 10000\.5: .*'\.'"):
        project_number("change_order", order(), {**PROJECT, "number": "10000.5"})
    with pytest.raises(ValueError, match=r"work order 123456789012345 of project 10000: .* 21"):
        project_number("work_order", order(number="123456789012345"), PROJECT)
    with pytest.raises(ValueError, match="send the project first"):
        project_number("work_order", order(), None)
    assert order_number("work_order", "A/1") == "A/1"


def test_an_order_takes_the_projects_dates_else_its_own_creation_day() -> None:
    fields = project_fields("work_order", order(), PROJECT)
    assert (fields["start_date"], fields["end_date"]) == ("2026-03-02", "2027-06-30")
    bare = project_fields("work_order", order(), {"number": "10000"})
    assert (bare["start_date"], "end_date" in bare) == ("2026-04-01", False)


def status(today: date | None, delay: int = 0, end: Any = None, **record: Any) -> str:
    return fortnox_status(
        {"status_code": 50, **record}, start="2026-03-02", end=end, today=today, delay_days=delay
    )


def test_status_by_code_and_day() -> None:
    with pytest.raises(Excluded):
        status(date(2026, 5, 1), status_code=39)
    assert status(None, status_code=90) == "COMPLETED"
    done = {"status_code": 90, "completed_on": "2026-05-01"}
    assert status(date(2026, 5, 10), 10, **done) == "ONGOING"
    assert status(date(2026, 5, 11), 10, **done) == "COMPLETED"
    assert status(date(2026, 5, 2), 10, status_code=95) == "COMPLETED"  # no day to count from
    assert status(date(2027, 3, 1)) == "ONGOING"
    assert status(date(2027, 3, 2)) == "COMPLETED"  # twelve months without an end date
    assert status(date(2027, 3, 2), end="2027-12-31") == "ONGOING"
    assert months_later(date(2024, 2, 29), 12) == date(2025, 2, 28)
