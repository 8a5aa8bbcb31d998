"""Deliveries through a real discord.py bot against the Discord fake: once per row, whatever Discord answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.messages import Identity, Reply
from bot.models import DeliveryState
from bot.ports import ChatError, KeyedPosting
from bot.settings import Settings
from bot.wiring import Core
from tests.discord.helpers import ALICE, BOB, GUILD, OWNER, channel_id, running_bot
from tests.fakes import discord as fd
from tests.fakes.discord_nonce import MessageNonces
from tests.support.clock import MovableClock

POSTS = "/channels/{channel_id}/messages"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, data_dir=tmp_path,
        discord_token="fake-bot-token", discord_guild_ids=str(GUILD),
    )


@pytest.fixture
async def fake() -> AsyncIterator[fd.FakeDiscord]:
    async with fd.FakeDiscord() as fake:
        fake.add_guild(GUILD, name="Intercultural Cities", owner_id=OWNER, channels=["general", "cluster-education"],
                       members=[{"user_id": ALICE, "name": "alice", "locale": "fr"},
                                {"user_id": BOB, "name": "bob", "locale": "de"}], locale="fr")
        with fd.point_discord_at(fake):
            yield fake


@pytest.fixture
def nonces(fake: fd.FakeDiscord, clock: MovableClock) -> MessageNonces:
    return MessageNonces(fake, now=clock.seconds)


def place(fake: fd.FakeDiscord, name: str = "general") -> Identity:
    return Identity("discord", str(GUILD), str(channel_id(fake, name)))


def person(user_id: int) -> Identity:
    return Identity("discord", str(GUILD), str(user_id))


def note(text: str) -> Any:
    return lambda _locale: Reply(text=text)


def contents(fake: fd.FakeDiscord, where: int | str) -> list[str]:
    return [m["content"] for m in fake.messages_in(where)]


async def test_each_row_is_posted_once_through_429s(
    core: Core, fake: fd.FakeDiscord, nonces: MessageNonces, clock: MovableClock
) -> None:
    general, education = place(fake), place(fake, "cluster-education")
    delivery = core.services.delivery
    async with running_bot(core, fake) as bot:
        assert isinstance(bot.chat, KeyedPosting)
        # Longer than the bot waits out inside a request: it comes back to the delivery service.
        fake.rate_limit_next("POST", f"/channels/{general.id}/messages", retry_after=60)
        for n in range(3):
            delivery.to_channels(f"campaign:{n}", [general, education], note(f"Campaign day {n}"))
        await delivery.drain()
        assert contents(fake, education.id) == ["Campaign day 0", "Campaign day 1", "Campaign day 2"]
        assert contents(fake, general.id) == []
        [first] = [row for row in delivery.store.rows("campaign:0") if row.target_id == general.id]
        assert (first.state, first.reason) == (DeliveryState.pending, "rate_limited")
        clock.advance(seconds=59)
        await delivery.drain()
        assert contents(fake, general.id) == []
        clock.advance(seconds=1)
        await delivery.drain()
    assert contents(fake, general.id) == ["Campaign day 0", "Campaign day 1", "Campaign day 2"]
    assert all(row.state is DeliveryState.sent for row in delivery.store.rows())
    sent = [r.json for r in fake.requests_to("POST", POSTS) if r.status == 200]
    assert len(sent) == 6 and all(body["enforce_nonce"] for body in sent)
    assert len({body["nonce"] for body in sent}) == 6 and all(len(body["nonce"]) <= 25 for body in sent)


async def test_a_crash_between_claim_and_send_resumes_without_a_duplicate_or_a_loss(
    core: Core, fake: fd.FakeDiscord, nonces: MessageNonces, clock: MovableClock
) -> None:
    general = place(fake)
    delivery = core.services.delivery
    async with running_bot(core, fake):
        delivery.to_channel("reminder:42", general, note("Policy Lab tomorrow"))
        assert delivery.claim() is not None  # ...and the process dies before sending
        await delivery.drain()
        assert contents(fake, general.id) == []
        clock.advance(seconds=delivery.lease.total_seconds() + 1)
        await delivery.drain()
    assert contents(fake, general.id) == ["Policy Lab tomorrow"]
    assert delivery.store.rows()[0].state is DeliveryState.sent


async def test_a_post_whose_sent_mark_was_lost_is_not_posted_again(
    core: Core, fake: fd.FakeDiscord, nonces: MessageNonces, clock: MovableClock
) -> None:
    delivery = core.services.delivery
    async with running_bot(core, fake):
        delivery.to_person("practice-review:1:approve", person(ALICE), note("Votre pratique est approuvée"))
        claim = delivery.claim()
        assert claim is not None
        outcome = await delivery.attempt(claim)  # posted... and the process dies before recording it
        assert outcome.error is None
        clock.advance(seconds=delivery.lease.total_seconds() + 1)
        await delivery.drain()
    dm = fake._dm_channels[ALICE]
    assert contents(fake, dm) == ["Votre pratique est approuvée"] and nonces.repeats == 1
    [row] = delivery.store.rows()
    assert row.state is DeliveryState.sent and row.message_id == outcome.message_id


async def test_a_post_whose_answer_never_came_is_not_posted_twice(
    core: Core, fake: fd.FakeDiscord, nonces: MessageNonces, clock: MovableClock
) -> None:
    general = place(fake)
    delivery = core.services.delivery
    async with running_bot(core, fake):
        nonces.lose_next_answers(1)
        delivery.to_channel("broadcast:3", general, note("International Migrants Day"))
        await delivery.drain()
        [row] = delivery.store.rows()
        assert (row.state, row.reason, row.maybe_sent) == (DeliveryState.pending, "unavailable", True)
        clock.advance(seconds=10)
        await delivery.drain()
    assert contents(fake, general.id) == ["International Migrants Day"] and nonces.repeats == 1
    assert delivery.store.rows()[0].state is DeliveryState.sent


@pytest.mark.parametrize(("setup", "kind"), [
    ("deleted_channel", ChatError.CHANNEL_GONE),
    ("missing_permission", ChatError.FORBIDDEN),
    ("missing_access", ChatError.NOT_IN_CHANNEL),
    ("closed_dms", ChatError.FORBIDDEN),
    ("unknown_user", ChatError.USER_GONE),
])
async def test_each_refusal_is_recorded_with_its_reason(
    core: Core, fake: fd.FakeDiscord, nonces: MessageNonces, clock: MovableClock, setup: str, kind: str
) -> None:
    direct = setup in ("closed_dms", "unknown_user")
    target = person(BOB if setup == "closed_dms" else 800000000000000077) if direct else place(fake)
    delivery = core.services.delivery
    async with running_bot(core, fake) as bot:
        if setup == "deleted_channel":
            fake.delete_channel(int(target.id))
            bot.get_channel(int(target.id))  # still cached: no CHANNEL_DELETE was dispatched
        elif setup == "missing_permission":
            fake.forbid("POST", f"/channels/{target.id}/messages")
        elif setup == "missing_access":
            fake.fail_next("POST", f"/channels/{target.id}/messages", 403, {"message": "Missing Access", "code": 50001})
        elif setup == "closed_dms":
            fake.block_dms(BOB)
        (delivery.to_person if direct else delivery.to_channel)("broadcast:9", target, note("hello"))
        await delivery.drain()
        clock.advance(hours=2)
        await delivery.drain()
    [row] = delivery.store.rows()
    assert (row.state, row.reason, row.attempts) == (DeliveryState.failed, kind, 1), row.detail
    assert delivery.report("broadcast:9").failures == [(target, direct, "failed", kind)]


async def test_parts_of_a_long_message_carry_their_own_nonces(
    core: Core, fake: fd.FakeDiscord, nonces: MessageNonces, clock: MovableClock
) -> None:
    general = place(fake)
    delivery = core.services.delivery
    long_text = "\n".join(f"Line {n}: " + "x" * 90 for n in range(40))  # two Discord messages
    async with running_bot(core, fake):
        delivery.to_channel("digest:2026-12", general, note(long_text))
        claim = delivery.claim()
        assert claim is not None
        await delivery.attempt(claim)  # both parts out, the outcome lost
        clock.advance(seconds=delivery.lease.total_seconds() + 1)
        await delivery.drain()
    assert len(fake.messages_in(general.id)) == 2 and nonces.repeats == 2
    assert Counter(r.json["nonce"] for r in fake.requests_to("POST", POSTS)).most_common(1)[0][1] == 2
