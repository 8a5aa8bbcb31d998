"""ICC_SECRET_KEY as an operator meets it: tokens stored in clear by an earlier version encrypted by a command,
and one clear line, no traceback and no secret, when the key is missing or wrong at start."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy.engine import Engine

from bot import db
from bot.db import session_scope
from bot.models import SlackInstallation
from tests.slack.conftest import BOT_TOKEN, CLIENT_ID, CLIENT_SECRET, SECRET
from tests.slack.secret_rows import KEY, NEW_KEY, bot_env, cli, run_bot, store, stored_rows

TEAM = "T0LEGACY1"
BOT = "xoxb-1111-2222-legacybottokenvalue"
USER = "xoxp-3333-legacyusertokenvalue"
REFRESH = "xoxe-1-legacyrefreshtokenvalue"
HOOK = "https://hooks.slack.com/services/T0LEGACY1/B0HOOK/legacywebhooksecret"
CLEAR = (BOT, USER, REFRESH, HOOK)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


def store_in_clear(engine: Engine) -> None:
    """An installation as the previous version stored it: every token in clear in `details`."""
    details = Installation(
        app_id="A0ICCBOT1", team_id=TEAM, team_name="Legacy City", user_id="U0INSTALL", bot_token=BOT,
        bot_id="B0BOT0001", bot_user_id="U0BOT0001", bot_scopes=["chat:write"], bot_refresh_token=REFRESH,
        user_token=USER, user_scopes=["search:read"], incoming_webhook_url=HOOK, installed_at=1764000000.0,
    ).to_dict_for_copying()
    details["installed_at"] = details["installed_at"].isoformat()
    with session_scope(engine) as session:
        session.add(SlackInstallation(client_id=CLIENT_ID, app_id="A0ICCBOT1", team_id=TEAM, user_id="U0INSTALL",
                                      details=details, installed_at=datetime(2025, 11, 24, tzinfo=UTC)))


def in_clear(engine: Engine) -> list[str]:
    return [secret for secret in CLEAR for row in stored_rows(engine) if secret in row]


#: A line of the process's log (the web process logs its start, e.g. the migrations it checked, at INFO).
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO ")


def one_clear_line(result_output: str, *secrets: str) -> str:
    """The error output: one line, naming ICC_SECRET_KEY, with no traceback and none of `secrets`."""
    lines = [line for line in result_output.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert len(lines) == 1, result_output
    assert lines[0].startswith("icc-bot: ") and "ICC_SECRET_KEY" in lines[0]
    assert "Traceback" not in result_output
    assert not [secret for secret in secrets if secret in result_output]
    return lines[0]


async def test_encrypt_seals_what_an_earlier_version_stored_in_clear_and_a_second_run_changes_nothing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    store_in_clear(engine)
    assert len(in_clear(engine)) >= len(CLEAR)
    # Read as it is before the command (a key newly set, the rows not yet encrypted).
    before = await store(engine, KEY).async_find_installation(enterprise_id=None, team_id=TEAM)
    assert before is not None and before.bot_token == BOT

    env = bot_env(database_url, tmp_path, ICC_SECRET_KEY=KEY)
    first = cli(["secrets", "encrypt"], env)
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == \
        "4 encrypted (were in clear), 0 re-encrypted from an older key, 0 already under the first key."
    assert in_clear(engine) == []
    after = await store(engine, KEY).async_find_installation(enterprise_id=None, team_id=TEAM)
    assert after is not None
    assert (after.bot_token, after.user_token, after.bot_refresh_token, after.incoming_webhook_url) == \
        (BOT, USER, REFRESH, HOOK)
    assert after.team_name == "Legacy City" and after.bot_scopes == ["chat:write"]

    second = cli(["secrets", "encrypt"], env)
    assert second.stdout.strip() == \
        "0 encrypted (were in clear), 0 re-encrypted from an older key, 4 already under the first key."
    assert KEY not in first.output + second.output


def test_encrypt_without_a_key_says_how_to_make_one(engine: Engine, database_url: str, tmp_path: Path) -> None:
    store_in_clear(engine)
    result = cli(["secrets", "encrypt"], bot_env(database_url, tmp_path))
    assert result.exit_code == 2
    assert "python -m bot secrets new-key" in one_clear_line(result.output, *CLEAR)
    assert len(in_clear(engine)) >= len(CLEAR)


def test_encrypt_with_a_wrong_key_changes_nothing(engine: Engine, database_url: str, tmp_path: Path) -> None:
    store_in_clear(engine)
    assert cli(["secrets", "encrypt"], bot_env(database_url, tmp_path, ICC_SECRET_KEY=KEY)).exit_code == 0
    sealed = stored_rows(engine)
    result = cli(["secrets", "encrypt"], bot_env(database_url, tmp_path, ICC_SECRET_KEY=NEW_KEY))
    assert result.exit_code == 2
    line = one_clear_line(result.output, KEY, NEW_KEY, *CLEAR)
    assert "cannot decrypt 4 of the 4 encrypted secrets in slack_installation" in line
    assert line.endswith("nothing was changed")
    assert stored_rows(engine) == sealed


def test_web_with_a_wrong_key_stops_with_one_line(engine: Engine, database_url: str, tmp_path: Path) -> None:
    store_in_clear(engine)
    assert cli(["secrets", "encrypt"], bot_env(database_url, tmp_path, ICC_SECRET_KEY=KEY)).exit_code == 0
    env = bot_env(database_url, tmp_path, ICC_SECRET_KEY=NEW_KEY, SLACK_SIGNING_SECRET=SECRET,
                  SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET)
    result = run_bot(["web"], env, tmp_path)
    assert result.returncode == 2
    line = one_clear_line(result.stderr, KEY, NEW_KEY, CLIENT_SECRET, *CLEAR)
    assert "cannot decrypt 4 of the 4 encrypted secrets in slack_installation" in line
    assert "the key they were encrypted with" in line and result.stdout == ""


def test_web_without_a_key_over_encrypted_tokens_stops_with_one_line(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    store_in_clear(engine)
    assert cli(["secrets", "encrypt"], bot_env(database_url, tmp_path, ICC_SECRET_KEY=KEY)).exit_code == 0
    # Even a single workspace by token (which needs no key itself) is refused: the stored tokens would be unusable.
    env = bot_env(database_url, tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET)
    result = run_bot(["web"], env, tmp_path)
    assert result.returncode == 2
    line = one_clear_line(result.stderr, KEY, BOT_TOKEN, *CLEAR)
    assert line == ("icc-bot: ICC_SECRET_KEY is not set, but the database holds 4 encrypted secrets "
                    "(slack_installation): set it to the key they were encrypted with")


def test_oauth_without_a_key_refuses_to_start(database_url: str, tmp_path: Path) -> None:
    env = bot_env(database_url, tmp_path, SLACK_SIGNING_SECRET=SECRET, SLACK_CLIENT_ID=CLIENT_ID,
                  SLACK_CLIENT_SECRET=CLIENT_SECRET)
    result = run_bot(["web"], env, tmp_path)
    assert result.returncode == 2
    line = one_clear_line(result.stderr, CLIENT_SECRET)
    assert "ICC_SECRET_KEY is not set, but SLACK_CLIENT_ID keeps secrets in the database" in line
    assert "python -m bot secrets new-key" in line


def test_tokens_in_clear_and_no_key_stop_with_the_way_to_encrypt_them(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    store_in_clear(engine)
    result = run_bot(["web"], bot_env(database_url, tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET),
                     tmp_path)
    assert result.returncode == 2
    line = one_clear_line(result.stderr, *CLEAR)
    assert "holds 4 secrets in clear (slack_installation)" in line and "python -m bot secrets encrypt" in line


def test_a_malformed_key_is_named_without_repeating_it(database_url: str, tmp_path: Path) -> None:
    wrong = KEY[:-3] + "!!="
    result = cli(["secrets", "encrypt"], bot_env(database_url, tmp_path, ICC_SECRET_KEY=f"{NEW_KEY},{wrong}"))
    assert result.exit_code == 2
    line = one_clear_line(result.output, wrong, NEW_KEY)
    assert line.startswith("icc-bot: Setting ICC_SECRET_KEY has a malformed key (number 2 of 2)")
