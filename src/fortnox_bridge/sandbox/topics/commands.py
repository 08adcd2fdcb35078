"""The commands of ``/topics-v1`` and their answers, apart from the socket.

Known: ``add-tenants-v1`` answers ``tenantIds`` (token → tenant id) and ``invalidTokens``;
``add-topics-v1`` answers ``invalidTopics``; ``subscribe-v1`` answers ``result: ok``. The
sandbox's guesses (``docs/sandbox.md``): ``list-tenants-v1`` answers ``tenants`` (the ids);
``remove-tenants-v1`` answers ``result: ok``; a frame that is not a known command answers
``result: error`` with a ``message`` and the connection stays open.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from fortnox_bridge.sandbox.state import SandboxState
from fortnox_bridge.sandbox.topics.catalogue import TOPICS
from fortnox_bridge.sandbox.topics.log import decode_offset

Message = dict[str, Any]
BEARER = "Bearer "


@dataclass
class Session:
    """What one connection has asked for."""

    #: Added tenant ids, in the order added.
    tenants: dict[int, None] = field(default_factory=dict)
    #: Per added topic, the number of the last event passed over (events after it are sent).
    cursors: dict[str, int] = field(default_factory=dict)
    subscribed: bool = False


def answer(state: SandboxState, session: Session, frame: object) -> Message:
    """Carry out one command frame (already parsed JSON) and return the answer."""
    command = frame.get("command") if isinstance(frame, dict) else None
    handler = HANDLERS.get(command) if isinstance(command, str) else None
    if handler is None or not isinstance(frame, dict):
        return error(command if isinstance(command, str) else None, "unknown command")
    return handler(state, session, frame)


def error(command: str | None, message: str, **extra: Any) -> Message:
    """A refused command."""
    return {"response": command, "result": "error", "message": message, **extra}


def _add_tenants(state: SandboxState, session: Session, frame: Message) -> Message:
    name = "add-tenants-v1"
    tokens = frame.get("accessTokens")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        return error(name, "accessTokens must be a list of strings", tenantIds={},
                     invalidTokens=[])  # fmt: skip
    secret = frame.get("clientSecret")
    client_id = _client_of(state, secret)
    if client_id is None:
        return error(name, "invalid clientSecret", tenantIds={}, invalidTokens=list(tokens))
    tenant_ids: dict[str, int] = {}
    invalid: list[str] = []
    now = state.clock.now()
    for token in tokens:
        grant = state.auth.grant_for(token.removeprefix(BEARER).strip(), now)
        if grant is None or grant.client_id != client_id or grant.tenant_id not in state.companies:
            invalid.append(token)
            continue
        tenant_ids[token] = grant.tenant_id
        session.tenants[grant.tenant_id] = None
    return {"response": name, "result": "ok", "tenantIds": tenant_ids, "invalidTokens": invalid}


def _client_of(state: SandboxState, secret: object) -> str | None:
    if not isinstance(secret, str) or not secret:
        return None
    for app in state.auth.apps.values():
        if hmac.compare_digest(app.client_secret.encode(), secret.encode()):
            return app.client_id
    return None


def _remove_tenants(state: SandboxState, session: Session, frame: Message) -> Message:
    name = "remove-tenants-v1"
    tenants = frame.get("tenants")
    if not isinstance(tenants, list) or not all(_is_id(t) for t in tenants):
        return error(name, "tenants must be a list of tenant ids")
    for tenant in tenants:
        session.tenants.pop(int(tenant), None)
    return {"response": name, "result": "ok"}


def _is_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _list_tenants(state: SandboxState, session: Session, frame: Message) -> Message:
    return {"response": "list-tenants-v1", "result": "ok", "tenants": list(session.tenants)}


def _add_topics(state: SandboxState, session: Session, frame: Message) -> Message:
    name = "add-topics-v1"
    topics = frame.get("topics")
    if not isinstance(topics, list):
        return error(name, "topics must be a list of {topic, offset?}", invalidTopics=[])
    log = state.topics.log
    invalid: list[Any] = []
    for item in topics:
        topic = item.get("topic") if isinstance(item, dict) else item
        if not isinstance(topic, str) or topic not in TOPICS:
            invalid.append(topic)
            continue
        offset = item.get("offset") if isinstance(item, dict) else None
        if offset in (None, ""):
            session.cursors[topic] = log.last_number(topic)  # from now on
            continue
        number = decode_offset(offset)
        if number is None:
            invalid.append(topic)
            continue
        session.cursors[topic] = number  # events after it; an expired one: the oldest kept
    return {"response": name, "result": "ok", "invalidTopics": invalid}


def _subscribe(state: SandboxState, session: Session, frame: Message) -> Message:
    session.subscribed = True
    return {"response": "subscribe-v1", "result": "ok"}


HANDLERS = {
    "add-tenants-v1": _add_tenants,
    "remove-tenants-v1": _remove_tenants,
    "list-tenants-v1": _list_tenants,
    "add-topics-v1": _add_topics,
    "subscribe-v1": _subscribe,
}
