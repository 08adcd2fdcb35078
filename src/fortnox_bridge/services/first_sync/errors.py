"""What a first-synchronization request can be refused with; ``code`` says which kind, and the
front ends answer each kind in their own way (404, 409, 422; a message on the page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fortnox_bridge.engine.errors import EngineError


class FirstSyncError(EngineError):
    """A first-synchronization request that cannot be done; ``code`` says which kind."""

    code = "first_sync"

    def __init__(self, message: str, *, items: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.items = [dict(item) for item in items]


class NoPlanError(FirstSyncError):
    """There is no plan (or no such item in the tenant's plan)."""

    code = "not_found"


class PlanOpenError(FirstSyncError):
    """A plan is open already: apply it or discard it first."""

    code = "plan_open"


class PlanClosedError(FirstSyncError):
    """The plan (or the item) is applied or discarded: nothing can be decided any more."""

    code = "plan_closed"


class InvalidDecisionError(FirstSyncError):
    """The decision does not fit the item; ``path`` is the part of the decision at fault."""

    code = "invalid_decision"

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class NotReadyError(FirstSyncError):
    """Apply refused: undecided items or unresolved duplicates; ``items`` lists them."""

    code = "not_ready"
