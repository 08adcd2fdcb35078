"""Writing host records (kept in :mod:`fortnox_bridge.services.records`)."""

from fortnox_bridge.services.records import (
    MAX_BATCH,
    EntityWriter,
    Incoming,
    Outcome,
    merge_patch,
)

__all__ = ["MAX_BATCH", "EntityWriter", "Incoming", "Outcome", "merge_patch"]
