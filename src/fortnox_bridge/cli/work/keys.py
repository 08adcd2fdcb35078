"""The work of ``fortnox-bridge keys`` (a tenant's API keys) and ``fortnox-bridge admin-keys`` (keys
that manage tenants through ``/api/v1/tenants``), declared in :mod:`fortnox_bridge.cli.keys`.

A new key is printed once; only its hash is stored, so a lost key cannot be shown again — revoke
it and create another. These commands only need the store (no sandbox, no Fortnox); the keys
service (:mod:`fortnox_bridge.services.keys`) does the work.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from fortnox_bridge.cli.work.output import local_time
from fortnox_bridge.cli.work.runtime import refuse, settings
from fortnox_bridge.runtime.stack import open_store
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.keys import API_KEY_SCOPES, KeyInfo


def when(moment: datetime | None) -> str:
    """A stored moment in local time, to the minute; empty for none."""
    return local_time(moment, seconds=False)


def _no_tenant(console: Console, tenant: str) -> Exception:
    return refuse(console, f"no tenant {tenant!r}; list them with 'fortnox-bridge tenants list'")


def create_key(tenant: str, scope: str, label: str, data_dir: Path | None) -> None:
    """``keys create``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    if scope not in API_KEY_SCOPES:
        raise refuse(console, f"--scope must be one of {', '.join(API_KEY_SCOPES)}, not {scope!r}")
    if not 1 <= len(label) <= 100:
        raise refuse(console, "--label must be 1 to 100 characters")
    with open_store(config) as store:
        try:
            issued = store.services.keys.create_api_key(tenant, label=label, scope=scope)
        except NotFound:
            raise _no_tenant(console, tenant) from None
    console.print(f"API key {issued.id} of {issued.owner!r} ({scope}, {label!r}).")
    console.print(f"Key (shown once): {issued.key}", soft_wrap=True)


def list_keys(tenant: str, data_dir: Path | None) -> None:
    """``keys list``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with open_store(config) as store:
        try:
            name, rows = store.services.keys.api_keys(tenant)
        except NotFound:
            raise _no_tenant(console, tenant) from None
        console.print(_table(f"API keys of {name}", rows))


def revoke_key(key_id: int, data_dir: Path | None) -> None:
    """``keys revoke``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with open_store(config) as store:
        try:
            revoked = store.services.keys.revoke_api_key(key_id)
        except NotFound:
            raise refuse(
                console, f"no API key {key_id}; list them with 'fortnox-bridge keys list'"
            ) from None
    console.print(f"Revoked API key {key_id} ({revoked.label!r}) of {revoked.owner!r}.")


def create_admin_key(label: str, data_dir: Path | None) -> None:
    """``admin-keys create``: may be the first command of a new bridge."""
    config, console = settings(need="new", data_dir=data_dir), Console()
    if not 1 <= len(label) <= 100:
        raise refuse(console, "--label must be 1 to 100 characters")
    with open_store(config, create=True) as store:
        issued = store.services.keys.create_admin_key(label=label)
    console.print(f"Admin key {issued.id} ({label!r}).")
    console.print(f"Key (shown once): {issued.key}", soft_wrap=True)


def list_admin_keys(data_dir: Path | None) -> None:
    """``admin-keys list``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with open_store(config) as store:
        console.print(_table("Admin keys", store.services.keys.admin_keys()))


def revoke_admin_key(key_id: int, data_dir: Path | None) -> None:
    """``admin-keys revoke``."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    with open_store(config) as store:
        try:
            revoked = store.services.keys.revoke_admin_key(key_id)
        except NotFound:
            raise refuse(
                console, f"no admin key {key_id}; list them with 'fortnox-bridge admin-keys list'"
            ) from None
    console.print(f"Revoked admin key {key_id} ({revoked.label!r}).")


def _table(title: str, rows: list[KeyInfo]) -> Table:
    table = Table(title=title)
    for column in ("id", "label", "prefix", "scope", "created", "last used", "revoked"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            row.label,
            row.prefix,
            row.scope,
            when(row.created_at),
            when(row.last_used_at),
            when(row.revoked_at),
        )
    return table
