"""``service.service_price.push`` and ``service.service_price.pull``: article prices in the
tenant's Fortnox price list (the setting ``price_list``, ``A`` by default) both ways, when the
setting ``sync_prices`` is on.

A host price is an article's price from quantity 0 in a price list; only prices in the tenant's
price list are synchronised (others are skipped), and a host price without a value is never
sent. Fortnox names a price by list, article and from-quantity: the bridge keeps ``A:101:0`` as
its Fortnox id. A push writes the price (it changes the price when Fortnox already has one for
the article, so nothing is added twice); a pull reads every active Fortnox article with its
price in the list (one read of the articles and one of the list per sweep) and compares three
ways, so a price changed on either side reaches the other within one sweep. A price Fortnox has
for an article the host has no price of becomes a host price.

A Fortnox article **without** a price never erases the host's price by itself: the change is
held as an open conflict (whatever the tenant's conflict policy) for a person to decide, unless
the tenant confirmed with ``accept_empty_fortnox_prices`` that it may. Before the first sweep
with price sync on writes anything, the host's prices are kept as a CSV file the tenant can
download (``GET /api/v1/service-prices/backup.csv``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Excluded, Flow, FlowSettings
from fortnox_bridge.flows.service.register_records import HostServicePrice
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW, ServiceSettings
from fortnox_bridge.fortnox import FortnoxClient, NotFoundError
from fortnox_bridge.fortnox.resources.price import PriceResource, PriceRow, price_key, split_key

#: The kind of document the prices' backup is kept as (see ``backup_kind``).
BACKUP = "backup"
OFF = "the setting sync_prices is off"


def amount(value: Any) -> str | None:
    """A price as the bridge compares it: ``450``, ``99.5`` (``None`` without one)."""
    if value in (None, ""):
        return None
    return format(Decimal(str(value)).normalize(), "f")


class PriceWriter:
    """Prices as the push writes them: a create of a price Fortnox already has for the article
    changes that price (one read first), so a price is never added twice."""

    def __init__(self, prices: PriceResource, price_list: str) -> None:
        self.prices, self.price_list = prices, price_list

    async def create(self, fields: Mapping[str, Any]) -> PriceRow:
        """Write the price of ``fields`` (list, article, quantity, price)."""
        parts = (fields["price_list"], fields["article_number"], fields["from_quantity"])
        page = await self.prices.sublist(str(parts[0]), str(parts[1]))
        if price_key(*parts) in {row.key for row in page.items}:
            return await self.prices.update(price_key(*parts), {"price": fields.get("price")})
        return await self.prices.create(fields)

    async def update(self, fortnox_id: str, changes: Mapping[str, Any]) -> PriceRow:
        """Change the price named ``fortnox_id``; add it when Fortnox has none (an article
        the pull met without a price)."""
        try:
            return await self.prices.update(fortnox_id, changes)
        except NotFoundError:
            price_list, article_number, quantity = split_key(fortnox_id)
            fields = {"price_list": price_list, "article_number": article_number,
                      "from_quantity": quantity}  # fmt: skip
            return await self.prices.create({**fields, **changes})

    async def get(self, fortnox_id: str) -> PriceRow:
        """The price named ``fortnox_id``."""
        return await self.prices.get(fortnox_id)

    async def delete(self, fortnox_id: str) -> None:
        """Remove the price named ``fortnox_id``."""
        await self.prices.delete(fortnox_id)

    def iterate(self, **options: Any) -> Any:
        """The prices of the tenant's list (a natural-key search reads the list whole)."""
        return self.prices.iterate(price_list=self.price_list)


class _PriceFlow(Flow):
    """What both price flows share."""

    entity: ClassVar[str] = "service_price"
    resource: ClassVar[str] = "prices"
    fortnox_id_field: ClassVar[str] = "key"
    record_model: ClassVar[type[BaseModel]] = HostServicePrice
    Settings: ClassVar[type[FlowSettings]] = ServiceSettings
    settings_flow: ClassVar[str | None] = SETTINGS_FLOW
    base: ClassVar[bool] = True
    reads: ClassVar[tuple[str, ...]] = ("articles",)
    natural_key: ClassVar[tuple[str, ...]] = ("price_list", "article_number")
    #: Before either price flow first writes, the host's prices are kept as a CSV file.
    backup_kind: ClassVar[str | None] = BACKUP
    standalone: ClassVar[bool] = False

    @property
    def price_list(self) -> str:
        """The tenant's price list."""
        return str(getattr(self.settings, "price_list", None) or "A")

    def paused(self) -> str | None:
        """Off until the tenant turns ``sync_prices`` on."""
        return None if getattr(self.settings, "sync_prices", False) else OFF

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``price p-7 (S-1 in list A)``."""
        if not record:
            return f"price {external_id}"
        return (
            f"price {external_id} ({record.get('article_number')} in list "
            f"{record.get('price_list', 'A')})"
        )


class PricePush(_PriceFlow):
    """Writes the host's prices in the tenant's price list to Fortnox."""

    name: ClassVar[str] = "service.service_price.push"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    standalone: ClassVar[bool] = True
    # After the articles the prices are of.
    order: ClassVar[int] = 207
    create_only: ClassVar[frozenset[str]] = frozenset(
        {"price_list", "article_number", "from_quantity"}
    )

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host price → Fortnox price fields; other lists and empty prices are not sent."""
        price_list = str(record.get("price_list") or "A")
        if price_list != self.price_list:
            raise Excluded(f"price list {price_list}; the tenant synchronises {self.price_list}")
        price = amount(record.get("price"))
        if price is None:
            raise Excluded("no price: nothing to send")
        return {
            "price_list": price_list,
            "article_number": str(record["article_number"]),
            "from_quantity": "0",
            "price": price,
        }

    def write_resource(self, client: FortnoxClient) -> Any:
        """Prices through :class:`PriceWriter` (a price already there is changed)."""
        return PriceWriter(client.prices, self.price_list)


class PricePull(_PriceFlow):
    """Reads the tenant's price list per active Fortnox article and reconciles it."""

    name: ClassVar[str] = "service.service_price.pull"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    standalone: ClassVar[bool] = True
    counterpart: ClassVar[str | None] = PricePush.name
    pull_fields: ClassVar[frozenset[str]] = frozenset({"price_list", "article_number", "price"})
    order: ClassVar[int] = 152

    def pull_params(self) -> dict[str, Any]:
        """Every active article with its price in the tenant's list (``None`` without one)."""
        return {"price_list": self.price_list, "every_article": True}

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox price fields → host price fields (``price`` ``None`` removes the price)."""
        host = {name: fields[name] for name in ("price_list", "article_number") if name in fields}
        if "price" in fields:
            host["price"] = amount(fields["price"])
        return host

    def guarded(self, fortnox: Mapping[str, Any]) -> frozenset[str]:
        """A Fortnox article without a price erases no host price unless the tenant accepts
        it: that change waits in a conflict."""
        if getattr(self.settings, "accept_empty_fortnox_prices", False):
            return frozenset()
        return frozenset({"price"}) if amount(fortnox.get("price")) is None else frozenset()

    def imports_unmatched(self) -> bool:
        """A Fortnox price the host has no price for becomes a host price."""
        return True

    def import_new(self, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """A Fortnox article without a price (and none on the host) is nothing to import."""
        host = self.unmap(fields)
        return host if host.get("price") is not None else None
