"""Reading control-API requests: JSON bodies, string lists, company ids, numbers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from fortnox_bridge.sandbox.errors import ControlError
from fortnox_bridge.sandbox.state import SandboxState


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 control error saying what is wrong."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ControlError(400, "invalid_json", f"request body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError(400, "invalid_body", "request body must be a JSON object")
    return data


def string_list(data: dict[str, Any], key: str, allowed: frozenset[str]) -> list[str] | None:
    """``data[key]`` as a list of strings from ``allowed`` (``None`` when absent)."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ControlError(400, "invalid_field", f"'{key}' must be a list of strings")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ControlError(
            400, "invalid_field", f"'{key}' has unknown values {unknown}; known: {sorted(allowed)}"
        )
    return value


def tenant_id_of(state: SandboxState, request: Request) -> int:
    """The ``{tenant_id}`` path parameter of an existing company, or 404."""
    raw = request.path_params["tenant_id"]
    if not raw.isdigit() or int(raw) not in state.companies:
        raise ControlError(404, "unknown_company", f"no company with tenant_id {raw}")
    return int(raw)


def number(
    data: dict[str, Any], key: str, *, low: float, high: float | None = None
) -> float | None:
    """``data[key]`` as a number in ``[low, high]`` (``None`` when absent)."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(400, "invalid_field", f"'{key}' must be a number")
    if value < low or (high is not None and value > high):
        upper = f" and at most {high}" if high is not None else ""
        raise ControlError(400, "invalid_field", f"'{key}' must be at least {low}{upper}")
    return float(value)


def integer(data: dict[str, Any], key: str, *, low: int) -> int | None:
    """``data[key]`` as an integer ≥ ``low`` (``None`` when absent)."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ControlError(400, "invalid_field", f"'{key}' must be an integer of at least {low}")
    return value


def text(data: dict[str, Any], key: str) -> str | None:
    """``data[key]`` as a string (``None`` when absent)."""
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ControlError(400, "invalid_field", f"'{key}' must be a string")
    return value
