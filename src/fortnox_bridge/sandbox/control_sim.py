"""Simulation controls under ``/_sandbox/``: apps, clock, faults, rate limit, request log, settings.

Shapes (another engineer's client tests depend on them; keep them)::

    POST   /_sandbox/apps                 {"redirect_uris", "scopes"}
                                          → 201 {"client_id", "client_secret", "redirect_uris",
                                                 "scopes"}
    GET    /_sandbox/clock                → {"now"}
    POST   /_sandbox/clock                {"now": ISO} | {"advance_seconds": n} → {"now"}
    POST   /_sandbox/faults               {"kind", "count"?, "probability"?, "status"?, "seconds"?,
                                           "tenant_id"?, "method"?, "path_prefix"?,
                                           "retry_after"?} → 201 {"id", ...}
    GET    /_sandbox/faults               → [rule, ...]
    DELETE /_sandbox/faults               → {"cleared": n}
    GET    /_sandbox/rate-limit           → {"enabled", "requests", "seconds"}
    PUT    /_sandbox/rate-limit           {"requests", "seconds"} | {"enabled": false} → same
    GET    /_sandbox/requests?tenant_id=&limit=  → [{"at", "method", "path", "query", "status",
                                                     "tenant_id", "fault", "fields"?}, ...]
    GET|PUT /_sandbox/companies/{tenant_id}/settings  {"locked_period_end", "licences",
                                           "noright_fields", "api_licence",
                                           "invoice_vouchers"} → the settings
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fortnox_bridge.sandbox.auth import KNOWN_SCOPES
from fortnox_bridge.sandbox.clock import iso
from fortnox_bridge.sandbox.control_io import (
    integer,
    json_object,
    number,
    string_list,
    tenant_id_of,
    text,
)
from fortnox_bridge.sandbox.errors import ControlError
from fortnox_bridge.sandbox.fields import wire_fields_of
from fortnox_bridge.sandbox.state import SandboxState
from fortnox_bridge.sandbox.traffic import FAULT_KINDS

Handler = Callable[[SandboxState, Request], Awaitable[Response]]
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"})


async def _create_app(state: SandboxState, request: Request) -> Response:
    data = await json_object(request)
    redirect_uris = _free_strings(data, "redirect_uris") or []
    scopes = string_list(data, "scopes", KNOWN_SCOPES)
    app = state.auth.register_app(
        tuple(redirect_uris), frozenset(KNOWN_SCOPES if scopes is None else scopes)
    )
    body = {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uris": list(app.redirect_uris),
        "scopes": sorted(app.scopes),
    }
    return JSONResponse(body, status_code=201)


async def _get_clock(state: SandboxState, request: Request) -> Response:
    return JSONResponse({"now": iso(state.clock.now())})


async def _set_clock(state: SandboxState, request: Request) -> Response:
    data = await json_object(request)
    raw_now = text(data, "now")
    advance = number(data, "advance_seconds", low=-1e12)
    if (raw_now is None) == (advance is None):
        raise ControlError(400, "invalid_body", "send exactly one of 'now' or 'advance_seconds'")
    if raw_now is not None:
        try:
            when = datetime.fromisoformat(raw_now.replace("Z", "+00:00"))
        except ValueError:
            raise ControlError(400, "invalid_field", "'now' must be an ISO 8601 time") from None
        state.clock.set(when)
    else:
        state.clock.advance(advance or 0.0)
    state.clock_dirty = True
    return JSONResponse({"now": iso(state.clock.now())})


async def _add_fault(state: SandboxState, request: Request) -> Response:
    data = await json_object(request)
    kind = data.get("kind")
    if kind not in FAULT_KINDS:
        raise ControlError(400, "invalid_field", f"'kind' must be one of {list(FAULT_KINDS)}")
    status = integer(data, "status", low=500) or 503
    if status > 599:
        raise ControlError(400, "invalid_field", "'status' must be a 5xx code")
    method = text(data, "method")
    if method is not None and method.upper() not in HTTP_METHODS:
        raise ControlError(400, "invalid_field", f"'method' must be one of {sorted(HTTP_METHODS)}")
    rule = state.faults.add(
        kind=kind,
        count=integer(data, "count", low=1),
        probability=number(data, "probability", low=0.0, high=1.0),
        status=status,
        seconds=number(data, "seconds", low=0.0) or 0.0,
        tenant_id=integer(data, "tenant_id", low=1),
        method=method.upper() if method else None,
        path_prefix=text(data, "path_prefix"),
        retry_after=number(data, "retry_after", low=0.0),
    )
    return JSONResponse(rule.to_dict(), status_code=201)


async def _list_faults(state: SandboxState, request: Request) -> Response:
    return JSONResponse([rule.to_dict() for rule in state.faults.rules])


async def _clear_faults(state: SandboxState, request: Request) -> Response:
    return JSONResponse({"cleared": state.faults.clear()})


async def _get_rate_limit(state: SandboxState, request: Request) -> Response:
    return JSONResponse(state.limiter.describe())


async def _set_rate_limit(state: SandboxState, request: Request) -> Response:
    data = await json_object(request)
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ControlError(400, "invalid_field", "'enabled' must be true or false")
    requests = integer(data, "requests", low=1)
    seconds = number(data, "seconds", low=0.001)
    state.limiter.configure(enabled=enabled, requests=requests, seconds=seconds)
    return JSONResponse(state.limiter.describe())


async def _requests(state: SandboxState, request: Request) -> Response:
    raw_tenant = request.query_params.get("tenant_id")
    raw_limit = request.query_params.get("limit", "100")
    if (raw_tenant is not None and not raw_tenant.isdigit()) or not raw_limit.isdigit():
        raise ControlError(400, "invalid_parameter", "'tenant_id' and 'limit' must be integers")
    tenant = int(raw_tenant) if raw_tenant is not None else None
    return JSONResponse(state.requests.tail(int(raw_limit), tenant))


SETTINGS = frozenset(
    {"locked_period_end", "licences", "noright_fields", "api_licence", "invoice_vouchers"}
)


async def _get_settings(state: SandboxState, request: Request) -> Response:
    company = state.companies[tenant_id_of(state, request)]
    return JSONResponse(_settings_body(state, company.tenant_id))


async def _put_settings(state: SandboxState, request: Request) -> Response:
    company = state.companies[tenant_id_of(state, request)]
    data = await json_object(request)
    unknown = sorted(set(data) - SETTINGS)
    if unknown:
        raise ControlError(400, "invalid_field", f"unknown settings {unknown}")
    settings = company.settings
    if "locked_period_end" in data:
        settings.locked_period_end = _date_or_none(data["locked_period_end"])
    licences = string_list(data, "licences", KNOWN_SCOPES)
    if licences is not None:
        company.licences = licences
    if "noright_fields" in data:
        settings.noright_fields = _noright(data["noright_fields"])
    for flag in ("api_licence", "invoice_vouchers"):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise ControlError(400, "invalid_field", f"'{flag}' must be true or false")
            setattr(settings, flag, data[flag])
    company.dirty = True
    return JSONResponse(_settings_body(state, company.tenant_id))


def _settings_body(state: SandboxState, tenant_id: int) -> dict[str, Any]:
    company = state.companies[tenant_id]
    return {"tenant_id": tenant_id, "licences": company.licences, **company.settings.to_dict()}


def _date_or_none(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ControlError(400, "invalid_field", "'locked_period_end' must be YYYY-MM-DD or null")


def _noright(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ControlError(400, "invalid_field", "'noright_fields' must be an object")
    result: dict[str, list[str]] = {}
    for key, fields in value.items():
        known = wire_fields_of(key)
        if known is None:
            raise ControlError(
                400, "invalid_field", f"unknown record key {key!r} (e.g. 'Employee')"
            )
        names = _free_strings({key: fields}, key) or []
        wrong = sorted(set(names) - known)
        if wrong:
            raise ControlError(400, "invalid_field", f"{key} has no fields {wrong}")
        result[key] = names
    return result


def _free_strings(data: dict[str, Any], key: str) -> list[str] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ControlError(400, "invalid_field", f"'{key}' must be a list of strings")
    return value


#: ``(path, method, handler)`` of every simulation control.
HANDLERS: tuple[tuple[str, str, Handler], ...] = (
    ("/_sandbox/apps", "POST", _create_app),
    ("/_sandbox/clock", "GET", _get_clock),
    ("/_sandbox/clock", "POST", _set_clock),
    ("/_sandbox/faults", "POST", _add_fault),
    ("/_sandbox/faults", "GET", _list_faults),
    ("/_sandbox/faults", "DELETE", _clear_faults),
    ("/_sandbox/rate-limit", "GET", _get_rate_limit),
    ("/_sandbox/rate-limit", "PUT", _set_rate_limit),
    ("/_sandbox/requests", "GET", _requests),
    ("/_sandbox/companies/{tenant_id}/settings", "GET", _get_settings),
    ("/_sandbox/companies/{tenant_id}/settings", "PUT", _put_settings),
)
