"""``/3/prices``: an article's price in a price list from a quantity on.

A price is named by three parts, ``/3/prices/{PriceList}/{ArticleNumber}/{FromQuantity}``; this
resource also takes them as one key, ``"A:101:0"`` (:func:`price_key`), which is what the
bridge keeps as a price's Fortnox id (a colon, not a slash: the key also makes host ids, which
take no slash). The prices of one price list (or of one article in it) are
read with the sublists. An article's ``SalesPrice`` is its price in the default list ``A`` from
quantity 0; it is read-only on the article and changed here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from pydantic import Field

from fortnox_bridge.fortnox.models.article import ArticleListItem
from fortnox_bridge.fortnox.models.base import FortnoxModel, MetaInformation
from fortnox_bridge.fortnox.models.price import Price
from fortnox_bridge.fortnox.resources.base import MAX_PAGE_SIZE, Page, Resource, describe

#: The price list every company has, whose from-quantity-0 price is an article's SalesPrice.
DEFAULT_LIST = "A"


class PriceRow(Price):
    """A price as the bridge reads it, with its one-text key (never sent to Fortnox)."""

    key: str | None = Field(default=None, alias="@key")


def quantity_text(value: Any) -> str:
    """A from-quantity as it stands in a path: ``0``, ``10``, ``2.5``."""
    number = Decimal(str(value if value not in (None, "") else 0))
    text = format(number.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def price_key(price_list: str, article_number: str, from_quantity: Any = 0) -> str:
    """``"A:101:0"``: the three parts that name a price, as one text."""
    return f"{price_list}:{article_number}:{quantity_text(from_quantity)}"


def split_key(key: str) -> tuple[str, str, str]:
    """``"A:101:0"`` → ``("A", "101", "0")``; an article number may itself hold ``:``."""
    price_list, _, rest = str(key).partition(":")
    article_number, _, quantity = rest.rpartition(":")
    if not price_list or not article_number or not quantity:
        raise ValueError(f"a price is named 'list:article:from-quantity', got {key!r}")
    return price_list, article_number, quantity


def _keyed(data: Mapping[str, Any]) -> PriceRow:
    row = PriceRow.model_validate(data)
    key = price_key(str(row.price_list), str(row.article_number), row.from_quantity)
    return row.model_copy(update={"key": key})


class PriceResource(Resource[PriceRow, PriceRow]):
    """Price operations by key (``"A:101:0"``) or by parts; ``iterate(price_list=...)`` lists
    one price list, ``every_article=True`` one row per article of the company."""

    description = describe("price")
    model = Price
    list_model = PriceRow

    async def access_probe(self) -> None:
        """One cheap read that needs what every price call needs (the ``price`` scope and the
        licence): the first page of price lists. ``GET /3/prices`` itself lists nothing
        (prices are read by price list), so a plain list call cannot tell access."""
        await self._client.request("GET", "/3/pricelists", params={"page": "1", "limit": "1"})

    def _path(self, record_id: str | int) -> str:
        parts = split_key(str(record_id))
        return self.description.path + "/" + "/".join(quote(p, safe="") for p in parts)

    def _parse(self, data: dict[str, Any], key: str | None = None) -> PriceRow:
        return _keyed(data[key or str(self.description.single_key)])

    async def sublist(
        self,
        price_list: str,
        article_number: str | None = None,
        *,
        page: int = 1,
        limit: int = 100,
    ) -> Page[PriceRow]:
        """One page of the prices of ``price_list`` (of one article in it, when given)."""
        path = f"{self.description.path}/sublist/{quote(price_list, safe='')}"
        if article_number is not None:
            path += f"/{quote(article_number, safe='')}"
        params = {"page": str(page), "limit": str(limit)}
        data = await self._client.request("GET", path, params=params)
        rows = [_keyed(row) for row in data.get("Prices", [])]
        return Page(rows, MetaInformation.model_validate(data["MetaInformation"]))

    async def iterate(
        self,
        *,
        price_list: str = DEFAULT_LIST,
        every_article: bool = False,
        limit: int = MAX_PAGE_SIZE,
        **options: Any,
    ) -> AsyncIterator[PriceRow]:
        """Every price of ``price_list``; with ``every_article``, one row per article of the
        company instead: its price from quantity 0 in the list, ``price=None`` when it has none
        (so an article without a price is seen as such). ``options`` (a natural-key search) are
        ignored: a price list is read whole."""
        if not every_article:
            async for row in self._pages(price_list, limit):
                yield row
            return
        prices = {
            str(row.article_number): row
            async for row in self._pages(price_list, limit)
            if Decimal(str(row.from_quantity or 0)) == 0
        }
        async for article in self._articles(limit):
            number = str(article.article_number)
            found = prices.get(number)
            yield found or PriceRow(
                price_list=price_list,
                article_number=number,
                from_quantity=Decimal(0),
                price=None,
                key=price_key(price_list, number),
            )

    async def _pages(self, price_list: str, limit: int) -> AsyncIterator[PriceRow]:
        page = 1
        while True:
            result = await self.sublist(price_list, page=page, limit=limit)
            for row in result.items:
                yield row
            if result.meta.current_page >= result.meta.total_pages:
                return
            page += 1

    async def _articles(self, limit: int) -> AsyncIterator[ArticleListItem]:
        path = describe("article").path
        page = 1
        while True:
            params = {"page": str(page), "limit": str(limit), "filter": "active"}
            data = await self._client.request("GET", path, params=params)
            for row in data.get("Articles", []):
                yield ArticleListItem.model_validate(row)
            meta = MetaInformation.model_validate(data["MetaInformation"])
            if meta.current_page >= meta.total_pages:
                return
            page += 1

    async def create(self, record: Mapping[str, Any] | FortnoxModel) -> PriceRow:
        """Add a price (``price_list``, ``article_number``, ``from_quantity``, ``price``)."""
        self._require("create")
        body = {"Price": self._body(record, blank_none=False)}
        return self._parse(await self._client.request("POST", self.description.path, body=body))

    async def update(
        self, record_id: str | int, changes: Mapping[str, Any] | FortnoxModel
    ) -> PriceRow:
        """Change the price named by ``record_id`` (``"A:101:0"``); the parts of the key are
        never sent: they are the path."""
        self._require("update")
        fields = self._body(changes, blank_none=True)
        for part in ("PriceList", "ArticleNumber", "FromQuantity"):
            fields.pop(part, None)
        body = {"Price": fields}
        return self._parse(await self._client.request("PUT", self._path(record_id), body=body))
