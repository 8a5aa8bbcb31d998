"""The outbox's rules one by one, at exact moments: what may be claimed and when, what a claim may still record,
how retries are timed, what is withdrawn, and what a report counts (each kills mutants the scenario tests miss)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.messages import Identity, Reply
from bot.models import DeliveryState, Role
from bot.ports import Capabilities, ChatError
from bot.services import delivery as delivery_module
from bot.services import delivery_store as store_module
from bot.services.delivery import DeliveryService, Outcome, Outgoing, Pacer, _composer
from bot.services.delivery_store import Claim, DeliveryReport, DeliveryStore, aware, target_name
from bot.wiring import Core
from tests.support.chat import RecordingChat
from tests.support.clock import MovableClock

ANA = Identity("console", "local", "ana")
GENERAL = Identity("console", "local", "general")
SLACK = Identity("slack", "T1", "C1")
LEASE = timedelta(seconds=90)


def hello(locale: str) -> Reply:
    return Reply(text=f"hello {locale}")


@pytest.fixture
def delivery(core: Core) -> DeliveryService:
    return core.services.delivery


@pytest.fixture
def store(delivery: DeliveryService) -> DeliveryStore:
    return delivery.store


def claim(store: DeliveryStore, now: datetime, worker: str = "w1", platforms: tuple[str, ...] = ("console",)) -> Claim:
    found = store.claim(now=now, worker=worker, lease=LEASE, platforms=platforms)
    assert found is not None
    return found


def nothing(store: DeliveryStore, now: datetime, platforms: tuple[str, ...] = ("console", "slack")) -> bool:
    return store.claim(now=now, worker="w9", lease=LEASE, platforms=platforms) is None


# ------------------------------------------------------------------ names and small values


def test_targets_are_named_with_an_at_sign_for_people() -> None:
    assert target_name(ANA, direct=True) == "console:local:@ana"
    assert target_name(GENERAL, direct=False) == "console:local:general"


def test_stored_times_are_utc() -> None:
    naive = datetime(2026, 3, 29, 1, 30)
    assert aware(naive) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert aware(None) is None
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert aware(moment) is moment


def test_a_report_is_finished_when_nothing_is_open() -> None:
    report = DeliveryReport()
    assert report.total == 0 and report.finished
    report.counts.update({"sent": 2, "failed": 1})
    assert report.total == 3 and report.finished
    for state in ("pending", "sending"):
        report.counts[state] = 1
        assert not report.finished
        report.counts[state] = 0


# ------------------------------------------------------------------ claiming


def test_a_row_is_claimed_from_its_due_time_exactly(delivery: DeliveryService, store: DeliveryStore,
                                                    clock: MovableClock) -> None:
    now = clock.now()
    delivery.to_channel("news:1", GENERAL, hello, "fr")
    assert nothing(store, now - timedelta(seconds=1))
    assert store.claim(now=now, worker="w1", lease=LEASE, platforms=[]) is None
    assert store.claim(now=now, worker="w1", lease=LEASE, platforms=["slack"]) is None
    held = claim(store, now)
    assert (held.item, held.target, held.direct, held.locale) == ("news:1", GENERAL, False, "fr")
    assert (held.attempts, held.maybe_sent, held.claimed_by, held.expires_at) == (1, False, "w1", None)
    assert held.created_at == now and held.key == "news:1|console:local:general"
    [row] = store.rows("news:1")
    assert row.state is DeliveryState.sending and aware(row.lease_until) == now + LEASE
    assert aware(row.updated_at) == now


def test_a_held_row_is_taken_over_only_after_its_lease(delivery: DeliveryService, store: DeliveryStore,
                                                       clock: MovableClock) -> None:
    now = clock.now()
    delivery.to_person("notice:1", ANA, hello)
    first = claim(store, now)
    assert nothing(store, now + LEASE)  # the lease ends at now + LEASE: not yet over
    second = claim(store, now + LEASE + timedelta(seconds=1), worker="w2")
    assert second.maybe_sent and second.attempts == 2 and second.claimed_by == "w2" and second.direct
    # The first sender's late outcome cannot touch the row any more, except to say it was sent.
    store.failed(first, now=now, state=DeliveryState.failed, reason="forbidden", detail="no")
    store.retry(first, now=now, at=now, reason="unavailable", detail="503", maybe_sent=False)
    assert store.rows()[0].state is DeliveryState.sending
    store.sent(first, now=now + LEASE, message_id="m" * 100)
    [row] = store.rows()
    assert row.state is DeliveryState.sent and row.message_id == "m" * 64 and aware(row.sent_at) == now + LEASE
    assert row.lease_until is None
    store.sent(second, now=now + LEASE * 2, message_id="other")  # whoever records first wins
    assert store.rows()[0].message_id == "m" * 64


def test_a_finished_row_is_not_reopened_by_a_late_sent(delivery: DeliveryService, store: DeliveryStore,
                                                        clock: MovableClock) -> None:
    now = clock.now()
    delivery.to_person("notice:2", ANA, hello)
    first = claim(store, now)
    second = claim(store, now + LEASE * 2, worker="w2")
    store.failed(second, now=now, state=DeliveryState.failed, reason="user_gone", detail="left")
    store.sent(first, now=now, message_id="late")
    [row] = store.rows()
    assert (row.state, row.reason, row.message_id) == (DeliveryState.failed, "user_gone", "")


def test_each_target_gets_its_rows_in_order_one_at_a_time(delivery: DeliveryService, store: DeliveryStore,
                                                          clock: MovableClock) -> None:
    now = clock.now()
    for n in (1, 2):
        delivery.to_channel(f"news:{n}", GENERAL, hello)
    delivery.to_channel("news:1", Identity("console", "local", "other"), hello)
    first = claim(store, now)
    assert first.item == "news:1" and first.target == GENERAL
    elsewhere = claim(store, now)
    assert elsewhere.target.id == "other"
    assert nothing(store, now)  # news:2 waits behind news:1 to the same channel
    assert store.next_due(platforms=["console"]) == now + LEASE  # the lease of what is being sent
    store.sent(first, now=now, message_id="1")
    assert claim(store, now).item == "news:2"


def test_the_earliest_due_row_goes_first(delivery: DeliveryService, store: DeliveryStore,
                                         clock: MovableClock) -> None:
    now = clock.now()
    delivery.to_channel("a", Identity("console", "local", "c1"), hello)
    delivery.to_channel("b", Identity("console", "local", "c2"), hello)
    held = claim(store, now)
    assert held.item == "a"
    store.retry(held, now=now, at=now + timedelta(seconds=5), reason="rate_limited", detail="", maybe_sent=False)
    assert claim(store, now + timedelta(seconds=10)).item == "b"
    assert claim(store, now + timedelta(seconds=10)).item == "a"


# ------------------------------------------------------------------ recording


def test_a_retry_keeps_what_may_have_gone_out(delivery: DeliveryService, store: DeliveryStore,
                                              clock: MovableClock) -> None:
    now = clock.now()
    delivery.to_channel("news:3", GENERAL, hello)
    held = claim(store, now)
    store.retry(held, now=now, at=now + timedelta(seconds=7), reason="x" * 40, detail="d" * 600, maybe_sent=True)
    [row] = store.rows()
    assert (row.state, row.reason, row.detail, row.maybe_sent) == (DeliveryState.pending, "x" * 32, "d" * 500, True)
    assert aware(row.next_attempt_at) == now + timedelta(seconds=7) and row.lease_until is None
    held = claim(store, now + timedelta(seconds=7))
    assert held.maybe_sent
    store.retry(held, now=now, at=now, reason="unavailable", detail="", maybe_sent=False)
    assert store.rows()[0].maybe_sent  # once maybe out, always checked before posting again


def test_a_failure_keeps_a_short_reason_and_detail(delivery: DeliveryService, store: DeliveryStore,
                                                   clock: MovableClock) -> None:
    now = clock.now()
    delivery.to_channel("news:4", GENERAL, hello)
    held = claim(store, now)
    store.failed(held, now=now, state=DeliveryState.given_up, reason="r" * 40, detail="d" * 600)
    [row] = store.rows()
    assert (row.state, row.reason, row.detail, row.lease_until) == (DeliveryState.given_up, "r" * 32, "d" * 500, None)
    report = store.report("news:4")
    assert report.counts == {"given_up": 1} and report.failures == [(GENERAL, False, "given_up", "r" * 32)]


def record(delivery: DeliveryService, store: DeliveryStore, clock: MovableClock, error: ChatError,
           attempts: int = 1) -> tuple[DeliveryState, timedelta, bool, str]:
    """Record `error` for a fresh row claimed `attempts` times; returns its state, pause, maybe_sent, reason."""
    item = f"item:{len(store.rows())}"
    delivery.to_channel(item, Identity("console", "local", item), hello)
    held = claim(store, clock.now())
    for _ in range(attempts - 1):
        store.retry(held, now=clock.now(), at=clock.now(), reason="", detail="", maybe_sent=False)
        held = claim(store, clock.now())
    delivery.record(held, Outcome(error=error))
    [row] = store.rows(item)
    pause = aware(row.next_attempt_at) - clock.now()  # type: ignore[operator]
    delivery.withdraw(item)  # out of the way of the next row
    return row.state, pause, row.maybe_sent, row.reason


def test_retry_pauses(delivery: DeliveryService, store: DeliveryStore, clock: MovableClock) -> None:
    delivery.first_backoff = timedelta(seconds=10)
    delivery.longest_backoff = timedelta(seconds=35)
    delivery.max_attempts = 5
    limited = ChatError(ChatError.RATE_LIMITED, retry_after=2.5)
    assert record(delivery, store, clock, limited) == (DeliveryState.pending, timedelta(seconds=2.5), False,
                                                       "rate_limited")
    unknown = ChatError(ChatError.RATE_LIMITED)
    assert record(delivery, store, clock, unknown)[1] == timedelta(seconds=1)
    assert record(delivery, store, clock, ChatError(ChatError.RATE_LIMITED, retry_after=0))[1] == timedelta(0)
    outage = ChatError(ChatError.UNAVAILABLE, detail="503")
    assert record(delivery, store, clock, outage) == (DeliveryState.pending, timedelta(seconds=10), True, "unavailable")
    assert record(delivery, store, clock, outage, attempts=2)[1] == timedelta(seconds=20)
    assert record(delivery, store, clock, outage, attempts=3)[1] == timedelta(seconds=35)  # capped
    assert record(delivery, store, clock, outage, attempts=5)[0] is DeliveryState.given_up
    assert record(delivery, store, clock, limited, attempts=4)[0] is DeliveryState.pending
    maybe = ChatError(ChatError.RATE_LIMITED, retry_after=1, maybe_sent=True)
    assert record(delivery, store, clock, maybe)[2] is True
    refused = ChatError(ChatError.FORBIDDEN, detail="missing scope")
    assert record(delivery, store, clock, refused, attempts=5)[0] is DeliveryState.failed


def test_a_sent_outcome_records_the_message_id(delivery: DeliveryService, store: DeliveryStore,
                                               clock: MovableClock) -> None:
    delivery.to_channel("news:5", GENERAL, hello)
    delivery.record(claim(store, clock.now()), Outcome(message_id="42"))
    [row] = store.rows()
    assert (row.state, row.message_id, row.reason) == (DeliveryState.sent, "42", "")


# ------------------------------------------------------------------ withdrawing and what is due


def test_withdrawing_takes_only_pending_rows_of_the_prefix(delivery: DeliveryService, store: DeliveryStore,
                                                           clock: MovableClock) -> None:
    now = clock.now()
    bea = Identity("console", "local", "bea")
    delivery.to_people("survey:1:reminder", [ANA, bea], hello)
    delivery.to_people("survey%:reminder", [ANA], hello)
    delivery.to_channel("survey:1:reminder", GENERAL, hello)
    assert delivery.withdraw("survey:1", []) == 0
    held = claim(store, now)  # ana's survey:1 reminder is being sent: it is left to finish
    assert held.target == ANA
    assert delivery.withdraw("survey:1", [ANA, bea], reason="answered" * 10) == 1
    states = {(row.item, row.target): (str(row.state), row.reason, row.detail) for row in store.rows()}
    assert states[("survey:1:reminder", "console:local:@bea")] == ("given_up", ("answered" * 10)[:32], "withdrawn")
    assert states[("survey:1:reminder", "console:local:general")] == ("pending", "", "")
    assert delivery.withdraw("survey_") == 0  # "_" and "%" are plain characters
    assert delivery.withdraw("survey%") == 1
    clock.advance(seconds=10)
    assert delivery.withdraw("survey:1") == 1  # the channel's: every target when none is named
    assert aware(store.rows("survey:1:reminder")[2].updated_at) == now + timedelta(seconds=10)


def test_the_next_due_moment(delivery: DeliveryService, store: DeliveryStore, clock: MovableClock) -> None:
    now = clock.now()
    assert store.next_due(platforms=["console"]) is None
    delivery.to_channel("s", SLACK, hello)
    assert store.next_due(platforms=[]) is None and store.next_due(platforms=["console"]) is None
    assert store.next_due(platforms=["slack", "slack"]) == now
    delivery.to_channel("c", GENERAL, hello)
    held = claim(store, now)
    store.retry(held, now=now, at=now + timedelta(seconds=30), reason="", detail="", maybe_sent=False)
    assert store.next_due(platforms=["console"]) == now + timedelta(seconds=30)
    held = claim(store, now + timedelta(seconds=30))
    store.sent(held, now=now, message_id="1")
    assert store.next_due(platforms=["console"]) is None


def test_adding_many_rows_in_chunks_skips_those_already_there(monkeypatch: pytest.MonkeyPatch,
                                                             delivery: DeliveryService, store: DeliveryStore) -> None:
    monkeypatch.setattr(store_module, "CHUNK", 3)
    channels = [Identity("console", "local", f"c{n}") for n in range(7)]
    assert delivery.to_channels("wide", channels[:4], hello) == 4
    assert delivery.to_channels("wide", channels + channels, hello) == 3
    assert [row.target_id for row in store.rows("wide")] == [f"c{n}" for n in range(7)]
    assert delivery.enqueue([]) == 0
    long_item = "x" * 300
    assert delivery.enqueue([Outgoing(long_item, GENERAL, Reply(text="hi"), "en")]) == 1
    assert store.rows("x" * 200)[0].payload.startswith('{"text":"hi"')
    assert store.rows() and store.rows("nothing") == []


def test_each_channel_in_its_own_language_composed_once_per_language(delivery: DeliveryService,
                                                                     store: DeliveryStore) -> None:
    calls: list[str] = []

    def compose(locale: str) -> Reply:
        calls.append(locale)
        return Reply(text=locale)

    channels = [Identity("console", "local", f"c{n}") for n in range(3)]
    made = delivery.to_channels("k", channels, compose, "de", locales={channels[0]: "fr", channels[1]: ""})
    assert made == 3 and calls == ["fr", "de"]
    assert [row.locale for row in store.rows("k")] == ["fr", "de", "de"]
    assert delivery.to_channel("k2", GENERAL, compose) is True and store.rows("k2")[0].locale == "en"
    assert delivery.to_channel("k2", GENERAL, compose) is False
    once = _composer(compose)
    assert once("it") is once("it") and calls.count("it") == 1


# ------------------------------------------------------------------ attempts and pace


class KeyedChat(RecordingChat):
    keys: list[tuple[str, bool, bool]]

    async def post_keyed(self, target: Identity, reply: Reply, *, key: str, direct: bool, maybe_sent: bool,
                         since: datetime) -> str:
        self.keys.append((key, direct, maybe_sent))
        return await (self.direct_message(target, reply) if direct else self.post(target, reply))


async def test_a_keyed_chat_gets_the_key_and_whether_it_may_be_out(core: Core, delivery: DeliveryService,
                                                                   clock: MovableClock) -> None:
    chat = KeyedChat()
    chat.keys = []
    delivery.attach_chat(chat)
    delivery.to_person("k:1", ANA, hello)
    await delivery.drain()
    assert chat.keys == [("k:1|console:local:@ana", True, False)] and chat.posted[0].direct


async def test_what_goes_wrong_in_an_attempt_becomes_an_outcome(delivery: DeliveryService, store: DeliveryStore,
                                                                clock: MovableClock) -> None:
    class Broken(RecordingChat):
        async def post(self, channel: Identity, reply: Reply) -> str:
            raise RuntimeError("boom" + "!" * 400)

    class Unnumbered(RecordingChat):  # a platform that answers without a message id
        async def post(self, channel: Identity, reply: Reply) -> str:
            await super().post(channel, reply)
            return None  # type: ignore[return-value]

    class Silent(RecordingChat):
        async def post(self, channel: Identity, reply: Reply) -> str:
            await asyncio.Event().wait()  # the platform never answers
            return "never"

    delivery.to_channel("a:1", GENERAL, hello)
    held = claim(store, clock.now())
    outcome = await delivery.attempt(held)
    assert outcome.error is not None and outcome.error.kind == ChatError.UNAVAILABLE
    assert outcome.error.detail == "no console connection"
    delivery.attach_chat(Broken())
    outcome = await delivery.attempt(held)
    assert outcome.error is not None and outcome.error.kind == ChatError.UNAVAILABLE and outcome.error.maybe_sent
    assert outcome.error.detail.startswith("RuntimeError('boom!!") and len(outcome.error.detail) == 300
    delivery.attach_chat(Silent())
    delivery.attempt_timeout = 0.01
    outcome = await delivery.attempt(held)
    assert outcome.error is not None and outcome.error.maybe_sent and outcome.error.detail == "no answer in time"
    delivery.attach_chat(RecordingChat())
    assert await delivery.attempt(held) == Outcome(message_id="1")
    delivery.attach_chat(Unnumbered())
    assert await delivery.attempt(held) == Outcome(message_id="")


def test_an_attempt_gives_up_well_before_the_lease_ends(core: Core) -> None:
    sender = DeliveryService(core.engine, core.services.members, lease=timedelta(seconds=60))
    assert sender.attempt_timeout == 20 and sender.worker.startswith("sender-")


async def test_a_delivery_is_sent_until_the_moment_it_expires(delivery: DeliveryService, clock: MovableClock) -> None:
    chat = RecordingChat()
    delivery.attach_chat(chat)
    delivery.to_channel("r:1", GENERAL, hello, expires_at=clock.now())
    await delivery.drain()
    assert chat.texts() == ["hello en"]


async def test_pacing_is_per_workspace_or_per_platform(delivery: DeliveryService, store: DeliveryStore,
                                                       clock: MovableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    keys: list[tuple[str, float]] = []

    async def wait(key: str, per_second: float) -> None:
        keys.append((key, per_second))

    monkeypatch.setattr(delivery.pacer, "wait", wait)
    chat = RecordingChat(capabilities=Capabilities(posts_per_second=5, posts_counted_per_platform=False))
    delivery.attach_chat(chat)
    delivery.to_channel("p:1", GENERAL, hello)
    await delivery.attempt(claim(store, clock.now()))
    chat.capabilities = Capabilities(posts_per_second=3, posts_counted_per_platform=True)
    delivery.to_channel("p:2", Identity("console", "local", "x"), hello)
    await delivery.attempt(claim(store, clock.now()))
    assert keys == [("console:local", 5), ("console:*", 3)]


async def test_a_pacer_allows_a_burst_then_one_send_per_interval() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(burst=3, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await pacer.wait("k", 4)
    assert slept == [0.25]
    slow = Pacer(burst=3, monotonic=lambda: now[0], sleep=sleep)
    slept.clear()
    for _ in range(3):
        await slow.wait("k", 0.5)  # below one a second: a burst of one
    assert slept == [2.0, 2.0]
    await slow.wait("k", -1)
    assert slept == [2.0, 2.0]


def test_an_idle_sender_looks_again_soon_when_something_is_held(delivery: DeliveryService, store: DeliveryStore,
                                                                 clock: MovableClock) -> None:
    delivery.poll_interval = 5.0
    delivery.attach_chat(RecordingChat())
    assert delivery._idle_seconds(0) == 5.0
    delivery.to_channel("i:1", GENERAL, hello)
    assert delivery._idle_seconds(0) == 0.2 and delivery._idle_seconds(1) == 0.0
    held = claim(store, clock.now())
    store.retry(held, now=clock.now(), at=clock.now() + timedelta(seconds=3), reason="", detail="", maybe_sent=False)
    assert delivery._idle_seconds(0) == 3.0
    store.retry(claim(store, clock.now() + timedelta(seconds=3)), now=clock.now(),
                at=clock.now() + timedelta(seconds=30), reason="", detail="", maybe_sent=False)
    assert delivery._idle_seconds(0) == 5.0


def test_claims_at_once_is_a_small_number() -> None:
    assert 1 <= delivery_module.CLAIMS_AT_ONCE <= 8


def test_a_stored_reply_with_only_what_it_needs() -> None:
    from bot.messages import Button, ButtonStyle, Section
    from bot.services.delivery_store import reply_from_payload

    bare = reply_from_payload("{}")
    assert (bare.text, bare.sections, bare.buttons, bare.rich, bare.quiet) == ("", [], [], None, False)
    assert bare.in_thread_of is None and not bare.allow_broadcast_mentions and not bare.ephemeral
    stored = ('{"text":"t","buttons":[{"action_id":"a"}],"sections":[{"buttons":[{"action_id":"b","label":"B",'
              '"value":"v","style":"danger"}]}],"quiet":1}')
    reply = reply_from_payload(stored)
    assert reply.buttons == [Button("a", "", "", ButtonStyle.default)]
    assert reply.sections == [Section(text="", title="", buttons=(Button("b", "B", "v", ButtonStyle.danger),))]
    assert reply.quiet is True and reply.text == "t"
    assert reply_from_payload('{"buttons":[{"action_id":"c","style":""}]}').buttons[0].style is ButtonStyle.default


def test_a_stopping_sender_puts_back_only_the_rows_it_holds(delivery: DeliveryService, store: DeliveryStore,
                                                            clock: MovableClock) -> None:
    now = clock.now()
    for n in range(3):
        delivery.to_channel(f"r:{n}", Identity("console", "local", f"c{n}"), hello)
    mine = claim(store, now, worker="w1")
    theirs = claim(store, now, worker="w2")
    assert store.release(worker="w1", now=now + timedelta(seconds=5)) == 1
    rows = {row.item: row for row in store.rows()}
    back = rows[mine.item]
    assert (back.state, back.maybe_sent, back.claimed_by, back.lease_until) == (DeliveryState.pending, True, "", None)
    assert aware(back.next_attempt_at) == now + timedelta(seconds=5) and aware(back.updated_at) == now + timedelta(
        seconds=5)
    assert rows[theirs.item].state is DeliveryState.sending and rows[theirs.item].claimed_by == "w2"
    assert rows["r:2"].state is DeliveryState.pending and not rows["r:2"].maybe_sent
    assert store.release(worker="w1", now=now) == 0
    assert nothing(store, now + timedelta(seconds=4), platforms=("slack",))
    first, second = (claim(store, now + timedelta(seconds=5), worker="w3") for _ in range(2))
    assert (first.item, first.maybe_sent) == ("r:2", False)  # due earlier
    assert (second.item, second.maybe_sent) == (mine.item, True)


def test_recording_touches_only_the_claimed_row(delivery: DeliveryService, store: DeliveryStore,
                                                clock: MovableClock) -> None:
    now = clock.now()
    later = now + timedelta(seconds=30)
    for n in range(2):
        delivery.to_channel(f"one:{n}", Identity("console", "local", f"c{n}"), hello)
    first, second = claim(store, now), claim(store, now)  # one sender, two rows, both at attempt 1
    store.failed(first, now=later, state=DeliveryState.failed, reason="forbidden", detail="no")
    rows = {row.item: row for row in store.rows()}
    assert rows["one:0"].state is DeliveryState.failed and aware(rows["one:0"].updated_at) == later
    assert rows["one:1"].state is DeliveryState.sending and aware(rows["one:1"].updated_at) == now
    store.retry(second, now=later, at=later, reason="unavailable", detail="503", maybe_sent=False)
    store.sent(claim(store, later), now=later + timedelta(seconds=1), message_id="9")
    row = store.rows("one:1")[0]
    assert (row.state, row.reason, row.detail) == (DeliveryState.sent, "", "")
    assert aware(row.updated_at) == later + timedelta(seconds=1)


def test_a_late_sent_after_a_take_over_records_that_row_only(delivery: DeliveryService, store: DeliveryStore,
                                                              clock: MovableClock) -> None:
    now = clock.now()
    delivery.to_channel("late:1", GENERAL, hello)
    delivery.to_channel("late:2", Identity("console", "local", "other"), hello)
    slow = claim(store, now, worker="slow")
    assert slow.item == "late:1"
    claim(store, now + LEASE * 2, worker="fast")  # takes late:1 over (late:2 is due later in id order)
    store.sent(slow, now=now + LEASE * 3, message_id="s")
    rows = {row.item: row for row in store.rows()}
    assert rows["late:1"].state is DeliveryState.sent and aware(rows["late:1"].updated_at) == now + LEASE * 3
    assert rows["late:2"].state is DeliveryState.pending and rows["late:2"].message_id == ""


def test_a_report_counts_each_state_and_lists_its_own_failures_in_order(delivery: DeliveryService,
                                                                        store: DeliveryStore,
                                                                        clock: MovableClock) -> None:
    now = clock.now()
    people = [Identity("console", "local", name) for name in ("p1", "p2", "p3", "p4")]
    delivery.to_people("news", people, hello)
    delivery.to_channel("other", GENERAL, hello)
    held = [claim(store, now) for _ in range(4)]
    store.failed(held[2], now=now, state=DeliveryState.given_up, reason="unavailable", detail="")
    store.failed(held[0], now=now, state=DeliveryState.failed, reason="user_gone", detail="")
    store.sent(held[1], now=now, message_id="1")
    store.failed(claim(store, now), now=now, state=DeliveryState.failed, reason="not_in_channel", detail="")
    report = store.report("news")
    assert report.counts == {"failed": 1, "given_up": 1, "sent": 1, "sending": 1} and not report.finished
    assert report.failures == [(people[0], True, "failed", "user_gone"), (people[2], True, "given_up", "unavailable")]


async def test_senders_waiting_side_by_side_go_in_the_order_they_came_none_held_back() -> None:
    # A thousand rows claimed at once wait for the workspace's pace side by side: each must go in its turn, or one
    # could wait past its claim's lease and be taken over (and posted twice) while still waiting.
    now = [0.0]

    async def sleep(seconds: float) -> None:
        until = now[0] + seconds
        await asyncio.sleep(0)
        now[0] = max(now[0], until)

    pacer = Pacer(burst=2, monotonic=lambda: now[0], sleep=sleep)
    went: list[tuple[int, float]] = []

    async def send(number: int) -> None:
        await pacer.wait("slack:T1", 10)
        went.append((number, now[0]))

    await asyncio.wait_for(asyncio.gather(*(send(number) for number in range(30))), 10)  # fails, never hangs
    assert [number for number, _ in went] == list(range(30))
    waits = [at for _, at in went]
    assert waits[:2] == [0.0, 0.0]  # the burst
    assert max(waits) == pytest.approx(2.8)  # the 30th: 28 intervals of 0.1 s after the burst, no more


async def test_a_send_that_waits_too_long_for_its_turn_is_not_posted_but_given_back(
        delivery: DeliveryService, store: DeliveryStore, clock: MovableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    async def never(key: str, per_second: float) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(delivery.pacer, "wait", never)
    delivery.attempt_timeout = 0  # the turn never comes within the attempt's time
    chat = RecordingChat(capabilities=Capabilities(posts_per_second=5))
    delivery.attach_chat(chat)
    delivery.to_channel("w:1", GENERAL, hello)
    outcome = await delivery.attempt(claim(store, clock.now()))
    assert chat.texts() == []
    assert outcome.error is not None and outcome.error.kind == ChatError.RATE_LIMITED
    assert outcome.error.retry_after == 0 and not outcome.error.maybe_sent  # tried again at once, nothing to check
    assert outcome.error.detail == "waited too long for its turn"


def test_a_sender_s_old_claim_is_void_once_it_claims_the_row_again(delivery: DeliveryService, store: DeliveryStore,
                                                                    clock: MovableClock) -> None:
    now = clock.now()
    delivery.to_channel("again:1", GENERAL, hello)
    old = claim(store, now)
    renewed = claim(store, now + LEASE * 2)  # the same sender, after its lease ran out
    assert renewed.attempts == 2 and aware(store.rows()[0].updated_at) == now + LEASE * 2
    store.failed(old, now=now, state=DeliveryState.failed, reason="forbidden", detail="")
    assert store.rows()[0].state is DeliveryState.sending
    store.sent(renewed, now=now + LEASE * 2, message_id="1")
    assert store.release(worker="w1", now=now + LEASE * 3) == 0  # what it sent stays sent
    assert store.rows()[0].state is DeliveryState.sent


# ------------------------------------------------------------------ the sender's life


def test_an_expiry_is_kept_for_people_channels_and_the_icc_team(core: Core, delivery: DeliveryService,
                                                                 store: DeliveryStore, clock: MovableClock) -> None:
    until = clock.now() + timedelta(hours=2)
    core.services.members.get_or_create(ANA, display_name="Ana")
    core.services.members.set_role(ANA, Role.icc_team)
    delivery.to_person("e:1", ANA, hello, expires_at=until)
    delivery.to_people("e:2", [ANA], hello, expires_at=until)
    delivery.to_icc_team("e:3", hello, expires_at=until)
    delivery.to_channel("e:4", GENERAL, hello, expires_at=until)
    assert [(row.item, aware(row.expires_at)) for row in store.rows()] == [(f"e:{n}", until) for n in range(1, 5)]


async def test_a_sender_that_runs_out_of_time_puts_back_what_it_was_sending(core: Core, delivery: DeliveryService,
                                                                          store: DeliveryStore,
                                                                          clock: MovableClock) -> None:
    chat = RecordingChat()
    chat.hold()  # the platform never answers in time
    delivery.attach_chat(chat)
    delivery.to_channel("slow:1", GENERAL, hello)
    stop = asyncio.Event()
    sender = asyncio.create_task(delivery.run(stop))
    await asyncio.wait_for(chat.sending.wait(), 2)
    assert delivery.sending == 1
    stop.set()  # a shutdown: nothing new is claimed...
    clock.advance(seconds=3)
    assert await delivery.abandon() == 1  # ...and, out of time, the send is cancelled and its row goes back
    [row] = store.rows()
    assert (row.state, row.maybe_sent, row.claimed_by) == (DeliveryState.pending, True, "")
    assert aware(row.next_attempt_at) == clock.now() and delivery.sending == 0
    await asyncio.wait_for(sender, 2)
    assert await delivery.abandon() == 0 and chat.texts() == []


async def test_a_second_round_waits_for_the_one_under_way_on_the_platform(delivery: DeliveryService,
                                                                          store: DeliveryStore) -> None:
    chat = RecordingChat()
    chat.hold()
    delivery.attach_chat(chat)
    delivery.to_channel("round:1", GENERAL, hello)
    first = asyncio.create_task(delivery.run_due())
    await asyncio.wait_for(chat.sending.wait(), 2)
    delivery.to_channel("round:2", Identity("console", "local", "other"), hello)
    second = asyncio.create_task(delivery.run_due())  # the platform's loop under way takes the new row
    for _ in range(5):
        await asyncio.sleep(0)
    assert not second.done()
    chat.release()
    assert await asyncio.wait_for(asyncio.gather(first, second), 2) == [2, 0]
    assert sorted(chat.texts()) == ["hello en", "hello en"] and len(chat.posted) == 2


async def test_a_kick_outside_the_sender_loop_is_sent_by_drain(delivery: DeliveryService, store: DeliveryStore) -> None:
    chat = RecordingChat()
    delivery.attach_chat(chat)
    delivery.to_channel("kick:1", GENERAL, hello)
    delivery.kick()  # a background round
    await asyncio.wait_for(delivery.drain(), 2)
    assert chat.texts() == ["hello en"] and store.rows()[0].state is DeliveryState.sent


async def test_a_sender_stopped_by_its_own_event_or_by_stop_claims_nothing_more(delivery: DeliveryService,
                                                                             store: DeliveryStore) -> None:
    delivery.poll_interval = 3600  # only a stop can end the wait
    chat = RecordingChat()
    delivery.attach_chat(chat)
    delivery.concurrency = 1
    chat.hold()
    delivery.to_channel("stop:1", GENERAL, hello)
    delivery.to_channel("stop:2", Identity("console", "local", "other"), hello)
    stop = asyncio.Event()
    task = asyncio.create_task(delivery.run(stop))
    await asyncio.wait_for(chat.sending.wait(), 2)
    stop.set()  # while the first is being sent: it is finished, the second is not claimed
    chat.release()
    await asyncio.wait_for(task, 2)
    assert [str(row.state) for row in store.rows()] == ["sent", "pending"]
    again = asyncio.create_task(delivery.run(asyncio.Event()))
    await asyncio.wait_for(chat.wait_until(lambda: len(chat.posted) == 2), 2)
    await asyncio.wait_for(delivery.stop(), 2)  # stop() ends a sender given its own event too
    await asyncio.wait_for(again, 2)
    assert [str(row.state) for row in store.rows()] == ["sent", "sent"]


def test_a_sender_s_own_rules_by_default(core: Core, clock: MovableClock) -> None:
    """Claims held 90 s (an attempt gives up after a third of it), outages retried after 10 s doubling up to
    15 minutes, given up at the 12th attempt; an idle sender looks again every 5 s."""
    sender = DeliveryService(core.engine, core.services.members, clock=clock)
    other = DeliveryService(core.engine, core.services.members, clock=clock)
    assert sender.worker != other.worker and len(sender.worker) == len("sender-") + 12
    assert sender.attempt_timeout == 30 and sender._idle_seconds(0) == 5.0
    outage = ChatError(ChatError.UNAVAILABLE, detail="503")
    assert record(sender, sender.store, clock, outage) == (DeliveryState.pending, timedelta(seconds=10), True,
                                                           "unavailable")
    assert record(sender, sender.store, clock, outage, attempts=7)[1] == timedelta(seconds=640)
    assert record(sender, sender.store, clock, outage, attempts=8)[1] == timedelta(minutes=15)
    assert record(sender, sender.store, clock, outage, attempts=11)[0] is DeliveryState.pending
    assert record(sender, sender.store, clock, outage, attempts=12)[0] is DeliveryState.given_up
    sender.to_channel("lease:1", GENERAL, hello)
    held = sender.claim("console")
    assert held is not None and held.claimed_by == sender.worker
    assert aware(sender.store.rows("lease:1")[0].lease_until) == clock.now() + timedelta(seconds=90)


def test_a_withdrawal_says_why_withdrawn_unless_told(delivery: DeliveryService, store: DeliveryStore) -> None:
    delivery.to_channel("w:1", GENERAL, hello)
    delivery.to_channel("w:2", GENERAL, hello)
    assert delivery.withdraw("w:1") == 1 and delivery.withdraw("w:2", reason="answered") == 1
    assert [(row.reason, row.detail) for row in store.rows()] == [("withdrawn", "withdrawn"), ("answered", "withdrawn")]


async def test_an_idle_sender_wakes_when_its_own_stop_event_is_set(delivery: DeliveryService) -> None:
    delivery.poll_interval = 3600  # only the stop can end the wait
    delivery.attach_chat(RecordingChat())
    stop = asyncio.Event()
    task = asyncio.create_task(delivery.run(stop))
    for _ in range(5):
        await asyncio.sleep(0)  # nothing to send: it waits
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 2)


async def test_waiting_for_the_first_of_several_events_or_a_time() -> None:
    first, second = asyncio.Event(), asyncio.Event()
    await asyncio.wait_for(delivery_module._first_of(first, second, timeout=0), 1)  # none set: no wait at all
    second.set()
    await asyncio.wait_for(delivery_module._first_of(first, second, timeout=3600), 1)  # one is enough
