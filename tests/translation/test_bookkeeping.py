"""What the bot writes down about translations, and when: after the reply, once, and nothing lost."""

from __future__ import annotations

import asyncio

import pytest

from bot.models import TranslationMode
from bot.services.translation.engine import SAVE_DELAY
from bot.services.translation.usage import month_of
from bot.wiring import Core
from tests.fakes.deepl import FakeDeepL
from tests.support.chat import PlatformChat
from tests.support.clock import MovableClock
from tests.translation.conftest import CHANNEL, add_people, message

FOUR = {"mireille": "fr", "ana": "pt", "olena": "uk", "katrin": "de"}


@pytest.fixture
def thread_channel(tcore: Core) -> None:
    add_people(tcore, FOUR)
    assert tcore.services.translation is not None
    tcore.services.translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)


async def test_translations_and_usage_are_written_right_after_the_reply(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL, clock: MovableClock, thread_channel: None
) -> None:
    translation = tcore.services.translation
    assert translation is not None
    text = "Le rapport annuel du réseau est en ligne depuis ce matin."
    await tcore.dispatcher.message_posted(message("mireille", text, "1"))
    assert len(chat.of("thread")) == 1 and len(fake.translate_calls) == 3
    # Written by the time the message is handled (no drain): usage, and the cache another process would read.
    scope = translation.channels.scope_of(CHANNEL)
    assert translation.engine.store.usage(scope, month_of(clock.now())) == fake.billed_characters > 0
    (row,) = translation.engine.store.usage_by_scope(month_of(clock.now()))
    assert row.requests == 3
    # A bot that remembers nothing in memory (a restart) reads them back instead of paying again.
    translation.engine._memory.clear()
    await tcore.dispatcher.message_posted(message("ana", text, "2"))
    assert len(fake.translate_calls) == 3 and len(chat.of("thread")) == 2
    first, second = (set(reply.text.split("\n\n")) for reply in chat.of("thread"))
    assert first == second  # the same translations (languages with as many readers come in any order)


async def test_an_on_demand_translation_is_written_soon_without_a_channel_reply(
    tcore: Core, fake: FakeDeepL, clock: MovableClock
) -> None:
    translation = tcore.services.translation
    assert translation is not None
    text = "Danke für die Einladung zum Treffen."
    reply = await translation.on_demand.translate(text, "fr", locale="fr", scope="direct")
    assert "[FR]" in reply.text
    saving = translation.engine._save_handle  # written soon: within SAVE_DELAY ...
    assert saving is not None and saving.when() - asyncio.get_running_loop().time() <= SAVE_DELAY
    translation.engine.save()  # ... which the test does now instead of waiting for it
    assert translation.engine.store.usage("direct", month_of(clock.now())) == fake.billed_characters > 0
    translation.engine._memory.clear()
    again = await translation.on_demand.translate(text, "fr", locale="fr", scope="direct")
    assert again.text == reply.text and len(fake.translate_calls) == 1


async def test_usage_adds_up_in_one_row_per_scope_and_month(tcore: Core) -> None:
    store = tcore.services.translation.engine.store  # type: ignore[union-attr]
    store.add_usage("cluster:1", "2026-11", characters=100, requests=1)
    store.add_usage("cluster:1", "2026-11", characters=50, requests=2)
    store.record([], [("cluster:1", "2026-11", 7, 0), ("cluster:2", "2026-11", 3, 1)])
    assert store.usage("cluster:1", "2026-11") == 157
    rows = {row.scope: (row.billed_characters, row.requests) for row in store.usage_by_scope("2026-11")}
    assert rows == {"cluster:1": (157, 3), "cluster:2": (3, 1)}
