"""How the problem e-mails name a failing record: from the fields the entity (or the flow)
declares, with the entity's label; nothing declared, nothing derived."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity, discover_entities
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.outbox.references import ReferenceBook


class _Invoice(BaseModel):
    number: str
    customer_name: str | None = None


class _InvoicePush(Flow):
    name = "demo.customer_invoice.push"
    entity = "customer_invoice"
    record_model = _Invoice


class _AccountPull(Flow):
    name = "demo.account.pull"
    entity = "account"
    reference_fields: ClassVar[tuple[str, ...]] = ("number", "description")


class _NotePush(Flow):
    name = "demo.note.push"
    entity = "note"


INVOICE = HostEntity(
    entity="customer_invoice",
    collection="customer-invoices",
    model=_Invoice,
    family="demo",
    description="Invoices.",
    reference_fields=("number", "customer_name"),
)
BOOK = ReferenceBook([_InvoicePush, _AccountPull, _NotePush], [INVOICE])


def test_the_entity_declares_the_fields_and_gives_the_label() -> None:
    record = {"number": "1042", "customer_name": "Bygg AB"}
    assert BOOK.describe(_InvoicePush.name, "inv-7", record) == (
        "customer invoice inv-7 (1042 Bygg AB)"
    )
    assert BOOK.describe(_InvoicePush.name, "inv-8", {"number": "1043"}) == (
        "customer invoice inv-8 (1043)"
    )


def test_a_flow_without_a_host_entity_declares_its_own_fields() -> None:
    assert BOOK.describe(_AccountPull.name, "3010", {"number": 3010, "description": "Försäljning"})
    assert BOOK.label(_AccountPull.name) == "account"
    assert BOOK.fields(_AccountPull.name) == ("number", "description")


def test_nothing_declared_or_nothing_filled_in_leaves_the_run_s_reference() -> None:
    assert BOOK.describe(_NotePush.name, "n1", {"text": "hej"}) is None
    assert BOOK.describe(_InvoicePush.name, "inv-9", {"number": ""}) is None
    assert BOOK.describe("unknown.flow.push", "x", {"number": "1"}) is None


def test_the_projects_family_names_its_projects_by_number_and_name() -> None:
    book = ReferenceBook(discover_flows(), discover_entities())
    flow = "projects.construction_project.push"
    assert book.fields(flow) == ("number", "name")
    assert book.describe(flow, "p-7", {"number": "10000", "name": "Skolan", "status_code": 50}) == (
        "construction project p-7 (10000 Skolan)"
    )


@pytest.fixture
def family_with_a_wrong_field(tmp_path: Path) -> Iterator[str]:
    """A flows package whose one family names its records by a field its model lacks."""
    root = tmp_path / "refflows"
    (root / "fam").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "fam" / "__init__.py").write_text("")
    (root / "fam" / "entities.py").write_text(
        textwrap.dedent(
            """
            from pydantic import BaseModel
            from fortnox_bridge.engine.flow.entities import HostEntity

            class Supplier(BaseModel):
                number: str

            ENTITIES = (
                HostEntity("supplier", "suppliers", Supplier, "fam", "Suppliers.",
                           reference_fields=("numbr",)),
            )
            """
        )
    )
    sys.path.insert(0, str(tmp_path))
    yield "refflows"
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("refflows")]:
        del sys.modules[name]


def test_a_reference_field_the_model_lacks_is_refused(family_with_a_wrong_field: str) -> None:
    with pytest.raises(FlowDefinitionError, match=r"\['numbr'\]"):
        discover_entities(family_with_a_wrong_field)
