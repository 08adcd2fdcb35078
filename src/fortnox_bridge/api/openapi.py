"""The host API's OpenAPI document (``/api/openapi.json``), completed with the error answers.

FastAPI documents the answers a route declares. Every route can also answer with the shared
error shape (401 without a key, 403 for a key that may not, 404, 409, 413, 429, ...), and a
request that breaks the schema gets the field-level 422 shape rather than FastAPI's default. The
document says so, so that clients generated from it, and the property-based run in the tests,
know every answer the API can give.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field


class ErrorAnswer(BaseModel):
    """Every error answer: a stable code and what went wrong, where and how to fix it."""

    error: str = Field(description="A stable, snake_case code, e.g. 'not_found'.")
    detail: str = Field(description="What went wrong, where, and how to fix it.")


class FieldError(BaseModel):
    """One field that breaks a rule."""

    path: str = Field(description="Where: a JSON path into the body ('$.email') or "
                      "'query.<name>' / 'path.<name>' / 'header.<name>'.")  # fmt: skip
    message: str
    type: str = Field(description="A stable code of the rule, e.g. 'string_too_long'.")


class ValidationAnswer(ErrorAnswer):
    """A 422: the request breaks the schema or a Fortnox limit; nothing was stored."""

    errors: list[FieldError]


def _component(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(ref_template="#/components/schemas/{model}")


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document from ``app.openapi()``."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorAnswer, FieldError, ValidationAnswer):
            schema = _component(model)
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        error = _json("#/components/schemas/ErrorAnswer")
        invalid = _json("#/components/schemas/ValidationAnswer")
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, answer in list(responses.items()):
                    if status == "422":
                        responses[status] = {"description": "Invalid request", **invalid}
                    elif status.startswith(("4", "5")):
                        answer.update(error)
                responses.setdefault(
                    "default", {"description": "An error (see 'error' and 'detail')", **error}
                )
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]


def _json(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": ref}}}}
