"""SIGTERM to the all-in-one `python -m bot` with Slack over HTTP and Socket Mode: while a request is still being
read, an event arriving by Socket Mode is left unacknowledged (Slack delivers it again, to the next process); then
the web host, the Socket Mode connection and the scheduler close, the lock is given back, and the exit status is
0."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest

from tests.fakes.slack import FakeSlackWebAPI, event_callback_payload, sign_request
from tests.shutdown.processes import GRACE, MARGIN, BotProcess, answering, bot_env, free_port, until

pytestmark = pytest.mark.slow

SECRET = "all-in-one-signing-secret"


async def test_the_all_in_one_process_leaves_slack_events_to_the_next_and_closes_everything(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    async with FakeSlackWebAPI() as slack:
        env = bot_env(database_url, tmp_path, PORT=str(port), SLACK_BOT_TOKEN="xoxb-test-token-1",
                      SLACK_APP_TOKEN="xapp-1-A1-1-secret", SLACK_SIGNING_SECRET=SECRET,
                      SLACK_API_URL=slack.base_url)
        async with await BotProcess.bot([], env, "all-in-one") as bot:
            await until(lambda: slack.socket_connected or bot.process.returncode is not None, timeout=60,
                        what="Socket Mode connects")
            await answering(port, bot)

            # A Slack request over HTTP, half read, keeps the process draining.
            body = json.dumps({"type": "url_verification", "token": "x", "challenge": "answered"}).encode()
            stamp = int(time.time())
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write((f"POST /slack/events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
                          f"X-Slack-Signature: {sign_request(SECRET, stamp, body)}\r\n\r\n").encode() + body[:10])
            await writer.drain()
            await answering(port, bot)
            bot.send(signal.SIGTERM)
            await until(lambda: bot.said("stopping: 1 under way"), timeout=10, what="the process begins stopping")

            event = event_callback_payload({"type": "message", "channel": "C0CLUSTER", "user": "U0ANA",
                                            "text": "Hello", "ts": "1700000000.000100"}, event_id="Ev0LATE")
            envelope = await slack.socket_send("events_api", event)
            await until(lambda: bot.said("left event Ev0LATE unacknowledged"), timeout=10,
                        what="the event is left to the next process")
            assert not [sent for sent in slack.socket_received if sent.get("envelope_id") == envelope]

            writer.write(body[10:])
            await writer.drain()
            assert (await reader.read()).startswith(b"HTTP/1.1 200")
            writer.close()
            assert await bot.exit_status(within=GRACE + MARGIN) == 0, bot.log()
        assert bot.took() < GRACE
        assert [what for _, what, _ in slack.socket_events] == ["open", "closed"]
        for words in ("web: closed", "Slack Socket Mode closed", "scheduler stopped", "released the lock",
                      "stopped in"):
            assert bot.said(words), (words, bot.log())
