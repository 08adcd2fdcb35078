"""The control API under ``/_sandbox/``: create companies, issue tokens, reset, read stats.

The shapes of these four are fixed because external tools rely on them::

    POST /_sandbox/companies                      {"name", "seed": "demo"|"empty", "licences"?}
                                                  → 201 {"tenant_id", "name", "seed", "licences"}
    POST /_sandbox/companies/{tenant_id}/tokens   {"scopes": [...]}
                                                  → 200 {"access_token", "refresh_token",
                                                         "expires_in", "scope", "client_id",
                                                         "client_secret"}
    POST /_sandbox/reset                          → 200 {"reset": true}
    GET  /_sandbox/stats[?tenant_id=N]            → 200 {"requests_total", "write_requests",
                                                         "responses_by_status",
                                                         "requests_by_method", "token_requests",
                                                         "faults_injected"}

``GET /_sandbox/companies/{tenant_id}`` tells whether a company exists. The simulation controls
(apps, clock, faults, rate limit, request log, company settings) are in
:mod:`fortnox_bridge.sandbox.control_sim`, those of the WebSocket topics in
:mod:`fortnox_bridge.sandbox.topics.control`; ``docs/sandbox.md`` lists them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fortnox_bridge.sandbox import control_ledger, control_sim, control_vouchers
from fortnox_bridge.sandbox.control_io import json_object, string_list, tenant_id_of
from fortnox_bridge.sandbox.errors import ControlError, SandboxError
from fortnox_bridge.sandbox.seed import SEEDS, apply_seed
from fortnox_bridge.sandbox.state import KNOWN_SCOPES, SandboxState, Stats
from fortnox_bridge.sandbox.topics import control as control_topics

ControlHandler = Callable[[SandboxState, Request], Awaitable[Response]]


def routes(state: SandboxState) -> list[Route]:
    """The control routes bound to ``state``."""

    def control(handler: ControlHandler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(state, request)
            except SandboxError as exc:
                return JSONResponse(exc.body(), status_code=exc.status)

        return endpoint

    return [
        Route("/_sandbox/companies", control(_create_company), methods=["POST"]),
        Route("/_sandbox/companies/{tenant_id}", control(_get_company), methods=["GET"]),
        Route("/_sandbox/companies/{tenant_id}/tokens", control(_tokens), methods=["POST"]),
        Route("/_sandbox/reset", control(_reset), methods=["POST"]),
        Route("/_sandbox/stats", control(_stats), methods=["GET"]),
        *(Route(path, control(handler), methods=[method])
          for path, method, handler in control_sim.HANDLERS),
        *(Route(path, control(handler), methods=[method])
          for path, method, handler in control_vouchers.HANDLERS),
        *(Route(path, control(handler), methods=[method])
          for path, method, handler in control_ledger.HANDLERS),
        *(Route(path, control(handler), methods=[method])
          for path, method, handler in control_topics.HANDLERS),
    ]  # fmt: skip


async def _create_company(state: SandboxState, request: Request) -> Response:
    data = await json_object(request)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ControlError(400, "invalid_field", "'name' is required: a non-empty string")
    seed = data.get("seed", "empty")
    if seed not in SEEDS:
        raise ControlError(400, "invalid_field", f"'seed' must be one of {list(SEEDS)}")
    licences = string_list(data, "licences", KNOWN_SCOPES)
    company = state.add_company(name.strip(), licences)
    apply_seed(company, seed, today=state.clock.now().date())
    body = {
        "tenant_id": company.tenant_id,
        "name": company.name,
        "seed": seed,
        "licences": company.licences,
    }
    return JSONResponse(body, status_code=201)


async def _get_company(state: SandboxState, request: Request) -> Response:
    company = state.companies[tenant_id_of(state, request)]
    counts = {name: len(register.records) for name, register in company.registers.items()}
    return JSONResponse(
        {
            "tenant_id": company.tenant_id,
            "name": company.name,
            "licences": company.licences,
            "settings": company.settings.to_dict(),
            "counts": counts,
        }
    )


async def _tokens(state: SandboxState, request: Request) -> Response:
    company = state.companies[tenant_id_of(state, request)]
    data = await json_object(request)
    scopes = string_list(data, "scopes", KNOWN_SCOPES)
    if not scopes:
        raise ControlError(400, "invalid_field", "'scopes' is required: a non-empty list")
    issued = state.issue_tokens(company, frozenset(scopes))
    body = issued.body()
    body.update(client_id=state.app.client_id, client_secret=state.app.client_secret)
    return JSONResponse(body)


async def _reset(state: SandboxState, request: Request) -> Response:
    state.reset()
    return JSONResponse({"reset": True})


async def _stats(state: SandboxState, request: Request) -> Response:
    raw = request.query_params.get("tenant_id")
    if raw is None:
        return JSONResponse(state.stats.to_dict())
    if not raw.isdigit():
        raise ControlError(400, "invalid_parameter", "'tenant_id' must be an integer")
    stats = state.stats_by_tenant.get(int(raw)) or Stats()
    return JSONResponse({"tenant_id": int(raw), **stats.to_dict()})
