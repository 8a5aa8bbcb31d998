"""Socket Mode (the `worker` process): the same listeners over the fake's websocket, acknowledged by envelope."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable

import pytest

from bot.i18n import t
from bot.messages import Identity, MessagePosted
from bot.models import City, Role
from bot.ports import Chat
from bot.wiring import Core, process_parts
from integrations.slack.app import SlackAdapter
from integrations.slack.runner import run_socket_mode
from tests.fakes import slack as fs
from tests.fakes.slack import DEFAULT_CHANNEL_ID, FakeSlackWebAPI
from tests.support.settle import settle

APP_TOKEN = "xapp-1-A0ICC0001-1-secretvalue"


@pytest.fixture
async def socket(make_core: Callable[..., Core], fake: FakeSlackWebAPI) -> AsyncIterator[SlackAdapter]:
    core = make_core(slack_app_token=APP_TOKEN, slack_signing_secret=None)
    adapter = SlackAdapter(core)
    task = asyncio.create_task(run_socket_mode(adapter, ping_interval=1))
    await fake.socket_wait_connected(timeout=5)
    yield adapter
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _settle(adapter: SlackAdapter) -> None:
    await settle(adapter.drain)


async def test_commands_events_and_modals_over_socket_mode(socket: SlackAdapter, fake: FakeSlackWebAPI) -> None:
    received: list[MessagePosted] = []

    async def listener(event: MessagePosted, chat: Chat) -> None:
        received.append(event)

    socket.dispatcher.on_message(listener)
    assert fake.calls_to("apps.connections.open")[0].token == APP_TOKEN

    envelope = await fake.socket_send("slash_commands", fs.slash_command_payload(
        "/help", response_url=fake.response_url("sm")))
    ack = await fake.socket_ack(envelope)
    assert ack["envelope_id"] == envelope and not ack.get("payload")
    await _settle(socket)
    assert fake.responses[-1].body["text"] == t("en", "Here is what I can do for you:")

    event = fs.event_callback_payload({"type": "message", "channel": DEFAULT_CHANNEL_ID, "user": "U0FR00001",
                                       "text": "Salut", "ts": "1700000000.000100"}, event_id="Ev0SOCKET1")
    for attempt in (0, 1):  # Slack sends it again: handled once
        envelope = await fake.socket_send("events_api", event, retry_attempt=attempt,
                                          retry_reason="timeout" if attempt else "")
        await fake.socket_ack(envelope)
    await _settle(socket)
    assert [m.text.plain() for m in received] == ["Salut"]

    # A modal submission: the errors travel back in the envelope's acknowledgement.
    coordinator = Identity("slack", fs.DEFAULT_TEAM_ID, fs.DEFAULT_USER_ID)
    socket.core.services.cities.add(City(name="Lisbon", country="PT"))
    socket.core.services.members.set_role(coordinator, Role.coordinator)
    submission = fs.view_submission_payload("share-practice", {"title": {"title": ""}},
                                            json.dumps({"v": 1, "state": "", "channel": DEFAULT_CHANNEL_ID}))
    envelope = await fake.socket_send("interactive", submission)
    ack = await fake.socket_ack(envelope)
    assert ack["payload"]["response_action"] == "errors"
    assert ack["payload"]["errors"]["title"].startswith(t("en", "{field} is required.", field=t("en", "Title")))


async def test_socket_mode_reconnects_when_slack_asks(socket: SlackAdapter, fake: FakeSlackWebAPI) -> None:
    await fake.socket_disconnect()
    await fake.socket_wait_connected(timeout=5, total=2)
    envelope = await fake.socket_send("slash_commands", fs.slash_command_payload(
        "/frobnicate", response_url=fake.response_url("sm2")))
    await fake.socket_ack(envelope)
    await _settle(socket)
    assert "Unknown command /frobnicate" in fake.responses[-1].body["text"]


def test_the_worker_holds_socket_mode_and_the_web_process_serves_http(
    make_core: Callable[..., Core],
) -> None:
    both = make_core(slack_app_token=APP_TOKEN)
    web = process_parts(both, web=True, worker=False)
    assert [name for name, _ in web.everywhere] == ["web"] and web.once_only == []
    worker = process_parts(both, web=False, worker=True)
    assert [name for name, _ in worker.once_only] == ["slack-socket-mode", "scheduler"] and worker.everywhere == []
    http_only = make_core()
    # Over HTTP the worker holds no Slack connection, only the scheduler.
    assert [name for name, _ in process_parts(http_only, web=False, worker=True).once_only] == ["scheduler"]
