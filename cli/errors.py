"""One line per error, and an exit code that says which kind (README, "Exit codes").

0  done
1  refused: the rules or the store said no, naming the field and the rule (R-G3); nothing
   was written
2  bad input to the command: an option, a date, a file that cannot be read, JSON that does
   not parse (usage errors from the command line itself also exit 2)
3  the store cannot be reached, or needs ``cpo db upgrade``
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

REFUSED, BAD_INPUT, STORE = 1, 2, 3


class Refused(Exception):
    """Input the rules refuse: the line names the field and the rule (exit 1)."""


class BadInput(Exception):
    """Input the command cannot read: an option, a file, JSON (exit 2)."""


class StoreUnavailable(Exception):
    """The store is unreachable or out of date (exit 3)."""


def one_line_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; every error ends it with one line on stderr and its exit code."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from domain.errors import DomainError
        from domain.store.errors import is_transient

        try:
            return command(*args, **kwargs)
        except (DomainError, Refused) as error:
            code, line = REFUSED, f"refused: {error}"
        except BadInput as error:
            code, line = BAD_INPUT, f"error: {error}"
        except StoreUnavailable as error:
            code, line = STORE, f"error: {error}"
        except Exception as error:
            if not is_transient(error):
                raise
            code, line = STORE, f"error: the store cannot be reached ({type(error).__name__})"
        typer.echo(line, err=True)
        raise typer.Exit(code)

    return run


def guard(app: typer.Typer) -> None:
    """Give every command of ``app`` (and of its sub-commands) one-line errors."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = one_line_errors(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard(group.typer_instance)
