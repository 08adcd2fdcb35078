"""Price lists and prices through the client against the in-process sandbox: the default list
``A`` of a new company, a price's life by its three-part key, the sublists, an article's read-only
``SalesPrice``, and the refusals of a price for an unknown article or list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fortnox_bridge.fortnox import FortnoxClient, NotFoundError
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.fortnox.resources.price import price_key, split_key
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect


@pytest.fixture
async def fortnox(connect: Connect, control: SandboxControl) -> FortnoxClient:
    tenant = (await control.create_company("Pris AB", seed="empty"))["tenant_id"]
    client, _, _ = await connect(tenant, ["price", "article"])
    await client.articles.create({"article_number": "101", "description": "Filter"})
    await client.articles.create({"article_number": "102", "description": "Service"})
    return client


def test_keys_name_list_article_and_quantity() -> None:
    assert price_key("A", "101", Decimal("0.00")) == "A:101:0"
    assert price_key("B", "x:1", "2.50") == "B:x:1:2.5"
    assert split_key("B:x:1:2.5") == ("B", "x:1", "2.5")
    with pytest.raises(ValueError, match="list:article:from-quantity"):
        split_key("A:101")


async def test_a_new_company_has_the_default_price_list(fortnox: FortnoxClient) -> None:
    lists = [p async for p in fortnox.price_lists.iterate()]
    assert [(p.code, p.pre_selected) for p in lists] == [("A", True)]
    created = await fortnox.price_lists.create({"code": "B", "description": "Återförsäljare"})
    assert (created.code, created.pre_selected) == ("B", False)
    assert (await fortnox.price_lists.get("B")).description == "Återförsäljare"


async def test_price_create_get_update_delete_and_sublists(fortnox: FortnoxClient) -> None:
    created = await fortnox.prices.create(
        {"price_list": "A", "article_number": "101", "from_quantity": 0, "price": 250}
    )
    assert (created.key, created.price) == ("A:101:0", Decimal(250))
    await fortnox.prices.create(
        {"price_list": "A", "article_number": "101", "from_quantity": 10, "price": 200}
    )
    await fortnox.prices.create({"price_list": "A", "article_number": "102", "price": 90})
    assert (await fortnox.prices.get("A:101:10")).price == Decimal(200)
    updated = await fortnox.prices.update("A:101:0", {"price": 260})
    assert updated.price == Decimal(260)
    page = await fortnox.prices.sublist("A", "101")
    assert [(p.key, p.price) for p in page.items] == [
        ("A:101:0", Decimal(260)),
        ("A:101:10", Decimal(200)),
    ]
    assert [p.key async for p in fortnox.prices.iterate(price_list="A")] == [
        "A:101:0",
        "A:101:10",
        "A:102:0",
    ]
    await fortnox.prices.delete("A:101:10")
    with pytest.raises(NotFoundError):
        await fortnox.prices.get("A:101:10")


async def test_every_article_shows_articles_without_a_price(fortnox: FortnoxClient) -> None:
    await fortnox.prices.create({"price_list": "A", "article_number": "101", "price": 250})
    rows = [r async for r in fortnox.prices.iterate(price_list="A", every_article=True)]
    assert [(r.key, r.price) for r in rows] == [("A:101:0", Decimal(250)), ("A:102:0", None)]


async def test_sales_price_is_the_default_list_price_and_read_only(fortnox: FortnoxClient) -> None:
    assert (await fortnox.articles.get("101")).sales_price is None
    await fortnox.prices.create({"price_list": "A", "article_number": "101", "price": 250})
    await fortnox.price_lists.create({"code": "B", "description": "Återförsäljare"})
    await fortnox.prices.create({"price_list": "B", "article_number": "101", "price": 199})
    assert (await fortnox.articles.get("101")).sales_price == Decimal(250)
    await fortnox.articles.update("101", {"sales_price": 1})  # ignored: read-only
    assert (await fortnox.articles.get("101")).sales_price == Decimal(250)
    listed = {a.article_number: a async for a in fortnox.articles.iterate()}
    assert Decimal(str(listed["101"].sales_price)) == Decimal(250)


async def test_prices_for_unknown_articles_or_lists_are_refused(fortnox: FortnoxClient) -> None:
    with pytest.raises(FortnoxError) as article:
        await fortnox.prices.create({"price_list": "A", "article_number": "999", "price": 1})
    assert (article.value.status, article.value.code) == (400, 2000428)
    with pytest.raises(FortnoxError) as price_list:
        await fortnox.prices.create({"price_list": "Z", "article_number": "101", "price": 1})
    assert (price_list.value.status, price_list.value.code) == (400, 2990131)
    with pytest.raises(NotFoundError) as unknown:
        await fortnox.prices.get("Z:101:0")
    assert (unknown.value.status, unknown.value.code) == (404, 2990131)
    await fortnox.prices.create({"price_list": "A", "article_number": "101", "price": 1})
    with pytest.raises(FortnoxError) as twice:
        await fortnox.prices.create({"price_list": "A", "article_number": "101", "price": 2})
    assert twice.value.code == 2990133
    with pytest.raises(NotFoundError):
        await fortnox.prices.get("A:102:0")
