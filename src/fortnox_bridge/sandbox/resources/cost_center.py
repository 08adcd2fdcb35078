"""``/3/costcenters``: ``Code`` of 1–6 characters chosen by the client."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec

RESOURCE = ResourceSpec(
    module="cost_center",
    scope="costcenter",
    # No recorded not-found answer for cost centres: the sandbox's own code.
    not_found=(2990101, "Kan inte hitta kostnadsstället."),
    location="costcenters",
    id=IdRule("Code", kind="given", max_length=6),
    defaults={"Active": True},
    filters={
        "active": lambda ctx, r: bool(r.get("Active", True)),
        "inactive": lambda ctx, r: not r.get("Active", True),
    },
    sort={"code": "Code"},
)
