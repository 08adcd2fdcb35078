"""Which flows run for a tenant and with which settings, and the tenant's mappings of local values
to Fortnox values (or exclusions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow, family_of
from fortnox_bridge.engine.flow.mapping_kinds import check_kind, check_mapping
from fortnox_bridge.engine.sync.context import (
    enabled_flows,
    is_enabled,
    refuse_settings,
    refuse_switch,
)
from fortnox_bridge.engine.sync.scopes import requested_scopes
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound
from fortnox_bridge.services.paging import in_memory, keyset
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.flow_syncs import FlowSyncRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.models import FlowConfig, Mapping
from fortnox_bridge.store.tenants import TenantRepository

__all__ = ["FlowConfig", "FlowConfigService", "Mapping", "TenantFlow", "save_flow_config"]

#: Where each part of a refused mapping was given (its path, or the body).
_MAPPING_PARTS: dict[str, tuple[str, str]] = {
    "kind": ("path", "kind"),
    "local_value": ("path", "local_value"),
    "fortnox_value": ("body", "fortnox_value"),
}


@dataclass(frozen=True)
class TenantFlow:
    """A flow as one tenant has it: its stored configuration (``None``: never configured) and
    whether it runs (the one rule, ``engine/sync/context.py`` ``is_enabled``)."""

    flow: type[Flow]
    config: FlowConfig | None
    enabled: bool
    #: When the flow last ran through without a failure (``None``: never).
    last_synced_at: datetime | None = None


def save_flow_config(
    session: Session,
    flow: type[Flow],
    tenant_id: int,
    *,
    enabled: bool | None,
    settings: dict[str, Any] | None,
    now: Any,
    flows: Sequence[type[Flow]],
    replace: bool = False,
) -> FlowConfig:
    """Turn a flow on or off (``None``: as it is) and change its settings, checked by the flow's
    settings model: merged onto the stored ones, or ``replace``-ing them (a whole form).
    ``flows`` are the bridge's flows (which the tenant runs decides what may be turned on).

    Raises :class:`Conflict` (nothing is saved) for a switch the tenant's families or flows do
    not allow (see ``refuse_switch``), :class:`InvalidInput` ``settings_shared`` for settings
    given to a flow that runs with another flow's (see ``refuse_settings``),
    :class:`pydantic.ValidationError` for settings the model refuses.
    """
    shared = refuse_settings(flow, settings)
    if shared is not None:
        raise InvalidInput(
            shared.message, code=shared.code, field=("body", "settings"), value=settings
        )
    configs = FlowConfigRepository(session)
    current = configs.for_tenant(tenant_id)
    row = current.get(flow.name)
    if enabled is not None:
        families = TenantRepository(session).families(tenant_id)
        running = {f.name for f in enabled_flows(flows, current, families=families)}
        refused = refuse_switch(flow, enabled, families=families, running=running)
        if refused is not None:
            raise Conflict(refused.message, code=refused.code)
    stored = {} if replace or row is None else dict(row.settings)
    checked = flow.Settings.model_validate({**stored, **(settings or {})})
    if enabled is None:
        enabled = row.enabled if row is not None else flow.default_enabled
    kept = checked.model_dump(mode="json") if flow.settings_flow is None else {}
    return configs.put(tenant_id, flow.name, enabled=enabled, settings=kept, now=now)


class FlowConfigService:
    """The flows of the bridge as each tenant configured them, and the tenant's mappings."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, flows: Sequence[type[Flow]]
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.flows = list(flows)
        self.by_name = {flow.name: flow for flow in self.flows}

    def flow(self, name: str) -> type[Flow]:
        """The flow called ``name``; 404 otherwise."""
        flow = self.by_name.get(name)
        if flow is None:
            raise NotFound(f"no flow {name!r}; the flows are: {', '.join(self.by_name)}")
        return flow

    def unknown(self, names: Sequence[str]) -> list[str]:
        """The names that are no flow of this bridge."""
        return [name for name in names if name not in self.by_name]

    def enabled_flows(self, tenant_id: int) -> list[type[Flow]]:
        """The flows that run for the tenant: of the families it chose, the base flows, those
        it turned on, and those on by default that it did not turn off."""
        return [each.flow for each in self.tenant_flows(tenant_id) if each.enabled]

    def tenant_flows(self, tenant_id: int) -> list[TenantFlow]:
        """The flows of the families the tenant chose, in sweep order, as it has them."""
        with self.sessions.begin() as session:
            families = TenantRepository(session).families(tenant_id)
            configs = dict(FlowConfigRepository(session).for_tenant(tenant_id))
            synced = FlowSyncRepository(session).for_tenant(tenant_id)
        return [
            TenantFlow(
                flow,
                configs.get(flow.name),
                is_enabled(flow, configs.get(flow.name), families=families),
                synced.get(flow.name),
            )
            for flow in self.flows
            if family_of(flow) in families
        ]

    def families(self) -> list[str]:
        """The flow families of the bridge, by name."""
        return sorted({family_of(flow) for flow in self.flows})

    def consent_scopes(self, tenant_id: int) -> tuple[str, ...]:
        """The Fortnox scopes to ask the tenant's company for: those of the flows it runs and
        of the pre-flight check. Fortnox refuses the whole approval when the company lacks the
        licence of one asked-for scope, so a payroll customer is never asked for supplier
        invoices."""
        return requested_scopes(self.enabled_flows(tenant_id))

    def configs(self, tenant_id: int) -> dict[str, FlowConfig]:
        """The tenant's stored configuration of each flow it configured, by flow name."""
        with self.sessions.begin() as session:
            return dict(FlowConfigRepository(session).for_tenant(tenant_id))

    def page(
        self, tenant_id: int, *, limit: int, cursor: str | None
    ) -> tuple[list[TenantFlow], str | None]:
        """One page of the flows of the tenant's families in sweep order, as it has them."""
        return in_memory(
            self.tenant_flows(tenant_id), lambda f: f.flow.name, limit=limit, cursor=cursor
        )

    def change(
        self,
        tenant_id: int,
        name: str,
        *,
        enabled: bool | None,
        settings: dict[str, Any] | None,
        replace: bool = False,
    ) -> TenantFlow:
        """Turn the flow on or off and change its settings (see :func:`save_flow_config`)."""
        flow = self.flow(name)
        with self.sessions.begin() as session:
            saved = save_flow_config(
                session,
                flow,
                tenant_id,
                enabled=enabled,
                settings=settings,
                now=self.clock.now(),
                flows=self.flows,
                replace=replace,
            )
            families = TenantRepository(session).families(tenant_id)
            synced = FlowSyncRepository(session).for_tenant(tenant_id).get(flow.name)
        return TenantFlow(flow, saved, is_enabled(flow, saved, families=families), synced)

    # Mappings.

    def mappings(
        self, tenant_id: int, *, kind: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Mapping], str | None]:
        """One page of the tenant's mappings (of ``kind`` only, when given)."""
        query = select(Mapping).where(Mapping.tenant_id == tenant_id)
        if kind is not None:
            unknown = check_kind(self.flows, kind)
            if unknown is not None:
                raise InvalidInput(
                    unknown.message, code=unknown.code, field=("query", "kind"), value=kind
                )
            query = query.where(Mapping.kind == kind)
        with self.sessions.begin() as session:
            return keyset(session, query, Mapping.id, limit=limit, cursor=cursor)

    def put_mapping(
        self,
        tenant_id: int,
        kind: str,
        local_value: str,
        fortnox_value: str | None,
        *,
        excluded: bool,
    ) -> tuple[Mapping, bool]:
        """Map a local value to a Fortnox value, or exclude it; ``True`` when the mapping is
        new. The kind, local value and Fortnox value are checked against the flows."""
        refused = check_mapping(self.flows, kind, local_value, fortnox_value)
        if refused is not None:
            given = {"kind": kind, "local_value": local_value}.get(refused.part, fortnox_value)
            raise InvalidInput(
                refused.message, code=refused.code, field=_MAPPING_PARTS[refused.part], value=given
            )
        with self.sessions.begin() as session:
            existed = _mapping(session, tenant_id, kind, local_value) is not None
            row = MappingRepository(session).put(
                tenant_id,
                kind,
                local_value,
                fortnox_value,
                excluded=excluded,
                now=self.clock.now(),
            )
        return row, not existed

    def delete_mapping(self, tenant_id: int, kind: str, local_value: str) -> None:
        """Remove a mapping; 404 when there is none."""
        with self.sessions.begin() as session:
            row = _mapping(session, tenant_id, kind, local_value)
            if row is None:
                raise NotFound(f"no mapping of {kind} {local_value!r}")
            session.delete(row)


def _mapping(session: Session, tenant_id: int, kind: str, local_value: str) -> Mapping | None:
    return session.scalars(
        select(Mapping).where(
            Mapping.tenant_id == tenant_id,
            Mapping.kind == kind,
            Mapping.local_value == local_value,
        )
    ).first()
