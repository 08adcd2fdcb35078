"""Run log lines as a person reads them, in the page's language.

The engine writes a run item's reason in English. The common reasons are known here by their
shape (a regular expression with named parts): the fixed words are translated, the named parts
(dates, numbers, codes, Fortnox's own message) are kept, and a part that is itself a reason
("nothing in Fortnox: <why>") is put in words the same way. Part keys of salary lines
(``TID|1002|``: cause code, project, cost centre) are written out. A reason no shape knows is
shown as written, marked as English (``lang="en"``) for screen readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from markupsafe import Markup, escape

from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.render import gettext

Translate = Callable[[str], str]


@dataclass(frozen=True)
class Shape:
    """One kind of reason: its pattern, its words (a catalogue message with the pattern's named
    parts as ``%(name)s``) and which parts are reasons themselves."""

    pattern: re.Pattern[str]
    text: str
    nested: tuple[str, ...] = ()


def _shape(pattern: str, text: str, *, nested: tuple[str, ...] = ()) -> Shape:
    return Shape(re.compile(pattern, re.DOTALL), text, nested)


#: The part keys of a derived record's log line: dates (``2026-03-02, 2026-03-03`` or
#: ``2026-03-16 … 2026-03-27 (10)``) or other keys, without ``;`` or brackets.
_KEYS = r"[^;()]+?(?: \(\d+\))?"
_DONE = rf"(?:created|updated|deleted) {_KEYS}"

#: ``engine/sync/refusals.py``'s line for a write Fortnox refused and nothing changed since.
_HELD = re.compile(
    r"not sent again: Fortnox refused it on (?P<when>\d{4}-\d\d-\d\d \d\d:\d\d)"
    r"(?: \((?P<code>\d+)\))?: (?P<text>.*); it is sent again when the record changes, when "
    r"the problem is resolved, or after (?P<hours>\d+) hours",
    re.DOTALL,
)
HELD = N_(
    "not sent again: Fortnox refused it on %(when)s%(code)s: %(text)s; it is sent again when "
    "the record changes, when the problem is resolved, or after %(hours)s hours"
)

#: The shapes, the most particular first (the first that matches the whole reason wins).
SHAPES: tuple[Shape, ...] = (
    _shape(r"not in Fortnox yet", N_("not in Fortnox yet")),
    _shape(r"new in Fortnox", N_("new in Fortnox")),
    _shape(r"unchanged", N_("unchanged")),
    _shape(r"no change", N_("no change")),
    _shape(
        r"no change since the last agreed snapshot",
        N_("no change since the last agreed snapshot"),
    ),
    _shape(r"no row on a project yet", N_("no row on a project yet")),
    _shape(r"created in Fortnox", N_("created in Fortnox")),
    _shape(r"updated in Fortnox", N_("updated in Fortnox")),
    _shape(r"deleted in Fortnox", N_("deleted in Fortnox")),
    _shape(r"deactivated in Fortnox", N_("deactivated in Fortnox")),
    _shape(r"already gone from Fortnox", N_("already gone from Fortnox")),
    _shape(
        r"deleted in Fortnox; the host record is no longer synchronised",
        N_("deleted in Fortnox; the host record is no longer synchronised"),
    ),
    _shape(r"deleted; nothing left in Fortnox", N_("deleted; nothing left in Fortnox")),
    _shape(
        r"another worker is writing this record right now",
        N_("another worker is writing this record right now"),
    ),
    _shape(r"matched by natural key \(first sync\)", N_("matched by natural key (first sync)")),
    _shape(r"changed in Fortnox: (?P<fields>.+)", N_("changed in Fortnox: %(fields)s")),
    _shape(r"updated in Fortnox: (?P<fields>.+)", N_("updated in Fortnox: %(fields)s")),
    _shape(r"nothing in Fortnox: (?P<why>.+)", N_("nothing in Fortnox: %(why)s"), nested=("why",)),
    _shape(r"not approved \(status (?P<status>[^()]+)\)", N_("not approved (status %(status)s)")),
    _shape(r"no end date yet", N_("no end date yet")),
    _shape(
        r"absence type (?P<type>\S+) does not count as work days",
        N_("absence type %(type)s does not count as work days"),
    ),
    _shape(r"held back: (?P<why>.+)", N_("held back: %(why)s"), nested=("why",)),
    _shape(
        r"waiting for (?P<what>.+) to reach Fortnox first",
        N_("waiting for %(what)s to reach Fortnox first"),
    ),
    _shape(
        r"days of employee (?P<employee>\S+) got through",
        N_("days of employee %(employee)s got through"),
    ),
    _shape(r"Fortnox project (?P<number>\S+)", N_("Fortnox project %(number)s")),
    _shape(r"deleted: (?P<why>.+)", N_("deleted: %(why)s"), nested=("why",)),
    _shape(r"excluded: (?P<why>.+)", N_("excluded: %(why)s")),
    # A derived record's line: what was written of its parts, then why (``(...)``).
    _shape(
        rf"(?P<done>{_DONE}(?:; {_DONE})*)(?: \((?P<why>.+)\))?",
        N_("%(done)s (%(why)s)"),
        nested=("why",),
    ),
)

#: One part of a derived record's line: ``created 2026-03-02, 2026-03-03``.
_DONE_PART = re.compile(r"(?P<verb>created|updated|deleted) (?P<keys>.+)", re.DOTALL)
DONE_WORDS = {
    "created": N_("created %(keys)s"),
    "updated": N_("updated %(keys)s"),
    "deleted": N_("deleted %(keys)s"),
}
#: A salary line's key: cause code, project and cost centre (``TID|1002|``).
_LINE_KEY = re.compile(r"(?P<code>[^|,]*)\|(?P<project>[^|,]*)\|(?P<cost_center>[^|,]*)")
PROJECT = N_("project %(project)s")
COST_CENTER = N_("cost centre %(cost_center)s")


def run_reason(request: Request, reason: str) -> Markup:
    """A run item's reason in the page's language (safe HTML: what no shape knows is shown as
    written, in a ``<span lang="en">``)."""
    return reason_words(reason, lambda text: gettext(request, text))


def reason_words(reason: str, translate: Translate) -> Markup:
    """``reason`` put in words with ``translate`` (see the module's doc)."""
    reason = reason or ""
    if not reason:
        return Markup("")
    held = _HELD.fullmatch(reason)
    if held is not None:
        code = f" ({held['code']})" if held["code"] else ""
        parts = {"when": held["when"], "code": code, "text": held["text"], "hours": held["hours"]}
        return escape(translate(HELD) % parts)
    for shape in SHAPES:
        found = shape.pattern.fullmatch(reason)
        if found is None:
            continue
        values: dict[str, Markup] = {}
        for name, value in found.groupdict(default="").items():
            if name in shape.nested:
                values[name] = reason_words(value, translate)
            elif name == "done":
                values[name] = _done(value, translate)
            else:
                values[name] = escape(value)
        if shape.text == "%(done)s (%(why)s)" and not found["why"]:
            return values["done"]
        return Markup(Markup(escape(translate(shape.text))) % values)
    return Markup(Markup('<span lang="en">%s</span>') % reason)


def _done(summary: str, translate: Translate) -> Markup:
    """``created a, b; updated c`` in words, the keys written out."""
    parts = []
    for piece in summary.split("; "):
        found = _DONE_PART.fullmatch(piece)
        if found is None:  # the pattern above only lets these through
            parts.append(escape(piece))
            continue
        keys = escape(_keys(found["keys"], translate))
        words = Markup(escape(translate(DONE_WORDS[found["verb"]])))
        parts.append(Markup(words % {"keys": keys}))
    return Markup("; ").join(parts)


def _keys(keys: str, translate: Translate) -> str:
    """Part keys as a person reads them: ``TID|1002|`` → "TID project 1002"."""

    def one(found: re.Match[str]) -> str:
        words = [found["code"].upper()]
        if found["project"]:
            words.append(translate(PROJECT) % {"project": found["project"]})
        if found["cost_center"]:
            words.append(translate(COST_CENTER) % {"cost_center": found["cost_center"]})
        return " ".join(word for word in words if word)

    return _LINE_KEY.sub(one, keys)
