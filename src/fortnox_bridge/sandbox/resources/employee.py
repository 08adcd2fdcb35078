"""``/3/employees``: list, get, create, partial update. No DELETE, as in Fortnox.

Rules: ``EmployeeId`` is 1–15 characters, generated when omitted and never changed; a PUT only
touches the fields it sends, ``"API_BLANK"`` blanks a field and ``""`` leaves it as it was
(fortnox-api.md §2.5, §4.14). Amounts come back as strings, as the real API sends them.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fortnox_bridge.fortnox.models import API_BLANK, Employee
from fortnox_bridge.fortnox.models.base import API_NORIGHT
from fortnox_bridge.sandbox.company import Company, Register
from fortnox_bridge.sandbox.endpoint import api_endpoint, page_params, paged, read_wrapped
from fortnox_bridge.sandbox.errors import FortnoxStyleError
from fortnox_bridge.sandbox.state import SandboxState

SCOPE = "salary"
WIRE_FIELDS = Employee.wire_names() - {"@url"}
EMPLOYEE_FIELDS = {info.alias or name: info for name, info in Employee.model_fields.items()}
READ_ONLY = frozenset({"FullName"})
STRING_DEFAULTS = {"MonthlySalary": "0"}
LIST_FIELDS = (
    "@url", "EmployeeId", "PersonalIdentityNumber", "FirstName", "LastName", "FullName",
    "Email", "Phone1", "Inactive",
)  # fmt: skip
ID_MAX = 15
# Codes from fortnox-api.md §3.3; the sandbox's own Swedish wording where none was recorded.
NOT_FOUND = (2000436, "Kan inte hitta den anställde.")
INVALID_FIELD = 2001399
INVALID_ID = 2000729


def routes(state: SandboxState) -> list[Route]:
    """The employee routes bound to ``state``."""
    return [
        Route("/3/employees", api_endpoint(state, SCOPE, _list), methods=["GET"]),
        Route("/3/employees", api_endpoint(state, SCOPE, _create), methods=["POST"]),
        Route("/3/employees/{employee_id}", api_endpoint(state, SCOPE, _get), methods=["GET"]),
        Route("/3/employees/{employee_id}", api_endpoint(state, SCOPE, _update), methods=["PUT"]),
    ]


async def _list(request: Request, company: Company) -> Response:
    page, limit = page_params(request)
    rows = [_render(row, company) for _, row in sorted(company.employees.items(), key=_natural)]
    wanted = request.query_params.get("filter")
    if wanted is not None:
        if wanted not in {"active", "inactive"}:
            raise FortnoxStyleError(400, 2000587, "Ett ogiltigt filter har använts.")
        rows = [r for r in rows if r["Inactive"] is (wanted == "inactive")]
    items = [{key: row[key] for key in LIST_FIELDS} for row in rows]
    return JSONResponse(paged("Employees", items, page, limit))


async def _get(request: Request, company: Company) -> Response:
    row = _find(company, request.path_params["employee_id"])
    return JSONResponse({"Employee": _render(row, company)})


async def _create(request: Request, company: Company) -> Response:
    fields = _checked(await read_wrapped(request, "Employee"))
    employee_id = fields.get("EmployeeId") or _next_id(company)
    if not isinstance(employee_id, str) or not 1 <= len(employee_id) <= ID_MAX:
        raise FortnoxStyleError(
            400, INVALID_ID, f"Anställningsnummer måste vara 1–{ID_MAX} tecken."
        )
    if employee_id in company.employees:
        raise FortnoxStyleError(400, INVALID_ID, f"Anställningsnummer {employee_id} används redan.")
    row = {key: value for key, value in fields.items() if value != API_BLANK}
    row["EmployeeId"] = employee_id
    _register(company).put(employee_id, row, "")
    response = JSONResponse({"Employee": _render(row, company)}, status_code=201)
    response.headers["Location"] = "employees"  # Fortnox sends a bare collection word, not a URL
    return response


async def _update(request: Request, company: Company) -> Response:
    row = _find(company, request.path_params["employee_id"])
    fields = _checked(await read_wrapped(request, "Employee"))
    new_id = fields.pop("EmployeeId", row["EmployeeId"])
    if new_id != row["EmployeeId"]:
        raise FortnoxStyleError(400, INVALID_ID, "Anställningsnummer kan inte ändras.")
    for key, value in fields.items():
        if value == API_BLANK:
            row.pop(key, None)
        elif value != "":  # "" does not clear a field in Fortnox; API_BLANK does
            row[key] = value
    return JSONResponse({"Employee": _render(row, company)})


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - WIRE_FIELDS)
    if unknown:
        raise FortnoxStyleError(400, INVALID_FIELD, f"Ogiltigt fältnamn: {', '.join(unknown)}.")
    return {key: value for key, value in fields.items() if key not in READ_ONLY}


def _find(company: Company, employee_id: str) -> dict[str, Any]:
    row = company.employees.get(employee_id)
    if row is None:
        code, message = NOT_FOUND
        raise FortnoxStyleError(404, code, message, pascal=True)
    return row


def _register(company: Company) -> Register:
    return company.register("employees")


def _next_id(company: Company) -> str:
    return _register(company).take_number()


def _natural(item: tuple[str, dict[str, Any]]) -> tuple[int, str]:
    key = item[0]
    return (int(key), "") if key.isdigit() else (1 << 62, key)


def _default(name: str) -> Any:
    """An unset field as Fortnox shows it: "" for text, null for numbers and dates, [] for lists."""
    if name in STRING_DEFAULTS:
        return STRING_DEFAULTS[name]
    annotation = str(EMPLOYEE_FIELDS[name].annotation)
    if annotation.startswith("list"):
        return []
    if annotation == "bool | None":
        return False
    return "" if annotation == "str | None" else None


def _render(row: dict[str, Any], company: Company) -> dict[str, Any]:
    """The full wire record: every field present, strings where Fortnox sends strings."""
    out: dict[str, Any] = {}
    for name in sorted(WIRE_FIELDS):
        value = row.get(name, _default(name))
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # Fortnox sends employee amounts as strings
        out[name] = value
    first, last = row.get("FirstName", ""), row.get("LastName", "")
    out["FullName"] = f"{first} {last}".strip()
    out["@url"] = f"https://api.fortnox.se/3/employees/{row['EmployeeId']}"
    for name in company.settings.noright_fields.get("Employee", ()):
        out[name] = API_NORIGHT
    return out
