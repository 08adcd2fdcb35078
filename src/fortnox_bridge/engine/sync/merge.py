"""Three-way comparison of a two-way record: the bridge's side, Fortnox's side, the last agreed.

Per field: equal on both sides → agreed; changed on one side only → that side's value flows to
the other; changed on both sides to different values → a conflict, settled by the tenant's
policy: ``bridge_wins``, ``fortnox_wins`` or ``ask`` (kept open until someone decides).

A conflict that is already open is not compared with the base again: it stays open until both
sides hold the same value *as read* (it then closes as ``agreed``) or someone decides it. A field
of an open conflict that Fortnox did not show this time (a list that does not carry it) is never
taken as equal: the conflict stays as it is.

The result is expressed as what the engine must do: which Fortnox values the host side takes,
which conflicts stay open, and the new agreed snapshot. Whatever the bridge side still has that
differs from the new snapshot is then written by the push flow, as any local change is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fortnox_bridge.engine.flow.base import normalise

Policy = Literal["bridge_wins", "fortnox_wins", "ask"]
POLICIES: tuple[Policy, ...] = ("bridge_wins", "fortnox_wins", "ask")


@dataclass
class MergeResult:
    """What a three-way comparison decided for one record."""

    #: Fortnox values the host side takes (changed in Fortnox only, or Fortnox won a conflict).
    take_fortnox: dict[str, Any] = field(default_factory=dict)
    #: Conflicts left open (policy ``ask``): ``{field: {"base", "bridge", "fortnox"}}``.
    open_conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Conflicts settled by the policy, for the log: ``{field: winner}``.
    settled: dict[str, str] = field(default_factory=dict)
    #: The agreed snapshot after this comparison (fields that were compared are updated).
    snapshot: dict[str, Any] = field(default_factory=dict)
    #: How the conflict that was open closes, when it does: ``agreed`` (both sides now hold the
    #: same values), or whose values flow when a policy other than ``ask`` settled it
    #: (``bridge``, ``fortnox``, ``mixed``).
    closed: str | None = None

    @property
    def changed(self) -> bool:
        """Whether anything beyond "all agreed, nothing new" came out."""
        return bool(self.take_fortnox or self.open_conflicts or self.settled)


def three_way(
    bridge: Mapping[str, Any],
    fortnox: Mapping[str, Any],
    base: Mapping[str, Any],
    fields: Iterable[str],
    policy: Policy,
    held: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    guarded: Collection[str] = (),
) -> MergeResult:
    """Compare ``fields`` of the bridge side, the Fortnox side and the base (last agreed).

    ``base`` holds the values last written to or read from Fortnox. Fields not in ``fields`` keep
    their base value (the Fortnox side did not show them). A field's new base is the Fortnox
    value whenever the Fortnox side is known, so the push flow later sends exactly the bridge
    values that must win. ``held``: the fields of the record's open conflict, if one is open.
    ``guarded``: fields whose Fortnox value may not flow to the host by itself (see
    ``Flow.guarded``): such a change is an open conflict whatever the policy.
    """
    known = set(fields)
    held = held or {}
    result = MergeResult(snapshot=dict(base))
    equal: set[str] = set()
    for name in sorted(known | set(held)):
        if name not in known:
            # Not read this time: nothing can be concluded about it.
            result.open_conflicts[name] = dict(held[name])
            continue
        ours, theirs, agreed = (normalise(side.get(name)) for side in (bridge, fortnox, base))
        if ours == theirs:
            equal.add(name)
        if name in held and policy == "ask":
            if ours == theirs:
                _set(result.snapshot, name, theirs)
            else:
                result.open_conflicts[name] = {"base": agreed, "bridge": ours, "fortnox": theirs}
            continue
        _set(result.snapshot, name, theirs)
        if ours == theirs or theirs == agreed:
            continue  # agreed, or only the bridge changed it: the push flow sends it
        if name in guarded:
            result.open_conflicts[name] = {"base": agreed, "bridge": ours, "fortnox": theirs}
            _set(result.snapshot, name, agreed)  # a person decides: nothing flows either way
        elif ours == agreed:
            result.take_fortnox[name] = theirs
        elif policy == "fortnox_wins":
            result.take_fortnox[name] = theirs
            result.settled[name] = "fortnox"
        elif policy == "bridge_wins":
            result.settled[name] = "bridge"
        else:
            result.open_conflicts[name] = {"base": agreed, "bridge": ours, "fortnox": theirs}
            _set(result.snapshot, name, agreed)  # undecided: nothing flows either way
    if held and not result.open_conflicts:
        sides = {"fortnox" if n in result.take_fortnox else "bridge" for n in set(held) - equal}
        result.closed = "agreed" if not sides else sides.pop() if len(sides) == 1 else "mixed"
    return result


def _set(snapshot: dict[str, Any], name: str, value: Any) -> None:
    if value is None:
        snapshot.pop(name, None)
    else:
        snapshot[name] = value
