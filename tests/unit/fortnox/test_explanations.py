"""The explanation table covers every error code the Fortnox facts document lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fortnox_bridge.fortnox.explanations import explain, known_codes

FACTS = Path(__file__).resolve().parents[4] / "shared" / "docs" / "fortnox-api.md"


@pytest.mark.reference
def test_every_documented_error_code_is_explained() -> None:
    if not FACTS.is_file():
        pytest.skip(f"Fortnox facts document not found at {FACTS}")
    text = FACTS.read_text(encoding="utf-8")
    section = text[text.index("### 3.3") : text.index("### 3.4")]
    codes = {int(code) for code in re.findall(r"\b(\d{7})\b", section)}
    assert len(codes) >= 35
    assert codes - known_codes() == set()


def test_unknown_codes_fall_back_to_the_status() -> None:
    assert "25 per 5 seconds" in explain(None, 429).explanation
    assert explain(9999999, 404).explanation == "The record does not exist in Fortnox."
    assert explain(None, 502).explanation == "Fortnox had an internal error."
    assert explain(9999999, 400).fix.startswith("Read the Swedish message")
