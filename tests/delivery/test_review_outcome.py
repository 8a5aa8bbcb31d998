"""A practice's author hears the ICC team's decision once, even when the platform fails the first time."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.db import session_scope
from bot.messages import CommandInvoked, Form, Identity, Reply
from bot.models import City, Role
from bot.ports import Capabilities
from bot.wiring import Core
from tests.delivery.conftest import MovableClock
from tests.practices.conftest import practice

CHANNEL = Identity("console", "local", "icc-team")


@dataclass
class FlakyChat:
    """A platform whose first direct message fails on the way (a connection reset), then works."""

    platform: str = "console"
    capabilities: Capabilities = field(default_factory=Capabilities)
    failures_left: int = 1
    direct: list[tuple[Identity, str]] = field(default_factory=list)

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionResetError("connection reset by peer")
        self.direct.append((user, reply.text))
        return str(len(self.direct))

    async def post(self, channel: Identity, reply: Reply) -> str:
        return "1"

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        return "1"

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        return None

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        return None

    async def create_channel(self, workspace: str, name: str) -> Identity:
        return Identity(self.platform, workspace, name)


async def test_a_rejection_reaches_its_author_once_after_the_platform_failed(core: Core, clock: MovableClock) -> None:
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
    chat = FlakyChat()
    core.dispatcher.attach_chat(chat)

    await core.dispatcher.handle(CommandInvoked(boss, CHANNEL, "practices", f"reject {number} Add the results."),
                                 Capabilities())
    await core.dispatcher.drain()
    assert chat.direct == []  # the first attempt failed on the way
    clock.advance(minutes=1)
    await core.dispatcher.drain()
    clock.advance(hours=1)
    await core.dispatcher.drain()
    [(to, text)] = chat.direct
    assert to == ana and "Add the results." in text and "Motivo" in text
