"""Thread and mirror channels against the DeepL fake: one reply, the least cost, edits and deletes follow."""

from __future__ import annotations

import re

from bot.messages import Identity, MessageDeleted, ReactionAdded, Response, TranslationRequested
from bot.models import TranslationMode
from bot.ports import Capabilities
from bot.wiring import Core
from integrations.slack import text as slack_text
from tests.fakes.deepl import FakeDeepL
from tests.support.chat import PlatformChat
from tests.translation.conftest import CHANNEL, add_people, edited, message, person

FOUR = {"mireille": "fr", "ana": "pt", "olena": "uk", "katrin": "de"}


def strip_prefixes(text: str) -> str:
    return re.sub(r"\[[A-Z-]+\] ", "", text)


async def test_four_languages_get_exactly_one_reply_with_three_translations(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    add_people(tcore, FOUR)
    translation = tcore.services.translation
    assert translation is not None
    translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    text = "Merci <@U42> pour ce partage, voir <https://coe.int/icc|le rapport> :flag-fr: et `code`."
    await tcore.dispatcher.message_posted(message("mireille", text, "1700.1"))
    replies = chat.of("thread")
    assert len(replies) == 1 and len(chat.sent) == 1
    reply = replies[0]
    assert reply.thread == "1700.1"
    # Three translations, each under its language and "machine-translated" in that language; French is not one.
    assert reply.text.count("\n\n") == 2
    for marker in ("Português", "Українська", "Deutsch", "tradução automática", "машинний переклад",
                   "maschinell übersetzt"):
        assert marker in reply.text
    assert "Français" not in reply.text
    # One request per language, sent together; French (the text's own language) never asked for.
    assert sorted(call.target for call in fake.translate_calls) == ["DE", "PT-PT", "UK"]
    assert {call.source for call in fake.translate_calls} == {"FR"}
    assert all(call.tag_handling == "xml" and "<@" not in call.texts[0] for call in fake.translate_calls)
    assert {c.formality for c in fake.translate_calls if c.target in ("DE", "PT-PT")} == {"prefer_more"}
    # Markup survives exactly; the mentioned person is not pinged again (a name in Slack).
    section = reply.text.split("\n\n")[2]
    body = strip_prefixes(section.split("\n", 1)[1])
    assert body == text.replace("<@U42>", "@U42")
    assert fake.requests[0].headers["Authorization"] == f"DeepL-Auth-Key {fake.auth_key}"


async def test_each_text_is_paid_once_and_mentions_do_not_make_texts_different(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    add_people(tcore, FOUR)
    translation = tcore.services.translation
    assert translation is not None
    translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    await tcore.dispatcher.message_posted(message("mireille", "Merci <@U1> pour ce partage.", "1"))
    await tcore.dispatcher.message_posted(message("ana", "Merci <@U2> pour ce partage.", "2"))
    await tcore.dispatcher.message_posted(message("ana", "Merci <@U1> pour ce partage.", "3"))
    assert len(fake.translate_calls) == 3  # the first message only: three languages
    assert len(chat.of("thread")) == 3
    assert "<@U2>" not in chat.of("thread")[0].text and "@U2" in chat.of("thread")[1].text
    billed = fake.billed_characters
    assert billed == 3 * len("Merci <x0/> pour ce partage.")
    # Recorded per cluster (here: per channel, which belongs to no cluster) for this month.
    used, budget = translation.channels.month_usage(CHANNEL)
    assert used == billed and budget is None


async def test_nothing_is_sent_for_emoji_links_code_and_plus_one(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    add_people(tcore, FOUR)
    assert tcore.services.translation is not None
    tcore.services.translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    for i, text in enumerate(["+1", ":tada:", "👍🏽", "https://example.org/report.pdf", "`make test`", "ok", "",
                              ":flag-pt: :flag-fr:", "<@U1>"]):
        await tcore.dispatcher.message_posted(message("ana", text, str(i)))
    assert fake.translate_calls == [] and chat.sent == []


async def test_the_language_of_the_text_decides_not_the_author(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    add_people(tcore, FOUR)
    assert tcore.services.translation is not None
    tcore.services.translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    # A Ukrainian member thanks in French: nothing is asked in French, and the source is set.
    await tcore.dispatcher.message_posted(message("olena", "Merci beaucoup !", "1"))
    assert sorted(c.target for c in fake.translate_calls) == ["DE", "PT-PT", "UK"]
    assert {c.source for c in fake.translate_calls} == {"FR"}


async def test_previous_message_of_the_thread_is_the_context(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    add_people(tcore, {"mireille": "fr", "katrin": "de"})
    assert tcore.services.translation is not None
    tcore.services.translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    await tcore.dispatcher.message_posted(message("katrin", "Wir haben einen interkulturellen Beirat gegründet.", "1"))
    await tcore.dispatcher.message_posted(message("mireille", "Bravo, c'est une très belle initiative !", "2",
                                                  thread="1"))
    first, second = fake.translate_calls
    assert first.context is None
    assert second.context == "Wir haben einen interkulturellen Beirat gegründet."
    assert chat.of("thread")[1].thread == "1"


async def test_edits_and_deletes_follow(tcore: Core, chat: PlatformChat, fake: FakeDeepL) -> None:
    add_people(tcore, FOUR)
    assert tcore.services.translation is not None
    tcore.services.translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    await tcore.dispatcher.message_posted(message("mireille", "Bonjour à tous, la réunion est à dix heures.", "1"))
    post_id = chat.of("thread")[0].message_id
    await tcore.dispatcher.message_edited(edited("mireille", "Bonjour à tous, la réunion est à onze heures.", "1"))
    (update,) = chat.of("update")
    assert update.message_id == post_id and "onze heures" in update.text
    await tcore.dispatcher.message_deleted(MessageDeleted(CHANNEL, "1"))
    (deleted,) = chat.of("delete")
    assert deleted.message_id == post_id
    assert tcore.services.translation.engine.store.posts_for(CHANNEL, "1") == []


async def test_bot_posts_are_never_translated_and_mirrors_cannot_loop(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    translation = tcore.services.translation
    assert translation is not None
    add_people(tcore, FOUR)
    translation.channels.set_mode(CHANNEL, TranslationMode.mirror, by=None)
    french = Identity("slack", "T1", "C-FR")
    german = Identity("slack", "T1", "C-DE")
    translation.channels.set_mirror(CHANNEL, "fr", french, by=None)
    translation.channels.set_mirror(CHANNEL, "de", german, by=None)
    await tcore.dispatcher.message_posted(message("ana", "O nosso plano municipal para a integração foi aprovado.",
                                                  "1", avatar_url="https://a/ana.png"))
    posts = chat.of("post_as")
    assert {p.channel for p in posts} == {french, german} and {p.name for p in posts} == {"ana"}
    assert sorted(c.target for c in fake.translate_calls) == ["DE", "FR"]
    # The mirror posts come back as bot messages (webhooks, chat:write.customize): nothing more happens.
    for post in posts:
        assert post.channel is not None
        await tcore.dispatcher.message_posted(message("ana", post.text, post.message_id, channel=post.channel,
                                                      author_is_bot=True))
    # Even when an adapter does not mark them, the bot knows its own posts.
    for post in posts:
        assert post.channel is not None
        await tcore.dispatcher.message_posted(message("ana", post.text, post.message_id, channel=post.channel))
    await tcore.dispatcher.message_posted(message("bot", "Automated digest", "9", author_is_bot=True))
    assert len(chat.of("post_as")) == 2 and len(fake.translate_calls) == 2
    # A reply in the thread goes to the mirrored thread.
    await tcore.dispatcher.message_posted(message("katrin", "Herzlichen Glückwunsch an das ganze Team!", "2",
                                                  thread="1"))
    threaded = [p for p in chat.of("post_as") if p.thread]
    assert threaded and {p.thread for p in threaded} <= {p.message_id for p in posts}


async def test_a_flag_reaction_answers_only_the_person_who_reacted(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    add_people(tcore, {"mireille": "fr"})
    await tcore.dispatcher.message_posted(message("katrin", "Hat jemand Erfahrung mit Sprachcafés?", "1"))
    for emoji in ("flag-br", "🇺🇦", "thumbsup"):
        await tcore.dispatcher.reaction_added(ReactionAdded(actor=person("mireille"), channel=CHANNEL,
                                                            message_id="1", emoji=emoji))
    answers = chat.of("ephemeral")
    assert len(answers) == 2 and all(a.to == person("mireille") for a in answers)
    assert [c.target for c in fake.translate_calls] == ["PT-BR", "UK"]
    assert "traduction automatique" in answers[0].text
    assert chat.of("thread") == [] and chat.of("post") == []


async def test_translate_this_message_answers_in_the_persons_language(tcore: Core, fake: FakeDeepL) -> None:
    add_people(tcore, {"ana": "pt"})

    async def translate(text: str, message_id: str) -> Response:
        request = TranslationRequested(actor=person("ana"), channel=CHANNEL, message_id=message_id,
                                       text=slack_text.parse(text), platform_locale="en-US")
        return await tcore.dispatcher.handle(request, Capabilities(ephemeral=True))

    [reply] = (await translate("Good morning everyone, the agenda is ready.", "1")).replies
    assert reply.ephemeral and "[PT-PT]" in reply.text and "tradução automática" in reply.text
    [already] = (await translate("Bom dia a todos, a agenda da reunião de amanhã já está pronta.", "2")).replies
    assert "já está" in already.text and already.ephemeral
