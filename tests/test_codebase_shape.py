"""The shape of the application code: no module over 500 lines, no function over 80.

A module that grows past 500 lines holds more than one thing; split it along its seams (see
README, "Where do I change X"). Migrations, tests and benchmarks are not application code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("config", "core", "planning", "forecasting", "allocation", "otb", "replenishment", "reports")
MODULE_LINES = 500
FUNCTION_LINES = 80


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    )


def long_functions(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > FUNCTION_LINES:
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_the_app_code_is_found() -> None:
    assert len(app_modules()) > 100


def test_no_module_is_over_500_lines() -> None:
    too_long = [
        f"{path.relative_to(ROOT)} ({lines} lines)"
        for path in app_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    ]
    assert too_long == []


def test_no_function_is_over_80_lines() -> None:
    assert [found for path in app_modules() for found in long_functions(path)] == []


def test_the_checks_see_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(FUNCTION_LINES))
    module = tmp_path / "probe.py"
    module.write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n", encoding="utf-8")
    assert long_functions(module, tmp_path) == [f"probe.py:5 long ({FUNCTION_LINES + 1} lines)"]
