"""English and Swedish: gettext catalogues in ``web/locales/<lang>/LC_MESSAGES/*.po``.

Every ``.po`` file of a language (one per area of the UI) is read with Babel when first needed
and turned into gettext translations in memory, so no compile step is needed. Text in templates
and pages is English wrapped in ``_()``; a missing Swedish translation shows the English text
(``tests/unit/web/test_i18n.py`` checks that every message of the templates is translated).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = Path(__file__).parent / "locales"
#: Where the catalogues are read from, in order (the package's own; a test may add a folder).
LOCALE_DIRS: list[Path] = [LOCALES]
#: Languages the UI speaks, with their names in themselves.
LANGUAGES = {"en": "English", "sv": "Svenska"}
DEFAULT_LANGUAGE = "en"


@cache
def translations(language: str) -> NullTranslations:
    """The gettext translations of ``language`` (English: the text as written)."""
    files = [
        path
        for base in LOCALE_DIRS
        for path in sorted((base / language / "LC_MESSAGES").glob("*.po"))
    ]
    if language == DEFAULT_LANGUAGE or not files:
        return NullTranslations()
    merged: Translations | None = None
    for path in files:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        merged = part if merged is None else merged.merge(part)
    assert merged is not None
    return merged


def pick_language(requested: str | None, accept_language: str | None) -> str:
    """The session's choice, else the browser's first supported language, else English."""
    if requested in LANGUAGES:
        return str(requested)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined (it is translated where shown)."""
    return message
