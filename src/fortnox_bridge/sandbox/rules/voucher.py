"""Vouchers: created, listed and read, never changed or deleted (a correction is a new voucher).

Series, number and financial year identify a voucher; records are kept under
``<year id>/<series>/<number>``. Rules, as Fortnox has them: debit equals credit, at least two
rows, every row on an existing active account (with a cost centre, project or transaction
information where the account demands one, none where it allows none), the series exists, the
date lies in the financial year the voucher is booked in (``?financialyear=``, else the current
year) and after the locked period; the number is the next of the series in that year.
"""

from __future__ import annotations

from decimal import Decimal

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.endpoint import read_wrapped
from fortnox_bridge.sandbox.messages import (
    ACCOUNT_MISSING,
    INVALID_PARAMETER,
    UNKNOWN_REFERENCE,
    not_found,
    refuse,
)
from fortnox_bridge.sandbox.registers.engine import bind
from fortnox_bridge.sandbox.registers.ops import check_dated, parse_date, store
from fortnox_bridge.sandbox.registers.query import paged, paging, select
from fortnox_bridge.sandbox.registers.render import list_item, render, to_number
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.registers.writes import new_record, read_fields, require
from fortnox_bridge.sandbox.rules.ledger import chosen_year, voucher_counter
from fortnox_bridge.sandbox.state import SandboxState

# The sandbox's own codes: nobody has recorded Fortnox's for these rules.
OUTSIDE_YEAR = (2990031, "Datumet {value} ligger utanför räkenskapsåret {start} – {end}.")
UNBALANCED = (2990032, "Verifikationen är inte i balans: debet {debit}, kredit {credit}.")
INACTIVE_ACCOUNT = (2990033, "Konto {value} är inaktivt.")
TOO_FEW_ROWS = (2990034, "En verifikation måste ha minst två rader.")
ROW_SETTING = (2990036, "{what} {demand} för konto {account}.")
#: Row field → the account setting that governs it and how the refusal names it.
SETTINGS = {
    "CostCenter": ("CostCenterSettings", "Kostnadsställe"),
    "Project": ("ProjectSettings", "Projekt"),
    "TransactionInformation": ("TransactionInformationSettings", "Transaktionsinformation"),
}
SERIES_NOT_FOUND = (2990120, "Kan inte hitta verifikationsserien.")
#: ``sortby`` value → field.
SORT = {"voucherseries": "VoucherSeries", "vouchernumber": "VoucherNumber",
        "referencenumber": "ReferenceNumber"}  # fmt: skip
CENT = Decimal("0.01")


class VoucherRules(Rules):
    """``/3/vouchers``: list, sublists per series, one voucher, create."""

    def derive(self, ctx: Ctx, record: Record, out: Record) -> None:
        """The voucher's ``@url`` names its year, as Fortnox's does."""
        out["@url"] = (
            f"{ctx.resource.base_url}/{record['VoucherSeries']}/{record['VoucherNumber']}"
            f"?financialyear={record['Year']}"
        )

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """The voucher routes; the sublists come before ``{series}/{number}``."""
        path = resource.desc.path
        return [
            Route(path, bind(state, resource, _list), methods=["GET"]),
            Route(path, bind(state, resource, _create), methods=["POST"]),
            Route(path + "/sublist", bind(state, resource, _list), methods=["GET"]),
            Route(path + "/sublist/{series}", bind(state, resource, _list), methods=["GET"]),
            Route(path + "/{series}/{number}", bind(state, resource, _get), methods=["GET"]),
        ]


def voucher_key(year_id: object, series: str, number: object) -> str:
    """The register key of a voucher."""
    return f"{year_id}/{series}/{number}"


async def _list(ctx: Ctx, request: Request) -> Response:
    params = request.query_params
    page, limit, offset = paging(params)
    year = chosen_year(ctx, params)
    series = request.path_params.get("series")
    plain = QueryParams(
        [(k, v) for k, v in params.multi_items() if k not in ("sortby", "sortorder")]
    )
    rows = [
        record
        for _, record in select(ctx, plain)
        if str(record["Year"]) == str(year["Id"])
        and (series is None or record["VoucherSeries"] == series)
    ]
    rows = _sorted(rows, params)[offset:]
    start = (page - 1) * limit
    items = [list_item(ctx, record) for record in rows[start : start + limit]]
    return JSONResponse(paged("Vouchers", items, page, limit, len(rows)))


def _sorted(rows: list[Record], params: QueryParams) -> list[Record]:
    """Fortnox's order: by series, then number; ``sortby`` picks another field."""
    rows = sorted(rows, key=lambda r: (str(r["VoucherSeries"]), int(r["VoucherNumber"])))
    sortby, order = params.get("sortby"), params.get("sortorder", "ascending")
    if order not in ("ascending", "descending"):
        raise refuse(INVALID_PARAMETER)
    if sortby is not None:
        field = SORT.get(sortby)
        if field is None:
            raise refuse(INVALID_PARAMETER)
        rows = sorted(rows, key=lambda r: str(r.get(field) or "").zfill(12))
    return list(reversed(rows)) if order == "descending" else rows


async def _get(ctx: Ctx, request: Request) -> Response:
    year = chosen_year(ctx)
    series, number = request.path_params["series"], request.path_params["number"]
    key = voucher_key(year["Id"], series, number)
    record = ctx.register(ctx.resource.name).records.get(key)
    if record is None:
        raise not_found(ctx.resource.spec.not_found)
    return JSONResponse({ctx.resource.single_key: render(ctx, record)})


async def _create(ctx: Ctx, request: Request) -> Response:
    resource = ctx.resource
    year = chosen_year(ctx)
    record = checked_voucher(ctx, await read_wrapped(request, resource.single_key), year)
    book(ctx, record, year)
    response = JSONResponse({resource.single_key: render(ctx, record)}, status_code=201)
    response.headers["Location"] = resource.spec.location
    return response


def checked_voucher(ctx: Ctx, body: Record, year: Record) -> Record:
    """The voucher ``body`` (wire fields) as it will be stored in ``year``, once every rule
    passes (raises the Fortnox-style refusal otherwise); nothing is written or numbered."""
    sent = read_fields(ctx.resource, body)
    record = new_record(ctx, sent)
    require(ctx.resource, record)
    series = str(record["VoucherSeries"])
    if ctx.record("voucherseries", series) is None:
        raise refuse(UNKNOWN_REFERENCE, what="Verifikationsserie", value=series)
    _check_date(ctx, record, year)
    record["VoucherRows"] = _rows(ctx, record.get("VoucherRows") or [])
    return record


def book(ctx: Ctx, record: Record, year: Record) -> None:
    """Give a checked voucher the next number of its series in ``year`` and store it."""
    series = str(record["VoucherSeries"])
    number = int(voucher_counter(ctx, series, year).take_number())
    record.update({"VoucherNumber": number, "Year": int(year["Id"])})
    store(ctx, voucher_key(year["Id"], series, number), record)


def _check_date(ctx: Ctx, record: Record, year: Record) -> None:
    """Not in the locked period, in a financial year, and in the one booked in."""
    when = parse_date(record.get("TransactionDate"))
    assert when is not None  # required and checked as a date by read_fields
    check_dated(ctx, when)
    if not str(year["FromDate"]) <= when.isoformat() <= str(year["ToDate"]):
        raise refuse(OUTSIDE_YEAR, value=when.isoformat(), start=year["FromDate"],
                     end=year["ToDate"])  # fmt: skip


def _rows(ctx: Ctx, rows: list[Record]) -> list[Record]:
    """The rows checked (accounts, references, balance) and completed as Fortnox stores them."""
    if len(rows) < 2:
        raise refuse(TOO_FEW_ROWS)
    debit = credit = Decimal(0)
    out = []
    for row in rows:
        account = _account(ctx, row.get("Account"))
        _check_row(ctx, row, account)
        debit += _amount(row.get("Debit"))
        credit += _amount(row.get("Credit"))
        out.append({"Debit": 0, "Credit": 0, **row, "Description": account.get("Description"),
                    "Removed": False})  # fmt: skip
    if debit != credit:
        raise refuse(UNBALANCED, debit=_show(debit), credit=_show(credit))
    return out


def _check_row(ctx: Ctx, row: Record, account: Record) -> None:
    """Cost centre and project exist; the account's settings allow or demand them."""
    for field, register in (("CostCenter", "costcenters"), ("Project", "projects")):
        value = row.get(field)
        if value not in (None, "") and ctx.record(register, str(value)) is None:
            raise refuse(UNKNOWN_REFERENCE, what=SETTINGS[field][1], value=value)
    for field, (setting, what) in SETTINGS.items():
        given = row.get(field) not in (None, "")
        rule = account.get(setting, "ALLOWED")
        if rule == "MANDATORY" and not given:
            raise refuse(ROW_SETTING, what=what, demand="måste anges", account=account["Number"])
        if rule == "NOTALLOWED" and given:
            raise refuse(ROW_SETTING, what=what, demand="får inte anges", account=account["Number"])


def _account(ctx: Ctx, value: object) -> Record:
    number = to_number(value)
    account = ctx.record("accounts", str(number)) if isinstance(number, int) else None
    if account is None:
        raise refuse(ACCOUNT_MISSING, value=value)
    if not account.get("Active", True):
        raise refuse(INACTIVE_ACCOUNT, value=number)
    return account


def _amount(value: object) -> Decimal:
    number = to_number(value)
    return Decimal(str(number or 0)).quantize(CENT)


def _show(amount: Decimal) -> str:
    return f"{amount:.2f}"
