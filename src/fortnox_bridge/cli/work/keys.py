"""The work of ``fortnox-bridge keys`` (a tenant's API keys) and ``fortnox-bridge admin-keys`` (keys
that manage tenants through ``/api/v1/tenants``), declared in :mod:`fortnox_bridge.cli.keys`.

A new key is printed once; only its hash is stored, so a lost key cannot be shown again — revoke
it and create another. These commands only need the store (no sandbox, no Fortnox).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.cli.work.output import local_time
from fortnox_bridge.cli.work.runtime import refuse, settings
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.files import private_dir
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.models import AdminKey, ApiKey, Tenant
from fortnox_bridge.store.tenants import API_KEY_SCOPES, AdminKeyRepository, TenantRepository


@contextlib.contextmanager
def _store(config: Settings, *, create: bool = False) -> Iterator[sessionmaker[Session]]:
    """Sessions on the migrated store of ``config``; ``create``: make the data directory (and
    so the SQLite store) if there is none."""
    if create:
        private_dir(config.data_dir)
    engine = open_engine(config.effective_database_url)
    try:
        migrate(engine)
        yield session_factory(engine)
    finally:
        engine.dispose()


def _tenant(session: Session, name: str) -> Tenant | None:
    tenants = TenantRepository(session)
    found = tenants.by_name(name)
    if found is None and name.isdigit():
        found = tenants.get(int(name))
    return found


def _when(moment: datetime | None) -> str:
    return local_time(moment, seconds=False)


def create_key(tenant: str, scope: str, label: str, data_dir: Path | None) -> None:
    """``keys create``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    if scope not in API_KEY_SCOPES:
        raise refuse(console, f"--scope must be one of {', '.join(API_KEY_SCOPES)}, not {scope!r}")
    if not 1 <= len(label) <= 100:
        raise refuse(console, "--label must be 1 to 100 characters")
    with _store(config) as sessions, sessions.begin() as session:
        found = _tenant(session, tenant)
        if found is None:
            raise refuse(
                console, f"no tenant {tenant!r}; list them with 'fortnox-bridge tenants list'"
            )
        issued = TenantRepository(session).create_api_key(
            found.id, label=label, scope=scope, now=SystemClock().now()
        )
        name = found.name
    console.print(f"API key {issued.id} of {name!r} ({scope}, {label!r}).")
    console.print(f"Key (shown once): {issued.key}", soft_wrap=True)


def list_keys(tenant: str, data_dir: Path | None) -> None:
    """``keys list``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with _store(config) as sessions, sessions.begin() as session:
        found = _tenant(session, tenant)
        if found is None:
            raise refuse(
                console, f"no tenant {tenant!r}; list them with 'fortnox-bridge tenants list'"
            )
        rows = TenantRepository(session).api_keys(found.id)
        console.print(_table(f"API keys of {found.name}", rows))


def revoke_key(key_id: int, data_dir: Path | None) -> None:
    """``keys revoke``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with _store(config) as sessions, sessions.begin() as session:
        tenants = TenantRepository(session)
        row = tenants.api_key(key_id)
        if row is None:
            raise refuse(console, f"no API key {key_id}; list them with 'fortnox-bridge keys list'")
        tenants.revoke_api_key(row, now=SystemClock().now())
        owner = tenants.get(row.tenant_id)
        label, name = row.label, owner.name if owner else str(row.tenant_id)
    console.print(f"Revoked API key {key_id} ({label!r}) of {name!r}.")


def create_admin_key(label: str, data_dir: Path | None) -> None:
    """``admin-keys create``: may be the first command of a new bridge."""
    config, console = settings(need="new", data_dir=data_dir), Console()
    if not 1 <= len(label) <= 100:
        raise refuse(console, "--label must be 1 to 100 characters")
    with _store(config, create=True) as sessions, sessions.begin() as session:
        issued = AdminKeyRepository(session).issue(label=label, now=SystemClock().now())
    console.print(f"Admin key {issued.id} ({label!r}).")
    console.print(f"Key (shown once): {issued.key}", soft_wrap=True)


def list_admin_keys(data_dir: Path | None) -> None:
    """``admin-keys list``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with _store(config) as sessions, sessions.begin() as session:
        console.print(_table("Admin keys", AdminKeyRepository(session).all()))


def revoke_admin_key(key_id: int, data_dir: Path | None) -> None:
    """``admin-keys revoke``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with _store(config) as sessions, sessions.begin() as session:
        keys = AdminKeyRepository(session)
        row = keys.get(key_id)
        if row is None:
            raise refuse(
                console, f"no admin key {key_id}; list them with 'fortnox-bridge admin-keys list'"
            )
        keys.revoke(row, now=SystemClock().now())
        label = row.label
    console.print(f"Revoked admin key {key_id} ({label!r}).")


def _table(title: str, rows: list[ApiKey] | list[AdminKey]) -> Table:
    table = Table(title=title)
    for column in ("id", "label", "prefix", "scope", "created", "last used", "revoked"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            row.label,
            row.prefix,
            row.scope if isinstance(row, ApiKey) else "admin",
            _when(row.created_at),
            _when(row.last_used_at),
            _when(row.revoked_at),
        )
    return table
