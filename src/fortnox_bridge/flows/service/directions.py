"""What the service family's customer and article flows share: the direction the register
settings give a flow (pure), the mapping of a register's fields both ways, and the two halves
of a register kept in step (:class:`RegisterPush`, :class:`RegisterPull`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from fortnox_bridge.engine.flow.base import ExistingPolicy, Flow, FlowSettings
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW, ServiceSettings

#: Settings values that send host records to Fortnox / read Fortnox's back.
TO_FORTNOX = frozenset({"both", "to_fortnox"})
FROM_FORTNOX = frozenset({"both", "from_fortnox"})


def paused(settings: Any, register: str, direction: str) -> str | None:
    """Why a flow of ``register`` (``customers``, ``articles``) going ``direction`` (``push``
    or ``pull``) does nothing under ``settings``, or ``None`` when it runs."""
    chosen = str(getattr(settings, register, "both"))
    wanted = TO_FORTNOX if direction == "push" else FROM_FORTNOX
    if chosen in wanted:
        return None
    return f"the setting {register} is {chosen!r}"


def fortnox_fields(fields: Mapping[str, str], record: Mapping[str, Any]) -> dict[str, Any]:
    """Host payload → the Fortnox fields of ``fields`` (host → Fortnox names), with the host's
    ``type`` upper-cased as Fortnox spells it (``company`` → ``COMPANY``)."""
    out = {target: record.get(source) for source, target in fields.items()}
    kind = record.get("type")
    out["type"] = str(kind).upper() if kind else None
    return out


def host_fields(fields: Mapping[str, str], given: Mapping[str, Any]) -> dict[str, Any]:
    """Fortnox fields → host fields (only those given; ``None`` removes one), with Fortnox's
    ``type`` lower-cased as the host spells it."""
    host = {source: given[target] for source, target in fields.items() if target in given}
    if "type" in given:
        kind = given["type"]
        host["type"] = str(kind).lower() if kind else None
    return host


class RegisterPush(Flow):
    """Host records of a register → Fortnox, when the register's setting sends them; a Fortnox
    record with the host record's number is that record (adopted, never created twice), and a
    deleted host record is made inactive in Fortnox (its number may be on documents)."""

    direction: ClassVar[Literal["push", "pull"]] = "push"
    Settings: ClassVar[type[FlowSettings]] = ServiceSettings
    settings_flow: ClassVar[str | None] = SETTINGS_FLOW
    #: A base flow: runs for every tenant of the family; the register's setting decides.
    base: ClassVar[bool] = True
    match_existing: ClassVar[bool] = True
    delete_by: ClassVar[Mapping[str, Any] | None] = {"active": False}
    undelete_by: ClassVar[Mapping[str, Any]] = {"active": True}
    standalone: ClassVar[bool] = False
    #: The setting that chooses the register's direction (``customers``, ``articles``).
    register: ClassVar[str]

    def paused(self) -> str | None:
        """Off unless the register's setting sends its records to Fortnox."""
        return paused(self.settings, self.register, "push")

    def existing_policy(self) -> ExistingPolicy:
        """A Fortnox record with the host record's number is that record: adopt it."""
        return "adopt"


class RegisterPull(Flow):
    """Fortnox's records of a register → compared three ways with the host's, when the
    register's setting reads them; a sweep lists only what changed in Fortnox since the last
    one (Fortnox's list rows lack fields the comparison needs, so every listed record is read
    in full: only changed ones), and a record created in Fortnox becomes a host record."""

    direction: ClassVar[Literal["push", "pull"]] = "pull"
    Settings: ClassVar[type[FlowSettings]] = ServiceSettings
    settings_flow: ClassVar[str | None] = SETTINGS_FLOW
    base: ClassVar[bool] = True
    cursor_param: ClassVar[str | None] = "lastmodified"
    standalone: ClassVar[bool] = False
    register: ClassVar[str]

    def paused(self) -> str | None:
        """Off unless the register's setting reads its records from Fortnox."""
        return paused(self.settings, self.register, "pull")

    def imports_unmatched(self) -> bool:
        """A record created in Fortnox becomes a host record."""
        return str(getattr(self.settings, self.register, "both")) in FROM_FORTNOX
