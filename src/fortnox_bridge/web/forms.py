"""Form input checked with pydantic, with one message per field to show next to it.

A page parses the posted form into its pydantic model; on errors it renders the same form again
with the values the user typed and ``errors[field]`` beside each field, and saves nothing.

Pydantic words its errors in English only. On a page in another language the messages come from
the UI's catalogues instead: the app sets :data:`WORDING` for every request (see ``app.py``), so
every form is worded in its page's language without the page passing it along, and pydantic's
own English never reaches a page that is not English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fortnox_bridge.web.i18n import N_

Model = TypeVar("Model", bound=BaseModel)
#: ``{field name: message}``; ``"__all__"`` for errors of the form as a whole.
FieldErrors = dict[str, str]
#: Puts an English message id (with ``%(name)s`` values) in the page's language.
Say = Callable[..., str]
#: How the current request's page words form errors; ``None``: pydantic's English.
WORDING: ContextVar[Say | None] = ContextVar("form_wording", default=None)

#: What each common kind of pydantic error says, as a message id of the web catalogues (with
#: the error's context as values): pydantic words its messages in English only.
ERROR_TEXTS: dict[str, str] = {
    "missing": N_("This field is required."),
    "bool_parsing": N_("Choose yes or no."),
    "bool_type": N_("Choose yes or no."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "float_type": N_("Enter a number."),
    "decimal_parsing": N_("Enter a number."),
    "decimal_type": N_("Enter a number."),
    "greater_than": N_("Enter a number greater than %(gt)s."),
    "greater_than_equal": N_("Enter a number of at least %(ge)s."),
    "less_than": N_("Enter a number less than %(lt)s."),
    "less_than_equal": N_("Enter a number of at most %(le)s."),
    "string_too_short": N_("Enter at least %(min_length)s characters."),
    "string_too_long": N_("Enter at most %(max_length)s characters."),
    "string_type": N_("Enter a text."),
    "string_pattern_mismatch": N_("The text does not have the form this field needs."),
    "too_long": N_("Enter at most %(max_length)s values."),
    "too_short": N_("Enter at least %(min_length)s values."),
    "literal_error": N_("Choose one of: %(expected)s."),
    "enum": N_("Choose one of: %(expected)s."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "list_type": N_("Enter the values separated by semicolons."),
    "extra_forbidden": N_("This setting does not exist."),
    "int_parsing_size": N_("Enter a smaller number."),
    "finite_number": N_("Enter a number."),
    "multiple_of": N_("Enter a multiple of %(multiple_of)s."),
    "datetime_parsing": N_("Enter a date and time as YYYY-MM-DD HH:MM."),
    "datetime_from_date_parsing": N_("Enter a date and time as YYYY-MM-DD HH:MM."),
    "time_parsing": N_("Enter a time as HH:MM."),
    "url_parsing": N_("Enter a web address, like https://app.example.se/."),
    "url_scheme": N_("Enter a web address, like https://app.example.se/."),
    "url_type": N_("Enter a web address, like https://app.example.se/."),
    "decimal_max_digits": N_("Enter a number with fewer digits."),
    "decimal_max_places": N_("Enter a number with fewer decimals."),
    "decimal_whole_digits": N_("Enter a number with fewer digits."),
}
#: What an e-mail address that cannot be used is called (pydantic's EmailStr says
#: "value is not a valid email address: ...", as a ``value_error``).
NOT_AN_EMAIL = N_("Enter an e-mail address, like ekonomi@example.se.")
#: An error of pydantic's own that no text above words: said without pydantic's English.
NOT_VALID = N_("This value cannot be used here.")
#: Errors a model's own validators raise: their message is the model's, not pydantic's.
OWN_ERRORS = ("value_error", "assertion_error")
_NAMES = ("gt", "ge", "lt", "le", "min_length", "max_length", "expected", "multiple_of")
#: A message of the flow's own (a validator's) that the catalogues do not translate: the
#: English follows, marked as such by the page.
UNTRANSLATED = N_("The value is not valid:")


def parse_form(
    model: type[Model], data: Mapping[str, Any], say: Say | None = None
) -> tuple[Model | None, FieldErrors]:
    """``(the model, {})`` when ``data`` is valid, else ``(None, errors by field)`` worded by
    ``say`` (default: as the request's page words them, :data:`WORDING`)."""
    cleaned = {key: (value if value != "" else None) for key, value in data.items()}
    cleaned = {key: value for key, value in cleaned.items() if value is not None}
    try:
        return model.model_validate(cleaned), {}
    except ValidationError as exc:
        return None, field_errors(exc, say)


def field_errors(exc: ValidationError, say: Say | None = None) -> FieldErrors:
    """The first message of each field, in words a person reads ("Value error, " dropped).

    Without ``say`` (nor :data:`WORDING`) the messages are pydantic's English; with it (a page
    in another language) the common kinds are worded from :data:`ERROR_TEXTS`, and a
    validator's own message is translated by the catalogues or shown after
    :data:`UNTRANSLATED`.
    """
    say = say if say is not None else WORDING.get()
    errors: FieldErrors = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "__all__"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "This field is required."
        if say is not None:
            message = _said(error, message, say)
        errors.setdefault(name, message[:1].upper() + message[1:])
    return errors


def _said(error: ErrorDetails, english: str, say: Say) -> str:
    """``error`` in the page's language."""
    kind = error["type"]
    if kind == "value_error" and english.startswith("value is not a valid email address"):
        return say(NOT_AN_EMAIL)
    text = ERROR_TEXTS.get(kind)
    if text is not None:
        values = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
        if "expected" in values:  # pydantic's "'a', 'b' or 'c'": no English "or"
            values["expected"] = values["expected"].replace(" or ", ", ")
        if all(f"%({key})s" not in text or key in values for key in _NAMES):
            return say(text, **values)
    translated = say(english)
    if translated != english:
        return translated
    if kind not in OWN_ERRORS:  # pydantic's own words: never shown on this page
        return say(NOT_VALID)
    return f"{say(UNTRANSLATED)} {english}"
