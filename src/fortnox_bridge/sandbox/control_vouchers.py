"""Test controls on vouchers: what a person does to a voucher in Fortnox's own screens.

Fortnox's API cannot change a voucher once it is booked, but its user interface can: a person
sets a project on a row, adds rows, marks a row removed (Fortnox keeps a removed row, flagged
``Removed``) or cancels the voucher. These controls play that, so tests can see what the bridge
makes of a voucher "fixed later in Fortnox"::

    PATCH  /_sandbox/companies/{tenant_id}/vouchers/{year}/{series}/{number}
           {"set": {"<row index>": {"Project"?, "CostCenter"?, "TransactionInformation"?}},
            "add_rows": [{"Account", "Debit"?, "Credit"?, "Project"?, ...}],
            "remove_rows": [<row index>, ...]}          → 200 {"Voucher": the stored voucher}
    DELETE /_sandbox/companies/{tenant_id}/vouchers/{year}/{series}/{number}
                                                        → 200 {"cancelled": true}

``year`` is the financial year's id. Added rows are marked as added later (kept off the wire;
the SIE export writes them as ``#RTRANS`` with their ``#TRANS`` copy). The voucher must stay
balanced over its rows not removed (400 ``unbalanced`` otherwise), as Fortnox's screens demand.
They are not part of Fortnox's API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fortnox_bridge.sandbox.clock import stockholm_stamp
from fortnox_bridge.sandbox.company import Company, Register
from fortnox_bridge.sandbox.control_io import json_object, tenant_id_of
from fortnox_bridge.sandbox.errors import ControlError
from fortnox_bridge.sandbox.state import SandboxState

Handler = Callable[[SandboxState, Request], Awaitable[Response]]
PATH = "/_sandbox/companies/{tenant_id}/vouchers/{year}/{series}/{number}"
#: Marks a row added after booking (not on the wire: the SIE export writes it as ``#RTRANS``).
ADDED_LATER = "_added_later"
#: The row fields a person may set on a booked row.
SETTABLE = frozenset({"Project", "CostCenter", "TransactionInformation"})


def _target(state: SandboxState, request: Request) -> tuple[Company, Register, str]:
    company = state.companies[tenant_id_of(state, request)]
    params = request.path_params
    key = f"{params['year']}/{params['series']}/{params['number']}"
    register = company.register("vouchers")
    if key not in register.records:
        raise ControlError(404, "unknown_voucher", f"no voucher {key} (year id/series/number)")
    return company, register, key


def _index(rows: list[dict[str, Any]], raw: object) -> int:
    try:
        index = int(str(raw))
    except ValueError:
        index = -1
    if not 0 <= index < len(rows):
        raise ControlError(400, "invalid_field", f"no row {raw!r}: rows are 0–{len(rows) - 1}")
    return index


def _amount(value: object) -> Decimal:
    return Decimal(str(value or 0))


def _new_row(company: Company, row: object) -> dict[str, Any]:
    if not isinstance(row, dict) or "Account" not in row:
        raise ControlError(400, "invalid_field", "each of 'add_rows' needs at least 'Account'")
    account = company.register("accounts").records.get(str(row["Account"]))
    if account is None:
        raise ControlError(400, "invalid_field", f"no account {row['Account']!r}")
    return {"Debit": 0, "Credit": 0, **row, "Description": account.get("Description"),
            "Removed": False, ADDED_LATER: True}  # fmt: skip


def _amend(company: Company, voucher: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    rows = [dict(row) for row in voucher.get("VoucherRows") or []]
    changes = data.get("set") or {}
    if not isinstance(changes, dict):
        raise ControlError(400, "invalid_field", "'set' must map row indexes to fields")
    for raw, fields in changes.items():
        unknown = set(fields) - SETTABLE if isinstance(fields, dict) else {"?"}
        if unknown:
            raise ControlError(400, "invalid_field", f"'set' takes only {sorted(SETTABLE)}")
        rows[_index(rows, raw)].update(fields)
    for raw in data.get("remove_rows") or []:
        rows[_index(rows, raw)]["Removed"] = True
    rows += [_new_row(company, row) for row in data.get("add_rows") or []]
    live = [row for row in rows if not row.get("Removed")]
    debit = sum((_amount(row.get("Debit")) for row in live), Decimal(0))
    credit = sum((_amount(row.get("Credit")) for row in live), Decimal(0))
    if debit != credit:
        raise ControlError(400, "unbalanced", f"debit {debit} is not credit {credit}")
    return {**voucher, "VoucherRows": rows}


async def _patch(state: SandboxState, request: Request) -> Response:
    company, register, key = _target(state, request)
    amended = _amend(company, register.records[key], await json_object(request))
    register.put(key, amended, stockholm_stamp(state.clock.now()))
    rows = [{k: v for k, v in row.items() if k != ADDED_LATER} for row in amended["VoucherRows"]]
    return JSONResponse({"Voucher": {**amended, "VoucherRows": rows}})


async def _cancel(state: SandboxState, request: Request) -> Response:
    _, register, key = _target(state, request)
    register.remove(key)
    return JSONResponse({"cancelled": True})


#: ``(path, method, handler)`` of each voucher control.
HANDLERS: tuple[tuple[str, str, Handler], ...] = (
    (PATH, "PATCH", _patch),
    (PATH, "DELETE", _cancel),
)
