"""Helpers for the tests of encrypted installations: keys, the table's raw rows, the bot's command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from bot.secrets import SecretBox
from bot.wiring import Core
from integrations.slack.stores import DatabaseInstallationStore
from tests.slack.conftest import CLIENT_ID

ROOT = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def stored_rows(engine: Engine) -> list[str]:
    """Every row of `slack_installation` as the database holds it (all columns, and the JSON as text)."""
    with engine.connect() as connection:
        whole = [repr(tuple(row)) for row in connection.execute(text("SELECT * FROM slack_installation"))]
        raw = [str(value) for value in connection.execute(text("SELECT CAST(details AS TEXT) FROM slack_installation"))
               .scalars()]
    return whole + raw


def store(engine: Engine, key: str) -> DatabaseInstallationStore:
    return DatabaseInstallationStore(engine, client_id=CLIENT_ID, box=SecretBox(key.split(",")))


async def found_installation(core: Core, team_id: str, *, key: str | None = None) -> Installation:
    """The installation as the bot reads it back (with the core's key, or `key`)."""
    found = await store(core.engine, key or core.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
                        ).async_find_installation(enterprise_id=None, team_id=team_id)
    assert found is not None
    return found


def bot_env(database_url: str, tmp_path: Path, **values: str) -> dict[str, str]:
    """An environment for `python -m bot` on the test database with only `values` configured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "DEEPL_", "ICC_"))}
    env.update({"DATABASE_URL": database_url, "ICC_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT),
                # Were a start not refused, its web process would listen on a port nobody else uses.
                "PORT": str(_free_port())})
    env.update(values)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_bot(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot …` as an operator runs it (its own process, no .env file)."""
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60)


def cli(args: list[str], env: dict[str, Any]) -> Result:
    """`python -m bot …` in this process (typer's runner), with `env` on top of the test's environment."""
    from bot.cli import app

    unset = {name: None for name in os.environ if name.startswith(("SLACK_", "DISCORD_", "DEEPL_", "ICC_"))}
    return CliRunner().invoke(app, args, env={**unset, **env})
