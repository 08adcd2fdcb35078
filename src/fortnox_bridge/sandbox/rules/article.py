"""Article rules: stock quantity with two decimals; computed stock figures; the sales price read
from the default price list."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.render import to_number
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.rules.price import sales_price


class ArticleRules(Rules):
    """``QuantityInStock`` is kept with two decimals (recorded: 1.12); ``DisposableQuantity`` is
    stock minus reservations and ``StockValue`` stock times purchase price. ``SalesPrice`` is
    the article's price in the default list ``A`` from quantity 0 (read-only here: prices are
    set through ``/3/prices``)."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Round the stock quantity as Fortnox does."""
        quantity = to_number(record.get("QuantityInStock"))
        if quantity is not None:
            record["QuantityInStock"] = to_number(round(quantity, 2))

    def derive(self, ctx: Ctx, record: Record, out: Record) -> None:
        """Computed stock figures."""
        quantity = to_number(record.get("QuantityInStock")) or 0
        reserved = to_number(record.get("ReservedQuantity")) or 0
        price = to_number(record.get("PurchasePrice")) or 0
        out["DisposableQuantity"] = to_number(round(quantity - reserved, 2))
        out["StockValue"] = to_number(round(quantity * price, 2))
        out["SalesPrice"] = sales_price(ctx, str(record.get("ArticleNumber")))
