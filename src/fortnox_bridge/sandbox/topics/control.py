"""Control of the WebSocket topics under ``/_sandbox/topics/``::

GET    /_sandbox/topics/events?topic=&tenant_id=  → [event, ...] the kept events, oldest
                                                    first, as the stream sends them
POST   /_sandbox/topics/events   {"tenant_id", "topic", "type", "entity_id", "extra"?}
                                 → 201 event: publish one (a topic the sandbox has no
                                   register for, an event type no write makes)
GET    /_sandbox/topics/faults   → {"duplicate", "drop_after", "connections"}
POST   /_sandbox/topics/faults   {"kind": "duplicate", "count"?: 1}
                                 | {"kind": "drop", "after"?: N} (without "after": now)
                                 → {"duplicate", "drop_after", "connections", "dropped"}
DELETE /_sandbox/topics/faults   → the same without faults
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fortnox_bridge.sandbox.control_io import integer, json_object, text
from fortnox_bridge.sandbox.errors import ControlError
from fortnox_bridge.sandbox.state import SandboxState
from fortnox_bridge.sandbox.topics.catalogue import TOPICS

Handler = Callable[[SandboxState, Request], Awaitable[Response]]


async def _events(state: SandboxState, request: Request) -> Response:
    topic = request.query_params.get("topic")
    raw = request.query_params.get("tenant_id")
    if raw is not None and not raw.isdigit():
        raise ControlError(400, "invalid_parameter", "'tenant_id' must be an integer")
    events = state.topics.log.events(topic, int(raw) if raw is not None else None)
    return JSONResponse([event.message() for event in events])


async def _publish(state: SandboxState, request: Request) -> Response:
    data = await json_object(request)
    tenant_id = integer(data, "tenant_id", low=1)
    if tenant_id is None or tenant_id not in state.companies:
        raise ControlError(400, "invalid_field", "'tenant_id' must name a company")
    topic = text(data, "topic")
    if topic not in TOPICS:
        raise ControlError(400, "invalid_field", f"'topic' must be one of {sorted(TOPICS)}")
    type_, entity_id = text(data, "type"), data.get("entity_id")
    if not type_:
        raise ControlError(400, "invalid_field", "'type' is required: a string")
    if isinstance(entity_id, bool) or not isinstance(entity_id, str | int):
        raise ControlError(400, "invalid_field", "'entity_id' is required: a string")
    extra = data.get("extra") or {}
    if not isinstance(extra, dict):
        raise ControlError(400, "invalid_field", "'extra' must be an object")
    event = state.topics.log.publish(tenant_id, topic, type_, str(entity_id), extra)
    return JSONResponse(event.message(), status_code=201)


def _faults_body(state: SandboxState, **more: Any) -> dict[str, Any]:
    return {**state.topics.faults.to_dict(), "connections": state.topics.connections, **more}


async def _get_faults(state: SandboxState, request: Request) -> Response:
    return JSONResponse(_faults_body(state))


async def _add_fault(state: SandboxState, request: Request) -> Response:
    data = await json_object(request)
    kind = data.get("kind")
    dropped = 0
    if kind == "duplicate":
        state.topics.set_faults(duplicate=integer(data, "count", low=1) or 1)
    elif kind == "drop":
        after = integer(data, "after", low=1)
        if after is None:
            dropped = state.topics.drop_now()
        else:
            state.topics.set_faults(drop_after=after)
    else:
        raise ControlError(400, "invalid_field", "'kind' must be 'duplicate' or 'drop'")
    return JSONResponse(_faults_body(state, dropped=dropped))


async def _clear_faults(state: SandboxState, request: Request) -> Response:
    state.topics.clear_faults()
    return JSONResponse(_faults_body(state))


HANDLERS: tuple[tuple[str, str, Handler], ...] = (
    ("/_sandbox/topics/events", "GET", _events),
    ("/_sandbox/topics/events", "POST", _publish),
    ("/_sandbox/topics/faults", "GET", _get_faults),
    ("/_sandbox/topics/faults", "POST", _add_fault),
    ("/_sandbox/topics/faults", "DELETE", _clear_faults),
)
