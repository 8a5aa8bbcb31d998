"""SIGTERM to the all-in-one `python -m bot` with Slack Socket Mode: the web host, the Socket Mode connection and
the scheduler close, the lock is given back, and the exit status is 0."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.fakes.slack import FakeSlackWebAPI
from tests.shutdown.processes import GRACE, BotProcess, answering, bot_env, free_port, until

pytestmark = pytest.mark.slow


async def test_the_all_in_one_process_closes_socket_mode_and_the_web_host_and_exits_0(database_url: str,
                                                                                     tmp_path: Path) -> None:
    port = free_port()
    async with FakeSlackWebAPI() as slack:
        env = bot_env(database_url, tmp_path, PORT=str(port), SLACK_BOT_TOKEN="xoxb-test-token-1",
                      SLACK_APP_TOKEN="xapp-1-A1-1-secret", SLACK_API_URL=slack.base_url)
        async with await BotProcess.bot([], env, "all-in-one") as bot:
            await until(lambda: slack.socket_connected or bot.process.returncode is not None, timeout=60,
                        what="Socket Mode connects")
            await answering(port, bot)
            assert await bot.stop(signal.SIGTERM) == 0, bot.log()
        assert bot.took() < GRACE
        assert [what for _, what, _ in slack.socket_events] == ["open", "closed"]
        for words in ("web: closed", "Slack Socket Mode closed", "scheduler stopped", "released the lock",
                      "stopped in"):
            assert bot.said(words), (words, bot.log())
