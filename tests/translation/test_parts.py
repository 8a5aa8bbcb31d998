"""Translation in parts with one job each: the engine any feature calls, the ICC team told on every platform."""

from __future__ import annotations

from bot.messages import Identity
from bot.models import Role
from bot.wiring import Core
from tests.fakes.deepl import FakeDeepL
from tests.translation.conftest import RecordingChat


async def test_any_feature_translates_through_the_engine_without_a_channel(tcore: Core, fake: FakeDeepL) -> None:
    """A calendar or a survey has no channel listener: `services.translation_engine` is all it needs."""
    engine = tcore.services.translation_engine
    assert engine is not None and tcore.dispatcher.chats == {}
    outcome = await engine.translate_text("Journée européenne des langues : inscrivez votre ville !",
                                          targets=["DE", "UK", "FR"], scope="calendar")
    assert outcome.source == "fr" and sorted(outcome.texts) == ["DE", "UK"]
    assert outcome.texts["DE"].plain().startswith("[DE] ")
    await engine.drain()
    assert engine.usage("calendar", tcore.services.clock.now().strftime("%Y-%m")) == fake.billed_characters > 0


async def test_the_quota_warning_reaches_the_icc_team_on_every_platform(tcore: Core, fake: FakeDeepL) -> None:
    slack, discord = RecordingChat(platform="slack"), RecordingChat(platform="discord")
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
