"""Secrets at rest (bot/secrets.py): sealed values told apart from clear ones, rotation, any declared column
encrypted by the command, and keys that are never repeated in a message."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.cli import app
from bot.secrets import (
    SEALED_PREFIX,
    SecretBox,
    SecretKeyError,
    SecretState,
    encrypt_stored,
    is_sealed,
    open_with,
    parse_keys,
    secret_columns,
)
from bot.settings import Settings, SettingsError, load_settings

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@given(st.text())
@example("")
@example("xoxb-1234-5678-abcdef")
@example(SEALED_PREFIX + "gAAAAA")
def test_any_text_seals_to_a_marked_value_that_opens_back_to_it(secret: str) -> None:
    box = SecretBox([OLD])
    sealed = box.seal(secret)
    assert is_sealed(sealed) and sealed.startswith(SEALED_PREFIX)
    assert box.open(sealed) == secret
    assert box.state(sealed) is SecretState.current
    if len(secret) >= 24:  # longer than the mark and the token's fixed start ("fernet:v1:gAAAAA")
        assert secret not in sealed


@pytest.mark.parametrize("clear", [
    "xoxb-1234-5678-abcdef",
    "https://hooks.slack.com/services/T0/B0/abc",
    SEALED_PREFIX + "not a token",
    SEALED_PREFIX,
    Fernet(OLD).encrypt(b"a token without our mark").decode(),
])
def test_a_clear_value_is_never_taken_for_a_sealed_one(clear: str) -> None:
    box = SecretBox([OLD])
    assert not is_sealed(clear)
    assert box.state(clear) is SecretState.clear
    assert box.open(clear) == clear and open_with(None, clear) == clear


def test_rotation_the_first_key_seals_every_key_opens() -> None:
    sealed_old = SecretBox([OLD]).seal("xoxb-old")
    rotating = SecretBox([NEW, OLD])
    assert rotating.open(sealed_old) == "xoxb-old"
    assert rotating.state(sealed_old) is SecretState.older
    moved = rotating.reseal(sealed_old)
    assert rotating.state(moved) is SecretState.current
    assert SecretBox([NEW]).open(moved) == "xoxb-old"
    assert SecretBox([NEW]).state(sealed_old) is SecretState.unreadable


def test_a_wrong_or_missing_key_is_one_line_naming_the_setting_and_never_a_key() -> None:
    sealed = SecretBox([OLD]).seal("xoxb-secret-token")
    with pytest.raises(SecretKeyError) as wrong:
        SecretBox([NEW]).open(sealed)
    with pytest.raises(SecretKeyError) as missing:
        open_with(None, sealed)
    for caught in (wrong, missing):
        message = str(caught.value)
        assert "ICC_SECRET_KEY" in message and "\n" not in message
        assert not [secret for secret in (OLD, NEW, "xoxb-secret-token", sealed) if secret in message]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=120) |
       st.lists(st.sampled_from([OLD, NEW, " ", "", OLD[:-1], "x" * 44]), max_size=4).map(",".join))
@example(f" {NEW} , {OLD} ,")
@example(f"{NEW};{OLD}")
def test_any_key_setting_is_either_keys_or_a_refusal_that_does_not_repeat_it(text: str) -> None:
    try:
        keys = parse_keys(text)
    except ValueError as exc:
        message = str(exc)
        assert "\n" not in message and "python -m bot secrets new-key" in message
        for part in text.split(","):
            if len(part.strip()) >= 12:
                assert part.strip() not in message
    else:
        assert keys == [part.strip() for part in text.split(",") if part.strip()]
        assert SecretBox(keys).open(SecretBox(keys).seal("s")) == "s"


def test_the_setting_takes_several_keys_and_refuses_a_malformed_one_without_repeating_it() -> None:
    settings = load_settings(_env_file=None, secret_key=f" {NEW}, {OLD} ")
    assert settings.secret_keys == [NEW, OLD]
    assert "**" in repr(settings.secret_key) and NEW not in repr(settings)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, secret_key="not-a-fernet-key-at-all")
    assert str(caught.value).startswith("Setting ICC_SECRET_KEY has a malformed key (number 1 of 1)")
    with pytest.raises(ValidationError) as raw:  # even pydantic's own error does not show the value
        Settings(_env_file=None, secret_key="not-a-fernet-key-at-all")  # type: ignore[call-arg]
    assert "not-a-fernet-key-at-all" not in str(raw.value)


def test_oauth_is_what_needs_a_key() -> None:
    assert load_settings(_env_file=None, slack_bot_token="xoxb-1").settings_storing_secrets == []
    oauth = load_settings(_env_file=None, slack_client_id="1", slack_client_secret="2")
    assert oauth.settings_storing_secrets == ["SLACK_CLIENT_ID"]
    with pytest.raises(SecretKeyError):
        SecretBox.required(oauth)


def test_the_slack_installation_tokens_are_declared_secret() -> None:
    declared = {(column.table.name, column.column.name): column.keys for column in secret_columns()}
    assert declared == {("slack_installation", "details"): (
        "bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")}


def test_any_column_declared_secret_is_encrypted_by_the_command(engine: Engine) -> None:
    # A table of a later feature (a sign-in secret per person): declaring the column is all it takes.
    from bot.secrets import secret_column

    metadata = MetaData()
    table = Table("test_sign_in_secret", metadata, Column("id", Integer, primary_key=True),
                  Column("secret", String(300), nullable=True, info=secret_column()))
    metadata.create_all(engine)
    try:
        with engine.begin() as connection:
            connection.execute(insert(table), [{"id": 1, "secret": "totp-seed-one"}, {"id": 2, "secret": None},
                                               {"id": 3, "secret": ""}, {"id": 4, "secret": "totp-seed-two"}])
        columns = secret_columns(metadata)
        counts = encrypt_stored(engine, SecretBox([OLD]), columns)
        assert (counts.clear, counts.current, counts.older) == (2, 0, 0)
        with engine.connect() as connection:
            stored = dict(connection.execute(select(table.c.id, table.c.secret)).all())  # type: ignore[arg-type]
        assert stored[2] is None and stored[3] == ""
        assert SecretBox([OLD]).open(stored[1]) == "totp-seed-one" and is_sealed(stored[4])
        again = encrypt_stored(engine, SecretBox([NEW, OLD]), columns)
        assert (again.clear, again.current, again.older) == (0, 0, 2)
        last = encrypt_stored(engine, SecretBox([NEW]), columns)
        assert (last.clear, last.current, last.older, last.unreadable) == (0, 2, 0, 0)
    finally:
        metadata.drop_all(engine)


def test_new_key_prints_a_fresh_key_alone_on_standard_output() -> None:
    first, second = (CliRunner().invoke(app, ["secrets", "new-key"]) for _ in range(2))
    assert first.exit_code == second.exit_code == 0
    assert first.stdout.strip() != second.stdout.strip()
    for result in (first, second):
        [key] = result.stdout.split()
        assert parse_keys(key) == [key]
        assert "ICC_SECRET_KEY" in result.stderr and key not in result.stderr
