"""Host records written for a front end, with the request's answer kept in the same transaction.

The writing itself is :class:`~fortnox_bridge.services.records.EntityWriter`; this adds the
store and the clock, and keeps the answer of a request sent with an idempotency key atomically
with its records (see :mod:`fortnox_bridge.services.idempotency`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.services.idempotency import Claim
from fortnox_bridge.services.records import EntityWriter, Incoming, Outcome

#: The answer of a request made from the outcomes of its write: status and JSON body, or
#: ``None`` when there is no answer to keep.
Answer = Callable[[list[Outcome]], tuple[int, dict[str, Any]] | None]


class RecordWrites:
    """Stores host records in one store, at the clock's time."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def write(
        self,
        writer: EntityWriter,
        tenant_id: int,
        incoming: Sequence[Incoming],
        *,
        answer: Answer | None = None,
        claim: Claim | None = None,
    ) -> list[Outcome]:
        """Store ``incoming`` with ``writer``; one outcome per record, in order.

        ``answer`` is made from the outcomes before the write commits, and kept under ``claim``
        (when given) in the write's transaction.
        """

        def keep(session: Session, outcomes: list[Outcome]) -> None:
            kept = answer(outcomes) if answer is not None else None
            if kept is not None and claim is not None:
                status, body = kept
                claim.finish(status, body, session=session)

        return writer.write(
            self.sessions, tenant_id, incoming, now=self.clock.now(), before_commit=keep
        )
