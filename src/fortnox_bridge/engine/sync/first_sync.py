"""What a first synchronization holds back from the regular flows of a two-way entity.

While a tenant's first-synchronization plan is open (or being applied), the admin is still
deciding how the two sides meet: the push flow creates no unlinked host record in Fortnox and the
pull flow matches or imports no unlinked Fortnox record ("waiting for the first synchronization to
be applied"). Linked records keep flowing both ways. Once the plan is applied, only the records
the admin chose to leave out stay held, until a new plan includes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.flow.sources import RemoteRecord
from fortnox_bridge.engine.sync.planning import PlannedItem
from fortnox_bridge.store.first_sync import ACTIVE, FirstSyncRepository
from fortnox_bridge.store.links import LinkRepository


@dataclass(frozen=True)
class Hold:
    """The unlinked records of one entity that the regular flows leave alone, and why."""

    entity: str
    plan_id: int
    reason: str
    #: Every unlinked record waits (the plan is open or being applied).
    all_unlinked: bool = False
    host_ids: frozenset[str] = frozenset()
    fortnox_ids: frozenset[str] = frozenset()

    def holds_host(self, external_id: str) -> bool:
        """Whether an unlinked host record waits."""
        return self.all_unlinked or external_id in self.host_ids

    def holds_fortnox(self, fortnox_id: str) -> bool:
        """Whether an unlinked Fortnox record waits."""
        return self.all_unlinked or fortnox_id in self.fortnox_ids


def load_holds(session: Session, tenant_id: int) -> dict[str, Hold]:
    """The tenant's holds by entity (one query; none when the tenant never planned)."""
    repo = FirstSyncRepository(session)
    holds: dict[str, Hold] = {}
    for entity, plan in repo.latest_by_entity(tenant_id).items():
        if plan.status in ACTIVE:
            reason = (
                f"waiting for the first synchronization to be applied (plan {plan.id}); "
                "decide and apply it, or discard it"
            )
            holds[entity] = Hold(entity, plan.id, reason, all_unlinked=True)
            continue
        host, fortnox = repo.held(plan.id)
        if host or fortnox:
            reason = (
                f"left out by the first synchronization (plan {plan.id}); "
                "make a new plan to include it"
            )
            holds[entity] = Hold(
                entity, plan.id, reason, False, frozenset(host), frozenset(fortnox)
            )
    return holds


def hold_creates(hold: Hold | None, items: Iterable[PlannedItem]) -> list[PlannedItem]:
    """A push plan with the creates of held host records turned into skips with the reason."""
    if hold is None:
        return list(items)
    return [
        replace(item, action="skip", reason=hold.reason, changes={}, recover=False)
        if item.action == "create" and hold.holds_host(item.external_id)
        else item
        for item in items
    ]


def hold_unlinked(
    sessions: sessionmaker[Session],
    tenant_id: int,
    hold: Hold | None,
    remote: list[RemoteRecord],
    result: FlowResult,
) -> list[RemoteRecord]:
    """The Fortnox records a two-way pull may reconcile: linked ones, and unlinked ones that are
    not held. Held ones are counted as skipped, with the reason."""
    if hold is None:
        return remote
    with sessions.begin() as session:
        linked: Mapping[str, object] = LinkRepository(session).by_fortnox_id(tenant_id, hold.entity)
    kept: list[RemoteRecord] = []
    for record in remote:
        if record.fortnox_id in linked or not hold.holds_fortnox(record.fortnox_id):
            kept.append(record)
            continue
        result.count(
            "skipped",
            ItemOutcome(
                f"fortnox:{record.fortnox_id}",
                "skip",
                "skipped",
                hold.reason,
                f"{hold.entity} {record.fortnox_id} in Fortnox",
                record.fortnox_id,
            ),
        )
    return kept
