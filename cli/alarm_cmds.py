"""``cpo alarm install``: the clock's dead-man switch (``flows/alarm.py``); ``cpo views
install``: the case runs' saved views (``flows/views.py``)."""

from __future__ import annotations

from datetime import timedelta

import typer

from cli.errors import BadInput, Refused

alarm_app = typer.Typer(help="The clock's dead-man switch: an alarm when the clock stops.")


@alarm_app.command("install")
def install(
    minutes: float = typer.Option(30, "--minutes", help="Alarm after this long with no tick"),
    webhook: str | None = typer.Option(
        None, "--webhook", help="Also create custom-webhook blocks posting to this URL"
    ),
) -> None:
    """Install (or replace) the Prefect automation that alarms the head of service and
    operations when no clock run has completed in the window (default 30 minutes)."""
    if minutes * 60 < 10:
        raise BadInput("--minutes: the shortest window Prefect allows is 10 seconds")
    import asyncio

    from prefect.client.orchestration import get_client

    from flows.alarm import AlarmNotInstalled, install_alarm, save_webhook_blocks, window_words
    from notifications.settings import ui_url

    async def run() -> str:
        if webhook:
            await save_webhook_blocks(webhook)
        async with get_client() as client:
            alarm = await install_alarm(client, ui_url(), timedelta(minutes=minutes))
        return (
            f"alarm installed: no completed clock run in {window_words(alarm.within)} "
            f"notifies {', '.join(alarm.blocks)}"
        )

    try:
        typer.echo(asyncio.run(run()))
    except AlarmNotInstalled as error:
        raise Refused(str(error)) from error


views_app = typer.Typer(help="Saved views of the case runs in the Prefect UI.")


@views_app.command("install")
def install_views() -> None:
    """Save the case runs' views in the Prefect UI's old Runs page (open cases, overdue, due
    this week, and each team's), replacing any of the same name (flows/views.py). The new
    UI keeps saved filters in each browser: its views are the links the README lists."""
    import asyncio

    from prefect.client.orchestration import get_client

    from cli.store_cmds import open_store
    from flows.views import install_views as save

    with open_store(None) as repository:
        teams = repository.open_teams()

    async def run() -> list[str]:
        async with get_client() as client:
            return await save(client, teams)

    typer.echo("views saved: " + ", ".join(asyncio.run(run())))


def register(app: typer.Typer) -> None:
    app.add_typer(alarm_app, name="alarm")
    app.add_typer(views_app, name="views")
