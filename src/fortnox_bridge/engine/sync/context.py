"""A tenant's configuration as one run needs it: policy, flows with settings, mappings, facts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from fortnox_bridge.engine.errors import InvalidSettingsError, UnknownTenantError
from fortnox_bridge.engine.flow.base import (
    Flow,
    FlowSettings,
    Mappings,
    family_of,
    settings_holder,
)
from fortnox_bridge.engine.sync.first_sync import Hold, load_holds
from fortnox_bridge.engine.sync.merge import POLICIES, Policy
from fortnox_bridge.engine.sync.planning import DateChecks
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.models import FlowConfig
from fortnox_bridge.store.tenants import TenantRepository


@dataclass
class TenantContext:
    """One tenant's configuration, loaded once per run."""

    tenant_id: int
    name: str
    policy: Policy
    #: Every known flow, configured for this tenant, by name (enabled or not).
    flows: dict[str, Flow] = field(default_factory=dict)
    #: Names of the enabled flows, in sweep order.
    enabled: list[str] = field(default_factory=list)
    checks: DateChecks = field(default_factory=DateChecks)
    connection_state: str | None = None
    #: Unlinked records a first synchronization holds back from the flows, by entity.
    holds: dict[str, Hold] = field(default_factory=dict)
    #: Hours after which a write Fortnox refused is sent again although nothing changed
    #: (``None``: always sent, as a re-sync does; see ``refusals.py``).
    refusal_retry_hours: int | None = 24


def validate_settings(flow_cls: type[Flow], raw: dict[str, Any]) -> FlowSettings:
    """A flow's settings, validated by its ``Settings`` model (the error names the flow that
    holds them: the flow's :attr:`~Flow.settings_flow` when it shares another's)."""
    try:
        return flow_cls.Settings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidSettingsError(f"settings of {settings_holder(flow_cls)}: {problems}") from exc


def is_enabled(
    flow_cls: type[Flow], config: FlowConfig | bool | None, *, families: Collection[str]
) -> bool:
    """Whether a flow runs for a tenant that chose ``families`` and whose stored configuration
    of it is ``config`` (or only whether it is on; ``None``: the tenant has not configured it).

    A flow of a family the tenant did not choose never runs; a base flow of a chosen family
    always does; any other runs as the tenant turned it, else as its ``default_enabled`` says.
    """
    if family_of(flow_cls) not in families:
        return False
    if flow_cls.base:
        return True
    if config is None:
        return flow_cls.default_enabled
    return config if isinstance(config, bool) else config.enabled


def enabled_flows(
    flows: Iterable[type[Flow]],
    configs: Mapping[str, FlowConfig],
    *,
    families: Collection[str],
) -> list[type[Flow]]:
    """The ``flows`` that run for a tenant that chose ``families`` and whose configurations by
    flow name are ``configs``."""
    return [flow for flow in flows if is_enabled(flow, configs.get(flow.name), families=families)]


@dataclass(frozen=True)
class SwitchRefusal:
    """Why a flow may not be turned on or off: a stable ``code`` and a sentence."""

    code: str
    message: str


def refuse_switch(
    flow_cls: type[Flow], enabled: bool, *, families: Collection[str], running: Collection[str]
) -> SwitchRefusal | None:
    """Why turning ``flow_cls`` on (``enabled``) or off may not be done for a tenant that chose
    ``families`` and runs the flows named ``running`` (``None``: it may)."""
    family = family_of(flow_cls)
    if enabled and family not in families:
        return SwitchRefusal(
            "family_not_chosen",
            f"{flow_cls.name} belongs to the {family} family, which the tenant does not use; "
            f"choose the family first (its families: {', '.join(families) or 'none'})",
        )
    if not enabled and flow_cls.base and family in families:
        return SwitchRefusal(
            "base_flow",
            f"{flow_cls.name} is a base flow of the {family} family: it runs whenever the "
            "family is chosen and cannot be turned off",
        )
    clashing = [name for name in flow_cls.excludes if name in running]
    if enabled and clashing:
        return SwitchRefusal(
            "flows_exclusive",
            f"{flow_cls.name} cannot run beside {', '.join(clashing)}: turn that off first",
        )
    return None


def refuse_settings(
    flow_cls: type[Flow], settings: Mapping[str, Any] | None
) -> SwitchRefusal | None:
    """Why ``settings`` may not be stored on ``flow_cls`` (``None``: they may): a flow that runs
    with another flow's settings (:attr:`Flow.settings_flow`) keeps none of its own, so that
    one change reaches every flow that shares them."""
    if flow_cls.settings_flow is None or not settings:
        return None
    return SwitchRefusal(
        "settings_shared",
        f"{flow_cls.name} runs with the settings of {flow_cls.settings_flow}: change them "
        f"there (PATCH /api/v1/flows/{flow_cls.settings_flow}); this flow keeps none of its own",
    )


def load_context(
    session: Session, tenant_id: int, flow_classes: Sequence[type[Flow]]
) -> TenantContext:
    """Read the tenant, its flow configs, mappings and cached pre-flight facts."""
    tenant = TenantRepository(session).get(tenant_id)
    if tenant is None:
        raise UnknownTenantError(f"no tenant with id {tenant_id}")
    policy = tenant.conflict_policy if tenant.conflict_policy in POLICIES else "ask"
    context = TenantContext(tenant_id, tenant.name, policy)
    context.refusal_retry_hours = tenant.refusal_retry_hours
    configs = FlowConfigRepository(session).for_tenant(tenant_id)
    mapped = MappingRepository(session).for_tenant(tenant_id)
    mappings: Mappings = {
        kind: {local: (None if v.excluded else v.fortnox_value) for local, v in table.items()}
        for kind, table in mapped.items()
    }
    families = list(tenant.families)
    for flow_cls in flow_classes:
        config = configs.get(flow_cls.name)
        held = configs.get(settings_holder(flow_cls))
        settings = validate_settings(flow_cls, held.settings if held else {})
        context.flows[flow_cls.name] = flow_cls(settings, mappings)
        if is_enabled(flow_cls, config, families=families):
            context.enabled.append(flow_cls.name)
    context.holds = load_holds(session, tenant_id)
    connection = ConnectionRepository(session).for_tenant(tenant_id)
    if connection is not None:
        context.connection_state = connection.state
        context.checks = checks_from_facts(connection.facts)
    return context


def checks_from_facts(facts: dict[str, Any]) -> DateChecks:
    """The date checks pre-flight's cached facts allow."""
    locked = facts.get("locked_until")
    years = facts.get("financial_years")
    return DateChecks(
        locked_until=date.fromisoformat(locked) if locked else None,
        financial_years=None
        if years is None
        else tuple((date.fromisoformat(a), date.fromisoformat(b)) for a, b in years),
    )
