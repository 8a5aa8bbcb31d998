"""Fixtures for translation tests: the DeepL fake, a movable clock, the core wired to both, a recording chat.

The database comes from the shared `engine`/`settings` fixtures (tests/conftest.py): SQLite by default,
PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.messages import Form, Identity, MessageEdited, MessagePosted, Reply
from bot.ports import Capabilities
from bot.richtext import RichText
from bot.settings import Settings
from bot.wiring import Core, build_core
from integrations.console import text as console_text
from integrations.deepl.translator import DeepLTranslator
from integrations.discord import text as discord_text
from integrations.slack import text as slack_text
from tests.fakes.deepl import FakeDeepL, deepl_client_settings


class MovableClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class Sent:
    kind: str
    channel: Identity | None
    text: str
    thread: str | None = None
    to: Identity | None = None
    message_id: str = ""
    name: str = ""


@dataclass
class RecordingChat:
    """A chat that records what the bot sends, as its platform would show it (with every optional ability of
    the ports; long texts are cut by the platform's own splitter at `capabilities.max_message_length`)."""

    platform: str = "slack"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(
        ephemeral=True, threads=True, post_as_other=True, max_message_length=40_000))
    sent: list[Sent] = field(default_factory=list)
    counter: int = 0

    def _id(self) -> str:
        self.counter += 1
        return f"B{self.counter}"

    def shown(self, reply: Reply) -> str:
        if reply.rich is None:
            return reply.text
        if self.platform == "slack":
            return slack_text.render(reply.rich, quiet=reply.quiet)
        if self.platform == "discord":
            return discord_text.render(reply.rich)
        return console_text.render(reply.rich)

    def split(self, text: RichText) -> list[RichText]:
        limit = self.capabilities.max_message_length
        return (discord_text.split(text, limit) if self.platform == "discord" else slack_text.split(text, limit))

    async def post(self, channel: Identity, reply: Reply) -> str:
        self.sent.append(Sent("post", channel, self.shown(reply), reply.in_thread_of, message_id=self._id()))
        return self.sent[-1].message_id

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        self.sent.append(Sent("thread", channel, self.shown(reply), thread_id, message_id=self._id()))
        return self.sent[-1].message_id

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        self.sent.append(Sent("dm", None, self.shown(reply), to=user, message_id=self._id()))
        return self.sent[-1].message_id

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        self.sent.append(Sent("ephemeral", channel, self.shown(reply), to=user))

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        raise NotImplementedError

    async def create_channel(self, workspace: str, name: str) -> Identity:
        return Identity(self.platform, workspace, name)

    async def update(self, channel: Identity, message_id: str, reply: Reply) -> None:
        self.sent.append(Sent("update", channel, self.shown(reply), message_id=message_id))

    async def delete(self, channel: Identity, message_id: str) -> None:
        self.sent.append(Sent("delete", channel, "", message_id=message_id))

    async def post_as(self, channel: Identity, reply: Reply, display_name: str, avatar_url: str | None) -> str:
        self.sent.append(Sent("post_as", channel, self.shown(reply), reply.in_thread_of, message_id=self._id(),
                              name=display_name))
        return self.sent[-1].message_id

    def of(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]


@pytest.fixture
def fast_deepl() -> Iterator[None]:
    with deepl_client_settings(max_retries=1, timeout=1.0, backoff_initial=0.01, backoff_max=0.02):
        yield


@pytest.fixture
async def fake(fast_deepl: None) -> AsyncIterator[FakeDeepL]:
    async with FakeDeepL() as server:
        yield server


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def tcore(settings: Settings, engine: Engine, fake: FakeDeepL, clock: MovableClock) -> AsyncIterator[Core]:
    """The core with DeepL (the fake) and the movable clock; translation started."""
    translator = DeepLTranslator(fake.auth_key, server_url=fake.url, timeout=3.0, backoff=0.01)
    core = build_core(settings, engine=engine, migrate=False, clock=clock, translator=translator)
    assert core.services.translation is not None
    core.services.translation.engine.request_timeout = 1.5
    await core.services.translation.start()
    await core.services.translation.engine.ready()  # DeepL's languages and the glossary, learnt in the background
    fake.reset()
    yield core
    await core.services.translation.drain()
    translator.close()


@pytest.fixture
def chat(tcore: Core) -> RecordingChat:
    recording = RecordingChat()
    tcore.dispatcher.attach_chat(recording)
    return recording


CHANNEL = Identity("slack", "T1", "C1")


def person(user: str) -> Identity:
    return Identity("slack", "T1", user)


def message(user: str, text: str, message_id: str, *, thread: str | None = None, channel: Identity = CHANNEL,
            **extra: object) -> MessagePosted:
    """A message as the Slack adapter hands it to the core (`text` as Slack delivers it)."""
    return MessagePosted(author=person(user), channel=channel, message_id=message_id, text=slack_text.parse(text),
                         thread_id=thread, display_name=user, **extra)  # type: ignore[arg-type]


def edited(user: str, text: str, message_id: str, *, thread: str | None = None,
           channel: Identity = CHANNEL) -> MessageEdited:
    """An edit as the Slack adapter hands it to the core (`text`: the new text, as Slack delivers it)."""
    return MessageEdited(author=person(user), channel=channel, message_id=message_id, text=slack_text.parse(text),
                         thread_id=thread, display_name=user)


def add_people(core: Core, languages: dict[str, str], channel: Identity = CHANNEL) -> None:
    """People with a preferred language who read `channel`."""
    translation = core.services.translation
    assert translation is not None
    ids = []
    for user, language in languages.items():
        member = core.services.members.get_or_create(person(user), display_name=user.capitalize())
        core.services.members.set_language(person(user), language)
        assert member.id is not None
        ids.append(member.id)
    translation.engine.store.add_readers(channel, ids, now=datetime.now(UTC))
    translation.channels.forget()
