"""The delivery service on its own: enqueueing once, languages, order, retries, failures and take-overs."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest

from bot.messages import Identity, Reply
from bot.models import DeliveryState, Role
from bot.ports import ChatError
from bot.services.delivery import DeliveryService, Pacer
from bot.services.delivery_store import reply_from_payload, reply_payload
from bot.wiring import Core
from tests.support.chat import RecordingChat
from tests.support.clock import MovableClock

ANA = Identity("console", "local", "ana")
IVANA = Identity("console", "local", "ivana")
GENERAL = Identity("console", "local", "general")


def hello(locale: str) -> Reply:
    return Reply(text={"pt": "Olá", "fr": "Bonjour"}.get(locale, "Hello"))


def person(core: Core, who: Identity, *, language: str | None = None, role: Role | None = None) -> Identity:
    core.services.members.get_or_create(who, display_name=who.id)
    if language:
        core.services.members.set_language(who, language)
    if role:
        core.services.members.set_role(who, role)
    return who


def states(delivery: DeliveryService, item: str) -> list[tuple[str, str]]:
    return [(str(row.state), row.reason) for row in delivery.store.rows(item)]


async def test_the_same_item_for_the_same_target_is_enqueued_and_sent_once(core: Core, chat: RecordingChat) -> None:
    delivery = core.services.delivery
    assert delivery.to_person("practice-review:1:reject", person(core, ANA, language="pt"), hello) is True
    assert delivery.to_person("practice-review:1:reject", ANA, hello) is False
    await delivery.drain()
    assert delivery.to_person("practice-review:1:reject", ANA, hello) is False  # sent: still the same row
    await delivery.drain()
    assert chat.posted and [(p.target, p.text, p.direct) for p in chat.posted] == [(ANA, "Olá", True)]
    [row] = delivery.store.rows("practice-review:1:reject")
    assert row.state is DeliveryState.sent and row.message_id == "1" and row.locale == "pt" and row.attempts == 1


async def test_many_at_once_each_in_their_language_composed_once_per_language(core: Core, chat: RecordingChat) -> None:
    people = [person(core, Identity("console", "local", f"p{n}"), language=("pt", "fr", None)[n % 3])
              for n in range(30)]
    unknown = Identity("console", "local", "never-met")  # not in the database: the network's language
    asked: list[str] = []

    def compose(locale: str) -> Reply:
        asked.append(locale)
        return hello(locale)

    delivery = core.services.delivery
    assert delivery.to_people("survey:1:open", [*people, unknown, people[0]], compose) == 31
    assert sorted(asked) == ["en", "fr", "pt"]
    assert delivery.to_people("survey:1:open", people, compose) == 0
    channels = [Identity("console", "local", f"c{n}") for n in range(1000)]
    assert delivery.to_channels("broadcast:1", channels, compose, "fr",
                                locales={channels[0]: "pt"}) == 1000
    await delivery.drain()
    assert len(chat.posted) == 1031 and len({(p.target, p.text) for p in chat.posted}) == 1031
    assert chat.texts(channels[0]) == ["Olá"] and chat.texts(channels[1]) == ["Bonjour"]
    assert chat.texts(unknown) == ["Hello"] and chat.texts(people[1]) == ["Bonjour"]
    report = delivery.report("broadcast:1")
    assert report.counts["sent"] == 1000 and report.finished and not report.failures


async def test_the_icc_team_is_told_on_every_platform(core: Core, chat: RecordingChat) -> None:
    slack_member = person(core, Identity("slack", "T1", "U1"), role=Role.icc_team, language="fr")
    person(core, IVANA, role=Role.icc_team)
    person(core, ANA, role=Role.coordinator)
    slack = RecordingChat(platform="slack")
    core.dispatcher.attach_chat(slack)
    assert core.services.delivery.to_icc_team("deepl-quota:2026-11:80", hello) == 2
    assert core.services.delivery.to_icc_team("deepl-quota:2026-11:80", hello) == 0
    await core.services.delivery.drain()
    assert [(p.target, p.text) for p in slack.posted] == [(slack_member, "Bonjour")]
    assert [(p.target, p.text) for p in chat.posted] == [(IVANA, "Hello")]


async def test_the_locale_rule_lives_in_the_member_service(core: Core) -> None:
    members = core.services.members
    member = members.get_or_create(ANA, platform_locale="fr-FR")
    assert members.locale_for(member) == "fr" and members.locale_for(member, "de") == "de"
    members.set_language(ANA, "pt")
    assert members.locale_of(ANA, "de") == "pt" and core.dispatcher.locale_for(members.get_or_create(ANA)) == "pt"
    assert members.locale_of(Identity("console", "local", "nobody")) == "en"
    assert members.locale_for(None, "uk-UA") == "uk"


async def test_a_rate_limit_holds_the_target_and_its_later_messages_for_retry_after(
    core: Core, chat: RecordingChat, clock: MovableClock
) -> None:
    delivery = core.services.delivery
    chat.fail(GENERAL, ChatError(ChatError.RATE_LIMITED, retry_after=30))
    other = Identity("console", "local", "other")
    for n in (1, 2, 3):
        delivery.to_channel(f"reminder:{n}", GENERAL, lambda _locale, n=n: Reply(text=f"reminder {n}"))
    delivery.to_channel("reminder:1", other, lambda _locale: Reply(text="elsewhere"))
    await delivery.drain()
    assert chat.texts() == ["elsewhere"]  # the other channel does not wait
    clock.advance(seconds=29)
    await delivery.drain()
    assert chat.texts(GENERAL) == []
    clock.advance(seconds=1)
    await delivery.drain()
    assert chat.texts(GENERAL) == ["reminder 1", "reminder 2", "reminder 3"]  # in order, each once
    [first] = delivery.store.rows("reminder:1")[:1]
    assert first.attempts == 2 and first.state is DeliveryState.sent


@pytest.mark.parametrize("kind", [ChatError.NOT_IN_CHANNEL, ChatError.CHANNEL_GONE, ChatError.USER_GONE,
                                  ChatError.FORBIDDEN, ChatError.REJECTED])
async def test_a_refusal_is_recorded_with_its_reason_and_not_retried(
    core: Core, chat: RecordingChat, clock: MovableClock, kind: str
) -> None:
    delivery = core.services.delivery
    chat.fail(GENERAL, ChatError(kind, detail="what the platform said"))
    delivery.to_channel("broadcast:7", GENERAL, hello)
    delivery.to_channel("broadcast:8", GENERAL, hello)  # the next one to the same place still goes
    await delivery.drain()
    clock.advance(hours=1)
    await delivery.drain()
    [row, _] = delivery.store.rows()
    expected = (DeliveryState.failed, kind, "what the platform said", 1)
    assert (row.state, row.reason, row.detail, row.attempts) == expected
    assert chat.texts(GENERAL) == ["Hello"] and states(delivery, "broadcast:8") == [("sent", "")]
    report = delivery.report("broadcast:7")
    assert report.failures == [(GENERAL, False, "failed", kind)] and report.finished


async def test_an_outage_is_retried_with_growing_pauses_then_given_up(
    core: Core, chat: RecordingChat, clock: MovableClock
) -> None:
    delivery = core.services.delivery
    delivery.max_attempts = 4
    chat.fail(GENERAL, *[ChatError(ChatError.UNAVAILABLE, detail="503")] * 10)
    delivery.to_channel("digest:2026-12", GENERAL, hello)
    pauses = []
    for _ in range(4):
        await delivery.drain()
        [row] = delivery.store.rows()
        if row.state is not DeliveryState.pending:
            break
        pauses.append(row.next_attempt_at.replace(tzinfo=None) - clock.now().replace(tzinfo=None))
        clock.advance(seconds=pauses[-1].total_seconds())
    assert pauses == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
    assert states(delivery, "digest:2026-12") == [("given_up", "unavailable")] and chat.texts() == []


async def test_a_delivery_past_its_expiry_is_given_up_not_sent_late(
    core: Core, chat: RecordingChat, clock: MovableClock
) -> None:
    delivery = core.services.delivery
    delivery.to_channel("reminder:9", GENERAL, hello, expires_at=clock.now() + timedelta(minutes=5))
    chat.fail(GENERAL, ChatError(ChatError.RATE_LIMITED, retry_after=600))
    await delivery.drain()
    clock.advance(minutes=10)
    await delivery.drain()
    assert states(delivery, "reminder:9") == [("given_up", "expired")] and chat.texts() == []
    assert delivery.store.rows("reminder:9")[0].detail == "not sent before it expired"


async def test_a_claim_abandoned_by_a_crash_is_taken_over_after_its_lease(
    core: Core, chat: RecordingChat, clock: MovableClock
) -> None:
    delivery = core.services.delivery
    delivery.to_person("practice-review:3:publish", person(core, ANA), hello)
    crashed = DeliveryService(core.engine, core.services.members, clock=clock, worker="crashed")
    crashed.attach_chat(chat)
    claim = crashed.claim()
    assert claim is not None and not claim.maybe_sent  # ...and the process dies here
    await delivery.drain()
    assert chat.texts() == []  # still held by the dead sender's lease
    clock.advance(seconds=delivery.lease.total_seconds() + 1)
    await delivery.drain()
    assert chat.texts() == ["Hello"]
    [row] = delivery.store.rows()
    assert row.state is DeliveryState.sent and row.attempts == 2 and row.maybe_sent and row.claimed_by != "crashed"
    crashed.record(claim, await crashed.attempt(claim))  # the dead sender's late word changes nothing
    assert chat.texts() == ["Hello", "Hello"] and delivery.store.rows()[0].claimed_by != "crashed"


async def test_only_platforms_this_process_can_reach_are_claimed(core: Core, chat: RecordingChat) -> None:
    delivery = core.services.delivery
    delivery.to_person("welcome:1", Identity("discord", "1", "2"), hello)
    delivery.to_person("welcome:1", ANA, hello)
    await delivery.drain()
    assert states(delivery, "welcome:1") == [("pending", ""), ("sent", "")]


async def test_sends_run_concurrently_across_targets_but_one_at_a_time_per_target(core: Core) -> None:
    full = asyncio.Event()

    class SlowChat(RecordingChat):
        running = 0
        most = 0
        per_target: dict[str, int] = {}

        async def post(self, channel: Identity, reply: Reply) -> str:
            self.running += 1
            self.per_target[channel.id] = self.per_target.get(channel.id, 0) + 1
            assert self.per_target[channel.id] == 1, "two sends to one channel at once"
            self.most = max(self.most, self.running)
            if self.running == 4:
                full.set()
            # The first sends wait (a little) for others to start: a sender sending one at a time never fills up.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(full.wait(), 0.5)
            self.running -= 1
            self.per_target[channel.id] -= 1
            return await super().post(channel, reply)

    chat = SlowChat()
    core.dispatcher.attach_chat(chat)
    delivery = core.services.delivery
    delivery.concurrency = 4
    channels = [Identity("console", "local", f"c{n}") for n in range(6)]
    for n in range(3):
        delivery.to_channels(f"news:{n}", channels, lambda _locale, n=n: Reply(text=f"news {n}"))
    assert await delivery.run_due() == 18
    assert chat.most == 4
    for channel in channels:
        assert chat.texts(channel) == ["news 0", "news 1", "news 2"]


async def test_the_sender_loop_sends_at_a_kick_and_stops_cleanly(core: Core, chat: RecordingChat) -> None:
    delivery = core.services.delivery
    delivery.poll_interval = 3600  # only a kick can wake it in this test
    task = asyncio.create_task(delivery.run())
    await asyncio.sleep(0)  # the loop starts and waits for work
    delivery.to_person("hello:1", person(core, ANA), hello)
    delivery.kick()
    await chat.wait_until(lambda: chat.posted)
    assert chat.texts() == ["Hello"]
    await delivery.stop()
    await asyncio.wait_for(task, 1)
    assert task.done() and not delivery._running


async def test_pacing_keeps_to_the_platforms_rate_without_the_wall_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(burst=2, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(5):
        await pacer.wait("slack:T1", 10)
    await pacer.wait("slack:T2", 10)  # another workspace has its own pace
    await pacer.wait("console:local", 0)  # no limit: never waits
    assert slept == [0.1, 0.1, 0.1] and now[0] == pytest.approx(0.3)


def test_a_reply_survives_the_outbox() -> None:
    from bot.messages import Button, ButtonStyle, Section
    from bot.richtext import (
        Broadcast,
        Code,
        Emoji,
        Link,
        Mention,
        MentionKind,
        Quote,
        RichText,
        Style,
        Styled,
        Verbatim,
    )

    rich = RichText.of(Quote(), "Merci ", Mention(MentionKind.person, "U1", "ana"), " & ",
                       Styled(Style.bold, ("<b>", Mention(MentionKind.channel, "C1"))), Broadcast("here"),
                       Link("https://icc.example/x?a=1&b=2", ("le ", Styled(Style.italic, ("guide",)))),
                       Code("x < y", block=True), Emoji("tada"), Verbatim("<t:1700000000:R>"))
    reply = Reply(text="", sections=[Section(text="Why", title="Reason", buttons=(
        Button("practice-show:1", "Show", "1", ButtonStyle.primary),))], buttons=[Button("x", "y")],
        ephemeral=True, in_thread_of="123.4", allow_broadcast_mentions=True, rich=rich, quiet=True)
    back = reply_from_payload(reply_payload(reply))
    assert back.sections == reply.sections and back.buttons == reply.buttons and back.in_thread_of == "123.4"
    assert back.rich == rich and back.text == rich.plain() and back.quiet
    assert back.rich is not None and back.rich.parts[2].kind is MentionKind.person  # type: ignore[union-attr]
    assert back.allow_broadcast_mentions and back.ephemeral is False  # a delivery is never ephemeral


async def test_a_cancelled_sender_finishes_the_send_under_way(core: Core, chat: RecordingChat) -> None:
    chat.hold()  # the platform takes its time to answer
    delivery = core.services.delivery
    task = asyncio.create_task(delivery.run())
    delivery.to_person("notice:1", person(core, ANA), hello)
    delivery.kick()
    await asyncio.wait_for(chat.sending.wait(), 2)
    task.cancel()  # a shutdown cancels every part of the process
    chat.release()  # ... while the platform is still answering
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert chat.texts() == ["Hello"] and delivery.store.rows()[0].state is DeliveryState.sent
    delivery.detach_chat(chat)
    delivery.to_person("notice:2", ANA, hello)
    await delivery.drain()
    assert delivery.store.rows()[1].state is DeliveryState.pending  # no chat for it here any more
