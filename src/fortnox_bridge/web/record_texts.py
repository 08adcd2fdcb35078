"""A run item's record reference in the page's language.

The flows name a record in English with its ids and names (``supplier invoice si-7 (F-1001
from Byggvaruhuset AB)``, ``employee emp-3 (karin.ek@example.se): absence abs-7,
2026-01-05–open``). The kind of record and the few joining words are translated here, whole words
only and the longest first; ids, numbers, names and dates stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fortnox_bridge.web.i18n import N_

Translate = Callable[[str], str]

#: The English words of the flows' references (``reference``/``reference_for`` of each flow).
WORDS: tuple[str, ...] = (
    N_("supplier invoice"),
    N_("customer invoice"),
    N_("service order"),
    N_("change order"),
    N_("work order"),
    N_("time report"),
    N_("cost centre"),
    N_("supplier"),
    N_("customer"),
    N_("employee"),
    N_("absence"),
    N_("project"),
    N_("account"),
    N_("voucher"),
    N_("article"),
    N_("price"),
)
#: Joining words, with the words around them that make them certain.
JOINS: tuple[str, ...] = (
    N_("to customer"),
    N_("for customer"),
    N_("in list"),
    N_("from"),
)

_KNOWN = sorted((*WORDS, *JOINS), key=len, reverse=True)
_PATTERN = re.compile(
    r"(?<![\w@.-])(" + "|".join(re.escape(word) for word in _KNOWN) + r")(?![\w@-])"
    r"|(?<=–)(open)\b"
)
OPEN = N_("open")


def reference_words(reference: str, translate: Translate) -> str:
    """``reference`` with its kind of record and joining words in the page's language."""
    return _PATTERN.sub(
        lambda found: translate(found.group(1)) if found.group(1) else translate(OPEN), reference
    )
