"""The reference of a failing record in words, for the problem e-mails.

People recognise a record by what they see of it in their own application: a project by its
number and name, a customer by its customer number and name, an invoice by its number. The
entity declares those fields (:attr:`HostEntity.reference_fields`), or the flow does for records
that are no host entity (:attr:`Flow.reference_fields`); the e-mail then names the record as
``<entity label> <host id> (<the declared fields' values>)``, read from the record the bridge
keeps. Without a declaration, or when the record is not kept (a flow-wide failure, a part of a
derived record), the reference the run wrote in the problem stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Problem


class ReferenceBook:
    """How each flow's records are named, from the flows' and entities' declarations."""

    def __init__(self, flows: Sequence[type[Flow]], entities: Sequence[HostEntity]) -> None:
        self.flows = {flow.name: flow for flow in flows}
        self.entities = {entity.entity: entity for entity in entities}

    def fields(self, flow_name: str) -> tuple[str, ...]:
        """The fields that make the human reference of ``flow_name``'s records (none: not
        declared)."""
        flow = self.flows.get(flow_name)
        if flow is None:
            return ()
        entity = self.entities.get(flow.entity)
        return flow.reference_fields or (entity.reference_fields if entity else ())

    def label(self, flow_name: str) -> str:
        """What a record of ``flow_name`` is called: ``construction project``."""
        flow = self.flows.get(flow_name)
        if flow is None:
            return flow_name
        entity = self.entities.get(flow.entity)
        return entity.label if entity else flow.entity.replace("_", " ")

    def describe(self, flow_name: str, external_id: str, record: Mapping[str, Any]) -> str | None:
        """``construction project p-7 (10000 Skolan Ekbacken)``; ``None`` when the flow
        declares no reference fields or the record has none of them."""
        values = [str(record[name]) for name in self.fields(flow_name) if record.get(name)]
        if not values:
            return None
        return f"{self.label(flow_name)} {external_id} ({' '.join(values)})"

    def references(self, session: Session, problems: Sequence[Problem]) -> dict[int, str]:
        """``{problem id: its reference in words}`` for the problems whose record is kept."""
        mirror = MirrorRepository(session)
        found: dict[int, str] = {}
        for problem in problems:
            flow = self.flows.get(problem.flow)
            if flow is None or not problem.external_id or not self.fields(problem.flow):
                continue
            record = mirror.get(problem.tenant_id, flow.entity, problem.external_id)
            if record is None:
                continue
            words = self.describe(problem.flow, problem.external_id, dict(record.payload))
            if words is not None:
                found[problem.id] = words
        return found
