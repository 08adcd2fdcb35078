"""``/3/attendancetransactions``: attendance per employee, day and cause code (UUID ids)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.attendance_transaction import (
    AttendanceTransaction,
    AttendanceTransactionListItem,
)
from fortnox_bridge.fortnox.resources.base import Resource, describe


class AttendanceTransactionResource(Resource[AttendanceTransaction, AttendanceTransactionListItem]):
    """AttendanceTransaction operations."""

    description = describe("attendance_transaction")
    model = AttendanceTransaction
    list_model = AttendanceTransactionListItem
