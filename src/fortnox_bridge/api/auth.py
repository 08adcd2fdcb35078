"""The tenant of a request, from its API key (``Authorization: Bearer <key>`` or ``X-API-Key``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.store.models import Tenant
from fortnox_bridge.store.tenants import TenantRepository


def tenant_of(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Tenant:
    """The tenant of a valid, unrevoked API key; 401 otherwise."""
    key = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        raise HTTPException(
            401,
            {"error": "missing_api_key", "detail": "send 'Authorization: Bearer <api key>'"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions.begin() as session:
        tenant = TenantRepository(session).tenant_for_api_key(key)
    if tenant is None:
        raise HTTPException(
            401,
            {"error": "invalid_api_key", "detail": "the API key is unknown or revoked"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    return tenant


def not_found(detail: str) -> HTTPException:
    """A 404 in the API's problem shape."""
    return HTTPException(404, {"error": "not_found", "detail": detail})
