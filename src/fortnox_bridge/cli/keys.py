"""``fortnox-bridge keys`` (a tenant's API keys) and ``fortnox-bridge admin-keys`` (keys that
manage tenants through ``/api/v1/tenants``).

A new key is printed once; only its hash is stored, so a lost key cannot be shown again — revoke
it and create another. The work is in :mod:`.work.keys`, imported when a command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, Tenant, new_app

keys_app = new_app("API keys of a tenant: create, list, revoke.")
admin_keys_app = new_app("Admin keys (tenant management through the API): create, list, revoke.")
Label = Annotated[str, typer.Option("--label", help="What the key is for (shown in lists).")]
KeyId = Annotated[int, typer.Argument(help="The key's id (see the list).", show_default=False)]


def register(app: typer.Typer) -> None:
    """Add ``keys`` and ``admin-keys`` to the ``fortnox-bridge`` command."""
    app.add_typer(keys_app, name="keys")
    app.add_typer(admin_keys_app, name="admin-keys")


@keys_app.command("create")
def create_key(
    tenant: Tenant,
    scope: Annotated[
        str, typer.Option("--scope", help="read (GET only) or read_write.")
    ] = "read_write",
    label: Label = "cli",
    data_dir: DataDir = None,
) -> None:
    """Create an API key of a tenant and print it (shown once)."""
    from fortnox_bridge.cli.work import keys as keys_work

    keys_work.create_key(tenant, scope, label, data_dir)


@keys_app.command("list")
def list_keys(tenant: Tenant, data_dir: DataDir = None) -> None:
    """List a tenant's API keys (never the keys themselves)."""
    from fortnox_bridge.cli.work import keys as keys_work

    keys_work.list_keys(tenant, data_dir)


@keys_app.command("revoke")
def revoke_key(key_id: KeyId, data_dir: DataDir = None) -> None:
    """Revoke an API key: it stops working at once."""
    from fortnox_bridge.cli.work import keys as keys_work

    keys_work.revoke_key(key_id, data_dir)


@admin_keys_app.command("create")
def create_admin_key(label: Label = "admin", data_dir: DataDir = None) -> None:
    """Create an admin key (manages tenants through /api/v1/tenants) and print it once."""
    from fortnox_bridge.cli.work import keys as keys_work

    keys_work.create_admin_key(label, data_dir)


@admin_keys_app.command("list")
def list_admin_keys(data_dir: DataDir = None) -> None:
    """List the admin keys (never the keys themselves)."""
    from fortnox_bridge.cli.work import keys as keys_work

    keys_work.list_admin_keys(data_dir)


@admin_keys_app.command("revoke")
def revoke_admin_key(key_id: KeyId, data_dir: DataDir = None) -> None:
    """Revoke an admin key: it stops working at once."""
    from fortnox_bridge.cli.work import keys as keys_work

    keys_work.revoke_admin_key(key_id, data_dir)
