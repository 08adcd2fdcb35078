"""What a webhook endpoint may be and receives: its URL and event types checked, which events
it gets, and the JSON body of a delivery."""

from __future__ import annotations

import json
from datetime import datetime

import httpx

from fortnox_bridge.engine.outbox.events import EVENT_TYPES, TEST_EVENT
from fortnox_bridge.store.models import Event, WebhookEndpoint

#: The longest URL an endpoint may have.
MAX_URL_LENGTH = 2000


def check_url(url: str) -> str:
    """``url`` if it can receive webhooks: ``http`` or ``https``, a host, no credentials, at
    most :data:`MAX_URL_LENGTH` characters; else ``ValueError`` saying what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"the URL has {len(url)} characters; at most {MAX_URL_LENGTH} are allowed")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise ValueError(
            f"the URL must start with https:// (or http://), not {parsed.scheme or 'nothing'}"
        )
    if not parsed.host:
        raise ValueError("the URL has no host: give one, e.g. https://app.example.se/hooks")
    if parsed.userinfo:
        raise ValueError(
            "the URL must not carry a user name or password: deliveries are signed, check the "
            "signature instead"
        )
    return url


def event_types(requested: list[str]) -> list[str]:
    """The subscribed types, checked and without repeats; ``["*"]`` when ``*`` is among them.
    ``ValueError`` names unknown types and lists the known ones."""
    if not requested:
        raise ValueError('give at least one event type, or ["*"] for all')
    unknown = [name for name in requested if name != "*" and name not in EVENT_TYPES]
    if unknown:
        raise ValueError(
            f"unknown event type(s): {', '.join(unknown)}; known: "
            f"{', '.join(EVENT_TYPES)}, or * for all"
        )
    if "*" in requested:
        return ["*"]
    return list(dict.fromkeys(requested))


def wants(endpoint: WebhookEndpoint, event: Event) -> bool:
    """Whether ``endpoint`` receives ``event``: a type it subscribed to, or its own test."""
    if event.type == TEST_EVENT:
        return bool(event.data.get("webhook_id") == endpoint.id)
    return "*" in endpoint.event_types or event.type in endpoint.event_types


def timestamp_text(moment: datetime) -> str:
    """A UTC time as the API writes it (``2026-01-01T09:30:00Z``)."""
    return moment.isoformat().replace("+00:00", "Z")


def delivery_body(event: Event) -> bytes:
    """The JSON body delivered for ``event``."""
    return json.dumps(
        {
            "id": str(event.seq),
            "type": event.type,
            "tenant": event.tenant_id,
            "created_at": timestamp_text(event.created_at),
            "data": event.data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
