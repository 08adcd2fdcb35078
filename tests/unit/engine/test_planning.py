from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Excluded, Flow, Period, fingerprint
from fortnox_bridge.engine.sync.planning import DateChecks, PlanContext, RecordState, plan_record
from fortnox_bridge.flows.hr.employee_push import EmployeePush

CAUSE_CODES = {"TID", "OT1"}


class TimeEntryPush(Flow):
    """A plain dated flow with a reference and a mapping: one record, one transaction."""

    name: ClassVar[str] = "test.time_entry.push"
    entity: ClassVar[str] = "time_entry"
    resource: ClassVar[str] = "attendance_transactions"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "id"
    record_model: ClassVar[type[BaseModel]] = BaseModel
    references: ClassVar[Mapping[str, str]] = {"employee": "employee"}
    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "date", "cause_code")
    period: ClassVar[Period | None] = "month"

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        code = str(record.get("code") or "TID")
        cause = self.mappings.get("attendance_code", {}).get(code, code)
        if cause is None:
            raise Excluded(f"the tenant's attendance_code mapping excludes {code!r}")
        if cause not in CAUSE_CODES:
            raise ValueError(f"code {code!r} is not a Fortnox attendance cause code")
        hours = format(Decimal(str(record["hours"])).normalize(), "f")
        return {
            "employee_id": str(record["employee"]),
            "date": str(record["date"]),
            "cause_code": cause,
            "hours": hours,
        }


class BookedEntryPush(TimeEntryPush):
    """The same records written where Fortnox wants a financial year (as for vouchers)."""

    name: ClassVar[str] = "test.booked_entry.push"
    needs_financial_year: ClassVar[bool] = True


KARIN = {"email": "karin@x.se", "given_name": "Karin", "family_name": "Ek", "city": "Lund"}
MAPPED = EmployeePush().map(KARIN)


def _linked(payload: dict, **extra: object) -> RecordState:
    fields = {
        "link_fortnox_id": "7",
        "link_state": "linked",
        "link_snapshot": MAPPED,
        "link_hash": fingerprint(MAPPED),
    } | extra
    return RecordState("e1", payload, 2, False, **fields)  # type: ignore[arg-type]


def test_new_changed_unchanged_and_deleted_records() -> None:
    flow, context = EmployeePush(), PlanContext()
    new = plan_record(flow, RecordState("e1", KARIN, 1, False), context)
    assert (new.action, new.reason, new.natural_key) == (
        "create",
        "not in Fortnox yet",
        "karin@x.se",
    )
    same = plan_record(flow, _linked(KARIN), context)
    assert same.action == "unchanged"
    moved = plan_record(flow, _linked({**KARIN, "city": "Malmö"}), context)
    assert (moved.action, moved.changes, moved.reason) == (
        "update",
        {"city": "Malmö"},
        "changed: city",
    )
    gone = plan_record(flow, RecordState("e1", KARIN, 3, True, "7", "linked", MAPPED, "h"), context)
    assert (gone.action, gone.changes) == ("delete", {"inactive": True})
    back = plan_record(flow, _linked(KARIN, link_state="deleted"), context)
    assert (back.action, back.changes, back.revive) == ("update", {"inactive": False}, True)


def test_open_conflicts_hold_their_fields_back() -> None:
    flow = EmployeePush()
    state = _linked({**KARIN, "city": "Malmö", "family_name": "Berg"})
    plan = plan_record(flow, state, PlanContext(conflicts={"e1": frozenset({"city"})}))
    assert plan.changes == {"last_name": "Berg"}
    assert plan.reason == "changed: last_name (conflict open on city)"
    only = plan_record(
        flow,
        _linked({**KARIN, "city": "Malmö"}),
        PlanContext(conflicts={"e1": frozenset({"city"})}),
    )
    assert (only.action, only.reason) == ("skip", "conflict open on city: resolve it first")


def test_references_dates_and_recovery() -> None:
    flow = TimeEntryPush()
    entry = {"employee": "e1", "date": "2026-01-15", "hours": "7.50", "code": "TID"}
    waiting = plan_record(flow, RecordState("t1", entry, 1, False), PlanContext())
    assert (waiting.action, waiting.problem) == ("skip", True)
    assert waiting.reason == "waiting for employee e1 to reach Fortnox first"
    refs = {"employee": {"e1": "42"}}
    ready = plan_record(flow, RecordState("t1", entry, 1, False), PlanContext(references=refs))
    assert ready.fields == {
        "employee_id": "42",
        "date": "2026-01-15",
        "cause_code": "TID",
        "hours": "7.5",
    }
    assert (ready.record_date, ready.natural_key) == (date(2026, 1, 15), "42|2026-01-15|tid")
    locked = PlanContext(references=refs, checks=DateChecks(locked_until=date(2026, 1, 31)))
    refused = plan_record(flow, RecordState("t1", entry, 1, False), locked)
    assert refused.action == "skip"
    assert refused.reason.startswith("2026-01-15 is in the locked period")
    no_year = PlanContext(
        references=refs,
        checks=DateChecks(financial_years=((date(2025, 1, 1), date(2025, 12, 31)),)),
    )
    # Salary transactions need no financial year; a flow that books into one is held back.
    salary = plan_record(flow, RecordState("t1", entry, 1, False), no_year)
    assert (salary.action, salary.reason) == ("create", "not in Fortnox yet")
    booked = plan_record(BookedEntryPush(), RecordState("t1", entry, 1, False), no_year)
    assert (booked.action, booked.problem) == ("skip", True)
    assert booked.reason == (
        "no financial year covers 2026-01-15; create the financial year in Fortnox"
    )
    again = plan_record(
        flow,
        RecordState("t1", entry, 1, False),
        PlanContext(references=refs, recover=frozenset({"t1"})),
    )
    assert (again.action, again.recover) == ("create", True)


def test_an_unmappable_record_is_a_problem_not_a_crash() -> None:
    flow = TimeEntryPush(mappings={"attendance_code": {"project-x": "TID"}})
    entry = {"employee": "e1", "date": "2026-01-15", "hours": 8, "code": "SEMESTER"}
    plan = plan_record(
        flow, RecordState("t1", entry, 1, False), PlanContext(references={"employee": {"e1": "4"}})
    )
    assert (plan.action, plan.problem) == ("skip", True)
    assert "code 'SEMESTER' is not a Fortnox attendance cause code" in plan.reason
    mapped = {**entry, "code": "project-x"}
    ok = plan_record(
        flow, RecordState("t1", mapped, 1, False), PlanContext(references={"employee": {"e1": "4"}})
    )
    assert ok.fields["cause_code"] == "TID"
