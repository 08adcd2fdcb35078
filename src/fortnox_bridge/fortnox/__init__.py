"""Typed async client for the Fortnox REST API v3.

Depends on nothing else of fortnox-bridge, so it can be used on its own::

    async with FortnoxClient(access_token=token) as fortnox:
        async for employee in fortnox.employees.iterate():
            ...
"""

from __future__ import annotations

from fortnox_bridge.fortnox.client import FortnoxClient
from fortnox_bridge.fortnox.errors import (
    AuthenticationError,
    FortnoxApiError,
    FortnoxError,
    FortnoxTransportError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ValidationError,
)

__all__ = [
    "AuthenticationError",
    "FortnoxApiError",
    "FortnoxClient",
    "FortnoxError",
    "FortnoxTransportError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "ValidationError",
]
