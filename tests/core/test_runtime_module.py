"""``beeflow_websocket.runtime`` is the one module generated code imports: its names are exactly the documented ones."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import beeflow_websocket.runtime as runtime

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "codegen" / "golden"
GENERATED = [REPO / "examples" / "chat" / "chat_app" / "ws", *sorted(GOLDEN.glob("*/expected"))]


def documented(doc: Path, heading: str) -> set[str]:
    """The backticked names in the first column of the table under ``heading``."""
    section = doc.read_text(encoding="utf-8").split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Za-z_]+)`", row.split("|")[1])}


def test_the_names_are_exactly_the_documented_ones_in_both_languages() -> None:
    assert set(runtime.__all__) == documented(REPO / "docs" / "en" / "handlers.md", "## Runtime version")
    assert set(runtime.__all__) == documented(REPO / "docs" / "pl" / "handlers.md", "## Wersja środowiska")
    for name in runtime.__all__:
        assert getattr(runtime, name) is not None


def test_generated_code_imports_the_runtime_module_and_nothing_deeper() -> None:
    seen: set[str] = set()
    for root in GENERATED:
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("beeflow_websocket"):
                    assert node.module == "beeflow_websocket.runtime", f"{path}:{node.lineno} imports {node.module}"
                    seen.update(alias.name for alias in node.names)
                elif isinstance(node, ast.Import):
                    assert not any(alias.name.startswith("beeflow_websocket") for alias in node.names), path
    assert seen <= set(runtime.__all__)
    assert {"require_runtime_api", "ActionContext", "JsonSchemas"} <= seen
