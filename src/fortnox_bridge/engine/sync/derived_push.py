"""Applying a derived flow: the records that need a look, each planned part by part and written
by the push writer (see :mod:`~fortnox_bridge.engine.sync.deriving`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.derived_run import DerivedRun
from fortnox_bridge.engine.sync.deriving import (
    DISCONNECTED,
    PART_SEPARATOR,
    DerivedFlow,
    PartFlow,
    split_part_id,
)
from fortnox_bridge.engine.sync.push_plan import push_rows
from fortnox_bridge.engine.sync.pushing import PushWriter
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.engine.tenancy.workers import triage_active
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link, MirrorRecord
from fortnox_bridge.store.operations import PushOperationRepository


class DerivedPusher:
    """Runs a derived flow for one tenant: plans each record's parts and writes the diff."""

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope
        self.writer = PushWriter(scope)

    async def push(
        self,
        run: RunInputs,
        flow: DerivedFlow,
        result: FlowResult,
        wanted: Collection[str] | None = None,
        *,
        rewrite: bool = False,
    ) -> None:
        """Bring the parts of the records that need a look (or of ``wanted``) in line (only
        planned in a dry run's scope).

        ``rewrite``: look at every record in ``wanted`` (all records when ``None``), delete the
        parts that are disconnected and write those records afresh.
        """
        rows, live_total = push_rows(self.scope, flow, only_dirty=not rewrite, wanted=wanted)
        if wanted is None and not rewrite:
            result.unchanged += live_total - sum(1 for record, _ in rows if not record.deleted)
        if not rows:
            return
        part = flow.part(flow.settings, flow.mappings)
        references = self._references(flow, rows)
        related = self._related(flow, rows)
        recover, in_flight = self._operations(part, claim=not self.scope.dry_run)
        state = DerivedRun(
            self, run, flow, part, result, references, related, recover, in_flight,
            rewrite=rewrite,
        )  # fmt: skip
        cached = self._use_facts(flow)
        try:
            for done, (record, link) in enumerate(rows, start=1):
                await state.record(record, link)
                if run.progress is not None:
                    run.progress(flow.name, done, len(rows))
        finally:
            flow.group_problems(result)
            self._keep_facts(flow, cached)

    # -- reading the store -------------------------------------------------------------------

    def _use_facts(self, flow: DerivedFlow) -> dict[str, Any]:
        """Hand the flow what earlier runs kept of Fortnox on the connection (its
        ``facts_key``), so a pass over records that still wait reads nothing again."""
        if flow.facts_key is None:
            return {}
        with self.scope.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(self.scope.tenant_id)
            facts = connection.facts if connection is not None else {}
            cached = facts.get(flow.facts_key)
        cached = dict(cached) if isinstance(cached, dict) else {}
        flow.use_facts(cached, self.scope.clock.now())
        return cached

    def _keep_facts(self, flow: DerivedFlow, cached: dict[str, Any]) -> None:
        """Keep what the flow read of Fortnox on the connection for later runs (not in a dry
        run, and only when it changed)."""
        if flow.facts_key is None or self.scope.dry_run:
            return
        keep = flow.facts_to_keep(self.scope.clock.now())
        if keep is None or keep == cached:
            return
        with self.scope.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(self.scope.tenant_id)
            if connection is not None:
                connection.facts = {**connection.facts, flow.facts_key: keep}

    def _references(
        self, flow: Flow, rows: list[tuple[MirrorRecord, Link | None]]
    ) -> dict[str, dict[str, str]]:
        resolved: dict[str, dict[str, str]] = {}
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            for host_field, entity in flow.references.items():
                ids = sorted(
                    {str(r.payload[host_field]) for r, _ in rows if r.payload.get(host_field)}
                )
                resolved.setdefault(entity, {}).update(
                    links.fortnox_ids(self.scope.tenant_id, entity, ids)
                )
        return resolved

    def _related(
        self, flow: DerivedFlow, rows: list[tuple[MirrorRecord, Link | None]]
    ) -> dict[str, dict[str, dict[str, Any] | None]]:
        """``{entity: {host id: payload or None when deleted}}`` of the records ``head`` reads."""
        found: dict[str, dict[str, dict[str, Any] | None]] = {}
        with self.scope.sessions.begin() as session:
            mirror = MirrorRepository(session)
            for host_field, entity in flow.lookups.items():
                ids = sorted(
                    {str(r.payload[host_field]) for r, _ in rows if r.payload.get(host_field)}
                )
                table = found.setdefault(entity, {})
                for record, _ in mirror.with_links(self.scope.tenant_id, entity, external_ids=ids):
                    table[record.external_id] = None if record.deleted else dict(record.payload)
        return found

    def _operations(self, part: PartFlow, *, claim: bool) -> tuple[set[str], set[str]]:
        """Parts whose create may have reached Fortnox, and parts another worker is writing."""
        now = self.scope.clock.now()
        with self.scope.sessions.begin() as session:
            return triage_active(
                PushOperationRepository(session),
                self.scope.tenant_id,
                part.entity,
                me=self.scope.owner,
                now=now,
                claim=claim,
            )

    def part_links(self, part: PartFlow, external_id: str) -> dict[str, Link]:
        """The links of one host record's parts, by part key."""
        prefix = external_id + PART_SEPARATOR
        with self.scope.sessions.begin() as session:
            rows = session.scalars(
                select(Link).where(
                    Link.tenant_id == self.scope.tenant_id,
                    Link.entity_type == part.entity,
                    Link.external_id.startswith(prefix, autoescape=True),
                )
            )
            found = {}
            for link in rows:
                owner, key = split_part_id(link.external_id)
                if owner == external_id:
                    session.expunge(link)
                    found[key] = link
            return found

    def disconnected_records(self, part: PartFlow) -> list[str]:
        """Host ids of the records with disconnected parts."""
        with self.scope.sessions.begin() as session:
            ids = session.scalars(
                select(Link.external_id).where(
                    Link.tenant_id == self.scope.tenant_id,
                    Link.entity_type == part.entity,
                    Link.state == DISCONNECTED,
                )
            )
            return sorted({split_part_id(value)[0] for value in ids})
