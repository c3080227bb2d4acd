"""``cpo``: the command line for admins and engineers.

Each area registers its own commands: the domain's (obligations, validate),
the store's (db upgrade, import, export, cases...), the daily digest (digest), the manual
steps (record ...), the children's personal facts (children ...), the returns (returns ...,
audit).
"""

from __future__ import annotations

import typer

from cli import (
    alarm_cmds,
    children_cmds,
    digest_cmds,
    domain_cmds,
    record_cmds,
    returns_cmds,
    simulate_cmds,
    store_cmds,
)
from cli.errors import guard, run_one_line

app = typer.Typer(
    name="cpo",
    help="Child protection orchestration: cases, obligations, manual steps.",
    no_args_is_help=True,
    add_completion=False,
)

for module in (
    domain_cmds,
    store_cmds,
    digest_cmds,
    record_cmds,
    simulate_cmds,
    children_cmds,
    returns_cmds,
    alarm_cmds,
):
    module.register(app)
guard(app)


def main() -> None:
    """The ``cpo`` command: every error one line (``cli/errors.py``)."""
    raise SystemExit(run_one_line(app))


if __name__ == "__main__":
    main()
