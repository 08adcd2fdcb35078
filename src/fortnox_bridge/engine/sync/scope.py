"""What the parts of one run share: :class:`RunScope` and :class:`RunInputs`.

A run hands the same few things to every part that plans, writes or records: where the store is,
what time it is, for which tenant, as whom it writes, how long a write marker holds and whether
anything may be written at all. They travel together as one frozen object instead of one
argument each; what the run works on (the tenant's context, the Fortnox source, a progress
callback) travels as a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock

if TYPE_CHECKING:
    from fortnox_bridge.engine.flow.sources import ClientSource
    from fortnox_bridge.engine.sync.context import TenantContext
    from fortnox_bridge.store.documents import DocumentFiles

#: How long a write may be in flight before another worker takes it over (above the client's
#: 30 s timeout, so a request still on the wire is never duplicated by an impatient worker).
WRITE_LEASE = timedelta(seconds=120)

#: Called as ``progress(flow_name, done, total)`` while a flow is applied.
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True, kw_only=True)
class RunScope:
    """Where, when, for whom and as whom one run (or one maintenance job) works."""

    sessions: sessionmaker[Session]
    clock: Clock
    tenant_id: int
    #: Who marks the writes: the job holding the tenant's writer, or a worker id.
    owner: str
    #: How long a pending write marker holds before another worker may take it over.
    lease: timedelta = WRITE_LEASE
    #: Plan and read, but write nothing (to Fortnox or to the store).
    dry_run: bool = False
    #: Where documents fetched from Fortnox are kept (voucher images); ``None``: none fetched.
    documents: DocumentFiles | None = None


@dataclass(frozen=True, kw_only=True)
class RunInputs:
    """What one run works on: the tenant's configuration and where Fortnox is read and written."""

    context: TenantContext
    source: ClientSource
    progress: ProgressCallback | None = None
