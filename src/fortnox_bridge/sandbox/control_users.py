"""Users of the consent page under ``/_sandbox/users``: an accounting bureau's user belongs to
several companies and chooses one at consent.

Shapes::

    POST /_sandbox/users   {"name", "companies": [tenant_id | {"name", "seed"?, "licences"?}]}
                           → 201 {"user_id", "name", "companies": [{"tenant_id", "name"}]}
    GET  /_sandbox/users   → [{"user_id", "name", "companies": [...]}, ...]

A company given as an object is created (as ``POST /_sandbox/companies`` would); a tenant id
names an existing company. The consent page (``/oauth-v1/auth``) offers these users a sign-in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fortnox_bridge.sandbox.auth import KNOWN_SCOPES, SandboxUser
from fortnox_bridge.sandbox.control_io import json_object, string_list
from fortnox_bridge.sandbox.errors import ControlError
from fortnox_bridge.sandbox.seed import SEEDS, apply_seed
from fortnox_bridge.sandbox.state import SandboxState

Handler = Callable[[SandboxState, Request], Awaitable[Response]]


def user_body(state: SandboxState, user: SandboxUser) -> dict[str, Any]:
    """A user as the control API shows it."""
    return {
        "user_id": user.user_id,
        "name": user.name,
        "companies": [
            {"tenant_id": tenant, "name": state.companies[tenant].name}
            for tenant in user.companies
            if tenant in state.companies
        ],
    }


async def _create_user(state: SandboxState, request: Request) -> Response:
    data = await json_object(request)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ControlError(400, "invalid_field", "'name' is required: a non-empty string")
    given = data.get("companies")
    if not isinstance(given, list) or not given:
        raise ControlError(
            400, "invalid_field", "'companies' is required: a non-empty list of companies"
        )
    for item in given:  # every item checked before anything is created
        _check_company(state, item)
    tenants: list[int] = []
    for item in given:
        tenant = item if isinstance(item, int) else _new_company(state, item)
        if tenant not in tenants:
            tenants.append(tenant)
    user = state.auth.add_user(name.strip(), tuple(tenants))
    return JSONResponse(user_body(state, user), status_code=201)


async def _list_users(state: SandboxState, request: Request) -> Response:
    return JSONResponse([user_body(state, user) for user in state.auth.users.values()])


def _check_company(state: SandboxState, item: Any) -> None:
    if isinstance(item, bool) or not isinstance(item, int | dict):
        raise ControlError(
            400, "invalid_field", "each of 'companies' is a tenant id or {\"name\", ...}"
        )
    if isinstance(item, int):
        if item not in state.companies:
            raise ControlError(404, "unknown_company", f"no company with tenant_id {item}")
        return
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ControlError(400, "invalid_field", "a new company needs a non-empty 'name'")
    if item.get("seed", "empty") not in SEEDS:
        raise ControlError(400, "invalid_field", f"'seed' must be one of {list(SEEDS)}")
    string_list(item, "licences", KNOWN_SCOPES)


def _new_company(state: SandboxState, item: dict[str, Any]) -> int:
    company = state.add_company(
        str(item["name"]).strip(), string_list(item, "licences", KNOWN_SCOPES)
    )
    apply_seed(company, item.get("seed", "empty"), today=state.clock.now().date())
    return company.tenant_id


#: ``(path, method, handler)`` of the user controls.
HANDLERS: tuple[tuple[str, str, Handler], ...] = (
    ("/_sandbox/users", "POST", _create_user),
    ("/_sandbox/users", "GET", _list_users),
)
