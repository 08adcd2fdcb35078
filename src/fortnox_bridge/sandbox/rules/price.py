"""Prices: an article's price in a price list from a quantity on, kept in the ``prices``
register under ``"<list>/<article>/<from-quantity>"``.

- ``POST /3/prices`` adds one: the article and the price list must exist (else a 400) and the
  three parts must be free;
- ``GET|PUT|DELETE /3/prices/{PriceList}/{ArticleNumber}/{FromQuantity}`` reads, changes or
  removes one (only ``Price`` and ``Percent`` change: the parts of the key are the path);
- ``GET /3/prices/{PriceList}/{ArticleNumber}`` reads the article's first price in the list;
- ``GET /3/prices/sublist/{PriceList}[/{ArticleNumber}]`` lists the prices of a list (of one
  article in it), ordered by article number and quantity.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.endpoint import read_wrapped
from fortnox_bridge.sandbox.messages import NOT_ALLOWED, REQUIRED, not_found, refuse, refuse_code
from fortnox_bridge.sandbox.registers.engine import bind
from fortnox_bridge.sandbox.registers.ops import answer, store
from fortnox_bridge.sandbox.registers.query import paged, paging
from fortnox_bridge.sandbox.registers.render import to_number
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.registers.writes import merge, read_fields
from fortnox_bridge.sandbox.state import SandboxState

REGISTER = "prices"
#: The price list a new company has; an article's ``SalesPrice`` is its price there from 0.
DEFAULT_LIST = "A"
ARTICLE_NOT_FOUND = (2000428, "Kan inte hitta artikeln.")
# No recorded answers for these: the sandbox's own codes.
PRICE_LIST_NOT_FOUND = (2990131, "Kan inte hitta prislistan.")
PRICE_NOT_FOUND = (2990132, "Kan inte hitta priset.")
PRICE_EXISTS = (
    2990133,
    "Det finns redan ett pris för artikeln {article} i prislistan {list} från antal {quantity}.",
)


def quantity_text(value: object) -> str:
    """A from-quantity as the key holds it: ``0``, ``10``, ``2.5``."""
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise refuse(NOT_ALLOWED, field="FromQuantity", value=value) from None
    if number < 0:
        raise refuse(NOT_ALLOWED, field="FromQuantity", value=value)
    text = format(number.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def price_key(price_list: str, article: str, quantity: object) -> str:
    """``"A/101/0"``."""
    return f"{price_list}/{article}/{quantity_text(quantity)}"


def sales_price(ctx: Ctx, article: str) -> object:
    """The article's price in the default list from quantity 0 (``None`` without one)."""
    record = ctx.company.register(REGISTER).records.get(price_key(DEFAULT_LIST, article, 0))
    return None if record is None else to_number(record.get("Price"))


class PriceRules(Rules):
    """The price routes (prices have three-part ids, so they are not a plain register)."""

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """Create, read, change, delete and the two sublists."""
        base = resource.desc.path
        one = base + "/{price_list}/{article}/{quantity}"

        async def read(ctx: Ctx, request: Request) -> Response:
            return answer(ctx, _find(ctx, request))

        async def first(ctx: Ctx, request: Request) -> Response:
            price_list, article = request.path_params["price_list"], request.path_params["article"]
            _known(ctx, price_list, article)
            rows = _rows(ctx, price_list, article)
            if not rows:
                raise not_found(PRICE_NOT_FOUND)
            return answer(ctx, rows[0][1])

        async def remove(ctx: Ctx, request: Request) -> Response:
            _find(ctx, request)
            ctx.register(REGISTER).remove(_path_key(request))
            return Response(status_code=204)

        return [
            Route(base, bind(state, resource, _create), methods=["POST"]),
            Route(base + "/sublist/{price_list}", bind(state, resource, _sublist), methods=["GET"]),
            Route(
                base + "/sublist/{price_list}/{article}",
                bind(state, resource, _sublist),
                methods=["GET"],
            ),
            Route(base + "/{price_list}/{article}", bind(state, resource, first), methods=["GET"]),
            Route(one, bind(state, resource, read), methods=["GET"]),
            Route(one, bind(state, resource, _change), methods=["PUT"]),
            Route(one, bind(state, resource, remove), methods=["DELETE"]),
        ]


async def _create(ctx: Ctx, request: Request) -> Response:
    """``POST /3/prices``."""
    sent = read_fields(ctx.resource, await read_wrapped(request, ctx.resource.single_key))
    for name in ("PriceList", "ArticleNumber"):
        if sent.get(name) in (None, ""):
            raise refuse(REQUIRED, field=name)
    price_list, article = str(sent["PriceList"]), str(sent["ArticleNumber"])
    _known(ctx, price_list, article, sent=True)
    key = price_key(price_list, article, sent.get("FromQuantity"))
    if key in ctx.register(REGISTER).records:
        code, message = PRICE_EXISTS
        raise refuse_code(
            code,
            message.format(article=article, list=price_list, quantity=key.rsplit("/", 1)[1]),
        )
    record = {
        "Price": 0,
        **sent,
        "FromQuantity": to_number(quantity_text(sent.get("FromQuantity"))),
    }
    record["Date"] = ctx.now.strftime("%Y-%m-%d %H:%M")
    store(ctx, key, record, REGISTER)
    return answer(ctx, record, 201)


async def _change(ctx: Ctx, request: Request) -> Response:
    """``PUT`` of one price: only its values change."""
    record = _find(ctx, request)
    sent = read_fields(ctx.resource, await read_wrapped(request, ctx.resource.single_key))
    for name in ("PriceList", "ArticleNumber", "FromQuantity"):
        sent.pop(name, None)  # the path names the price
    changed = merge(record, sent)
    changed["Date"] = ctx.now.strftime("%Y-%m-%d %H:%M")
    store(ctx, _path_key(request), changed, REGISTER)
    return answer(ctx, changed)


async def _sublist(ctx: Ctx, request: Request) -> Response:
    """The prices of a list (of one article in it), paged."""
    price_list = request.path_params["price_list"]
    article = request.path_params.get("article")
    if ctx.record("pricelists", price_list) is None:
        raise not_found(PRICE_LIST_NOT_FOUND)
    page, limit, offset = paging(request.query_params)
    rows = _rows(ctx, price_list, article)[offset:]
    start = (page - 1) * limit
    items = [_item(record) for _, record in rows[start : start + limit]]
    return JSONResponse(paged("Prices", items, page, limit, len(rows)))


def _known(ctx: Ctx, price_list: str, article: str, *, sent: bool = False) -> None:
    """Refuse a price for a list or an article the company does not have: a 404 when the
    path names them, a 400 when a body sent them (the request, not the address, is wrong)."""
    for register, key, rule in (
        ("pricelists", price_list, PRICE_LIST_NOT_FOUND),
        ("articles", article, ARTICLE_NOT_FOUND),
    ):
        if ctx.record(register, key) is None:
            raise refuse_code(*rule) if sent else not_found(rule)


def _path_key(request: Request) -> str:
    params = request.path_params
    return price_key(params["price_list"], params["article"], params["quantity"])


def _find(ctx: Ctx, request: Request) -> Record:
    params = request.path_params
    _known(ctx, params["price_list"], params["article"])
    record = ctx.register(REGISTER).records.get(_path_key(request))
    if record is None:
        raise not_found(PRICE_NOT_FOUND)
    return record


def _rows(ctx: Ctx, price_list: str, article: str | None) -> list[tuple[str, Record]]:
    rows = [
        (key, record)
        for key, record in ctx.register(REGISTER).records.items()
        if record.get("PriceList") == price_list
        and (article is None or record.get("ArticleNumber") == article)
    ]
    return sorted(
        rows,
        key=lambda row: (
            str(row[1].get("ArticleNumber")),
            Decimal(str(row[1].get("FromQuantity") or 0)),
        ),
    )


def _item(record: Record) -> Record:
    """A sublist row: list, article, quantity and price (no date or percent)."""
    return {
        "@url": f"https://api.fortnox.se/3/prices/{record.get('PriceList')}/"
        f"{record.get('ArticleNumber')}/{quantity_text(record.get('FromQuantity'))}",
        "ArticleNumber": record.get("ArticleNumber"),
        "FromQuantity": to_number(record.get("FromQuantity")),
        "Price": to_number(record.get("Price")),
        "PriceList": record.get("PriceList"),
    }
