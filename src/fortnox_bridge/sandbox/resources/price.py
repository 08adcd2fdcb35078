"""``/3/prices``: prices named by price list, article number and from-quantity. The routes and
rules are in ``rules.price``; an article's ``SalesPrice`` is derived from them
(``rules.article``)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.price import PRICE_NOT_FOUND, PriceRules

RESOURCE = ResourceSpec(
    module="price",
    scope="price",
    not_found=PRICE_NOT_FOUND,
    location="prices",
    read_only=frozenset({"Date"}),
    rules=PriceRules(),
)
