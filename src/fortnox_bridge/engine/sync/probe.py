"""The probe: what one cheap read tells about a tenant before a sweep.

Every tenant is swept every 30 minutes and nearly every sweep finds nothing to do; the probe lets
such a sweep end after one read transaction of four precompiled statements (see
``docs/benchmarks.md``: 0.45 ms CPU per tenant on SQLite), plus one per builder of the enabled
flows (salary days): whether a record they are built from changed after the last build.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.base import Builder, Flow
from fortnox_bridge.engine.flow.results import FlowResult, RunSummary
from fortnox_bridge.engine.sync.context import is_enabled
from fortnox_bridge.store.built import unbuilt_exists
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

_CHANGED_SINCE_BUILD: dict[str, Select[tuple[bool]]] = {}


@dataclass(frozen=True)
class Probe:
    """What one cheap read tells about a tenant before a sweep."""

    tenant_id: int
    connection_state: str
    facts: dict[str, Any]
    #: Enabled flows in sweep order.
    enabled: tuple[Flow, ...]
    #: ``{entity: (live records, records that need a look)}``.
    counts: dict[str, tuple[int, int]]
    #: Builders (by name) a record they are built from changed for after their last build.
    unbuilt: frozenset[str] = frozenset()

    @property
    def idle(self) -> bool:
        """No pull flow to read, nothing for any push flow (none that looks at every record
        every run) and nothing to build: a sweep would do nothing."""
        return not self.unbuilt and all(
            flow.direction == "push"
            and not flow.replan_all
            and self.counts.get(flow.entity, (0, 0))[1] == 0
            for flow in self.enabled
        )

    def dirty(self, entity: str) -> int:
        """How many records of ``entity`` need a look."""
        return self.counts.get(entity, (0, 0))[1]


def read_probe(
    sessions: sessionmaker[Session], tenant_id: int, flows: Sequence[type[Flow]]
) -> Probe:
    """Connection state, enabled flows and dirty counts in one read transaction."""
    with sessions.begin() as session:
        found = ConnectionRepository(session).state_and_facts(tenant_id)
        configs = FlowConfigRepository(session).enabled(tenant_id)
        families = TenantRepository(session).families(tenant_id)
        counts = MirrorRepository(session).counts(tenant_id)
        enabled = tuple(
            flow_cls()
            for flow_cls in flows
            if is_enabled(flow_cls, configs.get(flow_cls.name), families=families)
        )
        builders = {f.builder.name: f.builder for f in enabled if f.builder is not None}
        unbuilt = frozenset(
            name
            for name, builder in builders.items()
            if session.scalar(_changed_since_build(builder), {"tenant_id": tenant_id})
        )
    state, facts = found or ("not connected", {})
    return Probe(tenant_id, state, facts, enabled, counts, unbuilt)


def _changed_since_build(builder: Builder) -> Select[tuple[bool]]:
    """``EXISTS`` a record of ``built_from`` whose version the builder has not built in."""
    statement = _CHANGED_SINCE_BUILD.get(builder.name)
    if statement is None:
        statement = unbuilt_exists(builder.name, builder.built_from)
        _CHANGED_SINCE_BUILD[builder.name] = statement
    return statement


def idle_summary(probe: Probe, now: datetime, only: Collection[str] | None = None) -> RunSummary:
    """The summary of a sweep (of the flows ``only``, if given) the probe found nothing for
    (nothing is recorded)."""
    summary = RunSummary(tenant_id=probe.tenant_id, started_at=now, finished_at=now)
    for flow in probe.enabled:
        if only is not None and flow.name not in only:
            continue
        unchanged = probe.counts.get(flow.entity, (0, 0))[0]
        summary.flows.append(FlowResult(flow=flow.name, unchanged=unchanged))
    return summary
