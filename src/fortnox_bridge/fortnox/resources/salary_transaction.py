"""``/3/salarytransactions``: salary rows, keyed by ``SalaryRow``."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.salary_transaction import (
    SalaryTransaction,
    SalaryTransactionListItem,
)
from fortnox_bridge.fortnox.resources.base import Resource, describe


class SalaryTransactionResource(Resource[SalaryTransaction, SalaryTransactionListItem]):
    """SalaryTransaction operations."""

    description = describe("salary_transaction")
    model = SalaryTransaction
    list_model = SalaryTransactionListItem
