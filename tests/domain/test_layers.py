"""The layers (docs/architecture.md): the domain without import circles, each module importable
on its own; nothing reaches back up the chain domain <- returns <- services <- tasks <- flows."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((REPO / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module named by an import, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_domain_has_no_import_circle_even_through_imports_inside_functions() -> None:
    domain = modules("domain")
    graph = {
        name: {t for t in imports(path) if t in domain and t != name and not name.startswith(t)}
        for name, path in domain.items()
    }
    assert sum(len(edges) for edges in graph.values()) > 30  # the graph was read
    assert circles(graph) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_domain_module_imports_on_its_own() -> None:
    """Each in a fresh interpreter: an import that only works after another module has been
    imported first (a hidden circle) fails here."""

    def fresh(name: str) -> tuple[str, int, str]:
        done = subprocess.run(
            [sys.executable, "-c", f"import {name}"], cwd=REPO, capture_output=True, text=True
        )
        return name, done.returncode, done.stderr[-500:]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(fresh, modules("domain")))
    assert [(name, err) for name, code, err in results if code != 0] == []


LAYERS = {
    "domain": (
        "prefect",
        "apprise",
        "jinja2",
        "flows",
        "tasks",
        "notifications",
        "services",
        "cli",
        "returns",
        "access",
    ),
    "returns": ("prefect", "flows", "tasks", "services", "notifications", "cli", "access"),
    "services": ("prefect", "flows", "tasks", "cli", "access"),
    "notifications": (
        "prefect",
        "flows",
        "tasks",
        "services",
        "cli",
        "sqlalchemy",
        "returns",
        "access",
    ),  # fmt: skip
    "tasks": ("flows", "cli", "access"),
    "flows": ("cli", "access"),
    # The sign-in layer runs in Prefect's server process: it asks the use cases and the store,
    # never a flow, a task, the command line or the notifications.
    "access": ("flows", "tasks", "cli", "notifications", "returns"),
    "benchmarks": ("tests",),
}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_nothing_reaches_back_up_the_layers(package: str) -> None:
    forbidden = LAYERS[package]
    crossings = {
        f"{name} -> {target}"
        for name, path in modules(package).items()
        for target in imports(path)
        if any(target == top or target.startswith(f"{top}.") for top in forbidden)
    }
    assert crossings == set()


@pytest.mark.parametrize(
    "package", ["domain", "returns", "services", "tasks", "flows", "notifications", "cli"]
)
def test_sqlalchemy_lives_in_the_store_only(package: str) -> None:
    users = {
        name
        for name, path in modules(package).items()
        if not name.startswith("domain.store")
        and any(t == "sqlalchemy" or t.startswith("sqlalchemy.") for t in imports(path))
    }
    assert users == set()
