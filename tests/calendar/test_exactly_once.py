"""Reminders across daylight-saving changes in four zones, and exactly once whatever happens: two workers on one
database, a crash between handing a reminder over and marking it, a crash between claim and send, 429 storms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot import db
from bot.messages import Identity
from bot.models import City, DeliveryState, Member, Role
from bot.models.calendar import NoticeKind, NoticeState
from bot.ports import Capabilities
from bot.services.calendar import texts
from bot.services.calendar.schedule import Schedule
from bot.settings import Settings
from bot.wiring import Core, build_core
from integrations.slack.chat import SlackChat, WorkspaceClients
from tests.calendar.conftest import person
from tests.discord import conftest as discord_fixtures
from tests.discord.helpers import GUILD, channel_id, running_bot
from tests.fakes import discord as fd
from tests.fakes.discord_limits import BotLimits
from tests.fakes.discord_nonce import MessageNonces
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.fakes.slack_history import serve_history
from tests.fakes.slack_limits import ChannelLimits
from tests.support.chat import RecordingChat
from tests.support.clock import MovableClock

# The Discord tests' fixtures: the fake with one ICC server, and settings with a bot token.
fake, settings = discord_fixtures.fake, discord_fixtures.settings

#: An all-day event on Sunday 5 April 2026, after every spring change of 2026 (Montreal 8 March, Europe 29 March);
#: reminded 30 days before (6 March: before them all) and 2 days before (3 April: after them all).
EVENT = {"title": "Network day", "kind": "meeting", "start": "2026-04-05", "end": "", "time_zone": "Europe/Paris",
         "audience": "all", "language": "en"}
ZONES = {  # zone: (UTC hour of 09:00 local on 6 March, on 3 April)
    "Europe/Lisbon": (9, 8),
    "Europe/Kyiv": (7, 6),
    "America/Montreal": (14, 13),
    "Asia/Tokyo": (0, 0),  # no daylight-saving time: the same UTC hour all year
}


def icc_member(core: Core) -> Member:
    return core.services.members.set_role(person("ivana"), Role.icc_team)


def city_channel(core: Core, zone: str) -> Identity:
    """A city in `zone` with its own (console) channel."""
    name = zone.split("/")[1]
    city = core.services.cities.add(City(name=name, country="FR", languages="en", time_zone=zone))
    channel = Identity("console", "local", f"city-{name.lower()}")
    assert city.id is not None and core.services.cities.link_channel(city.id, channel)
    return channel


def subscribe_all(core: Core, channels: list[Identity], offsets: str = "30,2") -> None:
    member = core.services.members.set_role(person("ana"), Role.coordinator)
    for channel in channels:
        core.services.calendar.subscribe(channel, "all", offsets, by=member)


def reminded(chat: RecordingChat) -> list[str]:
    """The reminders a chat posted (not the monthly digests)."""
    return [text for text in chat.texts() if "Network day" in text]


def console_chat(core: Core) -> RecordingChat:
    chat = RecordingChat(platform="console", capabilities=Capabilities(buttons=True))
    core.dispatcher.attach_chat(chat)
    return chat


async def test_reminders_come_at_nine_local_before_and_after_each_zones_daylight_saving_change(
    core: Core, clock: MovableClock
) -> None:
    chat = console_chat(core)
    channels = {zone: city_channel(core, zone) for zone in ZONES}
    subscribe_all(core, list(channels.values()))
    core.services.calendar.add_event(EVENT, actor=icc_member(core), language="en")
    due = {(n.target_id, n.offset_days): n.due_at.replace(tzinfo=UTC)
           for n in core.services.calendar.schedule.notices(kind=NoticeKind.reminder)}
    for zone, (march, april) in ZONES.items():
        target = channels[zone].id
        assert due[(target, 30)] == datetime(2026, 3, 6, march, tzinfo=UTC), (zone, due[(target, 30)])
        assert due[(target, 2)] == datetime(2026, 4, 3, april, tzinfo=UTC), (zone, due[(target, 2)])
    # Each goes out at its time, once: a minute early nothing, at the minute the one due.
    for moment in sorted(set(due.values())):
        clock.set(moment - timedelta(minutes=1))
        before = len(reminded(chat))
        await core.services.calendar.tick()
        await core.services.delivery.drain()
        assert len(reminded(chat)) == before
        clock.set(moment)
        await core.services.calendar.tick()
        await core.services.delivery.drain()
        assert len(reminded(chat)) == before + sum(1 for value in due.values() if value == moment)
    assert len(reminded(chat)) == len(due) == 8
    assert all(text.startswith(("In 30 days: Network day", "In 2 days: Network day")) for text in reminded(chat))


@pytest.fixture
def second_engine(database_url: str, engine: Engine) -> Any:
    """A second connection pool on the same database, as a second worker process has."""
    other = db.make_engine(database_url)
    yield other
    other.dispose()


async def test_two_workers_ticking_and_sending_from_one_database_send_each_reminder_once(
    core: Core, settings: Settings, second_engine: Engine, clock: MovableClock
) -> None:
    other = build_core(settings, engine=second_engine, clock=clock, migrate=False)
    chats = [console_chat(core), console_chat(other)]
    channels = [city_channel(core, zone) for zone in ZONES]
    subscribe_all(core, channels)
    core.services.calendar.add_event(EVENT, actor=icc_member(core), language="en")
    for moment in (datetime(2026, 3, 6, 15, tzinfo=UTC), datetime(2026, 4, 3, 15, tzinfo=UTC)):
        clock.set(moment)
        for worker in (core, other, other, core):  # both tick, in turns, more than once
            await worker.services.calendar.tick()
        for worker in (other, core):
            await worker.services.delivery.drain()
    sent = [row for row in core.services.delivery.store.rows() if row.item.startswith("reminder:")]
    assert len(sent) == 8 and all(row.state is DeliveryState.sent for row in sent)
    assert sum(len(reminded(chat)) for chat in chats) == 8


async def test_a_crash_between_handing_over_and_marking_sends_once(
    core: Core, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = console_chat(core)
    subscribe_all(core, [city_channel(core, "Europe/Lisbon")], "2")
    core.services.calendar.add_event(EVENT, actor=icc_member(core), language="en")
    clock.set(datetime(2026, 4, 3, 8, tzinfo=UTC))
    mark = Schedule._mark

    def crash(self: Schedule, *args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(Schedule, "_mark", crash)
    assert core.services.calendar.schedule.tick().failed >= 1  # logged, the tick goes on with the others
    monkeypatch.setattr(Schedule, "_mark", mark)
    [notice] = core.services.calendar.schedule.notices(kind=NoticeKind.reminder)
    assert notice.state is NoticeState.planned  # handed over, not marked: it is handed over again...
    await core.services.calendar.tick()
    await core.services.delivery.drain()
    [notice] = core.services.calendar.schedule.notices(kind=NoticeKind.reminder)
    assert notice.state is NoticeState.sent
    assert len(reminded(chat)) == 1  # ...and the outbox's key keeps it to one message


async def test_a_crash_between_claim_and_send_resumes_the_reminder_once(core: Core, clock: MovableClock) -> None:
    chat = console_chat(core)
    subscribe_all(core, [city_channel(core, "Europe/Kyiv")], "2")
    core.services.calendar.add_event(EVENT, actor=icc_member(core), language="en")
    clock.set(datetime(2026, 4, 3, 6, tzinfo=UTC))
    await core.services.calendar.tick()
    delivery = core.services.delivery
    await delivery.drain()
    assert len(reminded(chat)) == 1
    # The same for a second subscriber, whose sender dies after claiming: nothing lost, nothing twice.
    subscribe_all(core, [city_channel(core, "Asia/Tokyo")], "0")
    clock.set(datetime(2026, 4, 5, 0, tzinfo=UTC))
    await core.services.calendar.tick()
    assert delivery.claim() is not None  # ...and the process dies before sending
    await delivery.drain()
    assert len(reminded(chat)) == 1
    clock.advance(seconds=delivery.lease.total_seconds() + 1)
    await delivery.drain()
    assert len(reminded(chat)) == 2
    assert all(row.state is DeliveryState.sent for row in delivery.store.rows())


async def test_a_broadcast_through_429_storms_on_slack_and_discord_reaches_each_channel_once(
    core: Core, fake: fd.FakeDiscord, clock: MovableClock
) -> None:
    discord_limits = BotLimits(fake, now=clock.seconds, per_second=10_000, first_attempts_limited=0.5,
                               retry_after=60)  # longer than discord.py waits itself: the outbox waits it out
    MessageNonces(fake, now=clock.seconds)
    async with FakeSlackWebAPI() as slack:
        serve_history(slack)
        slack_limits = ChannelLimits(slack, now=clock.seconds, per_channel=1.0, first_attempts_limited=0.5)
        cities = core.services.cities
        targets = [Identity("slack", DEFAULT_TEAM_ID, slack.add_channel(f"city-{n}", members=[slack.bot_user_id]))
                   for n in range(6)]
        targets += [Identity("discord", str(GUILD), str(channel_id(fake, name)))
                    for name in ("general", "cluster-education")]
        for n, target in enumerate(targets):
            city = cities.add(City(name=f"City {n}", country="FR", languages=("fr", "de")[n % 2]))
            assert city.id is not None and cities.link_channel(city.id, target)
        sender = icc_member(core)
        async with running_bot(core, fake) as bot:
            delivery = core.services.delivery
            delivery.attach_chat(bot.chat)
            delivery.attach_chat(SlackChat(WorkspaceClients(base_url=slack.base_url, bot_token="xoxb-storm")))
            broadcasts = core.services.calendar.broadcasts
            preview = await broadcasts.prepare(sender, "The campaign kit is ready.", language="en")
            assert preview.broadcast.id is not None
            broadcasts.confirm(preview.broadcast.id, sender)
            for _ in range(40):
                await delivery.drain()
                if broadcasts.report(preview.broadcast.id).finished:
                    break
                clock.advance(seconds=5)  # towards what Retry-After asked, moved rather than slept
            report = broadcasts.report(preview.broadcast.id)
        assert report.counts == {"sent": 8}
        assert sum(slack_limits.limited.values()) > 0 and discord_limits.limited["storm"] > 0
        slack_posts = [m for t in targets[:6] for m in slack.messages(t.id)]
        assert len(slack_posts) == 6 and all("campaign kit" in m["text"] for m in slack_posts)
    for target in targets[6:]:
        assert len([m for m in fake.messages_in(target.id) if "campaign kit" in m["content"]]) == 1
    retried = [row for row in delivery.store.rows() if row.attempts > 1]
    assert retried and all(row.state is DeliveryState.sent for row in retried)
    assert all(json.loads(row.payload)["text"] == "The campaign kit is ready." for row in delivery.store.rows())


async def test_a_reminder_that_cannot_be_written_holds_no_other_back_and_is_tried_again(
    core: Core, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = console_chat(core)
    channels = [city_channel(core, "Europe/Lisbon"), city_channel(core, "Europe/Kyiv")]
    subscribe_all(core, channels, "2")
    core.services.calendar.add_event(EVENT, actor=icc_member(core), language="en")
    reminder_reply = texts.reminder_reply

    def broken_in_kyiv(events: Any, happening: Any, offset: int, locales: Any, tz: Any, *, late: bool) -> Any:
        if tz.key == "Europe/Kyiv":
            raise ValueError("a broken translation")
        return reminder_reply(events, happening, offset, locales, tz, late=late)

    monkeypatch.setattr(texts, "reminder_reply", broken_in_kyiv)
    clock.set(datetime(2026, 4, 3, 8, tzinfo=UTC))  # 09:00 in Lisbon (11:00 in Kyiv: late there)
    report = await core.services.calendar.tick()
    await core.services.delivery.drain()
    assert (report.sent, report.failed) == (1, 1)
    assert [p.target.id for p in chat.posted if "Network day" in p.text] == ["city-lisbon"]
    monkeypatch.setattr(texts, "reminder_reply", reminder_reply)  # fixed (a new version deployed)
    clock.advance(minutes=1)
    await core.services.calendar.tick()
    await core.services.delivery.drain()
    assert sorted(p.target.id for p in chat.posted if "Network day" in p.text) == ["city-kyiv", "city-lisbon"]
