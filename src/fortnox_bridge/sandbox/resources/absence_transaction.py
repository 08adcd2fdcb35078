"""``/3/absencetransactions``: UUID ``id`` (lower-case key), cause-code enum, several rows per
day; DELETE answers 200 with the row (SPEC); ``/{EmployeeId}/{Date}/{CauseCode}`` lists matches."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.transactions import TimeTransactionRules

RESOURCE = ResourceSpec(
    module="absence_transaction",
    scope="salary",
    not_found=(2990103, "Kan inte hitta frånvarotransaktionen."),
    location="absencetransactions",
    id=IdRule("id", kind="uuid"),
    read_only=frozenset({"id"}),
    exact_search={"employeeid": "EmployeeId", "date": "Date"},
    date_field="Date",
    delete_answer="record",
    rules=TimeTransactionRules(),
)
