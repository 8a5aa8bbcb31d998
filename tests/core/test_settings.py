"""Settings: defaults, which platforms start, and one clear line for a bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings


def make(**values: object) -> Settings:
    return load_settings(_env_file=None, **values)


def test_nothing_configured_means_no_platform_and_a_sqlite_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = make(data_dir=tmp_path)
    assert settings.platforms == []
    assert settings.effective_database_url == f"sqlite:///{(tmp_path / 'icc-bot.sqlite3').as_posix()}"


def test_platforms_follow_the_secrets() -> None:
    slack_http = make(slack_bot_token="xoxb-1", slack_signing_secret="s")
    assert slack_http.platforms == ["slack"] and slack_http.slack_http_enabled
    assert not slack_http.slack_socket_mode_enabled
    both = make(slack_bot_token="xoxb-1", slack_app_token="xapp-1", discord_token="d")
    assert both.platforms == ["slack", "discord"] and both.slack_socket_mode_enabled
    oauth = make(slack_client_id="1", slack_client_secret="2", slack_signing_secret="s")
    assert oauth.slack_http_enabled and oauth.slack_oauth_enabled
    assert make(deepl_auth_key="k:fx").deepl_enabled


def test_blank_secret_counts_as_unset() -> None:
    assert make(discord_token="  ").platforms == []


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"slack_bot_token": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"slack_app_token": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({"time_zone": "Mars/Olympus"}, "ICC_TIME_ZONE"),
        ({"default_locale": "xx"}, "ICC_DEFAULT_LOCALE"),
        ({"port": "eighty"}, "PORT"),
        ({"database_url": "mysql://x"}, "DATABASE_URL"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(values: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        make(**values)
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_heroku_style_postgres_url_gets_the_psycopg_driver() -> None:
    assert make(database_url="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_secrets_never_appear_in_reprs() -> None:
    settings = make(slack_bot_token="xoxb-very-secret", discord_token="discord-very-secret",
                    deepl_auth_key="deepl-very-secret:fx")
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    assert "very-secret" not in shown


def test_the_cli_stops_with_one_line_naming_the_setting(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env={"PATH": "/usr/bin:/bin", "ICC_TIME_ZONE": "Nowhere/Land", "ICC_DATA_DIR": str(tmp_path)},
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ICC_TIME_ZONE" in lines[0]
