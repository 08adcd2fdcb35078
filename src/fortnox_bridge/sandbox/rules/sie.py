"""``GET /3/sie/{Type}?financialyear=<Id>``: the SIE file of a financial year (types 1–4).

Fortnox streams the file as it writes SIE: CP437 (``#FORMAT PC8``). The query parameter is
spelt ``financialYear`` in the OpenAPI document and ``financialyear`` by the other bookkeeping
calls; both are read. Without it the year of the sandbox's date is meant. An unknown year
answers the financial years' not-found error, an unknown type 2000588 (invalid parameter).
The routes hang on the financial years' resource: the export shares its ``bookkeeping`` scope.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.messages import INVALID_PARAMETER, NO_FINANCIAL_YEAR, not_found, refuse
from fortnox_bridge.sandbox.registers.engine import bind
from fortnox_bridge.sandbox.registers.ops import FINANCIAL_YEARS, financial_year
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record
from fortnox_bridge.sandbox.sie_export import SIE_TYPES, export_sie
from fortnox_bridge.sandbox.state import SandboxState

SIE_PATH = "/3/sie/{sie_type}"
#: How the file is sent: SIE's PC8 character set is IBM code page 437.
MEDIA_TYPE = "text/plain; charset=IBM437"


def sie_routes(state: SandboxState, years: Resource) -> list[BaseRoute]:
    """The export route, in the financial years' scope."""
    return [Route(SIE_PATH, bind(state, years, _export), methods=["GET"])]


async def _export(ctx: Ctx, request: Request) -> Response:
    raw_type = request.path_params["sie_type"]
    if not raw_type.isdigit() or int(raw_type) not in SIE_TYPES:
        raise refuse(INVALID_PARAMETER)
    year = _year(ctx, request)
    content = export_sie(ctx.company, year, int(raw_type), ctx.today)
    name = f"SIE{raw_type}_{ctx.company.tenant_id}_{year['Id']}.se"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=MEDIA_TYPE, headers=headers)


def _year(ctx: Ctx, request: Request) -> Record:
    params = request.query_params
    raw = params.get("financialyear", params.get("financialYear"))
    if raw is None:
        current = financial_year(ctx, ctx.today)
        if current is None:
            raise refuse(NO_FINANCIAL_YEAR, value=ctx.today.isoformat())
        return current
    if not raw.strip().isdigit():
        raise refuse(INVALID_PARAMETER)
    year = ctx.register(FINANCIAL_YEARS).records.get(raw.strip())
    if year is None:
        raise not_found(ctx.resource.spec.not_found)
    return year
