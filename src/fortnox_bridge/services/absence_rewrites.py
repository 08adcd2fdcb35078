"""Which absences need re-writing after the ``absence_cause`` mapping changed.

An absence needs it when some of its Fortnox transactions are disconnected, or when the cause
code it was last written with is no longer what its type maps to (a mapping changed since; the
absence has not been looked at again). Reads the store only; no Fortnox request.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fortnox_bridge.engine.sync.context import load_context
from fortnox_bridge.engine.sync.deriving import DISCONNECTED, split_part_id
from fortnox_bridge.flows.hr.absence_causes import UnmappedType, cause_for
from fortnox_bridge.flows.hr.absence_push import AbsencePush, AbsenceTransactionPart
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository


def absences_to_rewrite(
    session: Session, tenant_id: int, type_code: str | None = None
) -> list[str]:
    """Host ids of the absences whose transactions do not follow the current mapping, limited
    to absence types with code ``type_code`` when given."""
    mappings = load_context(session, tenant_id, [AbsencePush]).flows[AbsencePush.name].mappings
    mirror, links = MirrorRepository(session), LinkRepository(session)
    types = {
        record.external_id: dict(record.payload)
        for record in mirror.live(tenant_id, "absence_type")
    }
    absences = {
        record.external_id: dict(record.payload)
        for record, _ in mirror.with_links(tenant_id, AbsencePush.entity)
    }
    agreed = links.by_external_id(tenant_id, AbsencePush.entity)
    parts = links.by_external_id(tenant_id, AbsenceTransactionPart.entity)
    written = {split_part_id(key)[0] for key in parts}
    disconnected = {split_part_id(k)[0] for k, link in parts.items() if link.state == DISCONNECTED}
    chosen = []
    for external_id, payload in sorted(absences.items()):
        kind = types.get(str(payload.get("absence_type")))
        if type_code is not None and (kind is None or kind.get("code") != type_code):
            continue
        if external_id in disconnected:
            chosen.append(external_id)
            continue
        link = agreed.get(external_id)
        if kind is None or link is None or external_id not in written:
            continue
        try:
            now = cause_for(kind, mappings)[0]
        except UnmappedType:
            now = None
        if link.snapshot.get("head", {}).get("cause_code") != now:
            chosen.append(external_id)
    return chosen
