"""The service units of ``deploy/systemd`` as plain processes: their commands with what
systemd would substitute, so a test runs exactly what an authority installs."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UNITS = REPO / "deploy" / "systemd"
INSTALLED_AT = "/opt/cpo"  # where the units expect the checkout and its .venv


@dataclass(frozen=True)
class Command:
    argv: list[str]
    may_fail: bool  # systemd's "-" prefix: a failure does not stop the unit


def commands(
    unit: str,
    env: Mapping[str, str],
    *,
    instance: str = "",
    host: str = "localhost",
    root: Path = REPO,
) -> list[Command]:
    """Each ``ExecStart=`` of ``deploy/systemd/<unit>``, in order: ``/opt/cpo`` made ``root``,
    ``%i`` the instance, ``%H`` the host name, ``${NAME}`` from ``env``."""
    found = []
    for line in (UNITS / unit).read_text().splitlines():
        if not line.startswith("ExecStart="):
            continue
        command = line.removeprefix("ExecStart=")
        may_fail = command.startswith("-")
        command = command.removeprefix("-").replace(INSTALLED_AT, str(root))
        command = command.replace("%i", instance).replace("%H", host)
        command = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], command)
        found.append(Command(shlex.split(command), may_fail))
    return found


def settings(example: str) -> dict[str, str]:
    """The settings an environment file of ``deploy/`` names (``NAME=value`` lines)."""
    found = {}
    for line in (REPO / "deploy" / example).read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            found[name] = value
    return found
