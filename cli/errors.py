"""One line per error, and an exit code that says which kind (README, "Exit codes").

0  done
1  refused: the rules or the store said no, naming the field and the rule (R-G3); nothing
   was written
2  bad input to the command: an option, a date, a file that cannot be read, JSON that does
   not parse (usage errors from the command line itself too)
3  the store cannot be reached, or needs ``cpo db upgrade``
4  a fault in ``cpo`` itself: the line names it; ``CPO_DEBUG=1`` shows the traceback

Whatever the command and whichever store (SQLite or PostgreSQL), an error is one line on
stderr, never a traceback, never the SQL a database refused (it can hold what was typed).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

import typer

# Typer 0.29 carries its own copy of Click: its usage errors are these classes, not click's.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

REFUSED, BAD_INPUT, STORE, FAULT = 1, 2, 3, 4
DEBUG = "CPO_DEBUG"


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
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.TyperException):
            raise  # the command's own exit, or a usage error: ``main`` makes it one line
        except Exception as error:
            code, line = classify(error)
        typer.echo(line, err=True)
        raise typer.Exit(code)

    return run


def classify(error: Exception) -> tuple[int, str]:
    """The exit code and the one line an error ends a command with."""
    from pydantic import ValidationError

    from domain.case_files import invalid
    from domain.errors import DomainError
    from domain.store.errors import database_refusal

    if isinstance(error, DomainError | Refused):
        return REFUSED, f"refused: {first_line(error)}"
    if isinstance(error, ValidationError):
        return REFUSED, f"refused: {invalid(error)} (R-G3)"
    if isinstance(error, BadInput | ValueError):
        return BAD_INPUT, f"error: {first_line(error)}"
    if isinstance(error, StoreUnavailable):
        return STORE, f"error: {first_line(error)}"
    refusal = database_refusal(error)  # never the SQL: it can hold what was typed
    if refusal is not None and refusal[0]:  # a lock timeout, a dropped connection
        return STORE, f"error: the store cannot be reached ({refusal[1]})"
    if refusal is not None:  # a trigger, a constraint, a permission
        return REFUSED, f"refused by the store: {first_line(refusal[1])}"
    if isinstance(error, OSError):
        return BAD_INPUT, f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": ")
    if os.environ.get(DEBUG):
        raise error
    return FAULT, f"error: a fault in cpo ({type(error).__name__}: {first_line(error)}); " + (
        f"{DEBUG}=1 shows where"
    )


def first_line(error: object) -> str:
    """An error's message on one line, bounded (a database's message can run on)."""
    text = str(error if error is not None else "").strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line if len(line) <= 500 else line[:497] + "..."


def guard(app: typer.Typer) -> None:
    """Give every command of ``app`` (and of its sub-commands) one-line errors."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = one_line_errors(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard(group.typer_instance)


def run_one_line(app: typer.Typer, args: Sequence[str] | None = None) -> int:
    """Run ``app`` as a command line does; a usage error (an unknown option, a missing
    argument, a bad value for an option) is one line too, and exits 2."""
    try:
        code = app(args=list(args) if args is not None else None, standalone_mode=False)
    except NoArgsIsHelpError as error:
        error.show()
        return BAD_INPUT
    except UsageError as error:
        path = error.ctx.command_path if error.ctx is not None else "cpo"
        typer.echo(f"error: {first_line(error.format_message())} ({path} --help)", err=True)
        return BAD_INPUT
    except typer.Abort:
        typer.echo("error: stopped", err=True)
        return REFUSED
    except ClickException as error:
        typer.echo(f"error: {first_line(error.format_message())}", err=True)
        return error.exit_code
    return code if isinstance(code, int) else 0
