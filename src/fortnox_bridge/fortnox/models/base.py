"""Base model and lenient wire types shared by every Fortnox resource model.

Fortnox sends numbers and booleans as strings in places (``"MonthlySalary": "45000"``,
``"AutoNonRecurringTax": "true"``) and empty dates as ``""``; the types below accept all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

#: The value that blanks a field in a Fortnox PUT; ``""`` leaves the old value in place.
API_BLANK = "API_BLANK"
#: What Fortnox sends instead of a value the integration has no right to read.
API_NORIGHT = "API_NORIGHT"


def _empty_to_none(value: Any) -> Any:
    if value == "" or value == API_NORIGHT:
        return None
    return value


def _lenient_bool(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1"}:
            return True
        if lowered in {"false", "0"}:
            return False
        if lowered in {"", API_NORIGHT.lower()}:
            return None
    return value


def _number_to_str(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return _empty_to_none(value) if value == API_NORIGHT else value


def _decimal(value: Any) -> Any:
    value = _empty_to_none(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # 0.1 stays 0.1, not 0.1000000000000000055...
    return value


WireDate = Annotated[date | None, BeforeValidator(_empty_to_none)]
WireDateTime = Annotated[datetime | None, BeforeValidator(_empty_to_none)]
WireBool = Annotated[bool | None, BeforeValidator(_lenient_bool)]
WireStr = Annotated[str | None, BeforeValidator(_number_to_str)]
WireInt = Annotated[int | None, BeforeValidator(_empty_to_none)]
WireDecimal = Annotated[Decimal | None, BeforeValidator(_decimal)]


def to_wire(value: Any) -> Any:
    """A Python value as Fortnox expects it in a request body."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, FortnoxModel):
        return value.to_wire()
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items()}
    return value


class FortnoxModel(BaseModel):
    """A Fortnox record: snake_case in Python, PascalCase aliases on the wire.

    Unknown fields are kept (``extra="allow"``): Fortnox adds fields without notice.
    """

    model_config = ConfigDict(populate_by_name=True, extra="allow", frozen=True)

    #: Limits from the OpenAPI document per wire name (maxLength, enum, minimum, ...).
    wire_limits: ClassVar[dict[str, dict[str, Any]]] = {}
    #: Wire names the OpenAPI document marks as required.
    wire_required: ClassVar[tuple[str, ...]] = ()

    url: str | None = Field(default=None, alias="@url")

    def to_wire(self) -> dict[str, Any]:
        """The set fields of this model as a Fortnox body dict (nested models included)."""
        return {
            (self.__class__.model_fields[name].alias or name): to_wire(value)
            for name, value in self
            if name in self.model_fields_set and value is not None and name != "url"
        }

    @classmethod
    def wire_fields(cls, fields: Mapping[str, Any], *, blank_none: bool) -> dict[str, Any]:
        """Turn snake_case ``fields`` into a Fortnox body dict.

        ``None`` becomes :data:`API_BLANK` when ``blank_none`` (an update that clears a field),
        and is left out otherwise (a create).
        """
        body: dict[str, Any] = {}
        for name, value in fields.items():
            info = cls.model_fields.get(name)
            if info is None:
                known = ", ".join(sorted(cls.model_fields))
                raise KeyError(f"{cls.__name__} has no field {name!r}; known fields: {known}")
            alias = info.alias or name
            if value is None or value == "":
                if blank_none:
                    body[alias] = API_BLANK
                continue
            body[alias] = to_wire(value)
        return body

    @classmethod
    def wire_names(cls) -> set[str]:
        """All wire (PascalCase) names this model declares."""
        return {info.alias or name for name, info in cls.model_fields.items()}


class MetaInformation(BaseModel):
    """Paging information that accompanies every Fortnox list response."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    total_resources: int = Field(alias="@TotalResources")
    total_pages: int = Field(alias="@TotalPages")
    current_page: int = Field(alias="@CurrentPage")
