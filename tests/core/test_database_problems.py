"""A database that cannot be used is one clear line, from every entry point, and one log line while running."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from bot.cli import app, configure_logging
from bot.db_problems import DatabaseLocation, explain, one_line_records
from bot.demo import load_demo
from bot.messages import FormSubmitted, Identity
from bot.ports import Capabilities
from bot.settings import Settings
from bot.wiring import build_core
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
REFUSED = "postgresql+psycopg://postgres@127.0.0.1:1/icc"

#: Every entry point that opens the database (the Procfile's release, web and worker among them).
ENTRY_POINTS = [
    ["db", "upgrade"],
    ["web"],
    ["worker"],
    ["console", "--as", "ana"],
    ["demo"],
    ["practices", "export"],
    ["members", "set-role", "--platform", "console", "--workspace", "local", "--user", "ana", "--role", "member"],
    [],  # `python -m bot` alone: the console, or the platforms
]


def run_bot(
    args: list[str], tmp_path: Path, *, prefix: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SLACK_", "DISCORD_", "DEEPL_", "ICC_", "DATABASE_URL", "LOG_LEVEL"))}
    clean.update({"PYTHONPATH": str(ROOT), "ICC_DATA_DIR": str(tmp_path / "data")} | env)
    return subprocess.run([*prefix, sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=clean,
                          cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=120)


def one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The one line the command printed; it must exit non-zero and show neither a traceback nor SQL."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("icc-bot: ")
    for word in words:
        assert word in line
    assert "Traceback" not in result.stderr and "[SQL" not in result.stderr and "sqlalche.me" not in line
    return line


@pytest.mark.parametrize("args", ENTRY_POINTS, ids=lambda args: " ".join(args[:2]) or "bot")
def test_an_unreachable_postgresql_is_one_line_from_every_entry_point(args: list[str], tmp_path: Path) -> None:
    result = run_bot(args, tmp_path, DATABASE_URL=REFUSED)
    one_clear_line(result, "PostgreSQL at 127.0.0.1:1", "connection refused", "DATABASE_URL")
    assert result.stdout == ""


def test_an_unknown_host_is_named(tmp_path: Path) -> None:
    result = run_bot(["db", "upgrade"], tmp_path, DATABASE_URL="postgresql+psycopg://postgres@db.example.invalid/icc")
    one_clear_line(result, "“db.example.invalid”", "DATABASE_URL", "unknown")


def test_the_traceback_comes_with_log_level_debug_only(tmp_path: Path) -> None:
    result = run_bot(["db", "upgrade"], tmp_path, DATABASE_URL=REFUSED, LOG_LEVEL="DEBUG")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "Connection refused" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("icc-bot: cannot reach PostgreSQL at 127.0.0.1:1")


def postgres_only() -> str:
    if not POSTGRES_URL.startswith("postgresql"):
        pytest.skip("needs the PostgreSQL server of DATABASE_URL")
    return POSTGRES_URL


def test_a_missing_database_is_named_with_what_to_do(tmp_path: Path) -> None:
    missing = f"icc_missing_{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_only()).set(database=missing).render_as_string(hide_password=False)
    for args in (["db", "upgrade"], ["web"]):
        one_clear_line(run_bot(args, tmp_path, DATABASE_URL=url), f"no database “{missing}”", f"createdb {missing}")


@pytest.mark.fresh_database  # `db upgrade` has something to write only on an empty database
def test_a_read_only_postgresql_is_named(database_url: str, tmp_path: Path) -> None:
    postgres_only()
    url = make_url(database_url)
    options = url.query["options"] + " -cdefault_transaction_read_only=on"
    read_only = url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    one_clear_line(run_bot(["db", "upgrade"], tmp_path, DATABASE_URL=read_only), "read-only", "DATABASE_URL")


def test_a_read_only_sqlite_database_is_named(tmp_path: Path) -> None:
    (tmp_path / "bot.sqlite3").touch()
    url = f"sqlite:///file:{tmp_path / 'bot.sqlite3'}?mode=ro&uri=true"  # opened read-only, as from a read-only disk
    for args in (["db", "upgrade"], ["demo"]):
        one_clear_line(run_bot(args, tmp_path, DATABASE_URL=url), f"{tmp_path / 'bot.sqlite3'} is read-only",
                       "DATABASE_URL")


def test_a_data_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the folder should be")
    result = run_bot(["db", "upgrade"], tmp_path, ICC_DATA_DIR=str(tmp_path / "taken" / "data"))
    one_clear_line(result, str(tmp_path / "taken"), "ICC_DATA_DIR")


def private_mounts(script: str) -> tuple[str, ...]:
    """A prefix running the command after `script` in a mount namespace of its own (skips where not allowed)."""
    wrapper = ("unshare", "--mount", "--propagation", "private", "sh", "-c", script + ' && exec "$@"', "sh")
    try:
        probe = subprocess.run([*wrapper, "true"], capture_output=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("unshare is not installed")
    if probe.returncode != 0:
        pytest.skip(f"mounting is not allowed here: {probe.stderr.decode().strip()}")
    return wrapper


def test_a_read_only_data_folder_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    if os.geteuid() == 0:  # permissions do not stop root: a read-only mount does
        prefix = private_mounts(f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}")
    else:
        folder.chmod(0o555)
        prefix = ()
    for args in (["db", "upgrade"], ["console", "--as", "ana"]):
        one_clear_line(run_bot(args, tmp_path, prefix=prefix), str(folder), "ICC_DATA_DIR")


def test_a_full_disk_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    prefix = private_mounts(f"mount -t tmpfs -o size=96k tmpfs {folder}")  # too small for the schema
    line = one_clear_line(run_bot(["db", "upgrade"], tmp_path, prefix=prefix), str(folder), "ICC_DATA_DIR")
    assert "full" in line or "free space" in line


@pytest.fixture
def writes_fail() -> Iterator[Callable[[], None]]:
    """Call it, and connections opened from then on fail to write as a full disk or a read-only server makes them.

    SQLite: the file may not grow beyond the pages it has ("database or disk is full"). PostgreSQL: every
    transaction is read-only, as on a standby (a full disk cannot be made there without filling a real one).
    """

    def limit(connection: Any, _record: object) -> None:
        cursor = connection.cursor()
        if type(connection).__module__.startswith("sqlite3"):
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        else:
            cursor.execute("SET default_transaction_read_only = on")
            connection.commit()
        cursor.close()

    yield lambda: event.listen(Engine, "connect", limit)
    if event.contains(Engine, "connect", limit):
        event.remove(Engine, "connect", limit)


def test_a_full_disk_stops_every_command_with_one_line(tmp_path: Path, writes_fail: Callable[[], None]) -> None:
    writes_fail()
    env = {"ICC_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "LOG_LEVEL": "INFO"}
    for args in (["db", "upgrade"], ["demo"]):
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [
            f"icc-bot: the disk holding the database {tmp_path / 'data' / 'icc-bot.sqlite3'} is full: "
            "free some space, or set ICC_DATA_DIR to a disk with room."
        ]


def test_a_write_that_fails_while_running_is_logged_as_one_line(
    settings: Settings, engine: Engine, caplog: pytest.LogCaptureFixture, writes_fail: Callable[[], None]
) -> None:
    core = build_core(settings, engine=engine, migrate=False)
    load_demo(core.services)
    ana = Identity("console", "local", "ana")
    values = {"title": "Mediadores", "city": "Lisbon", "themes": "anti-rumours", "summary": "Resumo.",
              "description": "Texto longo. " * 1500, "language": "pt"}
    engine.dispose()
    writes_fail()  # the long description needs pages the database may no longer take
    undo = one_line_records(DatabaseLocation.of(settings))
    try:
        with caplog.at_level(logging.ERROR):
            response = asyncio.run(core.dispatcher.handle(
                FormSubmitted(ana, Identity("console", "local", "general"), "share-practice", values),
                Capabilities()))
    finally:
        undo()
    assert "Nada foi alterado" in response.replies[0].text  # Ana reads Portuguese: "nothing was changed"
    failures = [record for record in caplog.records if record.name == "bot.dispatch"]
    assert len(failures) == 1 and failures[0].exc_info is None
    message = failures[0].getMessage()
    assert message.startswith("failed to handle FormSubmitted from console:local:ana: database problem: ")
    assert ("is full" if engine.dialect.name == "sqlite" else "is read-only") in message
    assert "INSERT" not in message and "\n" not in message


def test_errors_that_are_not_the_database_are_not_explained(tmp_path: Path) -> None:
    where = DatabaseLocation(f"sqlite:///{tmp_path}/bot.sqlite3", "ICC_DATA_DIR")
    assert explain(ValueError("a bug"), where) is None
    assert explain(PermissionError(13, "Permission denied", "/etc/shadow"), where) is None  # not the database's
    assert explain(PermissionError(13, "Permission denied", str(tmp_path)), where) is not None


def test_configure_logging_keeps_tracebacks_for_debugging(settings: Settings) -> None:
    before = logging.getLogRecordFactory()
    configure_logging(settings.model_copy(update={"log_level": "DEBUG"}))
    assert logging.getLogRecordFactory() is before
