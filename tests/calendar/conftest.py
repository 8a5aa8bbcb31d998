"""Fixtures of the calendar tests: the clock at a known date, the demo network, and helpers to act as
its people (through the dispatcher, as every platform does)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.demo import load_demo
from bot.messages import CommandInvoked, FormSubmitted, Identity, Response
from bot.ports import Capabilities
from bot.wiring import Core
from tests.support.chat import RecordingChat
from tests.support.clock import MovableClock

#: Sunday 1 March 2026, 08:00 UTC: four weeks before Europe's clocks go forward (29 March).
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


#: The former name of the clock these tests move.
Clock = MovableClock


@pytest.fixture
def clock() -> MovableClock:
    """The clock at START (the core of tests/conftest.py runs on it)."""
    return MovableClock(START)


@pytest.fixture
def demo(core: Core) -> Core:
    """The demo network (12 cities with console channels, 6 clusters, 7 people) and the campaign days."""
    load_demo(core.services)
    return core


@pytest.fixture
def chat(core: Core) -> RecordingChat:
    """The console platform, recording what is sent."""
    chat = RecordingChat(platform="console", capabilities=Capabilities(buttons=True))
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
