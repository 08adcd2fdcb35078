"""What a work order or change order becomes as a Fortnox project of its own (pure).

An order's Fortnox project number is its project's number, an underscore and the order's number:
``10000_1`` for work order 1, ``10000_Ä001`` for change order 1 (a change order's number of
digits only is written ``Ä`` and three digits; one with letters is taken as it is). Blanks
around either number are dropped; a number Fortnox still cannot take (more than 20 characters,
or a character other than letters A–Ö, digits and ``_ / + -``: never a dot) is refused with a
message naming the order and its project. The order takes its project's start date (its own
creation date when the project has none) and always its project's end date; its status is
its own, by its status code and the day (see :mod:`~fortnox_bridge.flows.projects.project_status`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from fortnox_bridge.flows.projects.project_export import NAME_LIMIT, NUMBER_LIMIT
from fortnox_bridge.flows.projects.project_status import fortnox_status
from fortnox_bridge.fortnox.characters import PROJECT_NUMBER, describe

OrderKind = Literal["work_order", "change_order"]
#: How people call each kind of order.
WORDS: dict[OrderKind, str] = {"work_order": "work order", "change_order": "change order"}
#: The letter before a change order's number of digits, and how many digits it is written with.
CHANGE_PREFIX, CHANGE_DIGITS = "Ä", 3


def order_number(kind: OrderKind, number: str) -> str:
    """The order's part of the Fortnox number: ``1`` → ``1`` (work order), ``Ä001`` (change
    order)."""
    text = number.strip()
    if kind == "change_order" and text.isdecimal():
        return f"{CHANGE_PREFIX}{int(text):0{CHANGE_DIGITS}d}"
    return text


def project_number(
    kind: OrderKind, order: Mapping[str, Any], project: Mapping[str, Any] | None
) -> str:
    """The Fortnox project number of ``order`` under ``project``; a ``ValueError`` naming the
    order and its project that says what to change when Fortnox cannot take it."""
    words = WORDS[kind]
    if project is None:
        raise ValueError(
            f"{words} {order.get('number')} names project {order.get('project')!r}, which the "
            "bridge does not have (or which was deleted); send the project first"
        )
    parent = str(project.get("number", "")).strip()
    own = order_number(kind, str(order.get("number", "")))
    number = f"{parent}_{own}"
    where = f"{words} {own} of project {parent}"
    if len(number) > NUMBER_LIMIT:
        raise ValueError(
            f"{where}: Fortnox project number {number!r} has {len(number)} characters and "
            f"Fortnox takes at most {NUMBER_LIMIT}: shorten the project's or the order's number"
        )
    refused = PROJECT_NUMBER.first_refused(number)
    if refused is not None:
        position, character = refused
        raise ValueError(
            f"{where}: Fortnox project number {number!r} holds {describe(character)} at "
            f"character {position + 1}; Fortnox takes only {PROJECT_NUMBER.allows} in a project "
            "number (no dot): change the project's or the order's number"
        )
    return number


def project_fields(
    kind: OrderKind,
    order: Mapping[str, Any],
    project: Mapping[str, Any] | None,
    *,
    today: date | None = None,
    delay_days: int = 0,
) -> dict[str, Any]:
    """The Fortnox project fields of ``order`` on ``today`` (empty values left out); raises
    :class:`~fortnox_bridge.engine.flow.base.Excluded` below status 40. The status follows the
    order's status code, with the day's rules of
    :mod:`~fortnox_bridge.flows.projects.project_status`."""
    number = project_number(kind, order, project)
    assert project is not None  # project_number refused a missing project
    start = project.get("start_date") or order.get("created_on")
    end = project.get("end_date")
    status = fortnox_status(order, start=start, end=end, today=today, delay_days=delay_days)
    fields = {
        "project_number": number,
        "description": str(order["name"])[:NAME_LIMIT].rstrip(),
        "status": status,
        "start_date": start,
        "end_date": end,
        "project_leader": order.get("leader") or project.get("leader"),
    }
    return {key: value for key, value in fields.items() if value not in (None, "")}
