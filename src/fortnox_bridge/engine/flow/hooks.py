"""What a flow may decide from its tenant's settings at run time, beside its mappings.

Every :class:`~fortnox_bridge.engine.flow.base.Flow` has these hooks with defaults that change
nothing; a family whose settings turn directions on and off, or guard what Fortnox may change
on the host side, overrides them (the service family's registers do).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class SettingsHooks:
    """Run-time decisions of a flow (a mixin of ``Flow``). Pure: no I/O."""

    settings: Any
    #: When set, the host's records of the flow's entity are kept once as a CSV document of
    #: this kind before the flow first runs for a tenant (not paused), so what the host had
    #: before the first synchronisation can be downloaded (see ``engine/sync/backups.py``).
    backup_kind: ClassVar[str | None] = None

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox fields → host payload fields (``Flow`` declares it)."""
        raise NotImplementedError

    def paused(self) -> str | None:
        """Why the flow does nothing for this tenant now (its settings turned its direction
        off), or ``None`` when it runs. A paused flow reads and writes nothing."""
        return None

    def imports_unmatched(self) -> bool:
        """Two-way pull: whether Fortnox records no host record matches become host records
        (by default the flow's ``import_unmatched`` setting says)."""
        return bool(getattr(self.settings, "import_unmatched", False))

    def import_new(self, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """The host payload fields of a record new in Fortnox, or ``None`` to leave it out
        (a pull may add host-only fields to records that come from Fortnox)."""
        return self.unmap(fields)

    def guarded(self, fortnox: Mapping[str, Any]) -> frozenset[str]:
        """Two-way pull: fields whose value Fortnox now shows (``fortnox``) must not reach the
        host by themselves: a change of them is held as an open conflict for a person to
        decide, whatever the tenant's policy."""
        return frozenset()
