"""Tenants and API keys.

- ``/api/v1/tenants...`` (admin keys only): list, add, read, change and remove tenants, and issue
  a tenant's first API key.
- ``/api/v1/tenant``: a tenant key reads (any scope) and changes (``read_write``) its own tenant.
- ``/api/v1/api-keys`` (``read_write`` keys): list, create and revoke the tenant's own keys. A key
  may revoke itself only while another unrevoked ``read_write`` key remains, so a tenant can never
  lock itself out of key management through the API (an admin key or the CLI can still issue a
  key).

A new key is shown once, in the answer that creates it; lists show its prefix, never the key or
its hash.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from fortnox_bridge.api.auth import AdminDep, ReaderDep, WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.paging import DEFAULT_LIMIT, MAX_ID, Cursor, Limit
from fortnox_bridge.api.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    Page,
    TenantCreate,
    TenantOut,
    TenantSettings,
)
from fortnox_bridge.services.tenants import (
    ApiKey,
    IssuedKey,
    TenantChanges,
    TenantService,
    TenantView,
)

TenantId = Annotated[int, Path(ge=1, le=MAX_ID, description="The tenant's id.")]
KeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="The API key's id.")]
CREATED: dict[int | str, dict[str, Any]] = {201: {"description": "Created."}}


router = APIRouter(prefix="/api/v1")


def _tenants(request: Request) -> TenantService:
    return services_of(request).tenants


Tenants = Annotated[TenantService, Depends(_tenants)]
ADMIN: list[str | Enum] = ["tenants (admin)"]


def _changes(body: TenantSettings) -> TenantChanges:
    return TenantChanges(
        name=body.name,
        conflict_policy=body.conflict_policy,
        sweep_interval_minutes=body.sweep_interval_minutes,
        recipients=[str(a) for a in body.recipients] if body.recipients is not None else None,
        digest=body.digest,
        problem_mail=body.problem_mail,
        families=body.families,
        refusal_retry_hours=body.refusal_retry_hours,
        realtime_sweep_factor=body.realtime_sweep_factor,
    )


@router.get("/tenants", response_model=Page[TenantOut], tags=ADMIN)
def list_tenants(
    admin: AdminDep, tenants: Tenants, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[TenantOut]:
    """Every tenant, by id."""
    rows, after = tenants.page(limit=limit, cursor=cursor)
    return Page(data=[tenant_out(view) for view in rows], next_cursor=after)


@router.post(
    "/tenants",
    response_model=TenantOut,
    status_code=status.HTTP_201_CREATED,
    responses=CREATED,
    tags=ADMIN,
)
def add_tenant(body: TenantCreate, admin: AdminDep, tenants: Tenants) -> TenantOut:
    """Add a tenant; give it a key with ``POST /api/v1/tenants/{tenant_id}/api-keys``."""
    return tenant_out(tenants.create(body.name, _changes(body)))


@router.get("/tenants/{tenant_id}", response_model=TenantOut, tags=ADMIN)
def get_tenant(tenant_id: TenantId, admin: AdminDep, tenants: Tenants) -> TenantOut:
    """One tenant."""
    return tenant_out(tenants.view(tenant_id))


@router.patch("/tenants/{tenant_id}", response_model=TenantOut, tags=ADMIN)
def change_tenant(
    tenant_id: TenantId, body: TenantSettings, admin: AdminDep, tenants: Tenants
) -> TenantOut:
    """Change a tenant's name, conflict policy, sweep interval, recipients, digest, problem
    e-mails or flow families."""
    return tenant_out(tenants.change(tenant_id, _changes(body)))


@router.delete(
    "/tenants/{tenant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=ADMIN,
)
def remove_tenant(
    tenant_id: TenantId,
    admin: AdminDep,
    tenants: Tenants,
    force: Annotated[
        bool, Query(description="Remove it even while its Fortnox connection is active.")
    ] = False,
) -> Response:
    """Remove a tenant with all it owns: records, links, runs, keys, connection, events."""
    tenants.remove(tenant_id, force=force)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/tenants/{tenant_id}/api-keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=CREATED,
    tags=ADMIN,
)
def issue_key(
    tenant_id: TenantId, body: ApiKeyCreate, admin: AdminDep, tenants: Tenants
) -> ApiKeyCreated:
    """Issue an API key of a tenant; ``key`` is shown this once."""
    return _created(tenants.issue_key(tenant_id, label=body.label, scope=body.scope))


@router.get("/tenant", response_model=TenantOut, tags=["tenant"])
def get_own(caller: ReaderDep, tenants: Tenants) -> TenantOut:
    """The caller's tenant and its settings."""
    return tenant_out(tenants.view(caller.tenant_id))


@router.patch("/tenant", response_model=TenantOut, tags=["tenant"])
def change_own(body: TenantSettings, caller: WriterDep, tenants: Tenants) -> TenantOut:
    """Change the caller's tenant: name, conflict policy, sweep interval, recipients, digest,
    problem e-mails."""
    return tenant_out(tenants.change(caller.tenant_id, _changes(body)))


@router.get("/api-keys", response_model=Page[ApiKeyOut], tags=["api keys"])
def list_keys(
    caller: WriterDep, tenants: Tenants, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[ApiKeyOut]:
    """The tenant's API keys (revoked ones too), oldest first."""
    rows, after = tenants.keys(caller.tenant_id, limit=limit, cursor=cursor)
    return Page(data=[key_out(row) for row in rows], next_cursor=after)


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=CREATED,
    tags=["api keys"],
)
def create_key(body: ApiKeyCreate, caller: WriterDep, tenants: Tenants) -> ApiKeyCreated:
    """Create an API key of the caller's tenant; ``key`` is shown this once."""
    return _created(tenants.issue_key(caller.tenant_id, label=body.label, scope=body.scope))


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut, tags=["api keys"])
def revoke_key(key_id: KeyId, caller: WriterDep, tenants: Tenants) -> ApiKeyOut:
    """Revoke a key of the caller's tenant; it stops working at once."""
    return key_out(tenants.revoke_key(caller.tenant_id, key_id, own_key_id=caller.key_id))


def _created(issued: IssuedKey) -> ApiKeyCreated:
    return ApiKeyCreated(**key_out(issued.row).model_dump(), key=issued.key)


def tenant_out(view: TenantView) -> TenantOut:
    """The API shape of a tenant."""
    tenant = view.tenant
    return TenantOut.model_validate(
        {
            "id": tenant.id,
            "name": tenant.name,
            "fortnox_tenant_id": tenant.fortnox_tenant_id,
            "conflict_policy": tenant.conflict_policy,
            "sweep_interval_minutes": tenant.sweep_interval_minutes,
            "recipients": list(tenant.notify_emails),
            "digest": tenant.digest,
            "problem_mail": tenant.problem_mail,
            "families": list(tenant.families),
            "refusal_retry_hours": tenant.refusal_retry_hours,
            "realtime_sweep_factor": tenant.realtime_sweep_factor,
            "connection": view.connection,
            "created_at": tenant.created_at,
        }
    )


def key_out(row: ApiKey) -> ApiKeyOut:
    """The API shape of a key: never the key, never its hash."""
    return ApiKeyOut(
        id=row.id,
        label=row.label,
        prefix=row.prefix,
        scope="read" if row.scope == "read" else "read_write",
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
