"""The command line: run the bot, the local console, the demo data, migrations, exports and catalogues."""

from __future__ import annotations

import logging
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from typer.core import TyperGroup

from bot.calendar_cli import calendar_app
from bot.settings import Settings, SettingsError, load_settings
from bot.survey_cli import survey_app
from bot.terminal import CommandLine, err, settings_or_exit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.core import Core
    from bot.shutdown import Shutdown

#: Exit status when the database cannot be opened or used (settings problems use it too).
DATABASE_PROBLEM = 2


class Commands(TyperGroup):
    """Every command of `python -m bot`: a database problem in any of them ends it with one clear line."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click in recent versions)
        from bot.db_problems import DatabaseLocation, explain

        try:
            return super().invoke(ctx)
        except Exception as exc:
            settings = _settings_or_none()
            where = DatabaseLocation.of(settings) if settings else DatabaseLocation("", "DATABASE_URL")
            line = explain(exc, where)
            if line is None:
                raise  # not the database's fault: a bug, whose traceback is wanted
            _report(line, exc, settings)
            raise typer.Exit(DATABASE_PROBLEM) from None


app = typer.Typer(
    name="icc-bot",
    help="ICC Bot: translated cluster channels, good practices, reminders and surveys for Intercultural Cities.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=Commands,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
practices_app = typer.Typer(help="The database of good practices.", no_args_is_help=True)
locales_app = typer.Typer(help="The message catalogues in locales/.", no_args_is_help=True)
members_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
secrets_app = typer.Typer(help="Secrets kept in the database, encrypted under ICC_SECRET_KEY.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(practices_app, name="practices")
app.add_typer(locales_app, name="locales")
app.add_typer(members_app, name="members")
app.add_typer(secrets_app, name="secrets")
app.add_typer(calendar_app, name="calendar")
app.add_typer(survey_app, name="survey")


def _settings_or_none() -> Settings | None:
    try:
        return load_settings()
    except SettingsError:
        return None


def _debugging(settings: Settings | None) -> bool:
    return settings is not None and settings.log_level.upper() == "DEBUG"


def _report(line: str, exc: BaseException, settings: Settings | None) -> None:
    """One line on standard error; the traceback before it only with LOG_LEVEL=DEBUG."""
    if _debugging(settings):
        traceback.print_exception(exc, file=sys.stderr)
    err.print(f"icc-bot: {line}", markup=False)


def configure_logging(settings: Settings, *, level: str | None = None, format: str | None = None) -> None:
    """Log at LOG_LEVEL (or `level`); a database failure is logged as one line unless LOG_LEVEL=DEBUG."""
    from bot.db_problems import DatabaseLocation, one_line_records

    logging.basicConfig(
        level=getattr(logging, (level or settings.log_level).upper(), logging.INFO),
        format=format or "%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not _debugging(settings):
        one_line_records(DatabaseLocation.of(settings))


@contextmanager
def opening_database(settings: Settings) -> Iterator[None]:
    """Any failure inside (connecting, creating the folder, upgrading the schema) ends the command with one line."""
    from bot.db_problems import DatabaseLocation, explain, summary

    try:
        yield
    except Exception as exc:
        where = DatabaseLocation.of(settings)
        _report(explain(exc, where) or f"cannot open the database ({where.setting}): {summary(exc)}", exc, settings)
        raise typer.Exit(DATABASE_PROBLEM) from None


def core_or_exit(settings: Settings) -> Core:
    """The core on the database of `settings` (upgraded), or one line on standard error and exit status 2."""
    from bot.wiring import build_core

    with opening_database(settings):
        return build_core(settings)


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context) -> None:
    """With no command: start the platforms that are configured, or the local console when none is."""
    # Every command, an integration's too, opens the core and logs the same way, handed down from here.
    ctx.obj = CommandLine(core_or_exit=core_or_exit, configure_logging=configure_logging)
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_or_exit()
    if settings.platforms:
        configure_logging(settings)
        _run_platforms(settings, web=True, worker=True)
    else:
        console(user=None, city=None, role=None, channel=None, locale=None)


def _run_platforms(settings: Settings, *, web: bool, worker: bool) -> None:
    from bot.wiring import run_platforms

    shutdown = _stopping_well(settings)
    _leave_if_stopping(shutdown)
    secrets_ready_or_exit(settings)
    core = core_or_exit(settings)
    secrets_ready_or_exit(settings, core)
    _leave_if_stopping(shutdown)  # it came during the migrations: they were finished, nothing is started
    shutdown.run(run_platforms(core, web=web, worker=worker, shutdown=shutdown))
    shutdown.leave(0)


def _leave_if_stopping(shutdown: Shutdown) -> None:
    """A stopping signal came during start-up: the step under way is done, leave before starting anything."""
    if shutdown.requested:
        logging.getLogger(__name__).warning("stopped before starting anything")
        shutdown.leave(0)


def _stopping_well(settings: Settings) -> Shutdown:
    """The process's shutdown, with the settings' grace period (it catches signals from the process's start)."""
    from bot.shutdown import process_shutdown

    shutdown = process_shutdown()
    shutdown.grace = settings.shutdown_grace
    return shutdown


@app.command()
def console(
    user: Annotated[str | None, typer.Option("--as", help="Who you are (a name).")] = None,
    city: Annotated[str | None, typer.Option(help="Your city.")] = None,
    role: Annotated[str | None, typer.Option(help="member, coordinator or icc_team.")] = None,
    channel: Annotated[str | None, typer.Option(help="The channel you speak in.")] = None,
    locale: Annotated[str | None, typer.Option(help="Your language (en, fr, es, it, pt, de, uk).")] = None,
) -> None:
    """Chat with the bot in this terminal, on the local database (input may be piped)."""
    from bot.wiring import run_console

    settings = settings_or_exit()
    configure_logging(settings, level="DEBUG" if _debugging(settings) else "WARNING",
                      format="%(levelname)s %(name)s: %(message)s")
    shutdown = _stopping_well(settings)
    _leave_if_stopping(shutdown)
    core = core_or_exit(settings)
    _leave_if_stopping(shutdown)
    code = shutdown.run(
        run_console(core, shutdown=shutdown, user=user, city=city, role=role, channel=channel, locale=locale)
    )
    shutdown.leave(code)


@app.command()
def web() -> None:
    """The web process: Slack HTTP events and OAuth, health check (Procfile `web`)."""
    settings = settings_or_exit()
    configure_logging(settings)
    _run_platforms(settings, web=True, worker=False)


@app.command()
def worker() -> None:
    """The worker process: Discord gateway, Slack Socket Mode, scheduler (Procfile `worker`)."""
    settings = settings_or_exit()
    configure_logging(settings)
    _run_platforms(settings, web=False, worker=True)


@app.command()
def demo() -> None:
    """Load a small realistic sample: ICC cities, clusters, people and practices."""
    from bot.demo import load_demo

    settings = settings_or_exit()
    core = core_or_exit(settings)
    counts = load_demo(core.services)
    typer.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + " loaded.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (the bot also does this at every start)."""
    from bot import db

    settings = settings_or_exit()
    with opening_database(settings):
        engine = db.make_engine(settings.effective_database_url)
        db.upgrade(engine)
        revisions = db.current_revisions(engine)
    typer.echo("Database at revision " + ", ".join(sorted(revisions)))


@members_app.command("set-role")
def members_set_role(
    platform: Annotated[str, typer.Option(help="slack, discord or console")],
    workspace: Annotated[str, typer.Option(help="Slack team id, Discord guild id, or 'local'")],
    user: Annotated[str, typer.Option(help="The person's user id on that platform")],
    role: Annotated[str, typer.Option(help="member, coordinator or icc_team")],
    city: Annotated[str | None, typer.Option(help="Their city")] = None,
) -> None:
    """Give someone a role (how the first ICC team member is named)."""
    from bot.errors import UserError
    from bot.i18n import t
    from bot.messages import Identity
    from bot.models import Role

    settings = settings_or_exit()
    core = core_or_exit(settings)
    if role not in {r.value for r in Role}:
        err.print(f"icc-bot: role must be one of {', '.join(r.value for r in Role)}", markup=False)
        raise typer.Exit(2)
    identity = Identity(platform, workspace, user)
    try:
        core.services.members.set_role(identity, Role(role))
        if city:
            core.services.members.set_city(identity, city)
    except UserError as exc:
        err.print("icc-bot: " + t(settings.default_locale, exc.msgid, **exc.params), markup=False)
        raise typer.Exit(1) from None
    typer.echo(f"{identity} is now {role}.")


@practices_app.command("export")
def practices_export(
    format: Annotated[str, typer.Option("--format", "-f", help="csv, json or markdown")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")] = None,
    status: Annotated[str | None, typer.Option(help="Only practices in this status")] = None,
) -> None:
    """Export the practices as CSV, JSON or Markdown."""
    from bot.practices_io import export_practices

    if format not in ("csv", "json", "markdown"):
        err.print("icc-bot: --format must be csv, json or markdown", markup=False)
        raise typer.Exit(2)
    settings = settings_or_exit()
    core = core_or_exit(settings)
    if output is None:
        count = export_practices(core.engine, format, sys.stdout, status=status)  # type: ignore[arg-type]
    else:
        with output.open("w", encoding="utf-8", newline="") as handle:
            count = export_practices(core.engine, format, handle, status=status)  # type: ignore[arg-type]
    err.print(f"{count} practices exported.", markup=False)


@practices_app.command("import")
def practices_import(
    file: Annotated[Path, typer.Argument(help="A CSV or JSON file, as the export writes it")],
    partial: Annotated[bool, typer.Option("--partial", help="Import the accepted rows even if others are rejected")]
    = False,
    format: Annotated[str | None, typer.Option("--format", "-f", help="csv or json (default: from the file)")] = None,
) -> None:
    """Import practices from a CSV or JSON file: every row, or none (with --partial: the accepted rows).

    Exit status 0 when every row was imported or already there (or with --partial), 1 when rows were
    rejected or the file refused, 2 when the database cannot be used.
    """
    from bot.errors import UserError
    from bot.i18n import t
    from bot.practices_io import import_practices

    if not file.is_file():
        err.print(f"icc-bot: no such file: {file}", markup=False)
        raise typer.Exit(2)
    if format not in (None, "csv", "json"):
        err.print("icc-bot: --format must be csv or json", markup=False)
        raise typer.Exit(2)
    settings = settings_or_exit()
    core = core_or_exit(settings)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err) as progress:
        task = progress.add_task("Importing", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = import_practices(core.engine, file, partial=partial, fmt=format,  # type: ignore[arg-type]
                                      progress=advance, locale=settings.default_locale)
        except UserError as exc:  # the whole file is refused (header, encoding, not CSV/JSON): nothing written
            progress.stop()
            err.print("icc-bot: " + t(settings.default_locale, exc.msgid, **exc.params), markup=False)
            raise typer.Exit(1) from None
    if report.rejected:
        table = Table(title="Rejected rows")
        table.add_column("row", justify="right")
        table.add_column("reason")
        for rejected in report.rejected:
            table.add_row(str(rejected.row), rejected.reason)
        err.print(table)
    already = f", {len(report.already)} already in the database (left as they are)" if report.already else ""
    typer.echo(f"{report.imported} imported, {len(report.rejected)} rejected{already}.")
    if report.rejected and not report.written:
        err.print(f"icc-bot: nothing was imported because {len(report.rejected)} rows were rejected: correct "
                  f"them, or import the {report.accepted} accepted rows with --partial.", markup=False)
        raise typer.Exit(1)


@locales_app.command("extract")
def locales_extract() -> None:
    """Extract every marked string from the code into locales/<domain>.pot."""
    from bot import catalogues

    for domain, count in catalogues.extract().items():
        typer.echo(f"{domain}: {count} messages")


@locales_app.command("update")
def locales_update() -> None:
    """Extract, then merge the new strings into every language's .po (new ones are left empty)."""
    from bot import catalogues

    for line in catalogues.update():
        typer.echo(line)


@locales_app.command("compile")
def locales_compile() -> None:
    """Compile the .po catalogues into .mo files (the bot itself reads the .po directly)."""
    from bot import catalogues

    typer.echo(f"{catalogues.compile_all()} catalogues compiled.")


@locales_app.command("check")
def locales_check() -> None:
    """Report missing, fuzzy and placeholder-mismatched messages in any language."""
    from bot import catalogues

    problems = catalogues.check()
    for problem in problems:
        typer.echo(problem)
    if problems:
        raise typer.Exit(1)
    typer.echo("All catalogues are complete.")


# ------------------------------------------------------------ secrets kept in the database (bot/secrets.py)


def secrets_ready_or_exit(settings: Settings, core: Core | None = None) -> None:
    """Stop with one line (exit status 2) when secrets need a key that is missing or cannot open them: those the
    settings would store (checked before the database is opened), then, with `core`, those already stored."""
    from bot.secrets import ENCRYPT_COMMAND, SecretKeyError, check_at_start, check_settings

    try:
        check_settings(settings)
        if core is None:
            return
        counts = check_at_start(settings, core.engine)
    except SecretKeyError as exc:
        err.print(f"icc-bot: {exc}", markup=False)
        raise typer.Exit(2) from None
    log = logging.getLogger(__name__)
    if counts.clear:
        log.warning("%d secrets in the database (%s) are still in clear: run `%s`", counts.clear, counts.where,
                    ENCRYPT_COMMAND)
    if counts.older:
        log.warning("%d secrets in the database are encrypted under an older key of ICC_SECRET_KEY: run `%s` "
                    "before removing it", counts.older, ENCRYPT_COMMAND)


@secrets_app.command("new-key")
def secrets_new_key() -> None:
    """Print a new random key for ICC_SECRET_KEY (alone on standard output)."""
    from bot.secrets import ENCRYPT_COMMAND, new_key

    typer.echo(new_key())
    err.print(f"Set it as ICC_SECRET_KEY. To rotate: ICC_SECRET_KEY=<new>,<old> in every process, then "
              f"`{ENCRYPT_COMMAND}`, then ICC_SECRET_KEY=<new>.", markup=False)


@secrets_app.command("encrypt")
def secrets_encrypt() -> None:
    """Encrypt under the first key of ICC_SECRET_KEY every stored secret still in clear or under an older key."""
    from bot.secrets import NEW_KEY_COMMAND, SecretBox, SecretKeyError, encrypt_stored

    settings = settings_or_exit()
    box = SecretBox.from_settings(settings)
    if box is None:
        err.print(f"icc-bot: ICC_SECRET_KEY is not set: make a key with `{NEW_KEY_COMMAND}`, set ICC_SECRET_KEY "
                  "to it and run this again", markup=False)
        raise typer.Exit(2)
    core = core_or_exit(settings)
    try:
        counts = encrypt_stored(core.engine, box)
    except SecretKeyError as exc:
        err.print(f"icc-bot: {exc}", markup=False)
        raise typer.Exit(2) from None
    typer.echo(f"{counts.clear} encrypted (were in clear), {counts.older} re-encrypted from an older key, "
               f"{counts.current} already under the first key.")


def _add_integration_commands(args: list[str]) -> None:
    """Add the integrations' command groups this run needs: the one named, or all of them for `--help` (each
    imports its platform's library, which the processes that run the bot must not pay for)."""
    from bot.wiring import integration_command_groups

    named = next((arg for arg in args if not arg.startswith("-")), None)
    if named is None and not {"--help", "-h"} & set(args):
        return
    for name, group in integration_command_groups(None if named is None else [named]):
        app.add_typer(group, name=name)


def main() -> None:
    from bot.shutdown import catch_signals_for

    catch_signals_for(sys.argv[1:])
    _add_integration_commands(sys.argv[1:])
    app()
