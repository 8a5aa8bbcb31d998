"""A practice's author hears the ICC team's decision once, even when the platform fails the first time."""

from __future__ import annotations

from bot.db import session_scope
from bot.messages import CommandInvoked, Identity
from bot.models import City, Role
from bot.ports import Capabilities
from bot.wiring import Core
from tests.practices.conftest import practice
from tests.support.chat import RecordingChat
from tests.support.clock import MovableClock

CHANNEL = Identity("console", "local", "icc-team")


async def test_a_rejection_reaches_its_author_once_after_the_platform_failed(
    core: Core, clock: MovableClock, chat: RecordingChat
) -> None:
    services = core.services
    lisbon = services.cities.add(City(name="Lisbon", country="PT", languages="pt"))
    ana = Identity("console", "local", "ana")
    services.members.get_or_create(ana)
    services.members.set_role(ana, Role.coordinator)
    services.members.set_city(ana, "Lisbon")
    services.members.set_language(ana, "pt")
    boss = Identity("console", "local", "boss")
    services.members.get_or_create(boss)
    services.members.set_role(boss, Role.icc_team)
    author = services.members.find(ana)
    with session_scope(core.engine) as session:
        number = services.practices.create(session=session, author=author, data=practice(lisbon)).id
    chat.fail(ana, ConnectionResetError("connection reset by peer"))  # the first message is lost on the way

    await core.dispatcher.handle(CommandInvoked(boss, CHANNEL, "practices", f"reject {number} Add the results."),
                                 Capabilities())
    await core.dispatcher.drain()
    assert chat.directs() == []  # the first attempt failed on the way
    clock.advance(minutes=1)
    await core.dispatcher.drain()
    clock.advance(hours=1)
    await core.dispatcher.drain()
    [(to, reply)] = chat.directs()
    text = reply.text
    assert to == ana and "Add the results." in text and "Motivo" in text
