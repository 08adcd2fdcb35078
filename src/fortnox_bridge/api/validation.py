"""Checks of host records and external ids (kept in :mod:`fortnox_bridge.services.validation`)."""

from fortnox_bridge.services.validation import (
    EXTERNAL_ID_CHARACTERS,
    EXTERNAL_ID_MAX,
    ExternalIdText,
    RecordValidator,
    check_external_id,
)

__all__ = [
    "EXTERNAL_ID_CHARACTERS",
    "EXTERNAL_ID_MAX",
    "ExternalIdText",
    "RecordValidator",
    "check_external_id",
]
