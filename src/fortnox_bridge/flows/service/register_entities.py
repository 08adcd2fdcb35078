"""The service family's register entities."""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity

ENTITIES: tuple[HostEntity, ...] = ()
