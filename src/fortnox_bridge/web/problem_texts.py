"""A problem as a person reads it: what happened, what Fortnox said, what it means for the data
and how to fix it, in the page's language.

The store keeps Fortnox's message as sent (Swedish) and the engine's explanation and fix in
English; what the bridge tried (create, update, delete, held back, pull) decides the rest. An
engine text the catalogues translate (Fortnox's error codes explained, ``locales/sv/...
/problem_texts.po``) is shown translated; the others as they are, marked English. A flow is
named by its title, and "How to fix it" never says again what "What happened" said.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from fortnox_bridge.engine.sync.recording import HELD_EXPLANATION, HELD_FIX
from fortnox_bridge.services.problems import Attempt, Problem
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.labels import flow_title
from fortnox_bridge.web.render import gettext, language_of

#: What the engine writes when it held a record back and had nothing better to say (and what
#: it wrote before): the page says it per action instead.
_GENERIC_EXPLANATIONS = frozenset({HELD_EXPLANATION, "The bridge did not send this record."})

HAPPENED = {
    "create": N_("The bridge tried to create %(ref)s in Fortnox, and it did not go through."),
    "update": N_("The bridge tried to update %(ref)s in Fortnox, and it did not go through."),
    "delete": N_("The bridge tried to delete %(ref)s in Fortnox, and it did not go through."),
    "held": N_("The bridge held %(ref)s back and sent nothing of it to Fortnox."),
    "pull": N_("The bridge could not read %(ref)s from Fortnox, or not take it over."),
    "run": N_("The flow %(flow)s could not run."),
    "other": N_("The bridge could not sync %(ref)s with Fortnox."),
}
MEANS = {
    "create": N_(
        "The record is not in Fortnox: Fortnox, and everything there that depends on it, lacks "
        "it until it goes through."
    ),
    "update": N_(
        "Fortnox still has the record as it was before this change: the change is not there yet."
    ),
    "delete": N_("The record is still in Fortnox, although it was removed in the application."),
    "held": N_("Nothing was written: Fortnox has this record as it was before, or not at all."),
    "pull": N_(
        "The application does not have the latest of this record from Fortnox: what it shows "
        "may be out of date."
    ),
    "run": N_("None of the flow's records were synced this time."),
    "other": N_("This record is not in step with Fortnox until the problem is fixed."),
}
FIX = {
    "push": N_(
        "Correct the record in the application it comes from: the bridge sends it again at the "
        "next sweep. If Fortnox lacks something, add it there and resolve the problem: a write "
        "Fortnox refused is sent again when the record changes or the problem is resolved."
    ),
    "pull": N_("Check the record in Fortnox. The bridge reads it again at the next sweep."),
    "run": N_(
        "Fix what the message says (a permission, a licence, a setting), then choose Sync now "
        "on the overview."
    ),
}
CLOSES = N_("The problem closes by itself once the record goes through.")


@dataclass(frozen=True)
class ProblemText:
    """The texts of one problem, in the page's language (``*_lang``: the language of a text
    that comes as the engine or Fortnox wrote it)."""

    happened: str
    #: Fortnox's code and HTTP status, its message (Swedish) and what the code means.
    code: int | None
    status: int | None
    said: str
    code_means: str
    code_means_lang: str
    #: The bridge's own words about it (no Fortnox answer).
    details: str
    details_lang: str
    means: str
    fix: str
    fix_lang: str
    closes: str


def _kind(problem: Problem, attempt: Attempt) -> str:
    if attempt.action == "run":
        return "run"
    if problem.flow.endswith(".pull"):
        return "pull"
    if attempt.action == "skip" or attempt.outcome == "skipped":
        return "held"
    return attempt.action if attempt.action in ("create", "update", "delete") else "other"


def _same(one: str, other: str) -> bool:
    return one.strip().rstrip(".").casefold() == other.strip().rstrip(".").casefold()


def _translated(request: Request, text: str) -> tuple[str, str]:
    """An engine text in the page's language when the catalogues have it, and its language."""
    shown = gettext(request, text) if text else ""
    return shown, ("en" if text and shown == text else language_of(request))


def _all_translated(request: Request, texts: list[str]) -> tuple[str, str]:
    """Engine texts as one, in the page's language when the catalogues have each of them, else
    all as the engine wrote them (English), never a mix of the two."""
    shown = [_translated(request, text) for text in texts if text]
    if all(lang != "en" for _text, lang in shown):
        return " ".join(text for text, _lang in shown), language_of(request)
    return " ".join(text for text in texts if text), "en"


def problem_text(request: Request, problem: Problem, attempt: Attempt) -> ProblemText:
    """What the problems page says of ``problem``."""
    kind = _kind(problem, attempt)
    answered = problem.code is not None or problem.status is not None
    explanation = "" if problem.explanation in _GENERIC_EXPLANATIONS else problem.explanation
    said_by_bridge = [] if answered else [problem.message, explanation]
    title = flow_title(problem.flow, lambda text: gettext(request, text))
    happened = gettext(request, HAPPENED[kind], ref=problem.reference, flow=title)
    specific = "" if problem.fix == HELD_FIX else problem.fix  # generic: the page's own
    said = (problem.message, explanation, happened)
    if any(_same(specific, text) or _same(gettext(request, specific), text) for text in said):
        specific = ""  # the engine repeated itself: the fix is ours
    if specific:
        fix, fix_lang = _translated(request, specific)
    else:
        direction = kind if kind in ("pull", "run") else "push"
        fix, fix_lang = gettext(request, FIX[direction]), language_of(request)
    code_means, code_means_lang = _translated(request, explanation if answered else "")
    details, details_lang = _all_translated(request, said_by_bridge)
    return ProblemText(
        happened=happened,
        code=problem.code,
        status=problem.status,
        said=problem.message if answered else "",
        code_means=code_means,
        code_means_lang=code_means_lang,
        details=details,
        details_lang=details_lang,
        means=gettext(request, MEANS[kind]),
        fix=fix,
        fix_lang=fix_lang,
        closes=gettext(request, CLOSES) if kind != "run" else "",
    )
