"""``/3/voucherseries``: voucher series by ``Code`` (given, 1–10 characters); no DELETE.
``NextVoucherNumber`` and ``Year`` are read-only and follow the year asked for."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.ledger import VoucherSeriesRules

RESOURCE = ResourceSpec(
    module="voucher_series",
    scope="bookkeeping",
    # No recorded not-found answer for voucher series: the sandbox's own code.
    not_found=(2990120, "Kan inte hitta verifikationsserien."),
    location="voucherseries",
    id=IdRule("Code", kind="given", max_length=10, allowed="A-Za-z0-9ÅÄÖåäö_\\-"),
    read_only=frozenset({"NextVoucherNumber", "Year"}),
    defaults={"Manual": False},
    sort={"code": "Code"},
    rules=VoucherSeriesRules(),
)
