"""``/3/termsofpayments``: code ≤ 25; 201 carries ``Location: paymentterms`` (recorded)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec

RESOURCE = ResourceSpec(
    module="terms_of_payment",
    scope="settings",
    not_found=(2000429, "Kan inte hitta betalningsvillkoret."),
    location="paymentterms",
    id=IdRule("Code", kind="given", max_length=25),
    sort={"code": "Code"},
)
