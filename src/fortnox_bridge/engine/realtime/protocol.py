"""Fortnox's WebSocket topics protocol: the commands the bridge sends and the frames it reads.

Every frame is a JSON text. Commands carry a ``command`` field (``add-tenants-v1``,
``remove-tenants-v1``, ``add-topics-v1``, ``subscribe-v1``); Fortnox answers each with a
``response`` of the same name and a ``result`` (``ok`` or ``error``). After ``subscribe-v1`` the
events come: ``topic``, ``offset`` (opaque, ordered per topic), ``type``, ``tenantId``,
``entityId``, ``timestamp``, plus extras per type.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fortnox_bridge.store.realtime import StreamEvent

ADD_TENANTS = "add-tenants-v1"
REMOVE_TENANTS = "remove-tenants-v1"
ADD_TOPICS = "add-topics-v1"
SUBSCRIBE = "subscribe-v1"
#: The fields every event has; the others are extras of its type.
HEAD = frozenset({"topic", "offset", "type", "tenantId", "entityId", "timestamp"})


@dataclass(frozen=True)
class Response:
    """Fortnox's answer to a command."""

    command: str
    ok: bool
    #: ``add-tenants-v1``: ``{access token: Fortnox tenant id}``.
    tenant_ids: dict[str, int] = field(default_factory=dict)
    invalid: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


def add_tenants(client_secret: str, access_tokens: Iterable[str]) -> str:
    """Listen to the companies of these access tokens."""
    return _frame(ADD_TENANTS, clientSecret=client_secret, accessTokens=list(access_tokens))


def remove_tenants(fortnox_tenant_ids: Iterable[int]) -> str:
    """Stop listening to these companies."""
    return _frame(REMOVE_TENANTS, tenants=sorted(fortnox_tenant_ids))


def add_topics(offsets: Mapping[str, str | None]) -> str:
    """Listen to these topics, each from its offset (replayed from there) or from now."""
    topics = [
        {"topic": topic, "offset": offset} if offset else {"topic": topic}
        for topic, offset in sorted(offsets.items())
    ]
    return _frame(ADD_TOPICS, topics=topics)


def subscribe() -> str:
    """Start the stream."""
    return _frame(SUBSCRIBE)


def read(frame: str | bytes) -> Response | StreamEvent | None:
    """A response, an event, or ``None`` for a frame the bridge does not know (ignored)."""
    try:
        data = json.loads(frame)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if "response" in data:
        tenant_ids = data.get("tenantIds") or {}
        invalid = data.get("invalidTokens") or data.get("invalidTopics") or ()
        return Response(
            str(data["response"]),
            data.get("result") == "ok",
            {str(token): int(tenant) for token, tenant in dict(tenant_ids).items()},
            tuple(str(item) for item in invalid),
            data,
        )
    try:
        return StreamEvent(
            topic=str(data["topic"]),
            offset=str(data["offset"]),
            type=str(data.get("type", "")),
            fortnox_tenant_id=int(data["tenantId"]),
            entity_id=str(data["entityId"]),
            extras=tuple(sorted((k, v) for k, v in data.items() if k not in HEAD)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _frame(command: str, **fields: Any) -> str:
    return json.dumps({"command": command, **fields})
