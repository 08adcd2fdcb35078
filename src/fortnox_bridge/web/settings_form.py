"""A settings form made from a flow's settings model (its JSON schema), in the page's language.

Each field's label is its ``title`` and its help its ``description``. A model may carry its
Swedish in the schema itself: ``json_schema_extra={"sv": {"title": ..., "description": ...}}``
on a field (and ``"sv_choices"`` beside the English ``"choices"`` of a select), and group its
fields with ``"group": <key>``, the groups named and ordered by ``GROUPS`` (``{key: (English,
Swedish)}``) in the model's module or on the model. Texts without Swedish of their own go
through the web catalogues (``web/locales``), as every other text of the pages.

A ``list`` field is one text input; a grouped model's lists are separated by ``;``
(``"12;13;14"``), other models' by commas, as their validators read them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

#: The language whose texts a model may carry itself, beside the English.
SWEDISH = "sv"
#: The key of a form's fields outside any group.
NO_GROUP = ""
Translate = Callable[[str], str]


def groups_of(model: type[BaseModel]) -> dict[str, tuple[str, str]]:
    """The model's groups, ``{key: (English title, Swedish title)}``, in their order (``{}``:
    the model is not grouped)."""
    found = getattr(model, "GROUPS", None)
    if not isinstance(found, Mapping):
        found = getattr(sys.modules.get(model.__module__), "GROUPS", None)
    if not isinstance(found, Mapping):
        return {}
    return {str(key): (str(titles[0]), str(titles[1])) for key, titles in found.items()}


def _properties(model: type[BaseModel]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from model.model_json_schema().get("properties", {}).items()


def _label(name: str, spec: Mapping[str, Any]) -> str:
    return str(spec.get("title", name.replace("_", " ").capitalize()))


def _own(spec: Mapping[str, Any], key: str) -> str | None:
    """The Swedish text the field carries itself for ``key`` (``title``, ``description``)."""
    swedish = spec.get(SWEDISH)
    text = swedish.get(key) if isinstance(swedish, Mapping) else None
    return str(text) if text else None


def _swedish_choices(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    inline = spec.get(SWEDISH)
    for found in (spec.get("sv_choices"), inline.get("choices") if inline else None):
        if isinstance(found, Mapping):
            return found
    return {}


def settings_texts(model: type[BaseModel]) -> list[str]:
    """The texts of the model's form that the web catalogues must translate: labels, help and
    choices without Swedish of their own, and the group titles without a Swedish one."""
    texts = []
    for name, spec in _properties(model):
        if not _own(spec, "title"):
            texts.append(_label(name, spec))
        if spec.get("description") and not _own(spec, "description"):
            texts.append(str(spec["description"]))
        swedish = _swedish_choices(spec)
        texts.extend(str(v) for k, v in spec.get("choices", {}).items() if not swedish.get(k))
    texts.extend(english for english, swedish in groups_of(model).values() if not swedish)
    return texts


class _Words:
    """A field's texts in one language: the model's own Swedish, else the catalogue's."""

    def __init__(self, language: str, translate: Translate) -> None:
        self.swedish = language == SWEDISH
        self.translate = translate

    def text(self, spec: Mapping[str, Any], key: str, english: str) -> str:
        own = _own(spec, key) if self.swedish else None
        return own or self.translate(english)

    def choices(self, spec: Mapping[str, Any], values: list[Any]) -> list[tuple[str, str]]:
        named = spec.get("choices", {})
        swedish = _swedish_choices(spec) if self.swedish else {}
        return [
            (str(v), str(swedish.get(v) or self.translate(str(named.get(v, v))))) for v in values
        ]


def _kind(main: Mapping[str, Any]) -> str:
    if "enum" in main:
        return "select"
    kinds = {"boolean": "checkbox", "integer": "number", "number": "number", "array": "list"}
    kind = kinds.get(str(main.get("type")), "text")
    return "date" if main.get("format") == "date" else kind


def _attrs(main: Mapping[str, Any]) -> str:
    limits = []
    for key, attr in (("minimum", "min"), ("maximum", "max")):
        if key in main:
            limits.append(f'{attr}="{main[key]}"')
    if main.get("type") == "number":
        limits.append('step="any"')
    return " ".join(limits)


def form_field(
    name: str,
    spec: Mapping[str, Any],
    value: Any,
    *,
    required: bool,
    prefix: str,
    words: _Words,
) -> dict[str, Any]:
    """One input of the form: its kind, label, help, choices and the value to show."""
    options = [s for s in spec.get("anyOf", [spec]) if s.get("type") != "null"]
    main = options[0] if options else spec
    kind = _kind(main)
    if isinstance(value, list):  # a list setting is typed as one text
        value = ("; " if "group" in spec else ", ").join(str(item) for item in value)
    return {
        "name": name,
        "input": prefix + name,
        "label": words.text(spec, "title", _label(name, spec)),
        "help": words.text(spec, "description", spec["description"])
        if spec.get("description")
        else "",
        "kind": "text" if kind == "list" else kind,
        "choices": words.choices(spec, main["enum"]) if kind == "select" else [],
        "value": value,
        "required": required,
        "attrs": _attrs(main),
        "group": str(spec.get("group", NO_GROUP)),
    }


def settings_fields(
    model: type[BaseModel],
    values: Mapping[str, Any],
    translate: Translate = str,
    *,
    language: str = "en",
    prefix: str = "setting-",
) -> list[dict[str, Any]]:
    """The inputs of the model's form in field order, worded in ``language`` (texts without
    Swedish of their own through ``translate``)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    words = _Words(language, translate)
    return [
        form_field(
            name,
            spec,
            values.get(name, spec.get("default")),
            required=name in required,
            prefix=prefix,
            words=words,
        )
        for name, spec in schema.get("properties", {}).items()
    ]


def settings_groups(
    model: type[BaseModel],
    values: Mapping[str, Any],
    translate: Translate = str,
    *,
    language: str = "en",
    prefix: str = "setting-",
) -> list[dict[str, Any]]:
    """The form's fields in the model's groups, in ``GROUPS`` order (fields of no declared group
    last, in a group without a title); one untitled group for a model without groups."""
    fields = settings_fields(model, values, translate, language=language, prefix=prefix)
    titles = [
        (key, swedish if language == SWEDISH and swedish else translate(english))
        for key, (english, swedish) in groups_of(model).items()
    ]
    titles.append((NO_GROUP, ""))
    known = {key for key, _ in titles}
    groups: list[dict[str, Any]] = [
        {
            "key": key,
            "title": title,
            "fields": [
                f for f in fields if (f["group"] if f["group"] in known else NO_GROUP) == key
            ],
        }
        for key, title in titles
    ]
    return [group for group in groups if group["fields"]]
