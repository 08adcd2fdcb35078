"""Reads of some Fortnox records by id, one way per flow kind: what an event of Fortnox's topics
(``engine/sync/targeted.py``) turns into. Each stores what it reads exactly as the kind's sweep
strategy (``strategies.py``) would, through the same code, so a later sweep finds nothing new.
Push and derived flows read nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from fortnox_bridge.engine.flow.base import Flow, FlowKind
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.ledger_import import TargetedLedger
from fortnox_bridge.engine.sync.ledger_year_targets import TargetedLedgerYear
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.engine.sync.targeted_pull import TargetedImport, TargetedPull


class TargetedRead(Protocol):
    """How a flow of one kind reads some of its records by Fortnox id."""

    async def read(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        fortnox_ids: Sequence[str],
    ) -> None:
        """Read and store the records ``fortnox_ids`` name (one request each, at most)."""
        ...


#: The targeted read of each flow kind that reads Fortnox.
TARGETED: Mapping[FlowKind, TargetedRead] = {
    "pull": TargetedPull(),
    "import": TargetedImport(),
    "ledger": TargetedLedger(),
    "ledger_year": TargetedLedgerYear(),
}


async def read_targets(
    scope: RunScope, run: RunInputs, flow: Flow, result: FlowResult, fortnox_ids: Sequence[str]
) -> None:
    """Read ``fortnox_ids`` of ``flow`` the way its kind does (nothing for a kind that writes)."""
    reader = TARGETED.get(flow.flow_kind())
    if reader is not None and fortnox_ids:
        await reader.read(scope, run, flow, result, fortnox_ids)
