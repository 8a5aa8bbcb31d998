"""Deliveries through the real slack_sdk against the Slack fake: once per row, whatever Slack answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.messages import Identity, Reply
from bot.models import DeliveryState
from bot.ports import ChatError, KeyedPosting
from bot.wiring import Core
from integrations.slack.chat import SlackChat, WorkspaceClients
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.fakes.slack_faults import lose_answers
from tests.fakes.slack_history import serve_history
from tests.fakes.slack_limits import ChannelLimits
from tests.support.clock import MovableClock

TOKEN = "xoxb-delivery-test"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackWebAPI]:
    async with FakeSlackWebAPI(strict=True) as slack:
        serve_history(slack)
        yield slack


@pytest.fixture
def chat(core: Core, fake: FakeSlackWebAPI) -> SlackChat:
    chat = SlackChat(WorkspaceClients(base_url=fake.base_url, bot_token=TOKEN))
    core.dispatcher.attach_chat(chat)
    return chat


def channel(fake: FakeSlackWebAPI, name: str, **options: Any) -> Identity:
    cid = fake.add_channel(name, members=[fake.bot_user_id], **options)
    return Identity("slack", DEFAULT_TEAM_ID, cid)


def keys_posted(fake: FakeSlackWebAPI) -> Counter[str]:
    """How many messages carry each delivery key (every post the fake holds, in every conversation)."""
    counted: Counter[str] = Counter()
    for messages in fake._messages.values():
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if "key" in payload:
                counted[f"{payload['key']}#{payload.get('part', 0)}"] += 1
    return counted


def note(text: str) -> Any:
    return lambda _locale: Reply(text=text)


async def test_slack_chat_offers_keyed_posting(chat: SlackChat) -> None:
    assert isinstance(chat, KeyedPosting)


async def test_each_row_is_posted_once_through_429s_with_retry_after(
    core: Core, fake: FakeSlackWebAPI, chat: SlackChat, clock: MovableClock
) -> None:
    limits = ChannelLimits(fake, now=clock.seconds, per_channel=1.0, first_attempts_limited=0.3)
    channels = [channel(fake, f"city-{n}") for n in range(12)]
    delivery = core.services.delivery
    for n in range(3):
        assert delivery.to_channels(f"campaign:{n}", channels, note(f"Campaign day {n}")) == 12
    rounds = 0
    while any(delivery.report(f"campaign:{n}").counts["pending"] for n in range(3)) and rounds < 30:
        await delivery.drain()
        clock.advance(seconds=1)  # the Retry-After Slack gave (one second): moved, not slept
        rounds += 1
    for n in range(3):
        assert delivery.report(f"campaign:{n}").counts == {"sent": 12}
    assert sum(limits.limited.values()) > 0, "the fake must have answered some 429s for this test to mean anything"
    counts = keys_posted(fake)
    assert len(counts) == 36 and set(counts.values()) == {1}
    for place in channels:  # in order in every channel
        assert [m["text"] for m in fake.messages(place.id)] == ["Campaign day 0", "Campaign day 1", "Campaign day 2"]
    retried = [row for row in delivery.store.rows() if row.attempts > 1]
    assert retried and all(row.reason == "" and not row.maybe_sent for row in retried)
    # A 429 is the delivery service's to wait out: the delivery client never sleeps on it itself.
    assert len(fake.calls_to("chat.postMessage")) == 36 + sum(limits.limited.values())


async def test_a_crash_between_claim_and_send_resumes_without_a_duplicate_or_a_loss(
    core: Core, fake: FakeSlackWebAPI, chat: SlackChat, clock: MovableClock
) -> None:
    place = channel(fake, "anti-rumours")
    delivery = core.services.delivery
    delivery.to_channel("reminder:42", place, note("Policy Lab tomorrow"))
    claim = delivery.claim()  # claimed, then the process dies before sending
    assert claim is not None
    await delivery.drain()
    assert fake.messages(place.id) == []
    clock.advance(seconds=delivery.lease.total_seconds() + 1)
    await delivery.drain()
    assert [m["text"] for m in fake.messages(place.id)] == ["Policy Lab tomorrow"]
    [row] = delivery.store.rows()
    assert row.state is DeliveryState.sent and row.message_id == fake.messages(place.id)[0]["ts"]
    assert len(fake.calls_to("conversations.history")) == 1  # the take-over looked before posting


async def test_a_post_whose_sent_mark_was_lost_is_not_posted_again(
    core: Core, fake: FakeSlackWebAPI, chat: SlackChat, clock: MovableClock
) -> None:
    place = channel(fake, "newsletter")
    delivery = core.services.delivery
    delivery.to_channel("broadcast:3", place, note("Migrants Day: share what your city does"))
    claim = delivery.claim()
    assert claim is not None
    outcome = await delivery.attempt(claim)  # posted... and the process dies before recording it
    assert outcome.error is None and len(fake.messages(place.id)) == 1
    clock.advance(seconds=delivery.lease.total_seconds() + 1)
    await delivery.drain()
    assert len(fake.messages(place.id)) == 1 and set(keys_posted(fake).values()) == {1}
    [row] = delivery.store.rows()
    assert row.state is DeliveryState.sent and row.message_id == outcome.message_id and row.attempts == 2


async def test_a_post_whose_answer_never_came_is_not_posted_twice(
    core: Core, fake: FakeSlackWebAPI, chat: SlackChat, clock: MovableClock
) -> None:
    ana = Identity("slack", DEFAULT_TEAM_ID, "U0ANA0001")
    fake.add_user(ana.id, locale="pt-PT")
    core.services.members.get_or_create(ana, platform_locale="pt-PT")
    lose_answers(fake, "chat.postMessage", times=1)
    delivery = core.services.delivery
    delivery.to_person("practice-review:5:reject", ana, lambda locale: Reply(text=f"[{locale}] rejected"))
    await delivery.drain()
    [row] = delivery.store.rows()
    assert (row.state, row.reason, row.maybe_sent) == (DeliveryState.pending, "unavailable", True)
    clock.advance(seconds=10)
    await delivery.drain()
    dm = fake.dm_channel_id(ana.id)
    assert [m["text"] for m in fake.messages(dm)] == ["[pt] rejected"]
    assert delivery.store.rows()[0].state is DeliveryState.sent


@pytest.mark.parametrize(("setup", "kind", "reason"), [
    ("not_member", ChatError.NOT_IN_CHANNEL, "not_in_channel"),
    ("archived", ChatError.CHANNEL_GONE, "is_archived"),
    ("unknown_channel", ChatError.CHANNEL_GONE, "channel_not_found"),
    ("unknown_user", ChatError.USER_GONE, "user_not_found"),
    ("bot_user", ChatError.FORBIDDEN, "cannot_dm_bot"),
    ("uninstalled", ChatError.FORBIDDEN, "account_inactive"),
    ("too_long", ChatError.REJECTED, "msg_too_long"),
])
async def test_each_refusal_is_recorded_with_its_reason(
    core: Core, fake: FakeSlackWebAPI, chat: SlackChat, clock: MovableClock, setup: str, kind: str, reason: str
) -> None:
    direct = setup in ("unknown_user", "bot_user")
    if setup == "not_member":
        target = Identity("slack", DEFAULT_TEAM_ID, fake.add_channel("private-club"))
    elif setup == "archived":
        target = channel(fake, "old-cluster", is_archived=True)
    elif setup == "unknown_channel":
        target = Identity("slack", DEFAULT_TEAM_ID, "C0GONE")
    elif direct:
        target = Identity("slack", DEFAULT_TEAM_ID, "U0NOBODY" if setup == "unknown_user" else "U0OTHERBOT")
        if setup == "bot_user":
            fake.add_user(target.id, is_bot=True)
            fake.fail_next("conversations.open", "cannot_dm_bot")
    else:
        target = channel(fake, "general-2")
        fake.fail_next("chat.postMessage", reason)
    delivery = core.services.delivery
    (delivery.to_person if direct else delivery.to_channel)("broadcast:9", target, note("hello"))
    await delivery.drain()
    clock.advance(hours=2)
    await delivery.drain()
    [row] = delivery.store.rows()
    assert (row.state, row.reason, row.detail, row.attempts) == (DeliveryState.failed, kind, reason, 1)
    assert delivery.report("broadcast:9").failures == [(target, direct, "failed", kind)]


async def test_a_slack_outage_is_retried_and_given_up(
    core: Core, fake: FakeSlackWebAPI, chat: SlackChat, clock: MovableClock
) -> None:
    place = channel(fake, "cluster")
    delivery = core.services.delivery
    delivery.max_attempts = 3
    fake.fail_next("chat.postMessage", "service_unavailable", times=3)
    delivery.to_channel("digest:1", place, note("digest"))
    for _ in range(3):
        await delivery.drain()
        clock.advance(minutes=5)
    [row] = delivery.store.rows()
    assert (row.state, row.reason, row.attempts) == (DeliveryState.given_up, "unavailable", 3)
    assert fake.messages(place.id) == []
