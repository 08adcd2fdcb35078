"""The curl walkthrough of ``docs/api.md`` and the README's "push a change" run as written
against a real bridge.

The test makes the demo's data (``demo --once``), starts ``fortnox-bridge serve`` on it, and runs
every ``sh`` block of the guide's section with bash and the real ``curl``, in order, with
``BRIDGE`` (the base URL) and ``KEY`` (the demo tenant's API key) set, in the directory the demo
wrote ``var/`` to. The README speaks of the demo's own address (``http://127.0.0.1:8000``): that is
the test's server. Variables a block exports are kept for the next blocks. A ``json`` block right
after a ``sh`` block is the answer the guide promises: the block's output must contain it
(objects may have more keys; the string ``"…"`` stands for any value; a list ending in ``"…"``
may have more items).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import cli_env, free_port, run_cli, start, wait_until_up

ROOT = Path(__file__).parents[2]
#: The guides and the section of each that runs as written.
GUIDES = {
    "docs/api.md": "## Walkthrough",
    "README.md": "### Push a change",
}
#: The address the README gives for the demo's API.
DEMO_URL = "http://127.0.0.1:8000"
ANY = "…"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass
class Step:
    """One ``sh`` block and the answer the guide shows for it, if any."""

    line: int
    script: str
    expected: Any | None


def steps(text: str, section: str = "## Walkthrough") -> list[Step]:
    """The steps of ``section`` (up to the next heading of its level or above), in order."""
    start_at = text.index(section)
    level = section.split(" ", 1)[0]
    ends = [
        found
        for depth in range(1, len(level) + 1)
        if (found := text.find("\n" + "#" * depth + " ", start_at + len(section))) != -1
    ]
    end_at = min(ends) if ends else -1
    part = text[start_at : end_at if end_at != -1 else len(text)]
    offset = text[:start_at].count("\n")
    found: list[Step] = []
    for match in FENCE.finditer(part):
        language, body = match.group(1), match.group(2)
        line = offset + part[: match.start()].count("\n") + 1
        if language == "sh":
            found.append(Step(line, body, None))
        elif language == "json" and found and found[-1].expected is None:
            found[-1].expected = json.loads(body)
    return found


def contains(actual: Any, expected: Any) -> bool:
    """Whether ``actual`` holds everything ``expected`` shows."""
    if expected == ANY:
        return True
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        open_ended = bool(expected) and expected[-1] == ANY
        items = expected[:-1] if open_ended else expected
        if len(actual) < len(items) or (not open_ended and len(actual) != len(items)):
            return False
        return all(contains(a, e) for a, e in zip(actual, items, strict=False))
    return bool(actual == expected)


def test_the_matcher_tells_a_kept_promise_from_a_broken_one() -> None:
    assert contains({"a": 1, "b": [1, 2, 3]}, {"a": 1, "b": [1, ANY]})
    assert contains({"id": "op_7"}, {"id": ANY})
    assert not contains({"a": 1}, {"a": 2})
    assert not contains({"b": [1, 2]}, {"b": [1]})
    assert not contains({}, {"a": ANY})


def test_a_section_ends_at_the_next_heading_of_its_level_or_above() -> None:
    text = "## A\n```sh\none\n```\n### B\n```sh\ntwo\n```\n## C\n```sh\nthree\n```\n"
    assert [s.script for s in steps(text, "### B")] == ["two\n"]
    assert [s.script for s in steps(text, "## A")] == ["one\n", "two\n"]


@pytest.mark.parametrize(("guide", "least"), [("docs/api.md", 5), ("README.md", 2)])
def test_the_walkthrough_runs_as_written(
    tmp_path: Path, spawn: list[Any], guide: str, least: int
) -> None:
    missing = [tool for tool in ("bash", "curl", "jq", "python3") if shutil.which(tool) is None]
    assert not missing, f"the walkthrough needs {', '.join(missing)}: install it (apt-get install)"
    walkthrough = steps((ROOT / guide).read_text(encoding="utf-8"), GUIDES[guide])
    assert len(walkthrough) >= least, f"{guide} lost its steps"
    made = run_cli("demo", "--once", "--data-dir", "var", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    info = json.loads((tmp_path / "var" / "demo.json").read_text())
    port = free_port()
    server = start(spawn, "serve", "--data-dir", "var", "--port", str(port), cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    assert wait_until_up(f"{base}/healthz", server).status_code == 200

    state = tmp_path / "walkthrough.env"
    state.write_text(f"export BRIDGE={base}\nexport KEY={info['api_key']}\n", encoding="utf-8")
    for step in walkthrough:
        body = step.script.replace(DEMO_URL, base)
        script = f"set -euo pipefail\nsource {state}\n{body}\nexport -p > {state}\n"
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        where = f"{guide} line {step.line}:\n{step.script}"
        assert done.returncode == 0, f"{where}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
        if step.expected is not None:
            answer = json.loads(done.stdout)
            assert contains(answer, step.expected), (
                f"{where}\nanswered:\n{json.dumps(answer, indent=2, ensure_ascii=False)}"
            )
