"""``/3/pricelists``: ``Code`` chosen by the client (at most 100 characters); every company has
the default list ``A``. No DELETE."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec

RESOURCE = ResourceSpec(
    module="price_list",
    scope="price",
    # No recorded not-found answer for price lists: the sandbox's own code.
    not_found=(2990131, "Kan inte hitta prislistan."),
    location="pricelists",
    id=IdRule("Code", kind="given", max_length=100),
    defaults={"PreSelected": False, "Comments": ""},
    sort={"code": "Code", "comments": "Comments"},
)
