"""`python -m bot calendar …`: load the campaign days, import an iCalendar file, write the feed to a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bot.terminal import err, settings_or_exit

calendar_app = typer.Typer(help="The network's calendar: campaign days and iCalendar files.", no_args_is_help=True)


@calendar_app.command("load-campaign-days")
def load_campaign_days(
    file: Annotated[Path | None, typer.Argument(help="A campaign-days YAML file (default: the one shipped)")] = None,
) -> None:
    """Load the campaign days (names in every language) and make each a yearly event of the calendar.

    Exit status 0 when loaded, 1 when the file has problems (each printed with its line; nothing changed).
    """
    from bot.cli import core_or_exit
    from bot.services.calendar.campaign_days import DEFAULT_FILE, CampaignDaysFileError

    settings = settings_or_exit()
    core = core_or_exit(settings)
    try:
        added, updated = core.services.calendar.load_campaign_days(file or DEFAULT_FILE)
    except CampaignDaysFileError as exc:
        for line in exc.describe(settings.default_locale):
            err.print(f"icc-bot: {line}", markup=False)
        raise typer.Exit(1) from None
    days = core.services.calendar.campaign_days()
    celebrated = sum(1 for day in days if day.celebrated)
    typer.echo(f"{added} campaign days added, {updated} updated; {len(days)} known, {celebrated} celebrated.")


@calendar_app.command("import")
def import_ics(
    file: Annotated[Path, typer.Argument(help="An iCalendar (.ics) file")],
    partial: Annotated[bool, typer.Option("--partial", help="Import the accepted events even if others are rejected")]
    = False,
    audience: Annotated[str, typer.Option(help="Who the events are for: all, cluster:<name>, region:<name>…")]
    = "all",
) -> None:
    """Import the events of an iCalendar file: every one, or none (with --partial: the accepted ones).

    An event already imported (same UID) is updated when its SEQUENCE is higher, else left as it is. Exit status
    0 when every event was imported or already there (or with --partial), 1 when events were rejected or the
    file refused, 2 when the database cannot be used.
    """
    from bot.cli import core_or_exit
    from bot.errors import UserError
    from bot.i18n import t
    from bot.services.calendar.ics_in import import_calendar

    if not file.is_file():
        err.print(f"icc-bot: no such file: {file}", markup=False)
        raise typer.Exit(2)
    settings = settings_or_exit()
    core = core_or_exit(settings)
    locale = settings.default_locale
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err) as progress:
        task = progress.add_task("Importing", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = import_calendar(core.services.calendar, file.read_bytes(), partial=partial, audience=audience,
                                     progress=advance)
        except UserError as exc:
            progress.stop()
            err.print("icc-bot: " + t(locale, exc.msgid, **exc.params), markup=False)
            raise typer.Exit(1) from None
    if report.rejected:
        table = Table(title="Rejected events")
        table.add_column("line", justify="right")
        table.add_column("event")
        table.add_column("reason")
        for rejected in report.rejected:
            table.add_row(str(rejected.line), rejected.name, t(locale, rejected.msgid, **rejected.params))
        err.print(table)
    typer.echo(f"{report.imported} imported, {report.updated} updated, {len(report.rejected)} rejected, "
               f"{report.unchanged} already there.")
    if report.rejected and not report.written:
        err.print(f"icc-bot: nothing was imported because {len(report.rejected)} events were rejected: correct "
                  f"them, or import the {report.accepted} accepted events with --partial.", markup=False)
        raise typer.Exit(1)


@calendar_app.command("export")
def export_ics(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")] = None,
    language: Annotated[str, typer.Option(help="The language of titles and descriptions")] = "en",
) -> None:
    """Write the public calendar as an iCalendar file (what /calendar.ics serves)."""
    from bot.cli import core_or_exit
    from bot.services.calendar.ics_out import public_feed

    settings = settings_or_exit()
    core = core_or_exit(settings)
    data = public_feed(core.services.calendar, language=language)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
