"""The work of ``fortnox-bridge tenants`` (declared in :mod:`fortnox_bridge.cli.tenants`): list
tenants; add one (with its API key); change its settings and mappings.

What the user typed is checked here (the policy, the digest, the flow names, ``FLOW.NAME=VALUE``);
the tenant admin service (:mod:`fortnox_bridge.services.tenant_admin`) checks the flow settings
and saves a change whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from fortnox_bridge.cli.errors import EXIT_FATAL, EXIT_OK, CommandError
from fortnox_bridge.cli.work.runtime import refuse, run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.sync.merge import POLICIES
from fortnox_bridge.files import private_dir
from fortnox_bridge.runtime.stack import Store, open_store
from fortnox_bridge.services.errors import Conflict, InvalidInput
from fortnox_bridge.services.tenant_admin import TenantSetup

DIGESTS = ("per_run", "daily")
PROBLEM_MAILS = ("digest", "remind")


def list_tenants(data_dir: Path | None) -> None:
    """``tenants list`` (and ``tenants`` alone)."""
    config, console = settings(need="store", data_dir=data_dir), Console()
    run(console, lambda: _list(config, console))


async def _list(config: Settings, console: Console) -> int:
    with open_store(config) as store:
        table = Table(title="Tenants")
        for column in (
            "id",
            "name",
            "connection",
            "every",
            "policy",
            "digest",
            "problem mail",
            "e-mail",
            "families",
            "flows",
            "open problems",
        ):
            table.add_column(column)
        for tenant in store.services.tenant_admin.overview():
            table.add_row(
                str(tenant.id),
                tenant.name,
                tenant.connection or "not connected",
                f"{tenant.sweep_interval_minutes} min",
                tenant.conflict_policy,
                tenant.digest,
                tenant.problem_mail,
                ", ".join(tenant.notify_emails),
                ", ".join(tenant.families),
                ", ".join(tenant.enabled_flows),
                str(tenant.open_problems),
            )
        console.print(table)
        return EXIT_OK


def add(
    name: str,
    email: list[str] | None,
    policy: str | None,
    interval: int | None,
    digest: str | None,
    data_dir: Path | None,
    *,
    problem_mail: str | None = None,
    family: list[str] | None = None,
) -> None:
    """``tenants add``: the first command of a new bridge, so it may create the store."""
    config, console = settings(need="new", data_dir=data_dir), Console()
    setup = TenantSetup(
        emails=email,
        policy=policy,
        interval=interval,
        digest=digest,
        problem_mail=problem_mail,
        families=family or None,
    )

    async def work() -> int:
        private_dir(config.data_dir)
        with open_store(config) as store:
            _check(store, setup)
            try:
                added = store.services.tenant_admin.add(name, setup)
            except (Conflict, InvalidInput) as exc:
                refuse(console, exc.detail)
                return EXIT_FATAL
        console.print("Saved.")
        console.print(f"Tenant {name!r} added (id {added.id}). API key (shown once): {added.key}")
        console.print(f"Connect it: fortnox-bridge connect --tenant {name!r}")
        return EXIT_OK

    run(console, work)


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
    *,
    problem_mail: str | None = None,
    family: list[str] | None = None,
    refusal_retry_hours: int | None = None,
    realtime_sweep_factor: int | None = None,
) -> None:
    """``tenants set``: only the store is needed. Everything is checked before anything is
    saved: a refused part leaves the tenant as it was."""
    config, console = settings(need="store", data_dir=data_dir), Console()

    async def work() -> int:
        with open_store(config) as store:
            tenant_id = store.tenant_id(name)
            setup = TenantSetup(
                emails=email,
                policy=policy,
                interval=interval,
                digest=digest,
                problem_mail=problem_mail,
                families=family or None,
                refusal_retry_hours=refusal_retry_hours,
                realtime_sweep_factor=realtime_sweep_factor,
                enable=enable or [],
                disable=disable or [],
            )
            _check(store, setup)
            setup = replace(setup, settings=_assignments(store, setting or []))
            try:
                store.services.tenant_admin.change(tenant_id, setup)
            except (Conflict, InvalidInput) as exc:
                refuse(console, exc.detail)
                return EXIT_FATAL
        console.print("Saved.")
        if setting:
            console.print("Flow settings saved.")
        return EXIT_OK

    run(console, work)


def _check(store: Store, setup: TenantSetup) -> None:
    """Raise :class:`CommandError` for an option the user must write otherwise."""
    if setup.policy is not None and setup.policy not in POLICIES:
        raise CommandError(f"--policy must be one of {', '.join(POLICIES)}")
    if setup.digest is not None and setup.digest not in DIGESTS:
        raise CommandError("--digest must be per_run or daily")
    if setup.problem_mail is not None and setup.problem_mail not in PROBLEM_MAILS:
        raise CommandError("--problem-mail must be digest or remind")
    flows = {f.name for f in store.flows}
    unknown = sorted((set(setup.enable) | set(setup.disable)) - flows)
    if unknown:
        raise CommandError(f"unknown flow(s) {unknown}; known: {sorted(flows)}")


def _assignments(store: Store, assignments: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``FLOW.NAME=VALUE`` options by flow; a VALUE that is JSON is read as JSON."""
    flows = {f.name for f in store.flows}
    changes: dict[str, dict[str, Any]] = {}
    for assignment in assignments:
        target, _, raw = assignment.partition("=")
        flow, _, name = target.rpartition(".")
        if not raw or flow not in flows:
            raise CommandError(
                f"--setting {assignment!r}: write FLOW.NAME=VALUE with FLOW one of {sorted(flows)}"
            )
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        changes.setdefault(flow, {})[name] = value
    return changes


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
        with open_store(config) as store:
            tenant_id = store.tenant_id(name)
            try:
                store.services.tenant_admin.map_value(
                    tenant_id, kind, local, fortnox, excluded=exclude
                )
            except InvalidInput as exc:
                refuse(console, exc.detail)
                return EXIT_FATAL
            console.print(f"Mapped {kind} {local!r} → {'excluded' if exclude else fortnox!r}.")
            return EXIT_OK

    run(console, work)
