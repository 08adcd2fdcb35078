"""A declared resource bound to its catalogue entry and generated models (computed once per app)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fortnox_bridge.fortnox.models.base import FortnoxModel
from fortnox_bridge.fortnox.models.catalogue import CATALOGUE, ResourceDescription
from fortnox_bridge.sandbox.fields import WireField, model_class, wire_fields
from fortnox_bridge.sandbox.registers.spec import ResourceSpec

API_BASE = "https://api.fortnox.se"


class Resource:
    """Everything the engine needs about one resource, derived from its declaration."""

    def __init__(self, spec: ResourceSpec) -> None:
        self.spec = spec
        self.desc: ResourceDescription = next(d for d in CATALOGUE if d.module == spec.module)
        if self.desc.single_model is None or self.desc.single_key is None:
            raise ValueError(f"{spec.module}: the catalogue names no single-record model")
        self.model: type[FortnoxModel] = model_class(spec.module, self.desc.single_model)
        self.fields: dict[str, WireField] = wire_fields(self.model)
        self.single_key: str = self.desc.single_key
        self.list_key: str | None = self.desc.list_key
        list_model = (
            model_class(spec.module, self.desc.list_model) if self.desc.list_model else self.model
        )
        self.list_kinds = {name: f.kind for name, f in wire_fields(list_model).items()}
        self.list_fields: tuple[str, ...] = spec.list_fields or tuple(self.list_kinds)
        self.required: tuple[str, ...] = (
            spec.required if spec.required is not None else self.model.wire_required
        )
        #: The register's name: the path's collection word (``customers``).
        self.name: str = self.desc.path.removeprefix("/3/").replace("/", "_")
        self.base_url = API_BASE + self.desc.path
        self._nested: dict[type[FortnoxModel], dict[str, WireField]] = {}
        #: The other resources of the same app, by catalogue module (set by the engine).
        self.peers: dict[str, Resource] = {}
        #: The record with nothing set, as rendered (filled on first use by ``render``).
        self.blank: dict[str, Any] | None = None
        self.blank_nested: tuple[str, ...] = ()

    def fields_of(self, model: type[FortnoxModel]) -> dict[str, WireField]:
        """The wire fields of a nested model (rows, objects), computed once."""
        found = self._nested.get(model)
        if found is None:
            found = self._nested[model] = wire_fields(model)
        return found

    @property
    def id_field(self) -> str | None:
        """The wire field that identifies a record."""
        return self.spec.id.field if self.spec.id else None

    def url(self, record_id: str) -> str:
        """The record's ``@url``."""
        return f"{self.base_url}/{quote(record_id, safe='')}"

    def supports(self, operation: str) -> bool:
        """Whether the catalogue lists ``operation`` (``create``, ``delete``, ...)."""
        return operation in self.desc.operations
