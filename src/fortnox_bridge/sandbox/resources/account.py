"""``/3/accounts``: the chart of accounts, by four-digit ``Number`` (given by the client, never
changed). ``?financialyear=`` names the year; ``Year`` shows it (see ``rules.ledger``). The chart
also answers ``GET /3/accountcharts``."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.ledger import AccountRules

RESOURCE = ResourceSpec(
    module="account",
    scope="bookkeeping",
    not_found=(2000423, "Kan inte hitta kontot."),
    location="accounts",
    id=IdRule("Number", kind="given"),
    read_only=frozenset({"Year", "BalanceCarriedForward", "QuantitySettings", "QuantityUnit"}),
    # What an account shows for settings never set (seeded charts set none).
    blanks={
        "BalanceBroughtForward": 0,
        "BalanceCarriedForward": 0,
        "CostCenterSettings": "ALLOWED",
        "ProjectSettings": "ALLOWED",
        "TransactionInformationSettings": "ALLOWED",
        "QuantitySettings": "NOTALLOWED",
    },
    defaults={"Active": True},
    filters={
        "active": lambda ctx, r: bool(r.get("Active", True)),
        "inactive": lambda ctx, r: not r.get("Active", True),
    },
    exact_search={"sru": "SRU"},
    sort={"number": "Number"},
    lastmodified=True,
    rules=AccountRules(),
)
