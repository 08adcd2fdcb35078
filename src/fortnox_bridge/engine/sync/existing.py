"""Records Fortnox already holds: a create never duplicates one.

A push flow with ``match_existing`` (employees) may meet Fortnox records the bridge never linked:
the company used Fortnox before it was connected, or someone entered a record in Fortnox by hand.
Before such a flow creates anything, the run reads the Fortnox list once (not once per record)
and looks each create up by the flow's natural key among the records no link holds. A host
record that matches one is never created; the flow's :meth:`~Flow.existing_policy` says what
happens instead:

- ``wait_for_plan`` (the default): the record is held back, as a problem that tells the admin to
  make the first-synchronization plan, which pairs it with the Fortnox record (or leaves it out);
- ``adopt``: the record is linked to the Fortnox record and only the fields that differ are sent
  (see ``PushWriter``); several Fortnox records with the key are a problem, never a create.

A record that matches nothing is created as usual in both modes: nothing is there to duplicate.
Records an applied first synchronization left out in Fortnox are never adopted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Flow, normalise
from fortnox_bridge.engine.sync.first_sync import Hold
from fortnox_bridge.engine.sync.planning import PlannedItem

#: Unlinked Fortnox records by natural key: ``{key: [(Fortnox id, listed fields), ...]}``.
Index = dict[str, list[tuple[str, dict[str, Any]]]]


class ListResource(Protocol):
    """What reading the existing records needs from a client resource."""

    def iterate(self, **options: Any) -> Any:
        """Every record of the list (an async iterator)."""
        ...


@dataclass(frozen=True)
class Ambiguous:
    """A natural-key lookup found several unlinked records: a human must choose."""

    fortnox_ids: tuple[str, ...]


def json_fields(row: BaseModel) -> dict[str, Any]:
    """A Fortnox record as mapped fields (JSON values, unset fields left out)."""
    return {name: value for name, value in row.model_dump(mode="json").items() if value is not None}


def agrees(found: Mapping[str, Any], fields: Mapping[str, Any]) -> bool:
    """Whether a Fortnox record has every value of ``fields`` it shows."""
    return all(
        normalise(found.get(name)) == value for name, value in fields.items() if name in found
    )


def pick(
    matches: list[tuple[str, dict[str, Any]]], fields: Mapping[str, Any]
) -> tuple[str, dict[str, Any]] | Ambiguous | None:
    """The one record among natural-key matches: the only one, or the only one that agrees
    with ``fields`` in every value it shows; otherwise a human must choose."""
    if len(matches) > 1:
        exact = [match for match in matches if agrees(match[1], fields)]
        if len(exact) != 1:
            return Ambiguous(tuple(fortnox_id for fortnox_id, _ in matches))
        matches = exact
    return matches[0] if matches else None


def reads_existing(flow: Flow, items: list[PlannedItem]) -> bool:
    """Whether the plan has creates the existing records must be read for."""
    return flow.match_existing and any(_looks(item) for item in items)


async def read_existing(flow: Flow, resource: ListResource, taken: Collection[str]) -> Index:
    """The Fortnox records no link holds (``taken``: linked Fortnox ids), by natural key; one
    list read (a request per 500 records)."""
    index: Index = {}
    async for row in resource.iterate():
        data = json_fields(row)
        fortnox_id = str(data.get(flow.fortnox_id_field))
        key = flow.key_of(data)
        if key is not None and fortnox_id not in taken:
            index.setdefault(key, []).append((fortnox_id, data))
    return index


def meet_existing(
    flow: Flow, items: list[PlannedItem], index: Index, hold: Hold | None = None
) -> list[PlannedItem]:
    """The plan with every create that matches an existing record held back or turned into an
    adoption (``PlannedItem.existing``), by the flow's policy."""
    policy = flow.existing_policy()
    claimed: set[str] = set()
    met: list[PlannedItem] = []
    for item in items:
        matches = index.get(item.natural_key or "") if _looks(item) else None
        if not matches:
            met.append(item)
            continue
        ids = [fortnox_id for fortnox_id, _ in matches]
        left_out = [i for i in ids if hold is not None and i in hold.fortnox_ids]
        free = [m for m in matches if m[0] not in claimed and m[0] not in left_out]
        if policy == "adopt" and free:
            found = pick(free, item.fields)
            if isinstance(found, Ambiguous):
                met.append(_ambiguous(flow, item, found))
                continue
            if found is not None:
                claimed.add(found[0])
                met.append(_adoption(flow, item, found))
                continue
        met.append(_waiting(flow, item, ids, left_out, hold, claimed))
    return met


def unchecked(flow: Flow, items: list[PlannedItem], error: Exception) -> list[PlannedItem]:
    """The plan when the existing records could not be read: no create that needed the check
    is sent unchecked (the next run tries again); everything else goes on."""
    reason = (
        f"not created: Fortnox's {flow.resource.replace('_', ' ')} could not be read to make sure "
        f"it is not there already ({error}); tried again on the next run"
    )
    return [
        replace(item, action="skip", reason=reason, changes={}, problem=True)
        if _looks(item)
        else item
        for item in items
    ]


def _looks(item: PlannedItem) -> bool:
    """A create that is looked up: a new one with a natural key (a create that may have
    reached Fortnox already looks itself up by its own key, see ``PushWriter``)."""
    return item.action == "create" and not item.recover and item.natural_key is not None


def _key(flow: Flow) -> str:
    return "+".join(flow.natural_key)


def _adoption(flow: Flow, item: PlannedItem, found: tuple[str, dict[str, Any]]) -> PlannedItem:
    reason = (
        f"already in Fortnox ({flow.entity} {found[0]}, same {_key(flow)}): adopt it and send "
        "only the fields that differ"
    )
    return replace(item, existing=found, fortnox_id=found[0], reason=reason)


def _ambiguous(flow: Flow, item: PlannedItem, found: Ambiguous) -> PlannedItem:
    reason = (
        f"several Fortnox records have its {_key(flow)} ({', '.join(found.fortnox_ids)}); "
        "none is adopted or created: remove the duplicates in Fortnox, or make the "
        f"first-synchronization plan and choose ({flow.first_sync_hint})"
    )
    return replace(item, action="skip", reason=reason, changes={}, problem=True)


def _waiting(
    flow: Flow,
    item: PlannedItem,
    ids: list[str],
    left_out: list[str],
    hold: Hold | None,
    claimed: set[str],
) -> PlannedItem:
    what = f"Fortnox already has {flow.entity} {', '.join(ids)} with its {_key(flow)}"
    if left_out and hold is not None:
        reason = (
            f"{what}, which the first synchronization (plan {hold.plan_id}) left out; it is not "
            f"created twice: make a new first-synchronization plan ({flow.first_sync_hint})"
        )
    elif any(i in claimed for i in ids):
        reason = f"{what}, and another record adopts it in this run; it is not created twice"
    else:
        reason = (
            f"{what}; it is not created twice: it waits for the first-synchronization plan "
            f"({flow.first_sync_hint}), or set {flow.name}'s existing_in_fortnox to adopt"
        )
    return replace(item, action="skip", reason=reason, changes={}, problem=True)
