"""Checking a tenant mapping against what the flows declare they read (:class:`MappingKind`).

A mapping the engine would never read is refused when it is set, with what would be read:

- a kind no flow reads: the kinds there are, each with its local and Fortnox values in words;
- a local value no declaration of the kind covers (a PAXml code that does not exist): the values;
- a Fortnox value the kind does not allow for that local value (an absence cause code that
  Fortnox does not have): the allowed values.

Every discovered flow counts, enabled or not: a tenant may map before it turns a flow on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from fortnox_bridge.engine.flow.base import Flow, MappingKind

#: At most this many values are listed in a message; the rest are counted.
SHOWN = 40


@dataclass(frozen=True)
class MappingRefused:
    """Why a mapping is refused: which part of it, what is wrong, a stable code."""

    part: Literal["kind", "local_value", "fortnox_value"]
    message: str
    code: str


def declared(flows: Iterable[type[Flow]]) -> dict[str, list[tuple[str, MappingKind]]]:
    """``{kind: [(flow name, declaration), ...]}`` over ``flows``, kinds in name order."""
    found: dict[str, list[tuple[str, MappingKind]]] = {}
    for flow in flows:
        for kind in flow.mapping_kinds:
            found.setdefault(kind.kind, []).append((flow.name, kind))
    return dict(sorted(found.items()))


def describe_kinds(flows: Iterable[type[Flow]]) -> str:
    """``absence_cause (read by hr.absence.push: an absence type's code → a Fortnox absence
    cause code); paxml_code (...)``."""
    parts = []
    for kind, declarations in declared(flows).items():
        names = ", ".join(sorted({name for name, _ in declarations}))
        local = " or ".join(sorted({d.local for _, d in declarations}))
        fortnox = " or ".join(sorted({d.fortnox for _, d in declarations}))
        parts.append(f"{kind} (read by {names}: {local} → {fortnox})")
    return "; ".join(parts)


def check_kind(flows: Sequence[type[Flow]], kind: str) -> MappingRefused | None:
    """Why no mapping of ``kind`` can be set, or ``None`` when a flow reads the kind."""
    if kind in declared(flows):
        return None
    return MappingRefused(
        "kind",
        f"no flow reads mappings of kind {kind!r}, so such a mapping would never be used; the "
        f"kinds the engine reads are: {describe_kinds(flows) or 'none'}",
        "unknown_mapping_kind",
    )


def check_mapping(
    flows: Sequence[type[Flow]], kind: str, local_value: str, fortnox_value: str | None
) -> MappingRefused | None:
    """Why ``kind``/``local_value`` → ``fortnox_value`` (``None``: excluded) cannot be set."""
    unknown = check_kind(flows, kind)
    if unknown is not None:
        return unknown
    declarations = [d for _, d in declared(flows)[kind]]
    covering = [d for d in declarations if d.local_values is None or local_value in d.local_values]
    if not covering:
        values = sorted({v for d in declarations for v in d.local_values or ()})
        return MappingRefused(
            "local_value",
            f"{local_value!r} is not {declarations[0].local}, so a mapping of it would never be "
            f"used; kind {kind} maps one of: {_listed(values)}",
            "unknown_local_value",
        )
    if fortnox_value is None or any(d.fortnox_values is None for d in covering):
        return None
    allowed = sorted({v for d in covering for v in d.fortnox_values or ()})
    if fortnox_value in allowed:
        return None
    return MappingRefused(
        "fortnox_value",
        f"{fortnox_value!r} is not {covering[0].fortnox} that {local_value!r} can be mapped to "
        f"(kind {kind}); Fortnox takes one of: {_listed(allowed)}",
        "fortnox_enum",
    )


def _listed(values: Sequence[str]) -> str:
    shown = ", ".join(values[:SHOWN])
    return shown + (f" and {len(values) - SHOWN} more" if len(values) > SHOWN else "")
