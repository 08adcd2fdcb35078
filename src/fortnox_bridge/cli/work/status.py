"""The work of ``status`` (declared in :mod:`fortnox_bridge.cli.status`, which imports this
module only when it runs): 0 every tenant is fine; 1 something needs attention; 2 a tenant is
not connected (or the command could not run).
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from fortnox_bridge.cli.errors import EXIT_FATAL, EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.cli.work.output import TenantStatus, print_checklist, print_status
from fortnox_bridge.cli.work.runtime import Need, run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.tenancy.crypto import KEY_FILE, encrypted_in_store, load_secret_key
from fortnox_bridge.runtime.stack import Stack, Store, open_stack, open_store


def status(tenant: str | None, check: bool, data_dir: Path | None, sandbox_url: str | None) -> None:
    """``fortnox-bridge status``: the store alone, unless ``--check`` reads Fortnox too."""
    need: Need = "stack" if check else "store"
    config = settings(need=need, data_dir=data_dir, sandbox_url=sandbox_url)
    console = Console()
    run(console, lambda: _status(config, console, tenant, check))


async def _status(config: Settings, console: Console, tenant: str | None, check: bool) -> int:
    if check:
        async with open_stack(config) as stack:
            return await _statuses(stack, console, tenant, stack)
    with open_store(config) as store:
        _key_kept(store)
        return await _statuses(store, console, tenant, None)


def _key_kept(store: Store) -> None:
    """Raise :class:`SecretKeyError` (what to restore) when the key file is gone although the
    store holds data encrypted with it; make nothing."""
    config = store.settings
    if config.secret_key is None and not (config.data_dir / KEY_FILE).exists():
        protected = encrypted_in_store(store.sessions)
        if protected is not None:
            load_secret_key(config.data_dir, protected=protected)  # raises, saying what to do


async def _statuses(store: Store, console: Console, tenant: str | None, stack: Stack | None) -> int:
    ids = [store.tenant_id(tenant)] if tenant else store.tenant_ids()
    if not ids:
        console.print("No tenants yet; add one with 'fortnox-bridge tenants add NAME'.")
    codes = [EXIT_OK]
    for tenant_id in ids:
        found = _status_of(store, tenant_id)
        print_status(console, found)
        if found.connection != "active":
            codes.append(EXIT_FATAL)
            continue
        if found.problems or found.conflicts:
            codes.append(EXIT_ITEMS_FAILED)
        if stack is not None:
            checklist = await stack.service.check(tenant_id)
            print_checklist(console, checklist)
            codes.append(EXIT_OK if checklist.ok else EXIT_ITEMS_FAILED)
    return max(codes)


def _status_of(store: Store, tenant_id: int) -> TenantStatus:
    found = store.services.tenant_status.summary(tenant_id, runs=3)
    return TenantStatus(
        tenant=store.tenant_name(tenant_id),
        connection=found.connection or "not connected",
        disconnected_at=found.disconnected_at,
        proposals=found.proposals,
        problems=found.problems,
        conflicts=found.conflicts,
        runs=found.runs,
    )
