"""What a ledger import (``engine/sync/ledger_import.py``) keeps between sweeps, in the links.

- an imported record: a link of the flow's entity in state ``linked`` whose snapshot holds the
  rows as imported (``{"rows": [...]}``);
- a record not ready yet (a voucher without a row on a project): a link in state ``pending``,
  without a mirror record;
- a record reported gone from Fortnox: state ``missing`` (not read again);
- the highest number read per series: a link of entity ``<entity>.series`` per series, its
  snapshot ``{"year": <year id>, "highest": <number>}``.

``updated_at`` is when a record was last read: the records read again are the oldest first.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Link


def series_entity(entity: str) -> str:
    """The links entity that holds a ledger's series positions."""
    return f"{entity}.series"


def oldest(session: Session, tenant_id: int, entity: str, state: str, limit: int) -> list[Link]:
    """At most ``limit`` links of ``entity`` in ``state``, least recently read first."""
    if limit <= 0:
        return []
    return list(
        session.scalars(
            select(Link)
            .where(Link.tenant_id == tenant_id, Link.entity_type == entity, Link.state == state)
            .order_by(Link.updated_at, Link.id)
            .limit(limit)
        )
    )
