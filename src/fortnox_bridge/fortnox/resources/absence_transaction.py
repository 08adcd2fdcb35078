"""``/3/absencetransactions``: one absence per employee, day and cause code (UUID ids)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.absence_transaction import (
    AbsenceTransactionListItem,
    AbsenceTransactionSingleItem,
)
from fortnox_bridge.fortnox.resources.base import Resource, describe


class AbsenceTransactionResource(
    Resource[AbsenceTransactionSingleItem, AbsenceTransactionListItem]
):
    """AbsenceTransaction operations."""

    description = describe("absence_transaction")
    model = AbsenceTransactionSingleItem
    list_model = AbsenceTransactionListItem
