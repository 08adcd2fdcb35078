"""Who is calling: the tenant of an API key, its scope, or an admin key.

Keys travel as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Tenant keys start with
``fbk_``; a ``read`` key may only read (``GET``), a ``read_write`` key may also write. Admin keys
(``fba_``) manage tenants and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.store.models import Tenant
from fortnox_bridge.store.tenants import TenantRepository


@dataclass(frozen=True)
class Caller:
    """The tenant behind a request's API key and what the key may do."""

    tenant: Tenant
    key_id: int
    scope: str

    @property
    def tenant_id(self) -> int:
        """The tenant's id."""
        return self.tenant.id


def presented_key(
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """The key of the request; 401 when there is none."""
    key = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        raise HTTPException(
            401,
            {"error": "missing_api_key", "detail": "send 'Authorization: Bearer <api key>'"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    return key


def caller_of(request: Request, key: Annotated[str, Depends(presented_key)]) -> Caller:
    """The caller of a valid, unrevoked tenant API key; 401 otherwise."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions.begin() as session:
        found = TenantRepository(session).caller_for_api_key(key)
    if found is None:
        raise HTTPException(
            401,
            {"error": "invalid_api_key", "detail": "the API key is unknown or revoked"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    tenant, key_id, scope = found
    return Caller(tenant=tenant, key_id=key_id, scope=scope)


def writer_of(caller: Annotated[Caller, Depends(caller_of)]) -> Caller:
    """The caller, if its key may write; 403 for a read-only key."""
    if caller.scope != "read_write":
        raise HTTPException(
            403,
            {
                "error": "read_only_key",
                "detail": "this API key may only read; use a key with scope read_write to write",
            },
        )
    return caller


def tenant_of(caller: Annotated[Caller, Depends(caller_of)]) -> Tenant:
    """The tenant of the request's key (any scope)."""
    return caller.tenant


#: A route's reader (any tenant key) and writer (a ``read_write`` key).
ReaderDep = Annotated[Caller, Depends(caller_of)]
WriterDep = Annotated[Caller, Depends(writer_of)]


def not_found(detail: str) -> HTTPException:
    """A 404 in the API's problem shape."""
    return HTTPException(404, {"error": "not_found", "detail": detail})
