"""The generic register engine: list, get, create, update, delete and actions for every declared
resource, discovered from ``fortnox_bridge.sandbox.resources`` (no registry to edit).

A new resource is one module there with ``RESOURCE = ResourceSpec(...)`` and, when it has rules
the engine cannot know, a ``Rules`` subclass in ``fortnox_bridge.sandbox.rules``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.company import Company
from fortnox_bridge.sandbox.endpoint import api_endpoint, read_wrapped
from fortnox_bridge.sandbox.errors import SandboxError
from fortnox_bridge.sandbox.messages import refuse_code
from fortnox_bridge.sandbox.registers.ops import answer, check_dated, find, store
from fortnox_bridge.sandbox.registers.query import paged, paging, select
from fortnox_bridge.sandbox.registers.render import list_item
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Action, Ctx, Record, ResourceSpec
from fortnox_bridge.sandbox.registers.writes import (
    assign_id,
    merge,
    new_record,
    read_fields,
    require,
)
from fortnox_bridge.sandbox.state import SandboxState

RESOURCES_PACKAGE = "fortnox_bridge.sandbox.resources"
Handler = Callable[[Ctx, Request], Awaitable[Response]]


def discover() -> list[ResourceSpec]:
    """Every ``RESOURCE`` declared in a module of ``fortnox_bridge.sandbox.resources``."""
    package = importlib.import_module(RESOURCES_PACKAGE)
    specs = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{RESOURCES_PACKAGE}.{info.name}")
        spec = getattr(module, "RESOURCE", None)
        if not isinstance(spec, ResourceSpec):
            raise TypeError(f"{module.__name__} declares no RESOURCE = ResourceSpec(...)")
        specs.append(spec)
    return specs


def api_routes(state: SandboxState, resources: list[Resource]) -> list[BaseRoute]:
    """The ``/3/...`` routes of ``resources``."""
    routes: list[BaseRoute] = []
    by_module = {resource.spec.module: resource for resource in resources}
    for resource in resources:
        resource.peers = by_module
        routes += resource.spec.rules.routes(state, resource)
        if resource.spec.id is not None:
            routes += _register_routes(state, resource)
    return routes


def _register_routes(state: SandboxState, resource: Resource) -> list[BaseRoute]:
    path = resource.desc.path
    single = path + "/{record_id}"
    wanted: list[tuple[str, str, str, Handler]] = [
        ("list", path, "GET", _list),
        ("create", path, "POST", _create),
        ("get", single, "GET", _get),
        ("update", single, "PUT", _update),
        ("delete", single, "DELETE", _delete),
    ]
    routes: list[BaseRoute] = [
        Route(route_path, bind(state, resource, handler), methods=[method])
        for operation, route_path, method, handler in wanted
        if resource.supports(operation)
    ]
    for name, action in resource.spec.rules.actions().items():
        endpoint = bind(state, resource, _action(action))
        routes.append(Route(f"{single}/{name}", endpoint, methods=[action.method]))
    return routes


def bind(state: SandboxState, resource: Resource, handler: Handler) -> Callable[..., object]:
    """``handler`` behind bearer auth, licence and scope checks, with a request context."""

    async def run(request: Request, company: Company) -> Response:
        ctx = Ctx(state, company, resource, request, state.clock.now(), resource.peers)
        return await handler(ctx, request)

    return api_endpoint(state, resource.spec.scope, run)


async def _list(ctx: Ctx, request: Request) -> Response:
    page, limit, offset = paging(request.query_params)
    rows = ctx.resource.spec.rules.narrow(
        ctx, request.query_params, select(ctx, request.query_params)
    )
    rows = rows[offset:]
    start = (page - 1) * limit
    items = [list_item(ctx, record) for _, record in rows[start : start + limit]]
    list_key = ctx.resource.list_key or ctx.resource.single_key
    return JSONResponse(paged(list_key, items, page, limit, len(rows)))


async def _get(ctx: Ctx, request: Request) -> Response:
    return answer(ctx, find(ctx, request.path_params["record_id"]))


async def _create(ctx: Ctx, request: Request) -> Response:
    resource = ctx.resource
    sent = read_fields(resource, await read_wrapped(request, resource.single_key))
    register = ctx.register(resource.name)
    next_number = register.next_number
    try:
        record_id, record = _created(ctx, sent)
    except SandboxError:
        register.next_number = next_number  # a refused create uses up no number
        raise
    store(ctx, record_id, record)
    response = answer(ctx, record, 201)
    if resource.spec.location:
        response.headers["Location"] = resource.spec.location  # a bare word, not a URL
    return response


def _created(ctx: Ctx, sent: Record) -> tuple[str, Record]:
    resource = ctx.resource
    rule = resource.spec.id
    assert rule is not None
    record_id = assign_id(ctx, rule, sent)
    record = new_record(ctx, sent)
    record[rule.field] = int(record_id) if rule.kind == "serial" else record_id
    require(resource, record)
    resource.spec.rules.prepare(ctx, record, sent, None)
    _check_date(ctx, record)
    return record_id, record


async def _update(ctx: Ctx, request: Request) -> Response:
    resource = ctx.resource
    record_id = request.path_params["record_id"]
    record = find(ctx, record_id)
    resource.spec.rules.check_change(ctx, record)
    sent = read_fields(resource, await read_wrapped(request, resource.single_key))
    rule = resource.spec.id
    assert rule is not None
    given = sent.pop(rule.field, None)
    if given not in (None, "") and str(given) != str(record[rule.field]):
        code, message = rule.immutable
        raise refuse_code(code, message.format(field=rule.field))
    merged = merge(record, sent)
    require(resource, merged)
    resource.spec.rules.prepare(ctx, merged, sent, record)
    _check_date(ctx, merged)
    store(ctx, record_id, merged)
    return answer(ctx, merged)


async def _delete(ctx: Ctx, request: Request) -> Response:
    record_id = request.path_params["record_id"]
    record = find(ctx, record_id)
    ctx.resource.spec.rules.check_delete(ctx, record)
    ctx.register(ctx.resource.name).remove(record_id)
    if ctx.resource.spec.delete_answer == "record":
        return answer(ctx, record)
    return Response(status_code=204)


def _action(action: Action) -> Handler:
    async def run(ctx: Ctx, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        return action.handler(ctx, record_id, find(ctx, record_id))

    return run


def _check_date(ctx: Ctx, record: dict[str, object]) -> None:
    when = ctx.resource.spec.rules.dated(record)
    if when is not None:
        check_dated(ctx, when)
