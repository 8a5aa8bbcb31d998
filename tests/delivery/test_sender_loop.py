"""The sender's loop one rule at a time: what a kick starts, when an idle sender looks again, how platforms keep
their own pace and concurrency, and what a stopping sender still claims (each kills mutants the scenarios miss)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.messages import Identity, Reply
from bot.models import DeliveryState
from bot.services import delivery as delivery_module
from bot.services.delivery import DeliveryService
from bot.wiring import Core
from tests.support.chat import RecordingChat

GENERAL = Identity("console", "local", "general")
OTHER = Identity("console", "local", "other")


def hello(locale: str) -> Reply:
    return Reply(text=f"hello {locale}")


def channel(number: int, platform: str = "console") -> Identity:
    return Identity(platform, "local", f"c{number}")


@pytest.fixture
def delivery(core: Core) -> DeliveryService:
    return core.services.delivery


class CountingChat(RecordingChat):
    """A chat that counts the sends begun (held ones included)."""

    begun: int = 0

    async def post(self, channel: Identity, reply: Reply) -> str:
        self.begun += 1
        self._changed.set()
        return await super().post(channel, reply)


def waits_of(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """An event set whenever the sender's loop begins to wait (idle: no round of its own under way)."""
    waiting = asyncio.Event()
    first_of = delivery_module._first_of

    async def watched(*events: asyncio.Event, timeout: float) -> None:
        waiting.set()
        await first_of(*events, timeout=timeout)

    monkeypatch.setattr(delivery_module, "_first_of", watched)
    return waiting


async def settle() -> None:
    """Let every task that can run go as far as it can (claims run in threads: give them a moment each)."""
    for _ in range(20):
        await asyncio.sleep(0)


# ------------------------------------------------------------------ kicks


async def test_kicks_while_the_platforms_loop_is_busy_start_no_round_of_their_own(delivery: DeliveryService) -> None:
    delivery.poll_interval = 3600
    chat = RecordingChat()
    chat.hold()
    delivery.attach_chat(chat)
    delivery.to_channel("busy:1", GENERAL, hello)
    stop = asyncio.Event()
    sender = asyncio.create_task(delivery.run(stop))
    await asyncio.wait_for(chat.sending.wait(), 2)
    delivery.to_channel("busy:2", OTHER, hello)
    for _ in range(100):  # a broadcast kicks once per batch: the loop under way takes the rows, nothing piles up
        delivery.kick()
    assert not delivery._background
    chat.release()
    await chat.wait_until(lambda: len(chat.posted) == 2, 2)
    stop.set()
    await asyncio.wait_for(sender, 2)


async def test_a_kick_as_the_sender_stops_claims_nothing(delivery: DeliveryService,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    delivery.poll_interval = 3600
    chat = RecordingChat()
    delivery.attach_chat(chat)
    waiting = waits_of(monkeypatch)
    stop = asyncio.Event()
    sender = asyncio.create_task(delivery.run(stop))
    await asyncio.wait_for(waiting.wait(), 2)  # idle: a kick now starts a round of its own
    stop.set()  # a shutdown has begun...
    delivery.to_channel("late:1", GENERAL, hello)
    delivery.kick()  # ...when something is enqueued: it stays for the next process
    await asyncio.wait_for(sender, 2)
    while delivery._background:
        await asyncio.gather(*delivery._background)
    assert chat.posted == [] and delivery.store.rows()[0].state is DeliveryState.pending


async def test_a_kick_after_the_sender_has_stopped_is_sent_at_once(delivery: DeliveryService) -> None:
    chat = RecordingChat()
    delivery.attach_chat(chat)
    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(delivery.run(stop), 2)  # a sender that ran and stopped (its stop event stays set)
    delivery.to_channel("after:1", GENERAL, hello)
    delivery.kick()
    await chat.wait_until(lambda: chat.posted, 2)
    assert chat.texts() == ["hello en"]


async def test_a_background_round_that_fails_is_logged_and_drain_goes_on(
        delivery: DeliveryService, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    chat = RecordingChat()
    delivery.attach_chat(chat)
    delivery.to_channel("fail:1", GENERAL, hello)
    claim = delivery.claim
    failures = iter([RuntimeError("database gone")])

    def claim_once_broken(platform: str | None = None) -> object:
        for failure in failures:
            raise failure
        return claim(platform)

    monkeypatch.setattr(delivery, "claim", claim_once_broken)
    with caplog.at_level(logging.ERROR, logger="bot.services.delivery"):
        delivery.kick()
        await asyncio.wait_for(delivery.drain(), 2)
    assert "a round of sending failed" in caplog.text and "database gone" in caplog.text
    assert chat.texts() == ["hello en"]


async def test_drain_goes_on_when_a_background_round_was_cancelled(delivery: DeliveryService) -> None:
    chat = RecordingChat()
    delivery.attach_chat(chat)
    delivery.to_channel("cancel:1", GENERAL, hello)
    delivery.kick()
    [round_] = delivery._background
    round_.cancel()
    await asyncio.wait_for(delivery.drain(), 2)
    assert chat.texts() == ["hello en"]


async def test_rows_enqueued_while_a_round_claims_are_sent_by_that_round(delivery: DeliveryService,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    delivery.concurrency = 1  # one claim at a time: the row comes between two claims
    chat = RecordingChat()
    delivery.attach_chat(chat)
    loop = asyncio.get_running_loop()
    claim = delivery.claim
    enqueued: list[str] = []

    def claim_while_another_process_enqueues(platform: str | None = None) -> object:
        found = claim(platform)
        if not enqueued:  # the first claim finds nothing; meanwhile a row comes, with its kick
            enqueued.append("x")
            delivery.to_channel("meanwhile:1", GENERAL, hello)
            loop.call_soon_threadsafe(delivery.kick)  # before the claim's answer reaches the loop
        return found

    monkeypatch.setattr(delivery, "claim", claim_while_another_process_enqueues)
    assert await asyncio.wait_for(delivery.run_due(), 2) == 1
    assert chat.texts() == ["hello en"]  # by this round, not left to the next look


async def test_rows_enqueued_while_a_stopping_round_claims_wait_for_the_next_process(
        delivery: DeliveryService, monkeypatch: pytest.MonkeyPatch) -> None:
    delivery.concurrency = 1
    chat = RecordingChat()
    delivery.attach_chat(chat)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    claim = delivery.claim

    def claim_as_the_shutdown_begins(platform: str | None = None) -> object:
        found = claim(platform)
        if not stopping.is_set():
            delivery.to_channel("meanwhile:1", GENERAL, hello)
            loop.call_soon_threadsafe(stopping.set)
            loop.call_soon_threadsafe(delivery.kick)
        return found

    monkeypatch.setattr(delivery, "claim", claim_as_the_shutdown_begins)
    assert await asyncio.wait_for(delivery.run_due(stopping.is_set), 2) == 0
    assert chat.posted == [] and delivery.store.rows()[0].state is DeliveryState.pending
    await asyncio.wait_for(delivery.drain(), 2)  # the kick's own round (nothing stops it) sends it
    assert chat.texts() == ["hello en"]


# ------------------------------------------------------------------ the loop's waits


async def test_the_sender_looks_again_at_once_after_work_and_soon_after_a_failure(
        delivery: DeliveryService, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    delivery.attach_chat(RecordingChat())
    delivery.poll_interval = 5.0
    delivery.to_channel("due:1", GENERAL, hello)  # due now, and never claimed here
    rounds: list[int | Exception] = [1, RuntimeError("database gone"), 0]
    waits: list[float] = []
    stop = asyncio.Event()

    async def run_due(stopping: object = None) -> int:
        outcome = rounds.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def first_of(*events: asyncio.Event, timeout: float) -> None:
        assert delivery._wake in events and stop in events
        waits.append(timeout)
        if not rounds:
            stop.set()

    monkeypatch.setattr(delivery, "run_due", run_due)
    monkeypatch.setattr(delivery_module, "_first_of", first_of)
    with caplog.at_level(logging.ERROR, logger="bot.services.delivery"):
        await asyncio.wait_for(delivery.run(stop), 2)
    # After a round that sent something, at once; after a failed round or one that could take nothing, soon: never
    # a busy loop against a database that fails.
    assert waits == [0.0, 0.2, 0.2]
    assert "a round of sending failed" in caplog.text


async def test_a_chat_attached_to_a_waiting_sender_gets_its_deliveries_at_once(
        delivery: DeliveryService, monkeypatch: pytest.MonkeyPatch) -> None:
    delivery.poll_interval = 3600  # only a wake can end the wait
    delivery.to_channel("attach:1", GENERAL, hello)
    waiting = waits_of(monkeypatch)
    stop = asyncio.Event()
    sender = asyncio.create_task(delivery.run(stop))
    await asyncio.wait_for(waiting.wait(), 2)  # no console connection yet: nothing to claim, it waits
    chat = RecordingChat()
    delivery.attach_chat(chat)  # the connection is up
    await chat.wait_until(lambda: chat.posted, 2)
    stop.set()
    await asyncio.wait_for(sender, 2)


async def test_a_sender_never_started_stops_at_once(delivery: DeliveryService) -> None:
    await asyncio.wait_for(delivery.stop(), 1)


# ------------------------------------------------------------------ platforms and concurrency


async def test_a_sender_s_defaults_32_sends_in_flight_and_a_burst_of_two(core: Core) -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))

    pacer = delivery_module.Pacer(monotonic=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await pacer.wait("slack:T1", 10)
    assert slept == [0.1]  # two at once, the third waits its interval
    sender = DeliveryService(core.engine, core.services.members)
    assert sender.concurrency == 32 and sender.max_attempts == 12 and sender.poll_interval == 5.0


def test_a_new_row_is_pending_unclaimed_and_untried(delivery: DeliveryService) -> None:
    delivery.to_channel("new:1", GENERAL, hello)
    [row] = delivery.store.rows()
    assert (row.state, row.claimed_by, row.lease_until, row.attempts, row.maybe_sent, row.message_id) == (
        DeliveryState.pending, "", None, 0, False, "")
    assert (row.reason, row.detail, row.sent_at) == ("", "", None)
    assert delivery.enqueue([]) == 0


async def test_each_platform_claims_its_own_rows_so_a_slow_one_holds_no_other_back(delivery: DeliveryService) -> None:
    delivery.concurrency = 1
    console, slack = RecordingChat(), RecordingChat(platform="slack")
    console.hold()  # the console is slow to answer
    delivery.attach_chat(console)
    delivery.attach_chat(slack)
    delivery.to_channel("slow:1", channel(1), hello)
    delivery.to_channel("slow:2", channel(2), hello)
    delivery.to_channel("fast:1", channel(1, "slack"), hello)  # enqueued last, due last
    rounds = asyncio.create_task(delivery.run_due())
    await slack.wait_until(lambda: slack.posted, 2)  # while the console's first send still waits
    assert console.posted == [] and [row.state for row in delivery.store.rows("slow:2")] == [DeliveryState.pending]
    console.release()
    assert await asyncio.wait_for(rounds, 2) == 3
    assert sorted(sent.target.id for sent in console.posted) == ["c1", "c2"]


async def test_a_platform_never_has_more_sends_in_flight_than_its_concurrency(delivery: DeliveryService) -> None:
    delivery.concurrency = 5  # claims go four at a time: the second batch may take only one
    chat = CountingChat()
    chat.hold()
    delivery.attach_chat(chat)
    for number in range(10):
        delivery.to_channel(f"many:{number}", channel(number), hello)
    rounds = asyncio.create_task(delivery.run_due())
    await chat.wait_until(lambda: chat.begun >= 5, 2)
    await settle()
    assert chat.begun == 5 and delivery.sending == 5
    assert [str(row.state) for row in delivery.store.rows()].count("sending") == 5
    chat.release()
    assert await asyncio.wait_for(rounds, 2) == 10 and len(chat.posted) == 10


# ------------------------------------------------------------------ shutdown


async def test_abandoning_returns_even_when_a_send_ignores_its_cancellation(
        delivery: DeliveryService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery_module, "CANCEL_GRACE", 0.01)
    release = asyncio.Event()

    class Stubborn(RecordingChat):
        async def post(self, channel: Identity, reply: Reply) -> str:
            self.sending.set()
            try:
                await release.wait()
            except asyncio.CancelledError:  # a client library that swallows the first cancellation
                await release.wait()
            return "late"

    chat = Stubborn()
    delivery.attach_chat(chat)
    delivery.to_channel("stubborn:1", GENERAL, hello)
    rounds = asyncio.create_task(delivery.run_due())
    await asyncio.wait_for(chat.sending.wait(), 2)
    assert await asyncio.wait_for(delivery.abandon(), 2) == 1  # the row goes back however the send behaves
    [row] = delivery.store.rows()
    assert (row.state, row.maybe_sent) == (DeliveryState.pending, True)
    release.set()
    await asyncio.wait_for(rounds, 2)
