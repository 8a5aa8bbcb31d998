"""Forged, replayed, expired and malformed requests; other workspaces; broadcast mentions; tokens in logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import pytest
from sqlmodel import select

from bot.db import session_scope
from bot.i18n import t
from bot.messages import MessagePosted, Reply, Response
from bot.models import Member
from bot.ports import Chat
from bot.registry import Command
from tests.fakes import slack as fs
from tests.fakes.slack import DEFAULT_CHANNEL_ID, DEFAULT_USER_ID
from tests.slack.conftest import BOT_TOKEN, SECRET, Slack, message_text


def _members(slack: Slack) -> list[Member]:
    with session_scope(slack.core.engine) as session:
        return list(session.exec(select(Member)))


def _nothing_done(slack: Slack) -> None:
    assert slack.fake.calls == [] and slack.fake.responses == []
    assert _members(slack) == []


@pytest.mark.parametrize(
    "forge",
    [
        {"signature": "v0=" + "0" * 64},  # forged
        {"timestamp_offset": -6 * 60},  # expired: older than 5 minutes
        {"timestamp_offset": 6 * 60},  # from the future
        {"omit_headers": True},  # missing headers
        {"headers": {"X-Slack-Request-Timestamp": "not-a-number"}},
    ],
    ids=["forged", "expired", "future", "missing", "garbage-timestamp"],
)
async def test_unverified_requests_get_401_and_nothing_is_done(slack: Slack, forge: dict) -> None:
    if "timestamp_offset" in forge:
        # Computed now, not at collection: in a long run a "future" stamp would drift into the window.
        forge = {"timestamp": int(time.time()) + forge["timestamp_offset"]}
    received: list[MessagePosted] = []

    async def listener(event: MessagePosted, chat: Chat) -> None:
        received.append(event)

    slack.core.dispatcher.on_message(listener)
    assert (await slack.client.slash_command("/help", **forge)).status_code == 401
    assert (await slack.client.event({"type": "message", "channel": DEFAULT_CHANNEL_ID, "user": "U0A",
                                      "text": "hi", "ts": "1.2"}, **forge)).status_code == 401
    assert (await slack.client.block_action("practice-approve:1", "1", **forge)).status_code == 401
    assert (await slack.client.view_submission("share-practice", {"title": {"value": "x"}}, **forge)).status_code \
        == 401
    await slack.settle()
    _nothing_done(slack)
    assert received == []


async def test_a_replayed_request_is_refused(slack: Slack) -> None:
    # A request captured six minutes ago, sent again byte for byte with its (valid, old) signature.
    old = int(time.time()) - 6 * 60
    body = json.dumps(fs.event_callback_payload({"type": "message", "channel": DEFAULT_CHANNEL_ID, "user": "U0A",
                                                 "text": "hi", "ts": "1.2"}))
    signature = fs.sign_request(SECRET, old, body)
    response = await slack.client.post_raw(body, "application/json", timestamp=old, signature=signature)
    assert response.status_code == 401
    _nothing_done(slack)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
        (b"", "application/json"),
        (b'{"type": "event_callback"}', "application/json"),
        (b'{"type": "block_actions", "actions": "nope", "user": 5}', "application/json"),
        (b"payload=" + json.dumps({"type": "view_submission", "view": "nope"}).encode(),
         "application/x-www-form-urlencoded"),
        (b"command=%2Fhelp", "application/x-www-form-urlencoded"),
    ],
    ids=["payload-not-json", "json-broken", "json-array", "not-utf8", "empty", "event-without-event",
         "actions-wrong-types", "view-wrong-type", "command-without-anything"],
)
async def test_malformed_but_signed_bodies_get_4xx_or_a_clean_200_never_500(
    slack: Slack, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    timestamp = int(time.time())
    # Signed over the raw bytes (the fake's signer only takes text).
    signature = "v0=" + hmac.new(SECRET.encode(), b"v0:%d:" % timestamp + body, hashlib.sha256).hexdigest()
    response = await slack.client.post_raw(body, content_type, timestamp=timestamp, signature=signature)
    assert 400 <= response.status_code < 500 or (response.status_code == 200 and not response.text), response.text
    await slack.settle()
    assert slack.fake.responses == []


async def test_a_request_from_another_workspace_is_refused_cleanly(slack: Slack) -> None:
    response = await slack.client.slash_command("/help", team_id="T0STRANGER")
    assert response.status_code == 200
    assert t("en", "ICC Bot is not installed in this workspace. Ask a workspace administrator to install it.") \
        in response.text
    response = await slack.client.event({"type": "message", "channel": "C0THEIRS", "user": "U0THEM",
                                         "text": "hi", "ts": "1.2"}, team_id="T0STRANGER")
    assert response.status_code == 200
    await slack.settle()
    assert slack.fake.responses == [] and _members(slack) == []
    assert [call.method for call in slack.fake.calls] == ["auth.test"]


async def test_broadcast_mentions_only_when_the_icc_team_asked(slack: Slack) -> None:
    async def shout(ctx, args):
        text = "<!channel> meeting at 10 @here <!everyone> <!subteam^S0TEAM|@coordinators> see <@U0X>"
        return Response(replies=[Reply(text=text, ephemeral=False),
                                 Reply(text=text, ephemeral=False, allow_broadcast_mentions=True)])

    slack.core.registry.add(Command(name="shout", description="shout", handler=shout))
    await slack.command("/shout")
    plain, allowed = (message_text(answer) for answer in slack.answers())
    for mention in ("<!channel>", "<!here>", "<!everyone>", "<!subteam^S0TEAM"):
        assert mention not in plain
        assert mention in allowed
    assert "<@U0X>" in plain and "meeting at 10" in plain


async def test_tokens_never_reach_the_logs(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "slack_sdk.web.async_base_client"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        slack.fake.fail_next("chat.postEphemeral", "invalid_auth")
        await slack.command("/help")
        await slack.client.view_submission("quick", {"name": {"value": "x"}},
                                           json.dumps({"v": 1, "state": "", "channel": DEFAULT_CHANNEL_ID}))
        await slack.settle()
        logging.getLogger("test").info("token in a message: %s", BOT_TOKEN)
    finally:
        for name in ("slack_sdk", "slack_bolt", "slack_sdk.web.async_base_client"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    assert caplog.records, "the test must see log lines"
    assert any("users.info" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        assert BOT_TOKEN not in record.getMessage()
        assert SECRET not in record.getMessage()
    assert any("xoxb-[redacted]" in record.getMessage() for record in caplog.records)
    assert DEFAULT_USER_ID  # the person's id may be logged; their tokens may not
