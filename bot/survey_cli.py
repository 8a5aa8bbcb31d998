"""`python -m bot survey …`: export a survey's answers, list the surveys, check the definition files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.terminal import err, settings_or_exit

survey_app = typer.Typer(help="The network's surveys: exports and definition files.", no_args_is_help=True)


@survey_app.command("export")
def export_survey(
    survey: Annotated[str, typer.Argument(help="The survey's number (#3 or 3) or its definition's id")],
    format: Annotated[str, typer.Option("--format", "-f", help="csv or json")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")] = None,
) -> None:
    """Write a survey's answers as CSV (one row per response, one column per question) or JSON.

    An anonymous survey's export holds the answers only. Exit status 0 when written, 1 when there is no such survey,
    2 for a wrong option or a database that cannot be used.
    """
    from bot.cli import core_or_exit
    from bot.errors import UserError
    from bot.i18n import t, tn
    from bot.services.surveys.export import export

    if format not in ("csv", "json"):
        err.print("icc-bot: --format must be csv or json", markup=False)
        raise typer.Exit(2)
    settings = settings_or_exit()
    core = core_or_exit(settings)
    locale = settings.default_locale
    try:
        found = core.services.features["surveys"].service.get(survey)
    except UserError as exc:
        err.print("icc-bot: " + t(locale, exc.msgid, **exc.params), markup=False)
        raise typer.Exit(1) from None
    text, count = export(core.engine, found, format)  # type: ignore[arg-type]
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="")
    err.print(tn(locale, "{n} answer exported.", "{n} answers exported.", count), markup=False)


@survey_app.command("list")
def list_surveys() -> None:
    """The surveys opened so far (number, definition, state, answers) and the definitions that can be opened."""
    from bot.cli import core_or_exit
    from bot.services.surveys.chasing import response_rates

    settings = settings_or_exit()
    core = core_or_exit(settings)
    service = core.services.features["surveys"].service
    for found in reversed(service.store.latest(100)):
        rates = response_rates(service, found)
        typer.echo(f"#{found.id}\t{found.definition_id}\t{found.state}\t{rates.answered}/{rates.targets}")
    catalogue = service.catalogue()
    typer.echo("definitions: " + (", ".join(sorted(catalogue.surveys)) or "-"))


@survey_app.command("check")
def check_definitions(
    folder: Annotated[Path | None, typer.Argument(help="A folder of definition files (default: the bot's)")] = None,
) -> None:
    """Check survey definition files; each problem is printed with its file and line.

    Exit status 0 when every file is usable, 1 otherwise.
    """
    from bot.services.surveys.definitions import PACKAGED, load_catalogue

    settings = settings_or_exit()
    folders = (folder,) if folder is not None else (PACKAGED, settings.data_dir / "surveys")
    catalogue = load_catalogue(*folders)
    for problems in catalogue.broken.values():
        for line in problems.describe(settings.default_locale).splitlines():
            err.print(f"icc-bot: {line}", markup=False)
    typer.echo(f"{len(catalogue.surveys)} usable, {len(catalogue.broken)} with problems: "
               + (", ".join(sorted(catalogue.surveys)) or "-"))
    if catalogue.broken:
        raise typer.Exit(1)
