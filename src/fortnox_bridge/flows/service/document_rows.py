"""The rows of a service order's Fortnox document, by the row settings (see
``docs/flows/service.md`` for every rule; :mod:`.document` puts the document together).

The order's rows first become :class:`Line` s (hidden articles and, without the setting,
service objects left out), are then ordered (by date groups, or articles by date) and summed,
and are last written as Fortnox rows, a text longer than a row's 255 characters spread over
text rows after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from fortnox_bridge.flows.service.document_text import (
    day,
    hours_text,
    one_line,
    price,
    quantity,
    split_text,
)
from fortnox_bridge.flows.service.order_records import (
    ActionRow,
    ArticleRow,
    HostServiceObject,
    HostServiceOrder,
    ServiceObjectRow,
    TextRow,
)
from fortnox_bridge.flows.service.settings import ServiceSettings

Source = Literal["article", "action", "text"]


@dataclass(frozen=True)
class Line:
    """One row of the document before it is written: an article (an article row, or an action
    charged with its labour article) or a text."""

    source: Source
    text: str
    article_number: str | None = None
    quantity: Decimal = Decimal(0)
    price: Decimal | None = None
    date: dt.date | None = None
    technicians: tuple[str, ...] = ()
    cost_center: str | None = None
    #: An action's hours (also those of an action that is only a text).
    hours: Decimal = Decimal(0)
    action: bool = False


@dataclass(frozen=True)
class RowInputs:
    """What the rows are made of."""

    order: HostServiceOrder
    articles: Mapping[str, Mapping[str, Any]]
    service_objects: Mapping[str, HostServiceObject]
    settings: ServiceSettings


def lines_of(inputs: RowInputs, warnings: list[str]) -> list[Line]:
    """The order's rows as lines, in the host's order, hidden articles and (without the
    setting) service objects left out."""
    lines: list[Line] = []
    for row in inputs.order.rows:
        if isinstance(row, ArticleRow):
            lines.extend(_article(inputs, row))
        elif isinstance(row, ActionRow):
            lines.extend(_action(inputs, row))
        elif isinstance(row, ServiceObjectRow):
            lines.extend(_service_object(inputs, row, warnings))
        elif isinstance(row, TextRow):
            lines.append(Line("text", row.text))
    return lines


def _hidden(inputs: RowInputs, number: str) -> bool:
    article = inputs.articles.get(number) or {}
    return inputs.settings.omit_hidden_articles and article.get("hidden") is True


def _price(inputs: RowInputs, number: str, given: Decimal | None) -> Decimal | None:
    settings = inputs.settings
    if not settings.set_prices or number in settings.no_price_articles:
        return None
    return given


def _article(inputs: RowInputs, row: ArticleRow) -> list[Line]:
    if _hidden(inputs, row.article_number):
        return []
    known = inputs.articles.get(row.article_number) or {}
    return [
        Line(
            "article",
            row.description or str(known.get("description") or ""),
            article_number=row.article_number,
            quantity=row.quantity,
            price=_price(inputs, row.article_number, row.price),
            date=row.date,
            technicians=(row.technician,) if row.technician else (),
            cost_center=row.cost_center,
        )
    ]


def _action(inputs: RowInputs, row: ActionRow) -> list[Line]:
    number = row.article_number
    if number is not None and _hidden(inputs, number):
        return []
    return [
        Line(
            "article" if number else "text",
            row.description,
            article_number=number,
            quantity=row.hours,
            price=_price(inputs, number, row.price) if number else None,
            date=row.date,
            technicians=(row.technician,),
            hours=row.hours,
            action=True,
        )
    ]


def _service_object(inputs: RowInputs, row: ServiceObjectRow, warnings: list[str]) -> list[Line]:
    settings = inputs.settings
    if not settings.service_object_on_rows:
        return []
    found = inputs.service_objects.get(row.service_object)
    if found is None:
        warnings.append(
            f"service object {row.service_object!r} of the order is unknown to the bridge; "
            "its row names it by its number"
        )
    name = found.name if found else row.service_object
    text = f"{settings.service_object_prefix}{name}"
    serial = found.serial_number if found else None
    if settings.service_object_serial and serial:
        shown = serial[: settings.serial_number_length] if settings.serial_number_length else serial
        text += f", serienr {shown}"
    lines = [Line("text", text)]
    comment = row.comment or (found.comment if found else None)
    if settings.service_object_comment and comment:
        lines.append(Line("text", comment))
    return lines


# -- order and sums -----------------------------------------------------------------------------


def ordered(lines: list[Line], settings: ServiceSettings) -> list[Line]:
    """The lines in the document's order, summed by the settings."""
    if settings.sort_by_actions:
        return _by_actions(lines, settings)
    if settings.sort_articles_by_date:
        lines = _articles_by_date(lines)
    return summed(lines, settings)


def _articles_by_date(lines: list[Line]) -> list[Line]:
    """Article rows sorted by date (stable, undated last) in the places article rows held;
    every other row keeps its place."""
    slots = [i for i, line in enumerate(lines) if _is_article_row(line)]
    articles = sorted(
        (lines[i] for i in slots), key=lambda line: (line.date is None, line.date or dt.date.min)
    )
    result = list(lines)
    for slot, line in zip(slots, articles, strict=True):
        result[slot] = line
    return result


def _is_article_row(line: Line) -> bool:
    return line.source == "article" and not line.action


def summed(lines: list[Line], settings: ServiceSettings) -> list[Line]:
    """Article rows of one article, price and cost centre made one row where the first stood:
    quantities added, the earliest date, the technicians of all (articles listed in
    ``sum_ignore_articles`` and actions are never summed)."""
    if not settings.sum_article_rows:
        return lines
    result: list[Line] = []
    first: dict[tuple[Any, ...], int] = {}
    for line in lines:
        summable = _is_article_row(line) and line.article_number not in settings.sum_ignore_articles
        key = (line.article_number, line.price, line.cost_center)
        if not summable or key not in first:
            if summable:
                first[key] = len(result)
            result.append(line)
            continue
        kept = result[first[key]]
        dates = [d for d in (kept.date, line.date) if d is not None]
        result[first[key]] = replace(
            kept,
            quantity=kept.quantity + line.quantity,
            date=min(dates) if dates else None,
            technicians=tuple(dict.fromkeys(kept.technicians + line.technicians)),
        )
    return result


def _by_actions(lines: list[Line], settings: ServiceSettings) -> list[Line]:
    """The undated rows (service objects, texts, undated articles) first, then one group per
    date, earliest first: a summary text row, the day's actions, then its articles."""
    result = summed([line for line in lines if line.date is None], settings)
    for date in sorted({line.date for line in lines if line.date is not None}):
        actions = [line for line in lines if line.date == date and line.action]
        articles = summed([ln for ln in lines if ln.date == date and not ln.action], settings)
        result.append(Line("text", _summary(date, actions, articles, settings)))
        result.extend(actions + articles)
    return result


def _summary(
    date: dt.date, actions: list[Line], articles: list[Line], settings: ServiceSettings
) -> str:
    """``2026-03-02: 3,5 h, 2 artikelrader (Anna Berg, Erik Ek)``."""
    parts = []
    hours = sum((line.hours for line in actions), Decimal(0))
    if hours:
        parts.append(f"{hours_text(hours)} h")
    if articles:
        parts.append(f"{len(articles)} artikelrad" + ("er" if len(articles) > 1 else ""))
    text = f"{day(date)}: {', '.join(parts)}"
    names = dict.fromkeys(name for line in actions + articles for name in line.technicians)
    if settings.technician_on_action_summary and names:
        text += f" ({', '.join(names)})"
    return text


# -- Fortnox rows -----------------------------------------------------------------------------


def text_rows(text: str) -> list[dict[str, Any]]:
    """Text rows carrying ``text`` on one line, spread over rows of 255 characters."""
    return [{"Description": piece} for piece in split_text(one_line(text))]


def written(
    line: Line, kind: str, cost_center: str | None, settings: ServiceSettings
) -> list[dict[str, Any]]:
    """The Fortnox rows of one line: an article row (then text rows for the rest of a long
    description) or text rows."""
    text = line.text
    if line.action and settings.action_dates and line.date is not None:
        text = f"{day(line.date)} {text}"
    if settings.technician_on_rows and line.technicians:
        text = f"{text} ({', '.join(line.technicians)})".strip()
    if line.source == "text":
        return text_rows(text)
    pieces = split_text(one_line(text))
    row: dict[str, Any] = {"ArticleNumber": line.article_number}
    if pieces:
        row["Description"] = pieces[0]
    if kind == "order":
        row["OrderedQuantity"] = quantity(line.quantity)
    row["DeliveredQuantity"] = quantity(line.quantity)
    if line.price is not None:
        row["Price"] = price(line.price)
    if cost_center is not None:
        row["CostCenter"] = cost_center
    return [row] + [{"Description": piece} for piece in pieces[1:]]
