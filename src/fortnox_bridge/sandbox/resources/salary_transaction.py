"""``/3/salarytransactions``: ``SalaryRow`` numbered by Fortnox; amounts are strings (SPEC);
DELETE answers 200 with the row."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.transactions import SalaryTransactionRules

RESOURCE = ResourceSpec(
    module="salary_transaction",
    scope="salary",
    not_found=(2990105, "Kan inte hitta lönetransaktionen."),
    location="salarytransactions",
    id=IdRule("SalaryRow", kind="serial"),
    read_only=frozenset({"SalaryRow"}),
    exact_search={"employeeid": "EmployeeId", "date": "Date"},
    date_field="Date",
    delete_answer="record",
    rules=SalaryTransactionRules(),
)
