"""``/3/expenses``: expense codes used by salary transactions; create, get and list only."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec

RESOURCE = ResourceSpec(
    module="expense",
    scope="salary",
    not_found=(2990102, "Kan inte hitta utläggskoden."),
    location="expenses",
    # SalaryTransaction.Expense refers to the code and is at most 6 characters.
    id=IdRule("Code", kind="given", max_length=6),
)
