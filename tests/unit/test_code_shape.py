"""Hand-written code stays small enough to read: no module over 400 lines and no function over
60 lines in src/, bench/ and scripts/.

Generated modules (the Fortnox models) are left out: they say "do not edit" in the head of their
docstring, and their size follows the OpenAPI document.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The folders of hand-written Python that are checked.
CHECKED = ("src", "bench", "scripts")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
#: A module whose docstring says this in its first lines is generated.
GENERATED_MARKER = "do not edit"
#: How many lines of the docstring count as its head.
HEAD_LINES = 10


def is_generated(tree: ast.Module) -> bool:
    """Whether the head of the module's docstring marks it as generated."""
    docstring = ast.get_docstring(tree) or ""
    head = "\n".join(docstring.splitlines()[:HEAD_LINES])
    return GENERATED_MARKER in head.lower()


def too_long(paths: Iterable[Path], root: Path) -> list[str]:
    """One line per hand-written module over :data:`MAX_MODULE_LINES` lines and per function
    (or method) over :data:`MAX_FUNCTION_LINES` lines, from ``def`` to its last line."""
    found: list[str] = []
    for path in sorted(paths):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        if is_generated(tree):
            continue
        name = path.relative_to(root).as_posix()
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{name}: module of {lines} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(
                        f"{name}:{node.lineno}: {node.name}() of {length} lines "
                        f"(at most {MAX_FUNCTION_LINES})"
                    )
    return found


def _python_files(root: Path, folders: Iterable[str]) -> list[Path]:
    return [path for folder in folders for path in (root / folder).rglob("*.py")]


def test_no_hand_written_module_or_function_is_too_long() -> None:
    found = too_long(_python_files(ROOT, CHECKED), ROOT)
    assert found == [], "split these into smaller modules or functions:\n" + "\n".join(found)


def test_the_check_finds_a_long_function_and_a_long_module(tmp_path: Path) -> None:
    body = "".join(f"    x = {n}\n" for n in range(59))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "fits.py").write_text(f"def fits():\n{body}\n")  # 60 lines
    (tmp_path / "src" / "long.py").write_text(f"def long():\n{body}    x = 59\n")  # 61 lines
    filler = "".join(f"x{n} = {n}\n" for n in range(401))
    (tmp_path / "src" / "big.py").write_text(filler)
    (tmp_path / "src" / "just.py").write_text(filler[: filler.index("x400")])  # 400 lines
    generated = '"""Made by a script.\n\nGenerated from a document; do not edit.\n"""\n'
    long_function = f"def made():\n{body}    x = 59\n"
    (tmp_path / "src" / "made.py").write_text(generated + long_function + filler)

    found = too_long(_python_files(tmp_path, ["src"]), tmp_path)

    assert found == [
        "src/big.py: module of 401 lines (at most 400)",
        "src/long.py:1: long() of 61 lines (at most 60)",
    ]
