"""Which flows run for a tenant and with which settings, and the tenant's mappings of local values
to Fortnox values (or exclusions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.mapping_kinds import check_kind, check_mapping
from fortnox_bridge.engine.sync.context import enabled_flows, is_enabled
from fortnox_bridge.engine.sync.scopes import requested_scopes
from fortnox_bridge.services.errors import InvalidInput, NotFound
from fortnox_bridge.services.paging import in_memory, keyset
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.models import FlowConfig, Mapping

__all__ = ["FlowConfig", "FlowConfigService", "Mapping", "save_flow_config"]

#: Where each part of a refused mapping was given (its path, or the body).
_MAPPING_PARTS: dict[str, tuple[str, str]] = {
    "kind": ("path", "kind"),
    "local_value": ("path", "local_value"),
    "fortnox_value": ("body", "fortnox_value"),
}


def save_flow_config(
    session: Session,
    flow: type[Flow],
    tenant_id: int,
    *,
    enabled: bool | None,
    settings: dict[str, Any] | None,
    now: Any,
    replace: bool = False,
) -> FlowConfig:
    """Turn a flow on or off (``None``: as it is) and change its settings, checked by the flow's
    settings model: merged onto the stored ones, or ``replace``-ing them (a whole form).

    Raises :class:`pydantic.ValidationError` (nothing is saved) for settings the model refuses.
    """
    configs = FlowConfigRepository(session)
    row = configs.for_tenant(tenant_id).get(flow.name)
    stored = {} if replace or row is None else dict(row.settings)
    checked = flow.Settings.model_validate({**stored, **(settings or {})})
    if enabled is None:
        enabled = is_enabled(flow, row)
    return configs.put(
        tenant_id, flow.name, enabled=enabled, settings=checked.model_dump(mode="json"), now=now
    )


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
        """The flows that run for the tenant: those it turned on, and those on by default that
        it did not turn off."""
        return enabled_flows(self.flows, self.configs(tenant_id))

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
    ) -> tuple[list[tuple[type[Flow], FlowConfig | None]], str | None]:
        """One page of the flows in sweep order, each with the tenant's configuration."""
        chosen, after = in_memory(self.flows, lambda f: f.name, limit=limit, cursor=cursor)
        configs = self.configs(tenant_id)
        return [(flow, configs.get(flow.name)) for flow in chosen], after

    def change(
        self,
        tenant_id: int,
        name: str,
        *,
        enabled: bool | None,
        settings: dict[str, Any] | None,
        replace: bool = False,
    ) -> tuple[type[Flow], FlowConfig]:
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
                replace=replace,
            )
        return flow, saved

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
