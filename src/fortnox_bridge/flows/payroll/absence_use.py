"""Where the host absences on an absence type stand, for the type's change operations.

An absence type reaches Fortnox with what uses it: the salary days of reported time
(:mod:`~fortnox_bridge.flows.payroll.salary_day_build`) and, when the tenant sends absences
(``hr.absence.push`` on), the absence transactions of its absences. Its operation succeeds once
every absence on it is in Fortnox as the host has it (its link agrees at its version), and is
held while the run held one back or Fortnox refused one, with that absence's reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fortnox_bridge.engine.flow.results import ItemOutcome
from fortnox_bridge.engine.sync.stored_view import StoredView

#: The host entity of absences and the flow that writes them.
ABSENCE, ABSENCE_FLOW = "absence", "hr.absence.push"


@dataclass(frozen=True)
class AbsenceUse:
    """The absences on one absence type, and the first of them not in Fortnox (if any)."""

    #: Absences on the type that the tenant sends to Fortnox.
    count: int
    #: ``held`` (the run held one back or Fortnox refused it), ``pending`` or ``None`` (all in).
    status: str | None = None
    message: str = ""


def absence_use(
    view: StoredView,
    absence_type: str,
    items: Mapping[str, Sequence[ItemOutcome]],
) -> AbsenceUse:
    """Where the absences on ``absence_type`` stand (none count while ``hr.absence.push`` is
    off: nothing of them goes to Fortnox); ``items``: the run's items by flow."""
    if not view.flow_enabled(ABSENCE_FLOW):
        return AbsenceUse(0)
    records = [r for r in view.live(ABSENCE) if r.payload.get("absence_type") == absence_type]
    found = {item.external_id: item for item in items.get(ABSENCE_FLOW, [])}
    waiting: str | None = None
    for record in records:
        if view.in_fortnox(ABSENCE, record.external_id, record.version):
            continue
        item = found.get(record.external_id)
        if item is not None and item.problem and item.outcome in ("failed", "skipped"):
            reason = item.message or item.reason
            return AbsenceUse(len(records), "held", f"absence {record.external_id}: {reason}")
        waiting = waiting or f"waiting for {ABSENCE_FLOW} to write absence {record.external_id}"
    if waiting is not None:
        return AbsenceUse(len(records), "pending", waiting)
    return AbsenceUse(len(records))


def in_fortnox(entries: int, absences: int) -> str:
    """``in Fortnox with the salary days of its 2 time entries and its 1 absence``."""
    said = []
    if entries:
        said.append(f"the salary days of its {entries} time entr{'y' if entries == 1 else 'ies'}")
    if absences:
        said.append(f"its {absences} absence{'' if absences == 1 else 's'}")
    return "in Fortnox with " + " and ".join(said)
