"""Translation in parts with one job each: the engine any feature calls, the ICC team told on every platform,
and a start that waits on nothing."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.messages import CommandInvoked, Identity
from bot.models import Role
from bot.ports import Capabilities
from bot.settings import Settings
from bot.wiring import Core, build_core
from integrations.deepl.translator import DeepLTranslator
from tests.fakes.deepl import FakeDeepL
from tests.support.chat import PlatformChat
from tests.support.clock import MovableClock


async def test_any_feature_translates_through_the_engine_without_a_channel(tcore: Core, fake: FakeDeepL) -> None:
    """A calendar or a survey has no channel listener: `services.translation_engine` is all it needs."""
    engine = tcore.services.translation_engine
    assert engine is not None and tcore.dispatcher.chats == {}
    outcome = await engine.translate_text("Journée européenne des langues : inscrivez votre ville !",
                                          targets=["DE", "UK", "FR"], scope="calendar")
    assert outcome.source == "fr" and sorted(outcome.texts) == ["DE", "UK"]
    assert outcome.texts["DE"].plain().startswith("[DE] ")
    await engine.drain()
    assert engine.usage.of("calendar", tcore.services.clock.now().strftime("%Y-%m")) == fake.billed_characters > 0


async def test_the_quota_warning_reaches_the_icc_team_on_every_platform(tcore: Core, fake: FakeDeepL) -> None:
    slack, discord = PlatformChat(platform="slack"), PlatformChat(platform="discord")
    tcore.dispatcher.attach_chat(slack)
    tcore.dispatcher.attach_chat(discord)
    team = [Identity("slack", "T1", "ivana"), Identity("discord", "9", "42")]
    for person in team:
        tcore.services.members.set_role(person, Role.icc_team)
    tcore.services.members.set_language(team[1], "fr")
    fake.character_limit, fake.character_count = 1000, 820
    assert tcore.services.translation is not None
    assert await tcore.services.translation.quota.check(force=True) == 0.82
    await tcore.services.delivery.drain()  # sent by the delivery outbox, exactly once
    [on_slack], [on_discord] = slack.of("dm"), discord.of("dm")
    assert on_slack.to == team[0] and "80 %" in on_slack.text and "quota" in on_slack.text
    assert on_discord.to == team[1] and "quota DeepL" in on_discord.text  # in her language


async def test_nothing_at_start_waits_on_deepl_or_loads_the_language_model(
    settings: Settings, engine: Engine, fake: FakeDeepL, clock: MovableClock
) -> None:
    """DeepL not answering at start: the bot answers /help at once; translation learns DeepL's languages and
    syncs the glossary in the background, and the first translation waits for them (within a request's time)."""
    fake.hang_next(0.5, path="/v2/languages")
    translator = DeepLTranslator(fake.auth_key, server_url=fake.url, timeout=3.0, backoff=0.01)
    core = build_core(settings, engine=engine, migrate=False, clock=clock, translator=translator)
    translation = core.services.translation
    assert translation is not None
    try:
        await translation.start()
        assert translation.engine.glossary_id is None and not await translation.engine.ready(within=0)
        assert translation.engine.identifier._detector is None  # no language model loaded yet
        help_answer = await core.dispatcher.handle(
            CommandInvoked(actor=Identity("console", "local", "ana"), channel=Identity("console", "local", "x"),
                           name="help"), Capabilities())
        assert any("/translate" in section.text for section in help_answer.replies[0].sections)
        assert fake.requests_to("/v2/translate") == [] and fake.requests_to("/v3/glossaries") == []
        # The first translation needs the glossary: it waits for the start to learn it, then uses it.
        outcome = await translation.engine.translate_text(
            "La stratégie anti-rumeurs de Lisbonne avance bien, merci à toutes les villes.", targets=["EN-GB"])
        assert translation.engine.glossary_id is not None
        [call] = fake.translate_calls
        assert call.glossary_id == translation.engine.glossary_id and "anti-rumours" in outcome.texts["EN-GB"].plain()
        assert translation.engine.identifier._detector is not None
    finally:
        await translation.drain()
        translator.close()
