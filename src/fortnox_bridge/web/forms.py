"""Form input checked with pydantic, with one message per field to show next to it.

A page parses the posted form into its pydantic model; on errors it renders the same form again
with the values the user typed and ``errors[field]`` beside each field, and saves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
#: ``{field name: message}``; ``"__all__"`` for errors of the form as a whole.
FieldErrors = dict[str, str]


def parse_form(model: type[Model], data: Mapping[str, Any]) -> tuple[Model | None, FieldErrors]:
    """``(the model, {})`` when ``data`` is valid, else ``(None, errors by field)``."""
    cleaned = {key: (value if value != "" else None) for key, value in data.items()}
    cleaned = {key: value for key, value in cleaned.items() if value is not None}
    try:
        return model.model_validate(cleaned), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def field_errors(exc: ValidationError) -> FieldErrors:
    """The first message of each field, in words a person reads ("Value error, " dropped)."""
    errors: FieldErrors = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "__all__"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "This field is required."
        errors.setdefault(name, message[:1].upper() + message[1:])
    return errors
