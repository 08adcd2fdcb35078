"""Fast ledger seeding for tests, scenarios and benchmarks: many vouchers, and files connected to
vouchers, in one call each, through the same rules as ``POST /3/vouchers`` (one HTTP request per
voucher would take minutes for a year of 20,000 vouchers)::

    POST /_sandbox/companies/{tenant_id}/vouchers
         {"vouchers": [{"VoucherSeries", "TransactionDate", "Description", "VoucherRows": [...],
                        ...the fields of POST /3/vouchers}],
          "financial_year": <Id>?}
         → 201 {"created": n, "vouchers": ["<year id>/<series>/<number>", ...]}
    POST /_sandbox/companies/{tenant_id}/voucher-files
         {"files": [{"voucher": "<year id>/<series>/<number>",
                     "name"?: "kvitto.pdf", "content"?: "<base64>", "file_id"?: "<archive Id>"}]}
         → 201 {"connected": [{"FileId", "voucher", "Name"}, ...]}

Vouchers are checked as Fortnox checks them (balance, accounts, cost centres and projects, the
series, the financial year and the locked period) and numbered per series and year in the order
given. Without ``financial_year`` each voucher goes into the year that contains its date. The
call is all or nothing: the first refused voucher answers 400 ``refused`` (its index, code and
message) and nothing is written. A file is a new archive file (``content``, else a one-page PDF
naming the voucher) or an existing one (``file_id``); it is connected as a voucher file
connection. :func:`seed_vouchers` and :func:`connect_voucher_files` do the same in-process.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fortnox_bridge.formats.pdf import text_pdf
from fortnox_bridge.sandbox.company import Company
from fortnox_bridge.sandbox.control_io import json_object, tenant_id_of
from fortnox_bridge.sandbox.errors import ControlError, FortnoxStyleError
from fortnox_bridge.sandbox.messages import NO_FINANCIAL_YEAR, refuse
from fortnox_bridge.sandbox.registers.ops import FINANCIAL_YEARS, financial_year, parse_date, store
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record
from fortnox_bridge.sandbox.resources.voucher import RESOURCE as VOUCHER_SPEC
from fortnox_bridge.sandbox.rules.ledger import chosen_year
from fortnox_bridge.sandbox.rules.voucher import book, checked_voucher
from fortnox_bridge.sandbox.rules.voucher_documents import FILES, connect_to_voucher
from fortnox_bridge.sandbox.state import SandboxState

Handler = Callable[[SandboxState, Request], Awaitable[Response]]
VOUCHERS_PATH = "/_sandbox/companies/{tenant_id}/vouchers"
FILES_PATH = "/_sandbox/companies/{tenant_id}/voucher-files"


@cache
def _vouchers() -> Resource:
    return Resource(VOUCHER_SPEC)


def _ctx(state: SandboxState, company: Company) -> Ctx:
    return Ctx(state, company, _vouchers(), None, state.clock.now())


def seed_vouchers(
    state: SandboxState,
    tenant_id: int,
    vouchers: Sequence[Record],
    *,
    financial_year_id: int | None = None,
) -> list[str]:
    """Book ``vouchers`` (the wire fields of ``POST /3/vouchers``) in company ``tenant_id``;
    returns their keys ``"<year id>/<series>/<number>"``. All or nothing: a refused voucher
    raises :class:`~fortnox_bridge.sandbox.errors.ControlError` and nothing is booked."""
    company = _company(state, tenant_id)
    ctx = _ctx(state, company)
    fixed = _fixed_year(ctx, financial_year_id)
    checked: list[tuple[Record, Record]] = []
    for index, body in enumerate(vouchers):
        try:
            if not isinstance(body, dict):
                raise ControlError(400, "invalid_field", f"voucher {index} is not an object")
            year = fixed or _year_of(ctx, body)
            checked.append((checked_voucher(ctx, body, year), year))
        except FortnoxStyleError as exc:
            raise ControlError(
                400, "refused", f"voucher {index}: {exc.message} (code {exc.code})"
            ) from None
    keys = []
    for record, year in checked:
        book(ctx, record, year)
        keys.append(f"{record['Year']}/{record['VoucherSeries']}/{record['VoucherNumber']}")
    return keys


def connect_voucher_files(
    state: SandboxState, tenant_id: int, files: Sequence[Record]
) -> list[Record]:
    """Connect files to vouchers (see the module); returns ``{"FileId", "voucher", "Name"}`` of
    each. All or nothing, as :func:`seed_vouchers`."""
    company = _company(state, tenant_id)
    ctx = _ctx(state, company)
    planned = [_planned_file(ctx, index, item) for index, item in enumerate(files)]
    out = []
    for key, file, is_new in planned:
        if is_new:
            store(ctx, str(file["Id"]), file, register=FILES)
        year_id, series, number = key.split("/")
        connect_to_voucher(ctx, file, year_id, series, number)
        out.append({"FileId": file["Id"], "voucher": key, "Name": file.get("Name")})
    return out


def _company(state: SandboxState, tenant_id: int) -> Company:
    company = state.companies.get(tenant_id)
    if company is None:
        raise ControlError(404, "unknown_company", f"no company with tenant_id {tenant_id}")
    return company


def _fixed_year(ctx: Ctx, year_id: int | None) -> Record | None:
    if year_id is None:
        return None
    year = ctx.register(FINANCIAL_YEARS).records.get(str(year_id))
    if year is None:
        raise ControlError(400, "invalid_field", f"no financial year with Id {year_id}")
    return year


def _year_of(ctx: Ctx, body: Record) -> Record:
    """The year that contains the voucher's date (the current one when it has no valid date:
    the voucher's checks then refuse the date)."""
    day = parse_date(body.get("TransactionDate"))
    if day is None:
        return chosen_year(ctx, {})
    year = financial_year(ctx, day)
    if year is None:
        raise refuse(NO_FINANCIAL_YEAR, value=day.isoformat())
    return year


def _planned_file(ctx: Ctx, index: int, item: object) -> tuple[str, Record, bool]:
    if not isinstance(item, dict) or not isinstance(item.get("voucher"), str):
        raise ControlError(400, "invalid_field", f"file {index} needs 'voucher': 'year/series/nr'")
    key = item["voucher"]
    voucher = ctx.record("vouchers", key)
    if voucher is None:
        raise ControlError(400, "unknown_voucher", f"file {index}: no voucher {key}")
    if item.get("file_id") is not None:
        found = ctx.record(FILES, str(item["file_id"]))
        if found is None:
            raise ControlError(400, "unknown_file", f"file {index}: no archive file")
        return key, found, False
    series, number = voucher["VoucherSeries"], voucher["VoucherNumber"]
    name = str(item.get("name") or f"Verifikation {series}{number}.pdf")
    content = _content(index, item.get("content")) or text_pdf(
        [f"Verifikation {series}{number}", str(voucher.get("Description") or "")]
    )
    file = {
        "Id": str(uuid.uuid4()), "ArchiveFileId": str(uuid.uuid4()), "Name": name, "Path": "",
        "Size": len(content), "Comments": None, "Folder": "archive",
        "Content": base64.b64encode(content).decode("ascii"),
    }  # fmt: skip
    return key, file, True


def _content(index: int, value: Any) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise ControlError(400, "invalid_field", f"file {index}: 'content' is not base64") from None


async def _seed(state: SandboxState, request: Request) -> Response:
    tenant_id = tenant_id_of(state, request)
    data = await json_object(request)
    vouchers = data.get("vouchers")
    if not isinstance(vouchers, list):
        raise ControlError(400, "invalid_field", "'vouchers' must be a list of vouchers")
    year = data.get("financial_year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise ControlError(400, "invalid_field", "'financial_year' must be a year's Id")
    keys = seed_vouchers(state, tenant_id, vouchers, financial_year_id=year)
    return JSONResponse({"created": len(keys), "vouchers": keys}, status_code=201)


async def _files(state: SandboxState, request: Request) -> Response:
    tenant_id = tenant_id_of(state, request)
    data = await json_object(request)
    files = data.get("files")
    if not isinstance(files, list):
        raise ControlError(400, "invalid_field", "'files' must be a list")
    connected = connect_voucher_files(state, tenant_id, files)
    return JSONResponse({"connected": connected}, status_code=201)


#: ``(path, method, handler)`` of each ledger control.
HANDLERS: tuple[tuple[str, str, Handler], ...] = (
    (VOUCHERS_PATH, "POST", _seed),
    (FILES_PATH, "POST", _files),
)
