"""``/3/employees``: list, get, create, partial update; no DELETE, as in Fortnox (deactivate with
``Inactive``). ``EmployeeId`` is 1–15 characters, generated when omitted and never changed.
Amounts come back as strings, as the real API sends them.
"""

from __future__ import annotations

from fortnox_bridge.fortnox.models import Employee
from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.employee import EmployeeRules

RESOURCE = ResourceSpec(
    module="employee",
    scope="salary",
    not_found=(2000436, "Kan inte hitta den anställde."),
    location="employees",
    id=IdRule(
        "EmployeeId", max_length=15, immutable=(2000729, "Anställningsnummer kan inte ändras.")
    ),
    # FullName is computed; the vacation counters are read-only.
    read_only=frozenset(
        {"FullName"} | {n for n in Employee.wire_names() if n.startswith("Vacation")}
    ),
    # SPEC marks Email required too, but real data often has "" (UNCONFIRMED that it is enforced).
    required=("FirstName", "LastName"),
    blanks={"MonthlySalary": "0"},
    list_fields=(
        "@url",
        "EmployeeId",
        "PersonalIdentityNumber",
        "FirstName",
        "LastName",
        "FullName",
        "Email",
        "Phone1",
        "Inactive",
    ),
    filters={
        "active": lambda ctx, r: not r.get("Inactive", False),
        "inactive": lambda ctx, r: bool(r.get("Inactive", False)),
    },
    rules=EmployeeRules(),
)
