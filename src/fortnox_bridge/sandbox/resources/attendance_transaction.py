"""``/3/attendancetransactions``: as absence rows, with ``Hours`` sent as a string (SPEC)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.transactions import TimeTransactionRules

RESOURCE = ResourceSpec(
    module="attendance_transaction",
    scope="salary",
    not_found=(2990104, "Kan inte hitta närvarotransaktionen."),
    location="attendancetransactions",
    id=IdRule("id", kind="uuid"),
    read_only=frozenset({"id"}),
    # The SPEC's single-row schema lacks the id the list items carry; GET/PUT/DELETE need it.
    extra_fields={"id": None},
    exact_search={"employeeid": "EmployeeId", "date": "Date"},
    date_field="Date",
    delete_answer="record",
    rules=TimeTransactionRules(),
)
