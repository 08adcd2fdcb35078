"""Every text the product shows or ships points at text inside the repository, and the tables of
the documentation say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fortnox_bridge.formats.sie.validation import FORBIDDEN, REQUIRED

ROOT = Path(__file__).resolve().parents[2]
#: Where a reader (or a user, through a message) may be sent to a document.
SHOWN = ("src", "docs", "bench", "README.md")
MARKDOWN_NAME = re.compile(r"[\w.-]+\.md\b")


def _texts() -> list[Path]:
    found: list[Path] = []
    for name in SHOWN:
        path = ROOT / name
        if path.is_file():
            found.append(path)
        else:
            found += [p for p in path.rglob("*") if p.suffix in {".py", ".md", ".html", ".po"}]
    return found


def test_every_document_named_is_in_the_repository() -> None:
    in_repository = {path.name for path in ROOT.rglob("*.md") if ".git" not in path.parts}
    missing = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in _texts()
        for name in MARKDOWN_NAME.findall(path.read_text(encoding="utf-8"))
        if name not in in_repository
    }
    assert not missing, sorted(missing)


def _label_table() -> dict[str, dict[str, str]]:
    guide = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    section = guide.split("#### Labels each type requires and forbids", 1)[1].lstrip("\n")
    paragraphs = section.split("\n\n")
    (table_text,) = [text for text in paragraphs[:3] if text.startswith("| label |")]
    rows = [line for line in table_text.splitlines() if line.startswith("| `#")]
    variants = ("1", "2", "3", "4E", "4I")
    table = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        table[cells[0].strip("`")] = dict(zip(variants, cells[1:], strict=True))
    return table


@pytest.mark.parametrize("variant", ["1", "2", "3", "4E", "4I"])
def test_the_label_table_of_the_formats_guide_is_the_validators(variant: str) -> None:
    table = _label_table()
    assert set(table) == set(REQUIRED) | set(FORBIDDEN)
    for label, row in table.items():
        expected = (
            "required"
            if variant in REQUIRED.get(label, ())
            else "forbidden"
            if variant in FORBIDDEN.get(label, ())
            else "allowed"
        )
        assert row[variant] == expected, (label, variant)
