"""Many workspaces through OAuth: install, single-use state, installations in our database (tokens encrypted,
key rotation), uninstall, 429."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.db import session_scope
from bot.i18n import t
from bot.messages import Identity, Reply
from bot.models import Member, Role, SlackInstallation, SlackOAuthState
from bot.ports import ChatError
from bot.secrets import SEALED_PREFIX, SecretKeyError
from bot.wiring import Core
from integrations.slack.stores import DatabaseOAuthStateStore
from tests.fakes.slack import FakeSlackWebAPI
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, Slack, serve_slack
from tests.slack.secret_rows import KEY, NEW_KEY, bot_env, cli, found_installation, stored_rows
from tests.support.clock import MovableClock

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")  # slack_sdk's

TEAM = "T0OTHER01"
INSTALLER = "U0INSTALL"


@pytest.fixture
async def oauth(make_core: Callable[..., Core], fake: FakeSlackWebAPI) -> AsyncIterator[Slack]:
    """A bot for many workspaces: SLACK_CLIENT_ID/SECRET and the signing secret, no bot token."""
    core = make_core(slack_bot_token=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                     secret_key=KEY)
    harness = await serve_slack(core, fake)
    harness.client.team_id = TEAM
    yield harness
    await harness.adapter.close()
    await harness.client.aclose()


def _browser(slack: Slack) -> httpx.AsyncClient:
    # https, so that the secure state cookie bolt sets comes back like a browser would send it.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=slack.app), base_url="https://icc.example.org")


def _installations(slack: Slack) -> list[SlackInstallation]:
    with session_scope(slack.core.engine) as session:
        return list(session.exec(select(SlackInstallation)))


async def _install(slack: Slack, browser: httpx.AsyncClient, *, user_scope: str | None = None) -> str:
    slack.fake.set_oauth_install(team_id=TEAM, team_name="Other City", user_id=INSTALLER, user_scope=user_scope)
    page = await browser.get("/slack/install")
    assert page.status_code == 200
    state = re.search(r"state=([A-Za-z0-9_\-]+)", page.text)
    assert state is not None and f"client_id={CLIENT_ID}" in page.text and "chat:write.customize" in page.text
    assert browser.cookies.get("slack-app-oauth-state") == state.group(1)
    done = await browser.get("/slack/oauth_redirect", params={"code": "code-1", "state": state.group(1)})
    assert done.status_code == 200, done.text
    assert "ICC Bot is installed" in done.text
    return state.group(1)


async def test_install_stores_the_installation_in_our_database_and_state_is_single_use(oauth: Slack) -> None:
    async with _browser(oauth) as browser:
        state = await _install(oauth, browser)
        [access] = oauth.fake.calls_to("oauth.v2.access")
        assert access.args["code"] == "code-1"
        [installation] = _installations(oauth)
        assert installation.team_id == TEAM and installation.user_id == INSTALLER
        assert installation.details["team_name"] == "Other City"
        assert (await found_installation(oauth.core, TEAM)).bot_token == oauth.fake.issued_tokens[0]
        with session_scope(oauth.core.engine) as session:
            assert session.exec(select(SlackOAuthState)).all() == []  # consumed

        # The same state again (a replayed redirect): refused, nothing exchanged.
        browser.cookies.set("slack-app-oauth-state", state, domain="icc.example.org")
        again = await browser.get("/slack/oauth_redirect", params={"code": "code-2", "state": state})
        assert again.status_code >= 400
        assert len(oauth.fake.calls_to("oauth.v2.access")) == 1
        # A state never issued, or no state at all: refused too.
        forged = await browser.get("/slack/oauth_redirect", params={"code": "code-3", "state": "made-up"})
        assert forged.status_code >= 400
        assert len(oauth.fake.calls_to("oauth.v2.access")) == 1
        assert len(_installations(oauth)) == 1


async def test_installed_tokens_are_stored_encrypted_and_never_in_clear(
    oauth: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with _browser(oauth) as browser:
        await _install(oauth, browser, user_scope="search:read")
    bot_token, user_token = oauth.fake.issued_tokens
    rows = stored_rows(oauth.core.engine)
    assert rows and TEAM in rows[0]
    for token in (bot_token, user_token):
        # Neither the token nor its random end is anywhere in the table.
        assert not [row for row in rows if token in row or token[-12:] in row]
    [installation] = _installations(oauth)
    assert installation.details["bot_token"].startswith(SEALED_PREFIX)
    assert installation.details["user_token"].startswith(SEALED_PREFIX)

    found = await found_installation(oauth.core, TEAM)
    assert (found.bot_token, found.user_token) == (bot_token, user_token)
    oauth.fake.calls.clear()
    await oauth.command("/help", user_id="U0THEM001")  # served with its token, read back decrypted
    [lookup] = oauth.fake.calls_to("users.info")
    assert lookup.token == bot_token
    assert not [secret for secret in (bot_token, user_token, KEY) if secret in caplog.text]


async def test_rotation_the_old_key_still_decrypts_and_encrypt_moves_every_row_to_the_new_key(
    oauth: Slack, make_core: Callable[..., Core], fake: FakeSlackWebAPI, database_url: str, tmp_path: Path
) -> None:
    async with _browser(oauth) as browser:
        await _install(oauth, browser)
    [token] = oauth.fake.issued_tokens

    # ICC_SECRET_KEY=new,old: what the old key sealed is still read, in a web process started with both.
    rotating = await serve_slack(make_core(slack_bot_token=None, slack_client_id=CLIENT_ID,
                                           slack_client_secret=CLIENT_SECRET, secret_key=f"{NEW_KEY},{KEY}"), fake)
    rotating.client.team_id = TEAM
    try:
        fake.calls.clear()
        await rotating.command("/help", user_id="U0THEM002")
        [lookup] = fake.calls_to("users.info")
        assert lookup.token == token
    finally:
        await rotating.adapter.close()
        await rotating.client.aclose()
    with pytest.raises(SecretKeyError):
        await found_installation(oauth.core, TEAM, key=NEW_KEY)

    env = bot_env(database_url, tmp_path, ICC_SECRET_KEY=f"{NEW_KEY},{KEY}")
    moved = cli(["secrets", "encrypt"], env)
    assert moved.exit_code == 0, moved.output
    assert moved.stdout.strip() == \
        "0 encrypted (were in clear), 1 re-encrypted from an older key, 0 already under the first key."
    # Now the new key alone reads every row, and the old one none.
    assert (await found_installation(oauth.core, TEAM, key=NEW_KEY)).bot_token == token
    with pytest.raises(SecretKeyError):
        await found_installation(oauth.core, TEAM, key=KEY)
    again = cli(["secrets", "encrypt"], env)
    assert again.stdout.strip() == \
        "0 encrypted (were in clear), 0 re-encrypted from an older key, 1 already under the first key."
    assert not [row for row in stored_rows(oauth.core.engine) if token in row]
    assert KEY not in moved.output + again.output and NEW_KEY not in moved.output + again.output


async def test_an_expired_state_is_refused(oauth: Slack) -> None:
    clock = MovableClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    store = DatabaseOAuthStateStore(oauth.core.engine, expiration_seconds=600, clock=clock)
    late, fresh = await store.async_issue(), await store.async_issue()
    clock.advance(seconds=599)
    assert await store.async_consume(fresh) is True
    assert await store.async_consume(fresh) is False  # single use
    clock.advance(seconds=2)
    assert await store.async_consume(late) is False  # expired


async def test_an_installed_workspace_is_served_with_its_own_token(oauth: Slack) -> None:
    async with _browser(oauth) as browser:
        await _install(oauth, browser)
    token = oauth.fake.issued_tokens[0]
    oauth.fake.calls.clear()
    response = await oauth.command("/help", user_id="U0THEM001")
    assert response.status_code == 200
    assert oauth.answers()[-1]["text"] == t("en", "Here is what I can do for you:")
    [lookup] = oauth.fake.calls_to("users.info")
    assert lookup.token == token
    assert oauth.core.services.members.find(Identity("slack", TEAM, "U0THEM001")) is not None


async def test_a_workspace_without_installation_is_refused_and_nothing_is_done(oauth: Slack) -> None:
    response = await oauth.client.slash_command("/help", team_id="T0NOBODY1", user_id="U0NOBODY1")
    assert response.status_code == 200
    await oauth.settle()
    refusal = t("en", "ICC Bot is not installed in this workspace. Ask a workspace administrator to install it.")
    assert refusal in response.text or refusal in str(oauth.answers())
    with session_scope(oauth.core.engine) as session:
        assert session.exec(select(Member)).all() == []
    assert oauth.fake.calls_to("users.info") == []


async def test_tokens_revoked_and_app_uninstalled_clean_up(oauth: Slack) -> None:
    async with _browser(oauth) as browser:
        await _install(oauth, browser)
    await oauth.command("/help", user_id="U0THEM001")  # works, and caches the workspace's client
    chat = oauth.adapter.chat
    await chat.post(Identity("slack", TEAM, "C0GENERAL"), Reply(text="before", ephemeral=False))

    await oauth.client.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [oauth.fake.bot_user_id]}})
    await oauth.settle()
    assert _installations(oauth) == []
    with pytest.raises(ChatError) as refused:  # the core hears it as a refusal, not as Slack's error
        await chat.post(Identity("slack", TEAM, "C0GENERAL"), Reply(text="after", ephemeral=False))
    assert refused.value.kind == ChatError.FORBIDDEN and "not installed" in refused.value.detail
    before = len(oauth.fake.calls_to("users.info"))
    response = await oauth.client.slash_command("/help", user_id="U0THEM002")
    await oauth.settle()
    assert response.status_code == 200 and len(oauth.fake.calls_to("users.info")) == before

    # Installed again, then uninstalled: every row of the workspace goes.
    async with _browser(oauth) as browser:
        oauth.fake.set_oauth_install(team_id=TEAM, user_id=INSTALLER)
        page = await browser.get("/slack/install")
        state = re.search(r"state=([A-Za-z0-9_\-]+)", page.text).group(1)  # type: ignore[union-attr]
        assert (await browser.get("/slack/oauth_redirect", params={"code": "code-9", "state": state})).status_code \
            == 200
    assert len(_installations(oauth)) == 1
    await oauth.client.event({"type": "app_uninstalled"})
    await oauth.settle()
    assert _installations(oauth) == []


async def test_429_with_retry_after_is_retried_on_installed_workspaces_clients(oauth: Slack) -> None:
    async with _browser(oauth) as browser:
        await _install(oauth, browser)
    # bolt's per-request client for this workspace (built from the installation): users.info
    oauth.fake.rate_limit_next("users.info", retry_after=1)
    # Someone the bot knows (a newcomer's welcome would be one more chat.postMessage to count).
    oauth.core.services.members.set_role(Identity("slack", TEAM, "U0THEM001"), Role.coordinator)
    started = time.monotonic()
    await oauth.command("/help", user_id="U0THEM001")
    assert time.monotonic() - started >= 1.0
    assert len(oauth.fake.calls_to("users.info")) == 2
    assert oauth.answers()[-1]["text"] == t("en", "Here is what I can do for you:")
    # The adapter's own client for the workspace (direct messages from the core): chat.postMessage
    oauth.fake.rate_limit_next("chat.postMessage", retry_after=1)
    await oauth.adapter.chat.direct_message(Identity("slack", TEAM, "U0THEM001"), Reply(text="Hello"))
    assert len(oauth.fake.calls_to("chat.postMessage")) == 2
    dm = oauth.fake.dm_channel_id("U0THEM001")
    assert [m["text"] for m in oauth.fake.messages(dm)] == ["Hello"]
