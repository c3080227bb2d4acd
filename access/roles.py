"""Roles and what each may call: the allow-lists of ``access/roles.toml`` (or the file
``CPO_ROLES_FILE`` names), matched against Prefect's own route templates. Deny by default:
a route no role of the person lists is refused (403), and so is a route the table does not
know."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("viewer", "recorder", "manager", "data", "operator")
DEFAULT_FILE = Path(__file__).with_name("roles.toml")
CREATE_RUN = "POST /deployments/{id}/create_flow_run"
RESUME = "POST /flow_runs/{id}/resume"


@dataclass(frozen=True)
class Role:
    name: str
    routes: frozenset[str]  # "METHOD /template"
    runs: frozenset[str] = frozenset()  # flows whose deployments it may start


@dataclass(frozen=True)
class Policy:
    roles: Mapping[str, Role]
    groups: Mapping[str, tuple[str, ...]]  # provider group -> role names
    stamped: Mapping[str, str]  # flow name -> the parameter that carries who acts
    templates: tuple[str, ...] = field(default=())  # every "METHOD /template" the API has

    def roles_of(self, groups: Iterable[str]) -> tuple[str, ...]:
        """The roles a person's groups give, in the order of ``ROLES``; none: no access."""
        found = {role for group in groups for role in self.groups.get(group, ())}
        return tuple(role for role in ROLES if role in found)

    def allows(self, roles: Iterable[str], route: str) -> bool:
        return any(route in self.roles[role].routes for role in roles if role in self.roles)

    def may_start(self, roles: Iterable[str], flow_name: str) -> bool:
        return any(flow_name in self.roles[role].runs for role in roles if role in self.roles)


def load_policy(path: Path | None = None) -> Policy:
    """The roles file, each role's ``includes`` folded in; a role or group naming a role we
    do not have is an error at start-up, never a silent grant or refusal."""
    source = path or DEFAULT_FILE
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    declared = data.get("roles", {})
    unknown = sorted(set(declared) - set(ROLES))
    if unknown:
        raise ValueError(f"{source}: unknown roles {unknown}; roles are {', '.join(ROLES)}")
    roles = {name: _role(name, declared) for name in declared}
    groups = {str(g): tuple(r) for g, r in data.get("groups", {}).items()}
    for group, names in groups.items():
        if set(names) - set(ROLES):
            raise ValueError(f"{source}: group {group!r} maps to an unknown role: {names}")
    return Policy(roles, groups, dict(data.get("stamped", {})))


def _role(name: str, declared: Mapping[str, dict[str, list[str]]], depth: int = 0) -> Role:
    if depth > len(ROLES):
        raise ValueError(f"role {name!r} includes itself")
    spec = declared[name]
    routes, runs = set(spec.get("routes", ())), set(spec.get("runs", ()))
    for included in spec.get("includes", ()):
        inner = _role(included, declared, depth + 1)
        routes |= inner.routes
        runs |= inner.runs
    return Role(name, frozenset(routes), frozenset(runs))


class RouteTable:
    """Prefect's API routes as "METHOD /template", and which one a request's path is.

    Built from the API's OpenAPI document (its public description of itself), so a route
    Prefect adds in a new version is refused until a role lists it."""

    def __init__(self, routes: Iterable[str]) -> None:
        self.routes = tuple(sorted(set(routes)))
        self._patterns: dict[str, list[tuple[int, re.Pattern[str], str]]] = {}
        for route in self.routes:
            method, template = route.split(" ", 1)
            regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            literal = sum(1 for part in template.split("/") if part and "{" not in part)
            entry = (literal, re.compile(f"^{regex}$"), route)
            self._patterns.setdefault(method, []).append(entry)
        for entries in self._patterns.values():
            entries.sort(key=lambda e: -e[0])  # "/variables/name/{name}" before "/variables/{id}"

    @classmethod
    def from_openapi(cls, document: Mapping[str, object]) -> RouteTable:
        paths = document.get("paths", {})
        assert isinstance(paths, dict)
        return cls(f"{method.upper()} {path}" for path, ops in paths.items() for method in ops)

    def route(self, method: str, path: str) -> str | None:
        """The route a request is for (``path`` below ``/api``), or None: unknown."""
        entries = self._patterns.get(method.upper(), [])
        for candidate in (path, path.rstrip("/") or "/", path + "/"):
            for _, pattern, route in entries:
                if pattern.match(candidate):
                    return route
        return None
