"""One workspace by token: when Slack says the app was uninstalled or its token revoked, the bot says so in its log
and forgets the workspace's cached people (bolt's own revocation listeners serve installations by OAuth)."""

from __future__ import annotations

import logging

import pytest

from tests.fakes.slack import DEFAULT_TEAM_ID, DEFAULT_USER_ID
from tests.slack.conftest import Slack


@pytest.mark.parametrize("event", [
    {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT0001"]}},
    {"type": "app_uninstalled"},
])
async def test_a_revoked_single_workspace_token_is_logged_and_its_workspace_forgotten(
    slack: Slack, event: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await slack.command("/help")  # the person is now looked up and cached
    assert slack.adapter.people.cached(DEFAULT_TEAM_ID, DEFAULT_USER_ID) is not None
    response = await slack.client.event(event)
    await slack.settle()
    assert response.status_code == 200
    assert f"{event['type']} in {DEFAULT_TEAM_ID}; SLACK_BOT_TOKEN no longer works there" in caplog.text
    assert slack.adapter.people.cached(DEFAULT_TEAM_ID, DEFAULT_USER_ID) is None
