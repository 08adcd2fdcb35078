"""Who is calling: the tenant of an API key, its scope, or an admin key.

Keys travel as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Tenant keys start with
``fbk_``; a ``read`` key may only read, a ``read_write`` key may also write. Admin keys (``fba_``)
manage tenants (``/api/v1/tenants``) and nothing else: tenant routes answer them 401, and admin
routes answer tenant keys 403 ``admin_key_required``. Every key has its own request budget
(``api_rate_limit``); a request over it is answered 429 before the route runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.limits import KeyRateLimiter
from fortnox_bridge.services.access import Tenant, is_admin_key


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


@dataclass(frozen=True)
class Admin:
    """The admin key of a request."""

    key_id: int
    label: str


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


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        401, {"error": "invalid_api_key", "detail": detail}, headers={"WWW-Authenticate": "Bearer"}
    )


def _count(request: Request, bucket: str) -> None:
    limiter: KeyRateLimiter | None = getattr(request.app.state, "key_limiter", None)
    if limiter is not None:
        limiter.hit(bucket)


def caller_of(request: Request, key: Annotated[str, Depends(presented_key)]) -> Caller:
    """The caller of a valid, unrevoked tenant API key; 401 otherwise, 429 over its budget."""
    found = services_of(request).access.tenant_key(key)
    if found is None:
        if is_admin_key(key):
            raise _unauthorized(
                "this is an admin key: it manages tenants (/api/v1/tenants) only; "
                "use one of the tenant's API keys (fbk_...) here"
            )
        raise _unauthorized("the API key is unknown or revoked")
    _count(request, f"tenant-key:{found.key_id}")
    return Caller(tenant=found.tenant, key_id=found.key_id, scope=found.scope)


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


def admin_of(request: Request, key: Annotated[str, Depends(presented_key)]) -> Admin:
    """The caller of a valid admin key; 403 for a tenant key, 401 otherwise."""
    access = services_of(request).access
    found = access.admin_key(key)
    if found is not None:
        _count(request, f"admin-key:{found.key_id}")
        return Admin(found.key_id, found.label)
    if access.is_tenant_key(key):
        raise HTTPException(
            403,
            {
                "error": "admin_key_required",
                "detail": "tenant management needs an admin key (fba_...); create one with "
                "'fortnox-bridge admin-keys create'",
            },
        )
    raise _unauthorized("the admin key is unknown or revoked")


#: A route's reader (any tenant key) and writer (a ``read_write`` key).
ReaderDep = Annotated[Caller, Depends(caller_of)]
WriterDep = Annotated[Caller, Depends(writer_of)]
#: A tenant-management route's caller (an admin key).
AdminDep = Annotated[Admin, Depends(admin_of)]


def not_found(detail: str) -> HTTPException:
    """A 404 in the API's problem shape."""
    return HTTPException(404, {"error": "not_found", "detail": detail})
