"""Glossary, commands, bad input, long messages, placeholder fallback, practices, and the console end to end."""

from __future__ import annotations

import io
import re

import pytest

from bot.errors import UserError
from bot.i18n import t
from bot.messages import CommandInvoked, Identity
from bot.models import City, PracticeTranslation, Role, TranslationMode
from bot.models.practices import PracticeCreate
from bot.ports import Capabilities
from bot.services.translation import TranslationEngine
from bot.services.translation.glossary import GlossaryError, load_glossary, parse_glossary
from bot.wiring import Core
from integrations.console.adapter import ConsoleSession
from integrations.slack import text as slack_text
from tests.fakes.deepl import FakeDeepL
from tests.support.chat import PlatformChat
from tests.translation.conftest import CHANNEL, add_people, message, person

CAPS = Capabilities(ephemeral=True, threads=True)


def test_the_shipped_glossary_is_valid_and_multilingual() -> None:
    glossary = load_glossary()
    assert {"en", "fr", "es", "it", "pt", "de", "uk"} <= set(glossary.languages)
    dictionaries = glossary.dictionaries()
    assert dictionaries[("en", "fr")]["anti-rumours"] == "anti-rumeurs"
    assert dictionaries[("fr", "de")]["Dudelange"] == "Düdelingen"
    assert glossary.covers("pt", "EN-GB") and not glossary.covers(None, "FR") and not glossary.covers("fr", "FR")


@pytest.mark.parametrize(("content", "expected"), [
    ("en,fr\nanti-rumours,anti-rumeurs\nAnti-Rumours,contre les rumeurs\n", "lines 2 and 3"),
    ("en,fr\nanti-rumours,\n", "empty term for fr"),
    ("en,fr\nanti-rumours\n", "has 1 terms"),
    ("en\nx\n", "two or more"),
    ("", "is empty"),
])
def test_a_bad_glossary_is_refused_with_a_clear_message(content: str, expected: str) -> None:
    with pytest.raises(GlossaryError) as info:
        parse_glossary(content, name="test.csv")
    assert expected in t("en", info.value.msgid, **info.value.params)


async def test_the_glossary_is_synced_only_when_it_changed(tcore: Core, fake: FakeDeepL) -> None:
    translation = tcore.services.translation
    assert translation is not None and translation.engine.glossary_id is not None
    assert len(fake.glossaries) == 1
    fake.reset()
    again = TranslationEngine.build(settings=tcore.settings, engine=tcore.engine, clock=tcore.services.clock,
                                    translator=translation.engine.translator)
    await again.start()
    await again.ready()
    assert again.glossary_id == translation.engine.glossary_id
    assert fake.requests_to("/v3/glossaries", "POST") == [] and len(fake.glossaries) == 1
    outcome = await again.translate_text("The anti-rumours strategy of Lisbon was presented to the council.",
                                         targets=["FR"])
    assert outcome.texts["FR"].plain() == "[FR] The stratégie anti-rumeurs of Lisbonne was presented to the council."


async def test_translate_command_and_unsupported_languages(tcore: Core, fake: FakeDeepL) -> None:
    async def run(text: str, name: str = "translate") -> str:
        response = await tcore.dispatcher.handle(
            CommandInvoked(actor=person("ana"), channel=CHANNEL, name=name, text=text), CAPS)
        return "\n".join([r.text for r in response.replies] + [s.text for r in response.replies for s in r.sections])

    assert "[DE] Bom dia a todos" in await run("de Bom dia a todos")
    unknown = await run("klingon Hello")
    assert "klingon" in unknown and "pt-br" in unknown and "en-gb" in unknown
    assert "missing" in await run("fr")
    assert "nothing to translate" in await run("fr 👍")
    assert "Only city coordinators" in await run("mode thread", name="translation")
    tcore.services.members.set_role(person("ana"), Role.coordinator)
    assert "thread" in await run("mode thread", name="translation")
    assert "German, Portuguese (Brazil)" in await run("languages de, pt-br", name="translation")
    assert "xx" in await run("languages de,xx", name="translation")
    assert "200" in await run("budget 200000", name="translation")
    assert "200" in await run("status", name="translation")
    assert "not a whole" not in await run("budget lots", name="translation")


async def test_language_command_sets_reading_languages(tcore: Core) -> None:
    async def run(text: str) -> str:
        response = await tcore.dispatcher.handle(
            CommandInvoked(actor=person("ana"), channel=CHANNEL, name="language", text=text), CAPS)
        return "\n".join(r.text for r in response.replies)

    translation = tcore.services.translation
    assert translation is not None
    assert "Polski" in await run("pl") or "Polish" in await run("pl")
    member = tcore.services.members.find(person("ana"))
    assert member is not None and translation.channels.reading_language(member, "PL") == "PL"
    answer = await run("pt-BR")
    assert "Português" in answer
    assert translation.engine.store.reading_languages([member.id or 0]) == {member.id: "PT-BR"}
    await run("fr")
    assert translation.engine.store.reading_languages([member.id or 0]) == {}
    assert "klingon" in await run("klingon")


async def test_a_40000_character_message_is_split_and_nothing_is_lost(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    add_people(tcore, {"mireille": "fr", "katrin": "de"})
    assert tcore.services.translation is not None
    tcore.services.translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    chat.capabilities = Capabilities(threads=True, max_message_length=2000)
    sentence = "Nous avons réuni les partenaires de la ville <@U7> pour parler de https://coe.int/icc et du plan. "
    text = (sentence * 40 + "\n\n") * 10
    text = text[:40_000]
    await tcore.dispatcher.message_posted(message("mireille", text, "1"))
    (call,) = fake.translate_calls  # one request for German, several texts, within DeepL's limits
    assert 1 < len(call.texts) <= 50 and sum(len(t.encode()) for t in call.texts) < 128 * 1024
    posts = chat.of("thread")
    assert len(posts) > 1 and all(len(p.text) <= 2000 for p in posts)
    joined = re.sub(r"\[DE\] ", "", "".join(p.text for p in posts))
    assert joined.count("https://coe.int/icc") == text.count("https://coe.int/icc")
    assert joined.count("@U7") == text.count("<@U7>")


async def test_languages_without_tag_handling_use_placeholders(tcore: Core, fake: FakeDeepL) -> None:
    fake.target_languages.append({"language": "SR", "name": "Serbian", "supports_formality": False})
    translation = tcore.services.translation
    assert translation is not None
    translation.engine.supported_targets = translation.engine.supported_targets | {"SR"}
    text = "Merci <@U1> pour `le code` et :tada: <https://x.org> &amp; Q&amp;A !"
    outcome = await translation.engine.translate_text(slack_text.parse(text), targets=["SR"])
    (call,) = fake.translate_calls
    assert call.tag_handling is None and "⟦0⟧" in call.texts[0] and "<@U1>" not in call.texts[0]
    assert call.texts[0].endswith("⟦3⟧ & Q&A !")  # no XML: the text as typed, no escaping
    assert slack_text.render(outcome.texts["SR"]) == "[SR] " + text


async def test_a_published_practice_is_translated_into_every_catalogue_language(
    tcore: Core, fake: FakeDeepL
) -> None:
    services = tcore.services
    city = services.cities.add(City(name="Lisbon", country="PT", languages="pt"))
    author = services.members.get_or_create(person("ana"))
    services.members.set_city(person("ana"), "Lisbon")
    services.members.set_role(person("ana"), Role.coordinator)
    author = services.members.find(person("ana"))
    assert author is not None and city.id is not None
    practice = services.practices.submit(author=author, data=PracticeCreate(
        title="Mapeamento do património cultural", city_id=city.id,
        summary="Os moradores mapearam o património cultural diverso do bairro.",
        description="Descrição longa da prática com todos os pormenores necessários.", language="pt",
        themes=["culture-and-heritage"]))
    assert practice.id is not None
    translation = services.translation
    assert translation is not None
    assert services.practices.translations is not None
    stored = await services.practices.translations.translate(practice.id)
    assert stored == 6
    assert len(fake.translate_calls) == 6 and all(len(c.texts) == 2 for c in fake.translate_calls)
    assert await services.practices.translations.translate(practice.id) == 0 and len(fake.translate_calls) == 6
    from sqlmodel import select

    from bot.db import session_scope

    with session_scope(tcore.engine) as session:
        languages = {row.language for row in session.exec(
            select(PracticeTranslation).where(PracticeTranslation.practice_id == practice.id))}
    assert languages == {"en", "fr", "es", "it", "de", "uk"}


async def test_console_end_to_end_one_reply_with_three_translations(tcore: Core, fake: FakeDeepL) -> None:
    """Through the console adapter (the Slack and Discord adapters were not ready to test against)."""
    console_channel = Identity("console", "local", "anti-rumours")
    for user, language in {"ana": "pt", "olena": "uk", "katrin": "de"}.items():
        identity = Identity("console", "local", user)
        tcore.services.members.get_or_create(identity, display_name=user)
        tcore.services.members.set_language(identity, language)
        tcore.services.members.set_role(identity, Role.member)
    translation = tcore.services.translation
    assert translation is not None
    ids = [m.id for m in (tcore.services.members.find(Identity("console", "local", u)) for u in ("ana", "olena",
                                                                                              "katrin")) if m]
    translation.channels.add_readers(console_channel, [i for i in ids if i is not None])
    stdin = io.StringIO("/translation mode thread\n"
                        "Bonjour à tous, notre campagne anti-rumeurs commence lundi.\n/exit\n")
    stdout = io.StringIO()
    session = ConsoleSession(tcore.dispatcher, user="mireille", city="", role="coordinator",
                             channel="anti-rumours", locale="fr", stdin=stdin, stdout=stdout)
    assert await session.run() == 0
    out = stdout.getvalue()
    replies = [line for line in out.splitlines() if line.startswith("#anti-rumours ↳")]
    assert len(replies) == 1
    assert out.count("(machine-translated)") == 0 and out.count("[PT-PT]") == 1
    assert out.count("[UK]") == 1 and out.count("[DE]") == 1 and "[FR]" not in out
    assert sorted(c.target for c in fake.translate_calls) == ["DE", "PT-PT", "UK"]
    assert UserError
