"""The committed models are what scripts/generate_models.py makes of the OpenAPI document."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.reference

ROOT = Path(__file__).resolve().parents[2]


def test_generated_models_are_up_to_date(reference_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_models", ROOT / "scripts" / "generate_models.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_models"] = module
    spec.loader.exec_module(module)
    expected = module.formatted(module.generate(reference_dir / "fortnox-openapi.json"))
    # A module per resource, the catalogue and the client's attributes.
    assert len(expected) == len(module.RESOURCES) + 2
    stale = [
        str(path.relative_to(ROOT))
        for path, text in expected.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run: python scripts/generate_models.py"
