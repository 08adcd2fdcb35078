"""The codes a tenant maps for payroll: each absence type's Fortnox absence cause code (or its
default, or excluded), the PAXml code of projects and absence types, and re-writing absences
whose Fortnox transactions do not follow a changed mapping.

The admin UI's mappings page calls this; what the codes are and which absences need a re-write
is the hr and payroll families' knowledge, kept behind this service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import EngineError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.maintenance.rewriting import rewrite_records
from fortnox_bridge.flows.hr.absence_causes import CAUSE_CODES, MAPPING_KIND, default_cause
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.flows.payroll.codes import VALID_CODES
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.services.absence_rewrites import absences_to_rewrite
from fortnox_bridge.services.errors import Conflict, no_engine
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.records import EntityWriter, Incoming, Outcome
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Mapping as MappingRow

#: The value of an absence type that is excluded (its absences are not sent).
EXCLUDE = "exclude"
#: The host entities whose records carry a PAXml code.
PAXML_ENTITIES = ("project", "absence_type")


@dataclass(frozen=True)
class Rewritten:
    """What a re-write did: how many absences it chose and its run."""

    count: int
    summary: RunSummary | None


class PayrollCodes:
    """Reads and changes a tenant's absence cause and PAXml codes."""

    #: The mapping kind of the absence cause codes (the mappings page has its own section).
    cause_kind = MAPPING_KIND

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        hooks: EngineHooks,
        flows: Sequence[type[Flow]],
        entities: Sequence[HostEntity],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hooks = hooks
        self.flows = flows
        self.entities = entities

    @property
    def cause_codes(self) -> list[str]:
        """Fortnox's absence cause codes."""
        return sorted(CAUSE_CODES)

    @property
    def paxml_codes(self) -> Any:
        """The PAXml codes a project or absence type may carry."""
        return VALID_CODES

    def causes(self, tenant_id: int) -> list[dict[str, Any]]:
        """Each absence type with its code, name, default cause and mapped value (``""``: the
        default, :data:`EXCLUDE`, or a cause code), by name."""
        with self.sessions.begin() as session:
            mapped = MappingRepository(session).for_tenant(tenant_id).get(MAPPING_KIND, {})
            records = list(MirrorRepository(session).live(tenant_id, "absence_type"))
        rows = []
        for record in records:
            code, name = str(record.payload.get("code", "")), str(record.payload.get("name", ""))
            current = mapped.get(code)
            value = (
                "" if current is None else EXCLUDE if current.excluded else current.fortnox_value
            )
            rows.append(
                {
                    "id": record.external_id,
                    "code": code,
                    "name": name,
                    "default": default_cause(code, name),
                    "value": value or "",
                    "input": f"cause-{record.external_id}",
                }
            )
        return sorted(rows, key=lambda row: (row["name"].lower(), row["code"]))

    def paxml(self, tenant_id: int) -> list[dict[str, Any]]:
        """Each project and absence type with its PAXml code."""
        rows = []
        with self.sessions.begin() as session:
            mirror = MirrorRepository(session)
            for entity in PAXML_ENTITIES:
                for record in mirror.live(tenant_id, entity):
                    payload = record.payload
                    label = payload.get("name") or payload.get("number") or payload.get("code")
                    rows.append(
                        {
                            "entity": entity,
                            "id": record.external_id,
                            "name": str(label or ""),
                            "value": str(payload.get("paxml_code") or ""),
                            "input": f"paxml-{entity}-{record.external_id}",
                        }
                    )
        return rows

    def to_rewrite(self, tenant_id: int) -> list[str]:
        """Host ids of the absences whose transactions do not follow the current mapping."""
        with self.sessions.begin() as session:
            return absences_to_rewrite(session, tenant_id)

    def save_causes(self, tenant_id: int, changes: Mapping[str, str]) -> None:
        """Map absence type codes to ``""`` (back to the default), :data:`EXCLUDE` or a cause
        code."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            repo = MappingRepository(session)
            for code, value in changes.items():
                if value == "":
                    session.execute(
                        delete(MappingRow).where(
                            MappingRow.tenant_id == tenant_id,
                            MappingRow.kind == MAPPING_KIND,
                            MappingRow.local_value == code,
                        )
                    )
                elif value == EXCLUDE:
                    repo.put(tenant_id, MAPPING_KIND, code, None, excluded=True, now=now)
                else:
                    repo.put(tenant_id, MAPPING_KIND, code, value, now=now)

    def save_paxml(
        self, tenant_id: int, changes: Sequence[tuple[str, str, str]]
    ) -> dict[str, list[Outcome]]:
        """Set the PAXml code of ``(entity, external_id, code)`` records (``""``: none) through
        the host record write, so change events and pushes follow as for the API's ``PATCH``."""
        incoming: dict[str, list[Incoming]] = {}
        for entity, external_id, code in changes:
            patch = {"paxml_code": code or None}
            items = incoming.setdefault(entity, [])
            items.append(Incoming(len(items), external_id, "patch", patch=patch))
        by_name = {entity.entity: entity for entity in self.entities}
        written: dict[str, list[Outcome]] = {}
        for name, items in incoming.items():
            writer = EntityWriter(by_name[name], self.entities, self.flows)
            outcomes = writer.write(self.sessions, tenant_id, items, now=self.clock.now())
            written[name] = outcomes
            on_change = self.hooks.on_change
            if on_change is not None and (writer.push_flows or writer.built_by):
                for outcome in outcomes:
                    if outcome.changed:
                        on_change(tenant_id, name, outcome.external_id)
        return written

    async def rewrite(self, tenant_id: int) -> Rewritten:
        """Re-write the absences that do not follow the current mapping (nothing to do: a count
        of 0 and no run)."""
        service = self.hooks.service
        if service is None:
            raise no_engine()
        chosen = self.to_rewrite(tenant_id)
        if not chosen:
            return Rewritten(0, None)
        source = service.clients.source(tenant_id)
        try:
            async with service.writers.hold(tenant_id, "re-write", wait=False):
                summary = await rewrite_records(
                    self.sessions,
                    self.clock,
                    self.flows,
                    tenant_id=tenant_id,
                    flow_name=AbsencePush.name,
                    source=source,
                    external_ids=chosen,
                )
        except (EngineError, FortnoxError) as exc:
            raise Conflict(str(exc), code="rewrite_refused") from None
        finally:
            await source.aclose()
        return Rewritten(len(chosen), summary)
