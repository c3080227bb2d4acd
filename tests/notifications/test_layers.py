"""notifications/ sits below flows/ and tasks/ and never imports prefect (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import notifications

FORBIDDEN = ("prefect", "flows", "tasks", "domain.store", "sqlalchemy")
MODULES = sorted(Path(notifications.__file__).parent.glob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_notifications_imports_nothing_above_it(module: Path) -> None:
    reached = {
        name
        for name in imported(module)
        for top in FORBIDDEN
        if name == top or name.startswith(f"{top}.")
    }
    assert reached == set()
