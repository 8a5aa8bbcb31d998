"""Fixtures for translation tests: the DeepL fake, the clock at a known date, the core wired to both, a chat
with every optional ability.

The database comes from the shared `engine`/`settings` fixtures (tests/conftest.py): SQLite by default,
PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from bot.messages import Identity, MessageEdited, MessagePosted
from bot.settings import Settings
from bot.wiring import Core, build_core
from integrations.deepl.translator import DeepLTranslator
from integrations.slack import text as slack_text
from tests.fakes.deepl import FakeDeepL, deepl_client_settings
from tests.support.chat import PlatformChat, Sent
from tests.support.clock import MovableClock

#: The former names of the recording chat (every optional ability, texts as the platform shows them) and of
#: one thing it sent; new tests import them from tests.support.
RecordingChat = PlatformChat
__all__ = ["MovableClock", "PlatformChat", "RecordingChat", "Sent"]


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
    return MovableClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


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
def chat(tcore: Core) -> PlatformChat:
    recording = PlatformChat()
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
