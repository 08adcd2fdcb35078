"""What a repair of duplicates reports: each group of records under one natural key, what became
of each extra record, and the totals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: ``progress(step, done, total)``: ``read <resource>`` while reading, ``delete`` while applying.
RepairProgress = Callable[[str, int, int], None]
#: The kind of the run an applied repair is kept as.
RUN_KIND = "repair"

# What became of an extra record.
FOUND = "found"  # listed; nothing done yet
DELETED = "deleted"
GONE = "gone"  # not in Fortnox any more when the delete came
REFUSED = "refused"  # Fortnox refused the delete (locked salary period, ...)
BY_HAND = "by_hand"  # Fortnox cannot delete it: a person makes it inactive or merges it
HANDLED = "handled"  # already as the flow's delete_by leaves a record (an inactive employee)
BUSY = "busy"  # a write of its host record is in flight: try again later
LEFT_ALONE = "left_alone"  # not made by the bridge
#: Outcomes that still need something done.
PENDING = frozenset({FOUND, REFUSED, BY_HAND, BUSY})

#: Why a record counts as an extra.
SAME_KEY = "same natural key as the bridge's record"
SAME_HOST = "created by the bridge for the same host record"
NOT_OURS = "not made by the bridge"
#: At most this many differing fields are shown per record.
SHOWN_FIELDS = 4
#: Fields that differ between any two records (where Fortnox serves them): never compared.
ADDRESS_FIELDS = frozenset({"url"})


@dataclass
class Extra:
    """One record beside the keeper, and what became of it."""

    fortnox_id: str
    #: The fields where it differs from the keeper, with its own values (``None``: it lacks it).
    differs: dict[str, Any]
    why: str
    outcome: str = FOUND
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "fortnox_id": self.fortnox_id,
            "differs": self.differs,
            "why": self.why,
            "outcome": self.outcome,
            "message": self.message,
        }


@dataclass
class DuplicateGroup:
    """Records of one flow that share a natural key (or a host record) in Fortnox."""

    flow: str
    resource: str
    #: The natural key's fields as Fortnox shows them, e.g. ``7 · 2026-03-02 · TID · P100 · –``.
    key: str
    #: The record(s) the bridge links (kept).
    keepers: list[str]
    #: The host records of the keepers (link ids).
    host_ids: list[str]
    extras: list[Extra] = field(default_factory=list)
    #: Whether the extras are the bridge's (else: someone else's, left alone).
    ours: bool = True
    #: Whether Fortnox deletes records of this resource (else they are handled by hand).
    deletable: bool = True
    #: What a person does with an extra Fortnox cannot delete.
    by_hand: str = ""
    #: A write of a keeper's host record is in flight: nothing is deleted now.
    busy: bool = False

    @property
    def action(self) -> str:
        """What ``apply`` does with the extras: ``delete``, ``by_hand`` or ``left_alone``."""
        if not self.ours:
            return LEFT_ALONE
        return "delete" if self.deletable else BY_HAND

    @property
    def pending(self) -> list[Extra]:
        """The extras of the bridge's that still need something done."""
        return [e for e in self.extras if self.ours and e.outcome in PENDING]

    def advice(self) -> str:
        """What ``--apply`` would do, or what a person should do, in one sentence."""
        count = sum(1 for e in self.extras if e.outcome == FOUND)
        if not self.ours:
            return "nothing: not made by the bridge, left alone"
        if self.busy:
            return "nothing now: a write of this record is in flight; run the repair again later"
        if not self.deletable:
            if not self.pending:
                return "nothing: the extra ones are inactive already"
            return f"nothing (it cannot): {self.by_hand}"
        if count == 0:
            return "nothing left to delete"
        return f"delete {count} extra record(s)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "flow": self.flow,
            "resource": self.resource,
            "key": self.key,
            "keepers": self.keepers,
            "host_ids": self.host_ids,
            "ours": self.ours,
            "action": self.action,
            "busy": self.busy,
            "advice": self.advice(),
            "extras": [extra.to_dict() for extra in self.extras],
        }


@dataclass
class RepairReport:
    """What the repair found for one tenant (and, applied, what it did)."""

    tenant_id: int
    tenant: str
    applied: bool = False
    groups: list[DuplicateGroup] = field(default_factory=list)
    #: The run the applied repair is kept as (``None`` when nothing was to be done).
    run_id: int | None = None

    @property
    def duplicates(self) -> list[DuplicateGroup]:
        """Groups with extras of the bridge's."""
        return [group for group in self.groups if group.ours]

    @property
    def pending(self) -> int:
        """Extras of the bridge's still in Fortnox that need something done (0: all clean)."""
        return sum(len(group.pending) for group in self.groups)

    def count(self, outcome: str) -> int:
        """How many extras of the bridge's ended as ``outcome``."""
        return sum(1 for g in self.duplicates for e in g.extras if e.outcome == outcome)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the command's ``--json`` and the API)."""
        return {
            "tenant_id": self.tenant_id,
            "tenant": self.tenant,
            "applied": self.applied,
            "run_id": self.run_id,
            "pending": self.pending,
            "groups": [group.to_dict() for group in self.groups],
        }
