"""SIGTERM to a real `python -m bot web`: a request it has begun reading is answered, new ones get 503 while it
drains, and it leaves with exit status 0."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest

from tests.fakes.slack import sign_request
from tests.shutdown.processes import GRACE, MARGIN, BotProcess, answering, bot_env, free_port, health, until

pytestmark = pytest.mark.slow

SECRET = "web-shutdown-signing-secret"


async def test_a_request_being_read_is_answered_new_ones_get_503_and_the_exit_status_is_0(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = bot_env(database_url, tmp_path, PORT=str(port), SLACK_BOT_TOKEN="xoxb-web-shutdown",
                  SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/")
    async with await BotProcess.bot(["web"], env, "web") as web:
        await answering(port, web)

        # Slack sends an event; the web host has read half of it when SIGTERM comes.
        body = json.dumps({"type": "url_verification", "token": "x", "challenge": "still-answered"}).encode()
        stamp = int(time.time())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write((f"POST /slack/events HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
                      f"X-Slack-Signature: {sign_request(SECRET, stamp, body)}\r\nConnection: close\r\n\r\n").encode()
                     + body[:20])
        await writer.drain()
        await answering(port, web)  # answered after the event's first half was sent: that half has been read
        web.send(signal.SIGTERM)
        await until(lambda: web.said("stopping: 1 under way: web request POST /slack/events"), timeout=10,
                    what="the web host says the request is under way")

        refused = await health(port)
        assert refused is not None and refused.status_code == 503 and refused.headers["retry-after"] == "5"

        writer.write(body[20:])
        await writer.drain()
        answer = await reader.read()
        writer.close()
        assert answer.startswith(b"HTTP/1.1 200") and b"still-answered" in answer, answer

        assert await web.exit_status(within=GRACE + MARGIN) == 0, web.log()
        assert web.took() < GRACE
        assert web.said("finished web request POST /slack/events")
        assert web.said("refused web request GET /healthz")
