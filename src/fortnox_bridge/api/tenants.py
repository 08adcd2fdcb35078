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

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.api.auth import AdminDep, ReaderDep, WriterDep, not_found
from fortnox_bridge.api.operations import NOT_CONNECTED
from fortnox_bridge.api.paging import DEFAULT_LIMIT, MAX_ID, Cursor, Limit, keyset
from fortnox_bridge.api.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    Page,
    TenantCreate,
    TenantOut,
    TenantSettings,
)
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import ApiKey, Tenant
from fortnox_bridge.store.tenants import TenantRepository

TenantId = Annotated[int, Path(ge=1, le=MAX_ID, description="The tenant's id.")]
KeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="The API key's id.")]
CREATED: dict[int | str, dict[str, Any]] = {201: {"description": "Created."}}


def tenants_router() -> APIRouter:
    """The tenant-management and key routes."""
    router = APIRouter(prefix="/api/v1")
    _admin_routes(router)
    _self_routes(router)
    _key_routes(router)
    return router


def _admin_routes(router: APIRouter) -> None:
    @router.get("/tenants", response_model=Page[TenantOut], tags=["tenants (admin)"])
    def list_tenants(
        request: Request, admin: AdminDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Page[TenantOut]:
        """Every tenant, by id."""
        with request.app.state.sessions.begin() as session:
            rows, after = keyset(session, select(Tenant), Tenant.id, limit=limit, cursor=cursor)
            return Page(data=[tenant_out(session, t) for t in rows], next_cursor=after)

    @router.post(
        "/tenants",
        response_model=TenantOut,
        status_code=status.HTTP_201_CREATED,
        responses=CREATED,
        tags=["tenants (admin)"],
    )
    def add_tenant(request: Request, body: TenantCreate, admin: AdminDep) -> TenantOut:
        """Add a tenant; give it a key with ``POST /api/v1/tenants/{tenant_id}/api-keys``."""
        state = request.app.state
        with state.sessions.begin() as session:
            tenants = TenantRepository(session)
            _name_free(tenants, body.name, None)
            tenant = tenants.create(body.name, now=state.clock.now())
            _apply(tenant, body)
            session.flush()
            return tenant_out(session, tenant)

    @router.get("/tenants/{tenant_id}", response_model=TenantOut, tags=["tenants (admin)"])
    def get_tenant(request: Request, tenant_id: TenantId, admin: AdminDep) -> TenantOut:
        """One tenant."""
        with request.app.state.sessions.begin() as session:
            return tenant_out(session, _tenant(session, tenant_id))

    @router.patch("/tenants/{tenant_id}", response_model=TenantOut, tags=["tenants (admin)"])
    def change_tenant(
        request: Request, tenant_id: TenantId, body: TenantSettings, admin: AdminDep
    ) -> TenantOut:
        """Change a tenant's name, conflict policy, sweep interval, recipients or digest."""
        with request.app.state.sessions.begin() as session:
            tenant = _tenant(session, tenant_id)
            if body.name is not None:
                _name_free(TenantRepository(session), body.name, tenant.id)
            _apply(tenant, body)
            session.flush()
            return tenant_out(session, tenant)

    @router.delete(
        "/tenants/{tenant_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        tags=["tenants (admin)"],
    )
    def remove_tenant(
        request: Request,
        tenant_id: TenantId,
        admin: AdminDep,
        force: Annotated[
            bool, Query(description="Remove it even while its Fortnox connection is active.")
        ] = False,
    ) -> Response:
        """Remove a tenant with all it owns: records, links, runs, keys, connection, events."""
        with request.app.state.sessions.begin() as session:
            tenant = _tenant(session, tenant_id)
            connection = ConnectionRepository(session).for_tenant(tenant.id)
            if connection is not None and connection.state == "active" and not force:
                raise HTTPException(
                    409,
                    {
                        "error": "tenant_connected",
                        "detail": f"tenant {tenant.name!r} is connected to Fortnox; disconnect "
                        "it first (fortnox-bridge connect --disconnect) or add ?force=true",
                    },
                )
            TenantRepository(session).delete(tenant)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/tenants/{tenant_id}/api-keys",
        response_model=ApiKeyCreated,
        status_code=status.HTTP_201_CREATED,
        responses=CREATED,
        tags=["tenants (admin)"],
    )
    def issue_key(
        request: Request, tenant_id: TenantId, body: ApiKeyCreate, admin: AdminDep
    ) -> ApiKeyCreated:
        """Issue an API key of a tenant; ``key`` is shown this once."""
        with request.app.state.sessions.begin() as session:
            tenant = _tenant(session, tenant_id)
            return _issue(session, tenant.id, body, request.app.state.clock.now())


def _self_routes(router: APIRouter) -> None:
    @router.get("/tenant", response_model=TenantOut, tags=["tenant"])
    def get_own(request: Request, caller: ReaderDep) -> TenantOut:
        """The caller's tenant and its settings."""
        with request.app.state.sessions.begin() as session:
            return tenant_out(session, _tenant(session, caller.tenant_id))

    @router.patch("/tenant", response_model=TenantOut, tags=["tenant"])
    def change_own(request: Request, body: TenantSettings, caller: WriterDep) -> TenantOut:
        """Change the caller's tenant: name, conflict policy, sweep interval, recipients, digest."""
        with request.app.state.sessions.begin() as session:
            tenant = _tenant(session, caller.tenant_id)
            if body.name is not None:
                _name_free(TenantRepository(session), body.name, tenant.id)
            _apply(tenant, body)
            session.flush()
            return tenant_out(session, tenant)


def _key_routes(router: APIRouter) -> None:
    @router.get("/api-keys", response_model=Page[ApiKeyOut], tags=["api keys"])
    def list_keys(
        request: Request, caller: WriterDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Page[ApiKeyOut]:
        """The tenant's API keys (revoked ones too), oldest first."""
        query = select(ApiKey).where(ApiKey.tenant_id == caller.tenant_id)
        with request.app.state.sessions.begin() as session:
            rows, after = keyset(session, query, ApiKey.id, limit=limit, cursor=cursor)
            return Page(data=[key_out(row) for row in rows], next_cursor=after)

    @router.post(
        "/api-keys",
        response_model=ApiKeyCreated,
        status_code=status.HTTP_201_CREATED,
        responses=CREATED,
        tags=["api keys"],
    )
    def create_key(request: Request, body: ApiKeyCreate, caller: WriterDep) -> ApiKeyCreated:
        """Create an API key of the caller's tenant; ``key`` is shown this once."""
        with request.app.state.sessions.begin() as session:
            return _issue(session, caller.tenant_id, body, request.app.state.clock.now())

    @router.delete("/api-keys/{key_id}", response_model=ApiKeyOut, tags=["api keys"])
    def revoke_key(request: Request, key_id: KeyId, caller: WriterDep) -> ApiKeyOut:
        """Revoke a key of the caller's tenant; it stops working at once."""
        with request.app.state.sessions.begin() as session:
            tenants = TenantRepository(session)
            row = tenants.api_key(key_id)
            if row is None or row.tenant_id != caller.tenant_id:
                raise not_found(f"no API key {key_id}")
            if key_id == caller.key_id and tenants.active_writers(caller.tenant_id) <= 1:
                raise HTTPException(
                    409,
                    {
                        "error": "last_write_key",
                        "detail": "this is the tenant's last read_write key: create another one "
                        "first (POST /api/v1/api-keys), then revoke this one with it",
                    },
                )
            tenants.revoke_api_key(row, now=request.app.state.clock.now())
            return key_out(row)


def _tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = TenantRepository(session).get(tenant_id)
    if tenant is None:
        raise not_found(f"no tenant {tenant_id}")
    return tenant


def _name_free(tenants: TenantRepository, name: str, own_id: int | None) -> None:
    found = tenants.by_name(name)
    if found is not None and found.id != own_id:
        raise HTTPException(
            409, {"error": "name_taken", "detail": f"a tenant called {name!r} exists already"}
        )


def _apply(tenant: Tenant, body: TenantSettings) -> None:
    """Copy the fields the body sets onto the tenant."""
    if body.name is not None:
        tenant.name = body.name
    if body.conflict_policy is not None:
        tenant.conflict_policy = body.conflict_policy
    if body.sweep_interval_minutes is not None:
        tenant.sweep_interval_minutes = body.sweep_interval_minutes
    if body.recipients is not None:
        tenant.notify_emails = [str(address) for address in body.recipients]
    if body.digest is not None:
        tenant.digest = body.digest


def _issue(session: Session, tenant_id: int, body: ApiKeyCreate, now: datetime) -> ApiKeyCreated:
    tenants = TenantRepository(session)
    issued = tenants.create_api_key(tenant_id, label=body.label, scope=body.scope, now=now)
    row = tenants.api_key(issued.id)
    assert row is not None
    return ApiKeyCreated(**key_out(row).model_dump(), key=issued.key)


def tenant_out(session: Session, tenant: Tenant) -> TenantOut:
    """The API shape of a tenant."""
    connection = ConnectionRepository(session).for_tenant(tenant.id)
    return TenantOut.model_validate(
        {
            "id": tenant.id,
            "name": tenant.name,
            "fortnox_tenant_id": tenant.fortnox_tenant_id,
            "conflict_policy": tenant.conflict_policy,
            "sweep_interval_minutes": tenant.sweep_interval_minutes,
            "recipients": list(tenant.notify_emails),
            "digest": tenant.digest,
            "connection": connection.state if connection else NOT_CONNECTED,
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
