"""Faults and money: 429, 456, 5xx and hangs pause translation once and it resumes; quota warnings; budgets."""

from __future__ import annotations

import pytest

from bot.messages import Identity
from bot.models import Role, TranslationMode
from bot.wiring import Core
from tests.fakes.deepl import FakeDeepL
from tests.support.chat import PlatformChat
from tests.support.clock import MovableClock
from tests.translation.conftest import CHANNEL, add_people, message, person

FOUR = {"mireille": "fr", "ana": "pt", "olena": "uk", "katrin": "de"}


@pytest.fixture
def thread_channel(tcore: Core) -> None:
    add_people(tcore, FOUR)
    assert tcore.services.translation is not None
    tcore.services.translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)


@pytest.mark.parametrize("status", [456, 429, 500, 503])
async def test_failure_pauses_once_and_translation_resumes_by_itself(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL, clock: MovableClock, thread_channel: None, status: int
) -> None:
    fake.fail_next(status, times=20)
    await tcore.dispatcher.message_posted(message("mireille", "La réunion du cluster est reportée à jeudi.", "1"))
    await tcore.dispatcher.message_posted(message("katrin", "Danke für die Information, bis Donnerstag.", "2"))
    # No translation, one notice in the channel's languages, and no more requests while paused.
    assert chat.of("thread") == []
    (notice,) = chat.of("post")
    assert "tradução" in notice.text or "traduction" in notice.text
    assert "Übersetzung" in notice.text and "Переклад" in notice.text
    requests_while_paused = len(fake.requests_to("/v2/translate"))
    await tcore.dispatcher.message_posted(message("ana", "Obrigada, até quinta-feira então.", "3"))
    assert len(fake.requests_to("/v2/translate")) == requests_while_paused
    assert len(chat.of("post")) == 1
    fake.reset()
    clock.advance(hours=2)
    await tcore.dispatcher.message_posted(message("mireille", "La salle a changé : ce sera la salle B.", "4"))
    assert len(chat.of("thread")) == 1
    assert tcore.services.translation is not None and not tcore.services.translation.engine.breaker.paused


async def test_a_hanging_translator_times_out_and_the_original_stays(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL, thread_channel: None
) -> None:
    assert tcore.services.translation is not None
    tcore.services.translation.engine.request_timeout = 0.3
    fake.hang_next(2.0, times=3)
    await tcore.dispatcher.message_posted(message("mireille", "Le rapport annuel est en ligne depuis ce matin.", "1"))
    assert chat.of("thread") == [] and len(chat.of("post")) == 1
    assert tcore.services.translation.engine.breaker.reason == "timeout"


async def test_the_icc_team_is_warned_once_at_80_and_once_at_95_percent(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL, clock: MovableClock, thread_channel: None
) -> None:
    translation = tcore.services.translation
    assert translation is not None
    tcore.services.members.get_or_create(person("ivana"), display_name="Ivana")
    tcore.services.members.set_role(person("ivana"), Role.icc_team)
    fake.character_limit = 1000
    fake.character_count = 810
    await translation.quota.check(force=True)
    await translation.quota.check(force=True)
    fake.character_count = 960
    await translation.quota.check(force=True)
    await translation.quota.check(force=True)
    await tcore.services.delivery.drain()  # sent by the delivery outbox
    warnings = chat.of("dm")
    assert [w.to for w in warnings] == [person("ivana"), person("ivana")]
    assert "80" in warnings[0].text and "95" in warnings[1].text


async def test_a_cluster_budget_stops_translation_with_one_notice(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL, thread_channel: None
) -> None:
    translation = tcore.services.translation
    assert translation is not None
    translation.channels.set_budget(CHANNEL, 150)
    await tcore.dispatcher.message_posted(message("mireille", "Bonjour à tous, bienvenue dans le cluster.", "1"))
    assert len(chat.of("thread")) == 1
    await tcore.dispatcher.message_posted(message("mireille", "Voici le programme détaillé de notre prochaine "
                                                  "rencontre à Strasbourg.", "2"))
    await tcore.dispatcher.message_posted(message("mireille", "Et voici la liste des participants inscrits.", "3"))
    assert len(chat.of("thread")) == 1
    (notice,) = chat.of("post")
    assert "budget" in notice.text
    used, budget = translation.channels.month_usage(CHANNEL)
    assert budget == 150 and used == fake.billed_characters <= 150


async def test_translator_not_configured_means_untranslated_not_broken(settings, engine) -> None:  # type: ignore[no-untyped-def]
    from bot.wiring import build_core

    core = build_core(settings, engine=engine, migrate=False)
    translation = core.services.translation
    assert translation is not None and translation.engine.translator is None
    chat = PlatformChat()
    core.dispatcher.attach_chat(chat)
    add_people(core, FOUR)
    translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    await core.dispatcher.message_posted(message("mireille", "Bonjour à tous.", "1"))
    assert chat.sent == []
    reply = await translation.on_demand.translate("Bonjour à tous.", "DE", locale="en")
    assert "no DeepL key" in reply.text


async def test_quota_exceeded_on_demand_says_so(tcore: Core, fake: FakeDeepL) -> None:
    assert tcore.services.translation is not None
    fake.fail_next(456)
    reply = await tcore.services.translation.on_demand.translate("Bonjour à tous, merci.", "DE", locale="fr")
    assert "suspendue" in reply.text
    assert Identity  # imported for type checkers
