"""Every text of the admin UI has a Swedish translation.

The texts are found the way Babel extracts them: ``_()``, ``gettext()`` and ``ngettext()`` in the
templates (Jinja2's Babel extractor), ``gettext(request, "...")`` and ``N_("...")`` (texts marked
for translation where they are defined) in the pages' Python code; and the labels, help and
choices of the flows' settings forms, which come from the flows' settings models; and what the
flows' mapping kinds map, in words (the mappings page's sections are made from them).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.web.i18n import LOCALES, translations
from fortnox_bridge.web.labels import flow_about
from fortnox_bridge.web.pages.flows import settings_texts

WEB = Path(__file__).resolve().parents[3] / "src" / "fortnox_bridge" / "web"
KEYWORDS = {"_": None, "gettext": (2,), "N_": None, "ngettext": (1, 2)}


def _texts() -> dict[str, str]:
    """Every translatable text: ``{text: where}``."""
    found: dict[str, str] = {}
    for path in sorted((WEB / "templates").rglob("*.html")):
        for lineno, message, _comments, _context in extract_from_file(
            "jinja2",
            str(path),
            keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
            options={"extensions": "jinja2.ext.i18n", "trimmed": "false"},
        ):
            for text in message if isinstance(message, tuple) else (message,):
                if text:
                    found.setdefault(text, f"{path.relative_to(WEB)}:{lineno}")
    for path in sorted(WEB.rglob("*.py")):
        for lineno, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            for text in message if isinstance(message, tuple) else (message,):
                if text:
                    found.setdefault(text, f"{path.relative_to(WEB)}:{lineno}")
    for flow in discover_flows():  # the settings forms are made from the flows' models
        for text in settings_texts(flow):
            found.setdefault(text, f"settings of {flow.name}")
        found.setdefault(flow_about(flow.__doc__, str), f"description of {flow.name}")
        for kind in flow.mapping_kinds:  # the mappings page words its sections with these
            for text in (kind.local, kind.fortnox):
                found.setdefault(text, f"mapping kind {kind.kind} of {flow.name}")
    return found


def test_the_pages_have_texts_to_translate() -> None:
    texts = _texts()
    assert "Tenants" in texts
    assert "Connect to Fortnox" in texts
    assert len(texts) > 100


def test_every_text_has_a_swedish_translation() -> None:
    catalogues = {}
    for path in sorted((LOCALES / "sv" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="sv"):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text, translated in zip(ids, strings, strict=False):
                    if text and translated:
                        catalogues[text] = translated
    missing = {text: where for text, where in _texts().items() if not catalogues.get(text)}
    assert not missing, "no Swedish translation of:\n" + "\n".join(
        f"  {where}: {text!r}" for text, where in sorted(missing.items(), key=lambda i: i[1])
    )


def test_the_swedish_catalogue_is_the_one_the_pages_use() -> None:
    swedish = translations("sv")
    assert swedish.gettext("Tenants") == "Kunder"
    assert swedish.gettext("Sync now") == "Synka nu"
    assert swedish.gettext("Connect to Fortnox") != "Connect to Fortnox"
    seen = "First seen %(first)s · last seen %(last)s · "
    assert swedish.ngettext(seen + "once", seen + "%(num)s times", 1).endswith("en gång")
    assert swedish.ngettext(seen + "once", seen + "%(num)s times", 3).endswith("%(num)s gånger")


def test_no_text_has_two_swedish_translations() -> None:
    """The catalogues are merged into one: a text translated twice would show one of them at
    random, depending on the files' order."""
    seen: dict[str, tuple[str, str]] = {}
    twice = []
    for path in sorted((LOCALES / "sv" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="sv"):
                text = message.id if isinstance(message.id, str) else message.id[0]
                said = message.string if isinstance(message.string, str) else message.string[0]
                if not text:
                    continue
                first = seen.setdefault(text, (path.name, said))
                if first[1] != said:
                    twice.append(f"{text!r}: {first} and {(path.name, said)}")
    assert not twice, "translated differently:\n" + "\n".join(twice)
