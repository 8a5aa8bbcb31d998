"""Fixtures of the calendar tests: a clock moved by hand at a known date, the demo network, and helpers to act as
its people (through the dispatcher, as every platform does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.demo import load_demo
from bot.messages import CommandInvoked, FormSubmitted, Identity, Response
from bot.ports import Capabilities
from bot.settings import Settings
from bot.wiring import Core, build_core
from tests.delivery.conftest import ScriptedChat

#: Sunday 1 March 2026, 08:00 UTC: four weeks before Europe's clocks go forward (29 March).
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class Clock:
    """A clock that moves only when a test moves it."""

    def __init__(self, moment: datetime = START) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def seconds(self) -> float:
        return self.moment.timestamp()

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.moment = moment


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def core(settings: Settings, engine: Engine, clock: Clock) -> Core:
    return build_core(settings, engine=engine, clock=clock, migrate=False)


@pytest.fixture
def demo(core: Core) -> Core:
    """The demo network (12 cities with console channels, 6 clusters, 7 people) and the campaign days."""
    load_demo(core.services)
    return core


@pytest.fixture
def chat(core: Core) -> ScriptedChat:
    """The console platform, recording what is sent."""
    chat = ScriptedChat(platform="console", capabilities=Capabilities(buttons=True))
    core.dispatcher.attach_chat(chat)
    return chat


def person(name: str) -> Identity:
    return Identity("console", "local", name)


def channel(name: str) -> Identity:
    return Identity("console", "local", name)


async def command(core: Core, who: str, name: str, text: str = "", where: str = "city-lisbon") -> Response:
    return await core.dispatcher.handle(CommandInvoked(person(who), channel(where), name, text),
                                        Capabilities(buttons=True))


async def submit(core: Core, who: str, form_id: str, values: dict[str, str], state: str = "",
                 where: str = "icc-team") -> Response:
    return await core.dispatcher.handle(FormSubmitted(person(who), channel(where), form_id, values, state),
                                        Capabilities(buttons=True))


def text_of(response: Response) -> str:
    """Everything a person reads in a response."""
    parts = []
    for reply in response.replies:
        parts.append(reply.text)
        for section in reply.sections:
            parts.extend([section.title, section.text])
    parts.extend(response.errors.values())
    return "\n".join(part for part in parts if part)
