"""``/3/expenses``: expense types (list, get, create)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.expense import Expense, ExpenseListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class ExpenseResource(Resource[Expense, ExpenseListItem]):
    """Expense operations."""

    description = describe("expense")
    model = Expense
    list_model = ExpenseListItem
