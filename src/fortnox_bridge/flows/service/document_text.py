"""The texts of a service order's Fortnox document: Fortnox's length limits, how a text too
long for one row is spread over several, how numbers are written, and the document's own words.

The document is read by the end customer in Swedish, so the words the bridge adds (labels such
as ``Drifttid``) are Swedish; everything else is the host's text as written.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

#: Fortnox's limits, in characters.
REMARKS_LIMIT = 1024
COMMENTS_LIMIT = 1024
REFERENCE_LIMIT = 50
YOUR_ORDER_NUMBER_LIMIT = 75
#: A row's description: an invoice row takes 255 characters; an order's rows are held to the
#: same so that the order can become an invoice as it is.
ROW_LIMIT = 255

#: The short name of each kind of order, before its number: ``SO 1234``.
KIND_PREFIX = {"service": "SO", "work": "AO", "sales": "FO"}

_BLANKS = re.compile(r"\s+")


def one_line(text: str) -> str:
    """The text with line breaks and runs of blanks made single spaces (a row has one line)."""
    return _BLANKS.sub(" ", text).strip()


def split_text(text: str, limit: int = ROW_LIMIT) -> list[str]:
    """``text`` (one line) in pieces of at most ``limit`` characters, each cut at the last
    space that fits (the space dropped), or hard when a word is longer than ``limit``."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            pieces.append(rest[:limit])
            rest = rest[limit:]
        else:
            pieces.append(rest[:cut])
            rest = rest[cut + 1 :]
    if rest:
        pieces.append(rest)
    return pieces


def cut(text: str, limit: int, field: str, warnings: list[str]) -> str:
    """``text`` cut to ``limit`` characters; a cut is told in ``warnings``."""
    if len(text) <= limit:
        return text
    warnings.append(f"{field} cut to {limit:,} characters (Fortnox's limit); it had {len(text):,}")
    return text[:limit]


def quantity(value: Decimal) -> str:
    """A quantity as Fortnox's rows take it: a string, ``.`` for decimals, no trailing zeros
    (``Decimal("2.500")`` → ``"2.5"``)."""
    text = format(value.normalize(), "f")
    return text


def price(value: Decimal) -> float:
    """A price as Fortnox takes it: a number with two decimals."""
    return float(value.quantize(Decimal("0.01")))


def hours_text(value: Decimal) -> str:
    """Hours as a person reads them in Swedish: ``3,5``."""
    return quantity(value).replace(".", ",")


def day(value: dt.date) -> str:
    """A date as the document shows it: ``2026-03-02``."""
    return value.isoformat()


def order_label(kind: str, number: str) -> str:
    """How the document names the host's order: ``SO 1234`` (AO: work, FO: sales order)."""
    return f"{KIND_PREFIX[kind]} {number}"
