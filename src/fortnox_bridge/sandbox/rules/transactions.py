"""Payroll transactions: absence, attendance and salary rows refer to an existing employee, and
to an existing project and cost centre when they name one; several absence or attendance rows
may share a day. Absence and
attendance rows dated in the locked period are refused, as created, changed or deleted, with
Fortnox's locked-period message (no financial year is needed for salary data)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.messages import LOCKED_PERIOD, NOT_ALLOWED, UNKNOWN_REFERENCE, refuse
from fortnox_bridge.sandbox.registers.engine import bind
from fortnox_bridge.sandbox.registers.ops import parse_date
from fortnox_bridge.sandbox.registers.render import list_item, to_number
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.state import SandboxState

EMPLOYEES = "employees"
EXPENSES = "expenses"
PROJECTS = "projects"
COST_CENTERS = "costcenters"


def check_employee(ctx: Ctx, record: Record) -> None:
    """The employee the row is for must exist."""
    employee_id = str(record.get("EmployeeId", ""))
    if ctx.record(EMPLOYEES, employee_id) is None:
        raise refuse(UNKNOWN_REFERENCE, what="Anställd", value=employee_id)


def check_registers(ctx: Ctx, record: Record) -> None:
    """A project or cost centre the row names must exist (no recorded Fortnox code: the
    sandbox's own, see ``docs/sandbox.md``)."""
    for field, register, what in (
        ("Project", PROJECTS, "Projekt"),
        ("CostCenter", COST_CENTERS, "Kostnadsställe"),
    ):
        value = record.get(field)
        if value not in (None, "") and ctx.record(register, str(value)) is None:
            raise refuse(UNKNOWN_REFERENCE, what=what, value=value)


def check_unlocked(ctx: Ctx, record: Record) -> None:
    """The row's date must be after the locked period."""
    end = ctx.company.settings.locked_period_end
    when = parse_date(record.get("Date"))
    if end is not None and when is not None and when <= end:
        raise refuse(LOCKED_PERIOD, end=end.isoformat(), value=when.isoformat())


class TimeTransactionRules(Rules):
    """Absence and attendance transactions (lower-case ``id``, UUIDs)."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Employee must exist; not in the locked period (nor moved out of it); hours and extent
        are non-negative numbers, extent at most 100."""
        check_employee(ctx, record)
        check_registers(ctx, record)
        check_unlocked(ctx, record)
        if old is not None:
            check_unlocked(ctx, old)
        for name, high in (("Hours", 24.0), ("Extent", 100.0)):
            if name not in record:
                continue
            number = to_number(record[name])
            if number is None or not 0 <= number <= high:
                raise refuse(NOT_ALLOWED, field=name, value=record[name])

    def check_delete(self, ctx: Ctx, record: Record) -> None:
        """A row in the locked period stays."""
        check_unlocked(ctx, record)

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """``GET /3/<transactions>/{EmployeeId}/{Date}/{CauseCode}`` lists the matches."""

        async def matches(ctx: Ctx, request: Request) -> Response:
            wanted = request.path_params
            rows = [
                list_item(ctx, record)
                for _, record in sorted(ctx.register(resource.name).records.items())
                if str(record.get("EmployeeId")) == wanted["employee_id"]
                and record.get("Date") == wanted["day"]
                and record.get("CauseCode") == wanted["cause"]
            ]
            return JSONResponse({resource.list_key or resource.single_key: rows})

        path = resource.desc.path + "/{employee_id}/{day}/{cause}"
        return [Route(path, bind(state, resource, matches), methods=["GET"])]


class SalaryTransactionRules(Rules):
    """Salary rows: employee, expense code, project and cost centre must exist; ``Total``
    defaults to number × amount."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Check references and compute the total when it was not given."""
        check_employee(ctx, record)
        check_registers(ctx, record)
        expense = record.get("Expense")
        if expense and ctx.record(EXPENSES, str(expense)) is None:
            raise refuse(UNKNOWN_REFERENCE, what="Utläggskod", value=expense)
        number, amount = to_number(record.get("Number")), to_number(record.get("Amount"))
        if "Total" not in sent and number is not None and amount is not None:
            record["Total"] = to_number(round(number * amount, 2))
