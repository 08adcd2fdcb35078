"""What the Service tab shows of an order: Fortnox's document number only when the bridge wrote
it back, never the link's external reference (the order's own number)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from fortnox_bridge.services.service_family import _order

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _row(**payload: Any) -> Any:
    return SimpleNamespace(payload={"number": "FO-3", "kind": "sales", **payload}, updated_at=NOW)


def test_the_reference_is_the_written_back_document_number_not_the_link() -> None:
    written = _order("FO-3", _row(fortnox_reference="2", fortnox_document="order"), "FO-3")
    assert (written.fortnox_reference, written.fortnox_document, written.sent) == (
        "2",
        "order",
        True,
    )
    dropped = _order("FO-3", _row(), "FO-3")  # the host replaced the record without it
    assert (dropped.fortnox_reference, dropped.fortnox_document, dropped.sent) == (None, None, True)
    unsent = _order("FO-3", _row(), None)
    assert (unsent.fortnox_reference, unsent.sent) == (None, False)
