"""The ledger's registers: accounts, account charts and voucher series, and the financial year a
bookkeeping request is about.

Each financial year has a chart of accounts and its own voucher numbering. A request names its
year with ``?financialyear=<Id>``; without it Fortnox uses the current year (here: the year that
contains the sandbox's date). The sandbox keeps one chart for every year of a company: an account
added or changed in one year is the same in the others; ``Year`` shows the year asked for.
Voucher numbers are counted per series and year in the counters invoice bookkeeping uses, so a
booked invoice and a voucher in series B never share a number.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.company import Register
from fortnox_bridge.sandbox.messages import NO_FINANCIAL_YEAR, refuse
from fortnox_bridge.sandbox.registers.engine import bind
from fortnox_bridge.sandbox.registers.ops import FINANCIAL_YEARS, financial_year
from fortnox_bridge.sandbox.registers.query import paged
from fortnox_bridge.sandbox.registers.render import to_number
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.state import SandboxState

# Codes Fortnox documents.
ACCOUNT_NUMBER = (2002462, "Kontonumret {value} måste bestå av fyra siffror.")
# The sandbox's own codes: nobody has recorded Fortnox's for these rules.
UNKNOWN_YEAR = (2990030, "Räkenskapsår {value} finns inte.")
ACCOUNT_IN_USE = (2990035, "Konto {value} har transaktioner och kan inte tas bort.")
#: The charts ``GET /3/accountcharts`` lists (the names financial years use).
ACCOUNT_CHARTS = ("BAS 2023", "BAS 2024", "BAS 2025", "K2 2024")
ACCOUNT_CHARTS_PATH = "/3/accountcharts"
VOUCHERS = "vouchers"


def chosen_year(ctx: Ctx, params: Mapping[str, str] | None = None) -> Record:
    """The financial year a request names with ``financialyear``, else the current one."""
    query = params if params is not None else (ctx.request.query_params if ctx.request else {})
    raw = query.get("financialyear")
    if raw is not None:
        year = ctx.register(FINANCIAL_YEARS).records.get(raw.strip())
        if year is None:
            raise refuse(UNKNOWN_YEAR, value=raw)
        return year
    year = financial_year(ctx, ctx.today)
    if year is None:
        raise refuse(NO_FINANCIAL_YEAR, value=ctx.today.isoformat())
    return year


def voucher_counter(ctx: Ctx, series: str, year: Record) -> Register:
    """The number series of vouchers in ``series`` in ``year`` (shared with invoice bookkeeping)."""
    return ctx.register(_counter_name(series, year))


def _counter_name(series: str, year: Record) -> str:
    return f"vouchers-{series}-{year['Id']}"


def next_voucher_number(ctx: Ctx, series: str, year: Record) -> int:
    """The number the next voucher of ``series`` in ``year`` gets (without taking it, and
    without creating the counter: a read changes nothing)."""
    counter = ctx.company.registers.get(_counter_name(series, year))
    if counter is None:
        return 1
    number = counter.next_number
    while str(number) in counter.used:
        number += 1
    return number


class AccountRules(Rules):
    """Four-digit numbers; ``Year`` is the year asked for; an account with vouchers stays."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Check the number and the year the request names."""
        chosen_year(ctx)
        number = to_number(record.get("Number"))
        if not isinstance(number, int) or not 1000 <= number <= 9999:
            raise refuse(ACCOUNT_NUMBER, value=record.get("Number"))
        record["Number"] = number

    def derive(self, ctx: Ctx, record: Record, out: Record) -> None:
        """``Year``: the id of the financial year the request is about."""
        if ctx.request is not None:
            out["Year"] = int(chosen_year(ctx)["Id"])

    def narrow(
        self, ctx: Ctx, params: QueryParams, rows: list[tuple[str, Record]]
    ) -> list[tuple[str, Record]]:
        """Refuse an unknown ``financialyear``; every year shows the same chart."""
        chosen_year(ctx, params)
        return rows

    def check_change(self, ctx: Ctx, record: Record) -> None:
        """The year a PUT names must exist."""
        chosen_year(ctx)

    def check_delete(self, ctx: Ctx, record: Record) -> None:
        """An account that vouchers use cannot be removed."""
        number = to_number(record.get("Number"))
        for voucher in ctx.register(VOUCHERS).records.values():
            for row in voucher.get("VoucherRows", ()):
                if to_number(row.get("Account")) == number:
                    raise refuse(ACCOUNT_IN_USE, value=number)

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """``GET /3/accountcharts``: the charts of accounts, in the same scope as accounts."""

        async def charts(ctx: Ctx, request: Request) -> Response:
            items = [{"Name": name} for name in ACCOUNT_CHARTS]
            return JSONResponse(paged("AccountCharts", items, 1, 100, len(items)))

        return [Route(ACCOUNT_CHARTS_PATH, bind(state, resource, charts), methods=["GET"])]


class VoucherSeriesRules(Rules):
    """``NextVoucherNumber`` and ``Year`` follow the financial year the request is about."""

    def derive(self, ctx: Ctx, record: Record, out: Record) -> None:
        """The next number of the series in the year asked for (or the current year)."""
        if ctx.request is None:
            return
        year = chosen_year(ctx)
        out["Year"] = int(year["Id"])
        if "NextVoucherNumber" in out:
            out["NextVoucherNumber"] = next_voucher_number(ctx, str(record["Code"]), year)

    def narrow(
        self, ctx: Ctx, params: QueryParams, rows: list[tuple[str, Record]]
    ) -> list[tuple[str, Record]]:
        """Refuse an unknown ``financialyear``."""
        chosen_year(ctx, params)
        return rows
