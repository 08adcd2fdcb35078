"""The tenants as the command line manages them: a list with their schedule, policy, flows and
open problems; a new tenant with its first API key; a tenant's settings, flows and flow settings
changed together; a mapping of a local value.

A change is checked whole before anything is saved: when one part is refused (one flow's
settings, say), nothing of it is saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import InvalidSettingsError
from fortnox_bridge.engine.flow.base import Flow, family_of
from fortnox_bridge.engine.flow.mapping_kinds import check_mapping
from fortnox_bridge.engine.sync.context import (
    enabled_flows,
    is_enabled,
    refuse_settings,
    refuse_switch,
    validate_settings,
)
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound
from fortnox_bridge.services.sweep_defaults import apply_family_interval
from fortnox_bridge.services.tenants import checked_families
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.models import FlowConfig, Tenant
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository

__all__ = ["NewTenant", "TenantAdmin", "TenantRow", "TenantSetup"]


@dataclass(frozen=True)
class TenantRow:
    """One tenant in the list: ``connection`` is ``None`` when it was never connected."""

    id: int
    name: str
    connection: str | None
    sweep_interval_minutes: int
    conflict_policy: str
    digest: str
    problem_mail: str
    notify_emails: list[str]
    families: list[str]
    enabled_flows: list[str]
    open_problems: int


@dataclass(frozen=True)
class TenantSetup:
    """What to change of a tenant (``None`` or empty: as it is). ``settings``: flow name to the
    flow settings to merge onto the stored ones."""

    emails: Sequence[str] | None = None
    policy: str | None = None
    interval: int | None = None
    digest: str | None = None
    problem_mail: str | None = None
    #: The flow families the tenant uses, all of them (replaces).
    families: Sequence[str] | None = None
    #: Hours after which a write Fortnox refused is sent again (see ``engine/sync/refusals.py``).
    refusal_retry_hours: int | None = None
    #: Sweeps this many times less often while Fortnox's change events stream (see
    #: ``engine/jobs/scheduler.py``).
    realtime_sweep_factor: int | None = None
    enable: Sequence[str] = ()
    disable: Sequence[str] = ()
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class NewTenant:
    """A tenant just added and its first API key (shown this once)."""

    id: int
    key: str


@dataclass(frozen=True)
class _FlowChange:
    flow: str
    enabled: bool
    settings: dict[str, Any]


class TenantAdmin:
    """Lists, adds and changes tenants for the command line."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, flows: Sequence[type[Flow]]
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.flows = list(flows)
        self.by_name = {flow.name: flow for flow in self.flows}

    def overview(self) -> list[TenantRow]:
        """Every tenant with its connection, schedule, policy, enabled flows and open problems."""
        with self.sessions.begin() as session:
            return [self._row(session, tenant) for tenant in TenantRepository(session).all()]

    def add(self, name: str, setup: TenantSetup, *, key_label: str = "cli") -> NewTenant:
        """Add a tenant called ``name`` with ``setup`` and an API key; :class:`Conflict` when
        the name is taken, :class:`InvalidInput` (nothing added) when ``setup`` is refused."""
        with self.sessions.begin() as session:
            tenants = TenantRepository(session)
            if tenants.by_name(name) is not None:
                raise Conflict(f"a tenant called {name!r} exists already", code="name_taken")
            tenant = tenants.create(name, now=self.clock.now())
            key = tenants.issue_api_key(tenant, label=key_label, now=self.clock.now())
            self._save(session, tenant, setup)
            return NewTenant(tenant.id, key)

    def change(self, tenant_id: int, setup: TenantSetup) -> None:
        """Change the tenant as ``setup`` says, all of it or (when a part is refused:
        :class:`InvalidInput`) none of it."""
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            if tenant is None:
                raise NotFound(f"no tenant {tenant_id}")
            self._save(session, tenant, setup)

    def map_value(
        self, tenant_id: int, kind: str, local: str, fortnox: str | None, *, excluded: bool
    ) -> None:
        """Map a local value to a Fortnox value, or exclude it (checked against the flows)."""
        refused = check_mapping(self.flows, kind, local, None if excluded else fortnox)
        if refused is not None:
            raise InvalidInput(refused.message, code=refused.code, field=(refused.part,))
        with self.sessions.begin() as session:
            MappingRepository(session).put(
                tenant_id, kind, local, fortnox, excluded=excluded, now=self.clock.now()
            )

    def _save(self, session: Session, tenant: Tenant, setup: TenantSetup) -> None:
        """Check every flow change first, then write the tenant's fields and the flows."""
        configs = FlowConfigRepository(session)
        families = list(tenant.families)
        if setup.families is not None:
            known = sorted({family_of(flow) for flow in self.flows})
            families = checked_families(known, setup.families)
        planned = self._planned(configs.for_tenant(tenant.id), setup, families)
        before, tenant.families = list(tenant.families or []), families
        if setup.emails is not None:
            tenant.notify_emails = list(setup.emails)
        tenant.conflict_policy = setup.policy or tenant.conflict_policy
        tenant.sweep_interval_minutes = setup.interval or tenant.sweep_interval_minutes
        apply_family_interval(tenant, before, setup.interval)
        tenant.digest = setup.digest or tenant.digest
        tenant.problem_mail = setup.problem_mail or tenant.problem_mail
        tenant.refusal_retry_hours = setup.refusal_retry_hours or tenant.refusal_retry_hours
        tenant.realtime_sweep_factor = setup.realtime_sweep_factor or tenant.realtime_sweep_factor
        for change in planned:
            configs.put(
                tenant.id,
                change.flow,
                enabled=change.enabled,
                settings=change.settings,
                now=self.clock.now(),
            )

    def _planned(
        self, current: dict[str, FlowConfig], setup: TenantSetup, families: list[str]
    ) -> list[_FlowChange]:
        """The flows to write, each checked by its settings model and the switches by the
        tenant's ``families`` and the flows it will run (see ``refuse_switch``); flows turned on
        or off keep their stored settings unless ``setup`` changes them."""
        switches = dict.fromkeys(setup.enable, True)
        switches.update(dict.fromkeys(setup.disable, False))
        planned: list[_FlowChange] = []
        for name in dict.fromkeys([*switches, *setup.settings]):
            flow = self.by_name.get(name)
            if flow is None:
                raise InvalidInput(
                    f"unknown flow {name!r}", code="unknown_flow", field=("flow",), value=name
                )
            row = current.get(name)
            stored = dict(row.settings) if row else {}
            changes = setup.settings.get(name)
            shared = refuse_settings(flow, changes)
            if shared is not None:
                raise InvalidInput(shared.message, code=shared.code, field=("settings", name))
            try:
                checked = validate_settings(flow, {**stored, **(changes or {})})
            except InvalidSettingsError as exc:
                raise InvalidInput(
                    str(exc), code="invalid_settings", field=("settings", name)
                ) from None
            default = row.enabled if row is not None else flow.default_enabled
            saved = checked.model_dump(mode="json") if changes else stored
            planned.append(_FlowChange(name, switches.get(name, default), saved))
        self._check_switches(current, switches, families)
        return planned

    def _check_switches(
        self, current: dict[str, FlowConfig], switches: dict[str, bool], families: list[str]
    ) -> None:
        """:class:`Conflict` for a switch the tenant's families or flows (as they will be)
        do not allow."""
        after = {
            flow.name: switches.get(
                flow.name, is_enabled(flow, current.get(flow.name), families=families)
            )
            for flow in self.flows
        }
        running = {name for name, on in after.items() if on}
        for name, enabled in switches.items():
            refused = refuse_switch(
                self.by_name[name], enabled, families=families, running=running - {name}
            )
            if refused is not None:
                raise Conflict(refused.message, code=refused.code)

    def _row(self, session: Session, tenant: Tenant) -> TenantRow:
        connection = ConnectionRepository(session).for_tenant(tenant.id)
        configs = FlowConfigRepository(session).for_tenant(tenant.id)
        families = list(tenant.families)
        enabled = [flow.name for flow in enabled_flows(self.flows, configs, families=families)]
        return TenantRow(
            id=tenant.id,
            name=tenant.name,
            connection=connection.state if connection else None,
            sweep_interval_minutes=tenant.sweep_interval_minutes,
            conflict_policy=tenant.conflict_policy,
            digest=tenant.digest,
            problem_mail=tenant.problem_mail,
            notify_emails=list(tenant.notify_emails),
            families=families,
            enabled_flows=enabled,
            open_problems=len(ProblemRepository(session).open(tenant.id)),
        )
