"""What the pages show of API keys and webhook endpoints and deliveries (the same fields the
API answers with, as plain values for the templates)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class KeyForm(BaseModel):
    """A new API key: its label and scope."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="api", min_length=1, max_length=100)
    scope: Literal["read", "read_write"] = "read_write"


def key_view(row: Any) -> dict[str, Any]:
    """An API key: never the key, never its hash."""
    return {
        "id": row.id,
        "label": row.label,
        "prefix": row.prefix,
        "scope": "read" if row.scope == "read" else "read_write",
        "created_at": row.created_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


def webhook_view(endpoint: Any) -> dict[str, Any]:
    """A webhook endpoint (without its secret)."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "event_types": [str(t) for t in endpoint.event_types],
        "description": endpoint.description,
        "active": endpoint.active,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def delivery_view(delivery: Any, event: Any) -> dict[str, Any]:
    """A delivery of an event to an endpoint."""
    return {
        "id": delivery.id,
        "webhook_id": delivery.endpoint_id,
        "event_id": str(event.seq),
        "event_type": event.type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "last_duration_ms": delivery.last_duration_ms,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
        "delivered_at": delivery.delivered_at,
    }
