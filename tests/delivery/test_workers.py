"""Two senders (as two worker processes would run) on one outbox in PostgreSQL: every row is sent once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import Engine

from bot import db
from bot.messages import Identity, Reply
from bot.models import DeliveryState
from bot.services.delivery import DeliveryService
from bot.services.members import MemberService
from bot.wiring import Core
from integrations.slack.chat import SlackChat, WorkspaceClients
from tests.conftest import POSTGRES_URL
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.fakes.slack_history import serve_history
from tests.fakes.slack_limits import ChannelLimits
from tests.support.chat import RecordingChat
from tests.support.clock import MovableClock

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgresql"),
    reason="two senders on one outbox rely on PostgreSQL's row locks (FOR UPDATE SKIP LOCKED); "
           "run with DATABASE_URL=postgresql+psycopg://… (CI's PostgreSQL pass)",
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackWebAPI]:
    async with FakeSlackWebAPI() as slack:
        serve_history(slack)
        yield slack


@pytest.fixture
def second_engine(database_url: str, engine: Engine) -> AsyncIterator[Engine]:
    """A second connection pool on the same database, as a second process would have."""
    other = db.make_engine(database_url)
    yield other
    other.dispose()


def sender(core: Core, engine: Engine, fake: FakeSlackWebAPI, clock: MovableClock, name: str) -> DeliveryService:
    service = DeliveryService(engine, MemberService(engine), clock=clock, worker=name, poll_interval=0.05,
                              concurrency=8)
    service.attach_chat(SlackChat(WorkspaceClients(base_url=fake.base_url, bot_token="xoxb-" + name)))
    return service


async def settled(senders: list[DeliveryService], clock: MovableClock) -> bool:
    """Wait until nothing is being sent and nothing is due now; True when every row is done."""
    store = senders[0].store
    for _ in range(2000):
        rows = store.rows()
        due = store.next_due(platforms=["slack"])  # rows waiting behind an earlier one to their channel excluded
        if all(row.state is not DeliveryState.sending for row in rows) and (due is None or due > clock.now()):
            return all(row.state is DeliveryState.sent for row in rows)
        await asyncio.sleep(0.01)
    raise AssertionError("the senders never settled")


async def test_two_sender_loops_share_the_outbox_and_send_every_row_once(
    core: Core, engine: Engine, second_engine: Engine, fake: FakeSlackWebAPI, clock: MovableClock
) -> None:
    limits = ChannelLimits(fake, now=clock.seconds, per_channel=1.0, first_attempts_limited=0.2)
    channels = [Identity("slack", DEFAULT_TEAM_ID, fake.add_channel(f"city-{n}", members=[fake.bot_user_id]))
                for n in range(40)]
    first, second = sender(core, engine, fake, clock, "worker-a"), sender(core, second_engine, fake, clock, "worker-b")
    for n in range(4):
        first.to_channels(f"campaign:{n}", channels, lambda _locale, n=n: Reply(text=f"Campaign day {n}"))
    stop = asyncio.Event()
    loops = [asyncio.create_task(first.run(stop)), asyncio.create_task(second.run(stop))]
    try:
        for _ in range(60):
            first.kick()
            second.kick()
            if await settled([first, second], clock):
                break
            clock.advance(seconds=1)  # the Retry-After of the 429s: moved, not slept
    finally:
        stop.set()
        await asyncio.gather(*loops)
    rows = first.store.rows()
    assert len(rows) == 160 and all(row.state is DeliveryState.sent for row in rows)
    assert sum(limits.limited.values()) > 0
    # Every post Slack took, counted by the key it carries: each once.
    posted = Counter((call.args["metadata"]["event_payload"]["key"])
                     for call in fake.calls_to("chat.postMessage"))
    accepted = Counter(message["metadata"]["event_payload"]["key"]
                       for messages in fake._messages.values() for message in messages)
    assert len(accepted) == 160 and set(accepted.values()) == {1}
    assert sum(posted.values()) == 160 + sum(limits.limited.values())
    for channel in channels:
        assert [m["text"] for m in fake.messages(channel.id)] == [f"Campaign day {n}" for n in range(4)]
    workers = Counter(row.claimed_by for row in rows)
    assert set(workers) == {"worker-a", "worker-b"}, workers


def test_claims_racing_from_many_connections_never_take_a_row_twice(
    core: Core, engine: Engine, second_engine: Engine, clock: MovableClock
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    channels = [Identity("slack", DEFAULT_TEAM_ID, f"C{n:04d}") for n in range(300)]
    services = [DeliveryService(e, MemberService(e), clock=clock, worker=f"w{i}")
                for i, e in enumerate([engine, second_engine])]
    for service in services:
        service.attach_chat(RecordingChat(platform="slack"))  # only claims here: nothing is sent
    services[0].to_channels("survey:1", channels, lambda _locale: Reply(text="Your survey"))

    def claim_all(service: DeliveryService) -> list[int]:
        taken = []
        while (claim := service.claim()) is not None:
            taken.append(claim.id)
        return taken

    with ThreadPoolExecutor(max_workers=12) as pool:
        taken = [row_id for batch in pool.map(claim_all, services * 6) for row_id in batch]
    assert len(taken) == 300 and len(set(taken)) == 300
