"""The work of ``fortnox-bridge tenants`` (declared in :mod:`fortnox_bridge.cli.tenants`): list
tenants; add one (with its API key); change its settings and mappings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from fortnox_bridge.cli.errors import EXIT_FATAL, EXIT_OK
from fortnox_bridge.cli.work.runtime import refuse, run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.errors import InvalidSettingsError
from fortnox_bridge.engine.flow.mapping_kinds import check_mapping
from fortnox_bridge.engine.sync.context import is_enabled_by_default, validate_settings
from fortnox_bridge.engine.sync.merge import POLICIES
from fortnox_bridge.files import private_dir
from fortnox_bridge.runtime.stack import Store, open_store
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository


def list_tenants(data_dir: Path | None) -> None:
    """``tenants list`` (and ``tenants`` alone)."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    run(console, lambda: _list(config, console))


async def _list(config: Settings, console: Console) -> int:
    with open_store(config) as stack:
        table = Table(title="Tenants")
        for column in (
            "id",
            "name",
            "connection",
            "every",
            "policy",
            "digest",
            "e-mail",
            "flows",
            "open problems",
        ):
            table.add_column(column)
        with stack.sessions.begin() as session:
            for tenant in TenantRepository(session).all():
                connection = ConnectionRepository(session).for_tenant(tenant.id)
                table.add_row(
                    str(tenant.id),
                    tenant.name,
                    connection.state if connection else "not connected",
                    f"{tenant.sweep_interval_minutes} min",
                    tenant.conflict_policy,
                    tenant.digest,
                    ", ".join(tenant.notify_emails),
                    ", ".join(_enabled(stack, session, tenant.id)),
                    str(len(ProblemRepository(session).open(tenant.id))),
                )
        console.print(table)
        return EXIT_OK


def _enabled(stack: Store, session: Session, tenant_id: int) -> list[str]:
    configs = FlowConfigRepository(session).for_tenant(tenant_id)
    return [
        f.name
        for f in stack.flows
        if (configs[f.name].enabled if f.name in configs else is_enabled_by_default(f))
    ]


def add(
    name: str,
    email: list[str] | None,
    policy: str | None,
    interval: int | None,
    digest: str | None,
    data_dir: Path | None,
) -> None:
    """``tenants add``: the first command of a new bridge, so it may create the store."""
    config, console = settings(need="new", data_dir=data_dir), Console()
    run(console, lambda: _add(config, console, name, email, policy, interval, digest))


async def _add(
    config: Settings,
    console: Console,
    name: str,
    email: list[str] | None,
    policy: str | None,
    interval: int | None,
    digest: str | None,
) -> int:
    private_dir(config.data_dir)
    with open_store(config) as stack:
        with stack.sessions.begin() as session:
            tenants = TenantRepository(session)
            if tenants.by_name(name) is not None:
                refuse(console, f"a tenant called {name!r} exists already")
                return EXIT_FATAL
            tenant = tenants.create(name, now=stack.clock.now())
            key = tenants.issue_api_key(tenant, label="cli", now=stack.clock.now())
            tenant_id = tenant.id
        code = _change(stack, console, tenant_id, email, policy, interval, digest, [], [])
        if code == EXIT_OK:
            console.print(f"Tenant {name!r} added (id {tenant_id}). API key (shown once): {key}")
            console.print(f"Connect it: fortnox-bridge connect --tenant {name!r}")
        return code


def change(
    name: str,
    email: list[str] | None,
    policy: str | None,
    interval: int | None,
    digest: str | None,
    enable: list[str] | None,
    disable: list[str] | None,
    setting: list[str] | None,
    data_dir: Path | None,
) -> None:
    """``tenants set``: only the store is needed."""
    config, console = settings(need="store", data_dir=data_dir), Console()

    async def work() -> int:
        with open_store(config) as stack:
            tenant_id = stack.tenant_id(name)
            code = _change(
                stack,
                console,
                tenant_id,
                email,
                policy,
                interval,
                digest,
                enable or [],
                disable or [],
            )
            if code == EXIT_OK and setting:
                code = _settings(stack, console, tenant_id, setting)
            return code

    run(console, work)


def _change(
    stack: Store,
    console: Console,
    tenant_id: int,
    email: list[str] | None,
    policy: str | None,
    interval: int | None,
    digest: str | None,
    enable: list[str],
    disable: list[str],
) -> int:
    if policy is not None and policy not in POLICIES:
        refuse(console, f"--policy must be one of {', '.join(POLICIES)}")
        return EXIT_FATAL
    if digest is not None and digest not in ("per_run", "daily"):
        refuse(console, "--digest must be per_run or daily")
        return EXIT_FATAL
    flows = {f.name: f for f in stack.flows}
    unknown = sorted(set(enable + disable) - set(flows))
    if unknown:
        refuse(console, f"unknown flow(s) {unknown}; known: {sorted(flows)}")
        return EXIT_FATAL
    with stack.sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        tenant.notify_emails = email if email is not None else tenant.notify_emails
        tenant.conflict_policy = policy or tenant.conflict_policy
        tenant.sweep_interval_minutes = interval or tenant.sweep_interval_minutes
        tenant.digest = digest or tenant.digest
        configs = FlowConfigRepository(session)
        current = configs.for_tenant(tenant_id)
        for name, on in [(n, True) for n in enable] + [(n, False) for n in disable]:
            raw = current[name].settings if name in current else {}
            validate_settings(flows[name], raw)
            configs.put(tenant_id, name, enabled=on, settings=raw, now=stack.clock.now())
    console.print("Saved.")
    return EXIT_OK


def _settings(stack: Store, console: Console, tenant_id: int, assignments: list[str]) -> int:
    """Store flow settings after the flow's Settings model accepted them."""
    flows = {f.name: f for f in stack.flows}
    changes: dict[str, dict[str, Any]] = {}
    for assignment in assignments:
        target, _, raw = assignment.partition("=")
        flow, _, name = target.rpartition(".")
        if not raw or flow not in flows:
            refuse(
                console,
                f"--setting {assignment!r}: write FLOW.NAME=VALUE with FLOW one of {sorted(flows)}",
            )
            return EXIT_FATAL
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        changes.setdefault(flow, {})[name] = value
    with stack.sessions.begin() as session:
        configs = FlowConfigRepository(session)
        current = configs.for_tenant(tenant_id)
        for flow, values in changes.items():
            row = current.get(flow)
            merged = {**(row.settings if row else {}), **values}
            try:
                checked = validate_settings(flows[flow], merged)
            except InvalidSettingsError as exc:
                refuse(console, f"{exc}")
                return EXIT_FATAL
            enabled = row.enabled if row else is_enabled_by_default(flows[flow])
            configs.put(
                tenant_id,
                flow,
                enabled=enabled,
                settings=checked.model_dump(mode="json"),
                now=stack.clock.now(),
            )
    console.print("Flow settings saved.")
    return EXIT_OK


def map_value(
    name: str,
    kind: str,
    local: str,
    fortnox: str | None,
    exclude: bool,
    data_dir: Path | None,
) -> None:
    """``tenants map``: only the store is needed."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    if fortnox is None and not exclude:
        raise refuse(console, "give --fortnox VALUE or --exclude")

    async def work() -> int:
        with open_store(config) as stack:
            tenant_id = stack.tenant_id(name)
            refused = check_mapping(stack.flows, kind, local, None if exclude else fortnox)
            if refused is not None:
                refuse(console, f"{refused.message}")
                return EXIT_FATAL
            with stack.sessions.begin() as session:
                MappingRepository(session).put(
                    tenant_id, kind, local, fortnox, excluded=exclude, now=stack.clock.now()
                )
            console.print(f"Mapped {kind} {local!r} → {'excluded' if exclude else fortnox!r}.")
            return EXIT_OK

    run(console, work)
