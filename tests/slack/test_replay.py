"""Replayed requests: a signed request sent again within Slack's 5 minutes is refused (401, nothing done), in
every web process; Slack's own retries of an event, signed anew, are still taken in and handled once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.db import session_scope
from bot.messages import MessagePosted
from bot.models.slack import SlackRequestSeen
from bot.ports import Chat
from bot.wiring import Core
from integrations.slack.stores import RequestReplays
from tests.fakes import slack as fs
from tests.fakes.slack import DEFAULT_CHANNEL_ID
from tests.slack.conftest import SECRET, Slack, serve_slack
from tests.support.clock import MovableClock

FORM = "application/x-www-form-urlencoded"


def listen(slack: Slack) -> list[MessagePosted]:
    received: list[MessagePosted] = []

    async def listener(event: MessagePosted, chat: Chat) -> None:
        received.append(event)

    slack.core.dispatcher.on_message(listener)
    return received


def captured_command(slack: Slack, command: str = "/help", text: str = "") -> tuple[str, str]:
    """A slash command as Slack sent it: its body (with a response URL on the fake) and content type."""
    fields = fs.slash_command_payload(command, text, team_id=slack.fake.team_id,
                                      response_url=slack.fake.response_url("replayed"))
    return urlencode(fields), FORM


def captured_event(slack: Slack, event_id: str = "Ev0REPLAY01") -> tuple[str, str]:
    body = fs.event_callback_payload({"type": "message", "channel": DEFAULT_CHANNEL_ID, "user": "U0FR00001",
                                      "text": "Bonjour", "ts": "1700000000.000100"},
                                     team_id=slack.fake.team_id, event_id=event_id)
    return json.dumps(body), "application/json"


def captured_button(slack: Slack) -> tuple[str, str]:
    payload = fs.block_actions_payload("practice-approve:1", "1", team_id=slack.fake.team_id,
                                       response_url=slack.fake.response_url("button"))
    return urlencode({"payload": json.dumps(payload)}), FORM


async def send(slack: Slack, body: str, content_type: str, timestamp: int,
               headers: dict[str, str] | None = None) -> httpx.Response:
    """Post `body` signed at `timestamp`, as Slack does (the same arguments give the same signature)."""
    return await slack.client.post_raw(body, content_type, headers, timestamp=timestamp,
                                       signature=fs.sign_request(SECRET, timestamp, body))


async def test_a_replayed_slash_command_is_refused_and_runs_once(slack: Slack) -> None:
    body, content_type = captured_command(slack, "/language", "fr")
    now = int(time.time())
    assert (await send(slack, body, content_type, now)).status_code == 200
    await slack.settle()
    calls = list(slack.fake.calls)
    replayed = await send(slack, body, content_type, now)
    assert replayed.status_code == 401
    await slack.settle()
    assert len(slack.answers()) == 1  # the command ran once, and answered once
    assert slack.fake.calls == calls  # the replay did nothing at all


@pytest.mark.parametrize("capture", [captured_event, captured_button], ids=["event", "button"])
async def test_any_replayed_request_is_refused(slack: Slack, capture: Callable[[Slack], tuple[str, str]]) -> None:
    received = listen(slack)
    body, content_type = capture(slack)
    now = int(time.time())
    assert (await send(slack, body, content_type, now)).status_code == 200
    await slack.settle()
    calls, answers, heard = list(slack.fake.calls), slack.answers(), list(received)
    for _ in range(2):
        assert (await send(slack, body, content_type, now)).status_code == 401
    await slack.settle()
    assert (slack.fake.calls, slack.answers(), received) == (calls, answers, heard)


async def test_slacks_retries_are_signed_anew_and_the_event_is_handled_once(slack: Slack) -> None:
    received = listen(slack)
    body, content_type = captured_event(slack, "Ev0RETRY02")
    now = int(time.time())
    assert (await send(slack, body, content_type, now - 2)).status_code == 200
    for retry in (1, 2):  # the same event, delivered again with a new timestamp (so a new signature)
        response = await send(slack, body, content_type, now - 2 + retry,
                              {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        assert response.status_code == 200
    await slack.settle()
    assert [event.text.plain() for event in received] == ["Bonjour"]


async def test_every_web_process_refuses_what_another_one_took_in(slack: Slack) -> None:
    second = await serve_slack(slack.core, slack.fake)  # another web process on the same database
    try:
        body, content_type = captured_command(slack)
        now = int(time.time())
        assert (await send(slack, body, content_type, now)).status_code == 200
        assert (await second.client.post_raw(body, content_type, timestamp=now,
                                             signature=fs.sign_request(SECRET, now, body))).status_code == 401
        await slack.settle()
        await second.settle()
        assert len(slack.answers()) == 1
    finally:
        await second.client.aclose()
        await second.adapter.close()


@pytest.mark.fresh_database  # drops a table
async def test_without_the_database_nothing_is_taken_in(slack: Slack) -> None:
    with slack.core.engine.begin() as connection:
        connection.execute(text("DROP TABLE slack_request_seen"))
    received = listen(slack)
    body, content_type = captured_event(slack)
    response = await send(slack, body, content_type, int(time.time()))
    assert response.status_code == 503  # Slack delivers the event again later
    await slack.settle()
    assert received == [] and slack.fake.calls == []


def _seen(core: Core) -> list[int]:
    with session_scope(core.engine) as session:
        return sorted(row.request_timestamp for row in session.exec(select(SlackRequestSeen)))


def test_pairs_are_kept_while_their_signature_is_accepted_then_pruned(make_core: Callable[..., Any]) -> None:
    core = make_core()
    start = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    clock = MovableClock(start)
    replays = RequestReplays(core.engine, clock=clock, prune_interval=timedelta(minutes=1))
    stamp = int(start.timestamp())
    assert replays.first_time(str(stamp), "v0=aa") is True
    assert replays.first_time(str(stamp), "v0=aa") is False
    assert replays.first_time(str(stamp), "v0=bb") is True  # another request in the same second
    assert replays.first_time(str(stamp + 1), "v0=aa") is True  # the pair decides, not the signature alone
    clock.moment = start + timedelta(minutes=5, seconds=30)
    assert replays.prune() == 0  # still within the window and its margin for other processes' clocks
    clock.moment = start + timedelta(minutes=6, seconds=2)
    later = int(clock.moment.timestamp())
    assert replays.first_time(str(later), "v0=cc") is True  # a minute since the last pruning: prunes
    assert _seen(core) == [later]
    assert replays.first_time(str(later + 1), "v0=dd") is True  # not again before a minute
    assert _seen(core) == [later, later + 1]
    with pytest.raises(ValueError):
        replays.first_time("not-a-number", "v0=ee")


def test_a_retry_of_the_same_signed_body_is_a_different_pair(make_core: Callable[..., Any]) -> None:
    """Why Slack's retries pass: a new timestamp signs the same body differently."""
    body = json.dumps({"type": "event_callback", "event_id": "Ev1"})
    replays = RequestReplays(make_core().engine)
    now = int(time.time())
    assert replays.first_time(str(now), fs.sign_request(SECRET, now, body))
    assert replays.first_time(str(now + 1), fs.sign_request(SECRET, now + 1, body))
    assert not replays.first_time(str(now), fs.sign_request(SECRET, now, body))

