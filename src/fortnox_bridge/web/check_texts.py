"""The pre-flight checklist's lines as a person reads them, in the page's language.

The engine writes a line in English; a line that carries message ids (``Check.texts``) is shown
from them, and the usual lines are known here by their shape (``access for hr.employee.push``,
``3 financial year(s) in Fortnox``) and shown translated with their values. What no shape fits
(an exception's words, for one) is shown as the engine wrote it, marked English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import Request

from fortnox_bridge.engine.sync.preflight import Check, Checklist
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.labels import flow_title
from fortnox_bridge.web.render import gettext, language_of
from fortnox_bridge.web.status import STATE_WORDS

#: ``(pattern, message id)``: a line's English that fits the pattern is shown as the message id,
#: its values the pattern's groups (``flow``: the flow's title; ``state``: in words).
NAMES: list[tuple[str, str]] = [
    (r"connection", N_("connection")),
    (r"financial years", N_("financial years")),
    (r"locked period", N_("locked period")),
    (r"absence sent once", N_("absence sent once")),
    (r"integration licence", N_("integration licence")),
    (r"module licence", N_("module licence")),
    (r"access for (?P<flow>\S+)", N_("access for %(flow)s")),
    (r"scope of (?P<flow>\S+)", N_("scope of %(flow)s")),
    (r"pending records of (?P<flow>\S+)", N_("pending records of %(flow)s")),
]
DETAILS: list[tuple[str, str]] = [
    (r"active", N_("active")),
    (r"the connection is (?P<state>\w+)", N_("the connection is %(state)s")),
    (r"(?P<resource>\w+): readable", N_("%(resource)s: readable")),
    (
        r"(?P<count>\d+) financial year\(s\) in Fortnox",
        N_("%(count)s financial year(s) in Fortnox"),
    ),
    (r"locked up to (?P<date>\d{4}-\d\d-\d\d)", N_("locked up to %(date)s")),
    (r"no locked period", N_("no locked period")),
    (r"dates and references are fine", N_("dates and references are fine")),
]
FIXES: list[tuple[str, str]] = [
    (
        r"connect the tenant to Fortnox \(fortnox-bridge connect\)",
        N_("connect the tenant to Fortnox (fortnox-bridge connect)"),
    ),
    (
        r"grant the bookkeeping scope to check dates against the financial years \(salary data "
        r"needs none\)",
        N_(
            "grant the bookkeeping scope to check dates against the financial years (salary "
            "data needs none)"
        ),
    ),
    (
        r"grant the settings scope to check dates before writing",
        N_("grant the settings scope to check dates before writing"),
    ),
    (
        r"fix the records or the Fortnox registers named above",
        N_("fix the records or the Fortnox registers named above"),
    ),
]


def _shaped(request: Request, text: str, shapes: list[tuple[str, str]]) -> tuple[str, str]:
    """``text`` in the page's language when a shape fits, with its language; else as written,
    English."""
    for pattern, message in shapes:
        found = re.fullmatch(pattern, text)
        if found is None:
            continue
        values: dict[str, Any] = dict(found.groupdict())
        if "flow" in values:
            values["flow"] = flow_title(values["flow"], _words(request))
        if "state" in values:
            values["state"] = gettext(request, STATE_WORDS.get(values["state"], values["state"]))
        return gettext(request, message, **values), language_of(request)
    return text, "en"


def _words(request: Request) -> Callable[[str], str]:
    return lambda text: gettext(request, text)


def check_line(request: Request, check: Check) -> dict[str, str]:
    """One line: its name, detail and fix with the language of each (``fix`` may be empty)."""
    texts = check.texts
    page = language_of(request)
    said, told, values = texts.get("detail"), texts.get("fix"), texts.get("values") or {}
    if said:
        detail, detail_lang = gettext(request, said, **values), page
    else:
        detail, detail_lang = _shaped(request, check.detail, DETAILS)
    if told:
        fix, fix_lang = gettext(request, told), page
    else:
        fix, fix_lang = _shaped(request, check.fix, FIXES) if check.fix else ("", page)
    if texts:
        name, name_lang = gettext(request, check.name), page
    else:
        name, name_lang = _shaped(request, check.name, NAMES)
    return {
        "name": check.name,
        "status": check.status,
        "title": name,
        "title_lang": name_lang,
        "detail": detail,
        "detail_lang": detail_lang,
        "fix": fix,
        "fix_lang": fix_lang,
    }


def checklist_lines(request: Request, checklist: Checklist | None) -> list[dict[str, str]]:
    """Every line of ``checklist`` (none when there is none)."""
    return [check_line(request, check) for check in checklist.checks] if checklist else []
