"""The characters Fortnox accepts in text fields: one declaration, read by the bridge's edge
checks (``api/validation.py``) and by the sandbox (``sandbox/registers/writes.py``).

Fortnox publishes one list of valid characters for text ("Formats & encoding" of its developer
documentation): any letter of any language, the digits 0–9, space, no-break space, line feed,
carriage return, the combining diaeresis and ring above (a decomposed ä, ö, å) and the
punctuation ``– : . ` ´ ’ , ; ^ ¤ # % § £ $ € ¢ ¥ © ™ ° & / ( ) = + - * _ ! ? ² ³ ® ½ @ \\``.
Anything else — the ASCII apostrophe ``'`` and quote ``"``, ``< > [ ] { } | ~``, tabs and other
control characters, emoji, bidirectional overrides — is refused with code 2000359 ("Värdet
innehåller ej tillåtna tecken"). Project numbers take fewer characters: letters A–Ö, digits and
``_ / + -``.

The documentation does not say which fields the list applies to; :data:`CHARACTER_RULES` names
the text fields the bridge writes (the sandbox refuses the same ones, see ``docs/sandbox.md``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

_PUNCTUATION = frozenset(" \u00a0\n\r–:.`´’,;^¤#%§£$€¢¥©™°&/()=+-*_!?²³®½@\\")
_COMBINING = frozenset("\u0308\u030a")
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class CharacterRule:
    """Which characters a Fortnox field accepts."""

    #: What the rule allows, in words (for error messages).
    allows: str
    #: A regular-expression character class body of the allowed characters (``A-Za-z0-9``), or
    #: ``None`` for Fortnox's free-text list.
    character_class: str | None = None

    def first_refused(self, text: str) -> tuple[int, str] | None:
        """``(position, character)`` of the first character Fortnox refuses, or ``None``."""
        for position, character in enumerate(text):
            if not self.accepts(character):
                return position, character
        return None

    def accepts(self, character: str) -> bool:
        """Whether Fortnox accepts ``character`` in such a field."""
        if self.character_class is not None:
            return re.fullmatch(f"[{self.character_class}]", character) is not None
        return (
            character in _PUNCTUATION
            or character in _DIGITS
            or character in _COMBINING
            or unicodedata.category(character).startswith("L")
        )


#: Fortnox's published list of characters valid in text.
FREE_TEXT = CharacterRule(
    "letters, digits, spaces, line breaks and – : . ` ´ ’ , ; ^ ¤ # % § £ $ € ¢ ¥ © ™ ° & / ( ) "
    "= + - * _ ! ? ² ³ ® ½ @ \\ (no ' or \", no emoji, no control characters)"
)
#: A project number: letters A–Ö, digits, ``_ / + -``.
PROJECT_NUMBER = CharacterRule("letters A–Ö, digits and _ / + -", "A-Za-zÅÄÖåäö0-9_/+\\-")

#: Per Fortnox record (its single-record key) and wire field: the characters it accepts.
CHARACTER_RULES: Mapping[str, Mapping[str, CharacterRule]] = {
    "Employee": dict.fromkeys(
        ("FirstName", "LastName", "Address1", "Address2", "PostCode", "City", "Country", "Phone1"),
        FREE_TEXT,
    ),
    "Project": {"ProjectNumber": PROJECT_NUMBER, "Description": FREE_TEXT},
}


def character_rule(record: str, field: str) -> CharacterRule | None:
    """The rule of ``record``'s ``field`` (``"Employee"``, ``"FirstName"``), if Fortnox has one."""
    return CHARACTER_RULES.get(record, {}).get(field)


def describe(character: str) -> str:
    """``'<' (U+003C)``, or ``U+202E RIGHT-TO-LEFT OVERRIDE`` for what does not print."""
    code = f"U+{ord(character):04X}"
    if character.isprintable() and not unicodedata.category(character).startswith(("C", "Z")):
        return f"{character!r} ({code})"
    name = unicodedata.name(character, "")
    return f"{code} {name}".strip()
