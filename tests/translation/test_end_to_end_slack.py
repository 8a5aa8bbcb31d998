"""Translation in Slack, end to end: the real bolt app behind the web app, the real Slack adapter, the real
DeepL adapter, against the Slack and DeepL fakes.

A cluster channel is put in `thread` mode by its coordinator (`/translation mode thread`, a signed slash
command); its members read French, Portuguese, Ukrainian (chosen with `/language`) and German (their Slack
locale), and the translation service learnt them as they wrote in the channel. A French message then gets
exactly one reply, in its thread, with the three other languages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.messages import Identity
from bot.wiring import Core
from tests.fakes.deepl import FakeDeepL
from tests.fakes.slack import DEFAULT_TEAM_ID, FakeSlackWebAPI
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, Slack, message_text, serve_slack, slack_settings
from tests.translation.end_to_end import FRENCH, assert_three_translations, link_to_cluster, translating_core

CLUSTER = "C0CLUSTER1"
MIREILLE, ANA, OLENA, KATRIN = "U0MIREILLE", "U0ANA0001", "U0OLENA01", "U0KATRIN1"


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackWebAPI]:
    async with FakeSlackWebAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as api:
        api.add_user(MIREILLE, locale="fr-FR", name="Mireille")
        api.add_user(ANA, locale="en-US", name="Ana")
        api.add_user(OLENA, locale="en-GB", name="Olena")
        api.add_user(KATRIN, locale="de-DE", name="Katrin")
        api.add_channel("cluster-communication", channel_id=CLUSTER, members=[MIREILLE, ANA, OLENA, KATRIN])
        yield api


@pytest.fixture
async def slack(database_url: str, tmp_path: Path, slack_api: FakeSlackWebAPI, fake: FakeDeepL
                ) -> AsyncIterator[Slack]:
    """One web process serving Slack, with translation by the DeepL adapter against FakeDeepL."""
    async with translating_core(slack_settings(database_url, tmp_path, slack_api), fake) as core:
        harness = await serve_slack(core, slack_api)
        try:
            yield harness
        finally:
            await harness.adapter.close()
            await harness.client.aclose()


async def settle(slack: Slack) -> None:
    await slack.settle()
    assert slack.core.services.translation is not None
    await slack.core.services.translation.drain()
    await slack.settle()


async def say(slack: Slack, user: str, text: str, ts: str) -> None:
    """A member writes in the cluster channel: a `message` event callback, signed as Slack does."""
    response = await slack.client.event({"type": "message", "channel": CLUSTER, "user": user, "text": text,
                                         "ts": ts, "channel_type": "channel"})
    assert response.status_code == 200
    await settle(slack)


async def four_languages_in_thread_mode(slack: Slack) -> Core:
    """The scene: members in four languages, known to the channel, which its coordinator put in thread mode."""
    core = slack.core
    link_to_cluster(core, Identity("slack", DEFAULT_TEAM_ID, CLUSTER))
    slack.coordinator(MIREILLE)
    for user, code in ((MIREILLE, "fr"), (ANA, "pt"), (OLENA, "uk")):
        assert (await slack.command("/language", code, user_id=user, channel_id=CLUSTER)).status_code == 200
    # Katrin never chose a language: her Slack locale (de-DE) is what she reads, learnt when she used the bot.
    assert (await slack.command("/translation", "status", user_id=KATRIN, channel_id=CLUSTER)).status_code == 200
    # Before translation is on, everyone has said hello in the channel: the service learnt who reads it.
    for number, user in enumerate((ANA, OLENA, KATRIN, MIREILLE), start=1):
        await say(slack, user, ":wave:", f"1764064800.00010{number}")
    response = await slack.command("/translation", "mode thread", user_id=MIREILLE, channel_id=CLUSTER)
    assert response.status_code == 200
    assert "thread" in slack.last_answer_text()
    translation = core.services.translation
    assert translation is not None
    assert sorted(translation.channels.languages(Identity("slack", DEFAULT_TEAM_ID, CLUSTER))) == [
        "DE", "FR", "PT-PT", "UK"]
    assert thread_replies(slack) == []
    return core


def thread_replies(slack: Slack) -> list[dict]:
    """What the bot posted in the cluster channel (not the welcome newcomers get by direct message)."""
    return [call.args for call in slack.fake.calls_to("chat.postMessage") if call.args.get("channel") == CLUSTER]


async def test_a_french_message_gets_one_reply_in_its_thread_with_three_translations(
    slack: Slack, fake: FakeDeepL
) -> None:
    core = await four_languages_in_thread_mode(slack)
    fake.reset()
    await say(slack, MIREILLE, FRENCH, "1764065000.000100")

    [reply] = thread_replies(slack)
    assert reply["channel"] == CLUSTER and reply["thread_ts"] == "1764065000.000100"
    assert not reply.get("reply_broadcast")
    assert_three_translations(reply["text"], FRENCH)
    shown = message_text(reply)  # the fallback text and every block
    for code in ("[PT-PT]", "[UK]", "[DE]"):
        assert code in shown
    for ping in ("<!here", "<!channel", "<!everyone", "<@", "<!subteam"):
        assert ping not in shown
    # The original is left as it was: nothing edited, deleted, or posted outside the thread.
    assert [call.method for call in slack.fake.calls if call.method.startswith("chat.")
            and call.args.get("channel") == CLUSTER] == ["chat.postMessage"]
    # One DeepL request per language; French (the text's own language) is never asked for.
    assert sorted(call.target for call in fake.translate_calls) == ["DE", "PT-PT", "UK"]
    assert {call.source for call in fake.translate_calls} == {"FR"}
    assert all(call.texts == [FRENCH] for call in fake.translate_calls)
    assert fake.requests[0].headers["Authorization"] == f"DeepL-Auth-Key {fake.auth_key}"
    # Counted for the cluster the channel belongs to.
    translation = core.services.translation
    assert translation is not None
    assert translation.channels.month_usage(Identity("slack", DEFAULT_TEAM_ID, CLUSTER))[0] == 3 * len(FRENCH)

    # The same text again (another member quoting it): the same single reply, and DeepL is not asked again.
    await say(slack, OLENA, FRENCH, "1764065100.000200")
    assert len(fake.translate_calls) == 3
    first, second = thread_replies(slack)
    assert second["thread_ts"] == "1764065100.000200" and second["text"] == first["text"]


async def test_a_mentioned_person_stays_mentioned_but_is_not_pinged_again(slack: Slack, fake: FakeDeepL) -> None:
    await four_languages_in_thread_mode(slack)
    fake.reset()
    text = f"Merci <@{OLENA}> pour le compte rendu de la réunion, il est très clair et complet."
    await say(slack, MIREILLE, text, "1764065000.000300")

    [reply] = thread_replies(slack)
    assert reply["thread_ts"] == "1764065000.000300"
    # Shown by her name, not as a live mention: Slack notifies for every <@U…> a bot posts.
    assert_three_translations(reply["text"], text, expected_body=text.replace(f"<@{OLENA}>", "@Olena"))
    assert "<@" not in message_text(reply) and "<!" not in message_text(reply)
    # DeepL never saw the mention itself (a placeholder tag it leaves alone).
    assert len(fake.translate_calls) == 3
    assert all(OLENA not in text for call in fake.translate_calls for text in call.texts)


#: Messages exactly as Slack's Events API delivers them: what people typed is escaped (`&amp;`, `&lt;`,
#: `&gt;`), and `<…>` is Slack's markup (links it made of what was pasted, labelled links).
AS_SLACK_SENDS_THEM = [
    "&gt; Bonjour à toutes et à tous, voici le compte rendu de la réunion d'hier soir.",
    "Le formulaire d'inscription est ici : <https://example.org/form?lang=fr&amp;city=lyon> merci de le remplir.",
    "Tout est dans <https://example.org/icc?a=1&amp;b=2|le rapport Q&amp;A> pour les détails de la session.",
    "La session Q&amp;A commence à quatorze heures, apportez toutes vos questions.",
    "Lancez `make test &amp;&amp; make lint` puis ```if a &lt; b:\n    pass``` avant jeudi prochain.",
    "Avec un budget &lt; 500 euros et un délai &gt; deux semaines, est-ce encore possible ?",
]


async def test_slack_text_comes_back_escaped_once_quotes_links_code_and_all(slack: Slack, fake: FakeDeepL) -> None:
    await four_languages_in_thread_mode(slack)
    for number, text in enumerate(AS_SLACK_SENDS_THEM):
        fake.reset()
        ts = f"1764065000.{number:06d}"
        await say(slack, MIREILLE, text, ts)
        reply = thread_replies(slack)[-1]
        assert reply["thread_ts"] == ts
        # Each translation reads as the original did (the fake only prefixes the words with the language).
        assert_three_translations(reply["text"], text)
        for twice in ("&amp;amp;", "&amp;gt;", "&amp;lt;"):
            assert twice not in message_text(reply), (twice, reply["text"])
    # DeepL got the text XML-escaped once (its tag handling is XML): what people typed, never Slack's escapes.
    [call, *_] = fake.translate_calls
    assert call.tag_handling == "xml"
    assert call.texts == ["Avec un budget &lt; 500 euros et un délai &gt; deux semaines, est-ce encore possible ?"]


async def test_a_quoted_line_stays_a_quote_and_q_and_a_reads_as_typed(slack: Slack, fake: FakeDeepL) -> None:
    await four_languages_in_thread_mode(slack)
    await say(slack, MIREILLE, AS_SLACK_SENDS_THEM[0], "1764065100.000100")
    await say(slack, MIREILLE, AS_SLACK_SENDS_THEM[3], "1764065100.000200")
    quote, questions = thread_replies(slack)
    for section in quote["text"].split("\n\n"):
        assert section.split("\n")[1].startswith("&gt; [")  # Slack shows `&gt; ` at a line start as a quote
    assert questions["text"].count("Q&amp;A") == 3 and "Q&A" not in questions["text"]


async def test_mentioned_people_are_shown_by_name_looked_up_once(slack: Slack, fake: FakeDeepL) -> None:
    slack.fake.add_user("U0MARTA01", locale="es-ES", name="Marta")
    await four_languages_in_thread_mode(slack)
    slack.fake.calls.clear()
    text = "Merci <@U0MARTA01> pour le compte rendu de la réunion, il est très clair et complet."
    await say(slack, MIREILLE, text, "1764065200.000100")
    [reply] = thread_replies(slack)
    assert_three_translations(reply["text"], text, expected_body=text.replace("<@U0MARTA01>", "@Marta"))
    await say(slack, OLENA, "Gracias <@U0MARTA01>, el informe es muy completo y está muy claro.", "1764065200.0002")
    lookups = [call for call in slack.fake.calls_to("users.info") if call.args.get("user") == "U0MARTA01"]
    assert len(lookups) == 1  # remembered for the next message


async def test_an_edit_and_a_deletion_follow_into_the_translations(slack: Slack, fake: FakeDeepL) -> None:
    await four_languages_in_thread_mode(slack)
    await say(slack, MIREILLE, FRENCH, "1764065300.000100")
    [posted] = [m for m in slack.fake.messages(CLUSTER) if m.get("thread_ts") == "1764065300.000100"]
    edited = FRENCH.replace("jeudi prochain", "vendredi prochain")
    response = await slack.client.event({
        "type": "message", "subtype": "message_changed", "channel": CLUSTER, "hidden": True,
        "message": {"type": "message", "user": MIREILLE, "text": edited, "ts": "1764065300.000100",
                    "edited": {"user": MIREILLE, "ts": "1764065360.000000"}},
        "previous_message": {"type": "message", "user": MIREILLE, "text": FRENCH, "ts": "1764065300.000100"},
        "ts": "1764065360.000200"})
    assert response.status_code == 200
    await settle(slack)
    [update] = slack.fake.calls_to("chat.update")
    assert update.args["channel"] == CLUSTER and update.args["ts"] == posted["ts"]
    assert_three_translations(update.args["text"], edited)
    response = await slack.client.event({
        "type": "message", "subtype": "message_deleted", "channel": CLUSTER, "hidden": True,
        "deleted_ts": "1764065300.000100", "ts": "1764065400.000300",
        "previous_message": {"type": "message", "user": MIREILLE, "text": edited, "ts": "1764065300.000100"}})
    assert response.status_code == 200
    await settle(slack)
    [deleted] = slack.fake.calls_to("chat.delete")
    assert deleted.args["ts"] == posted["ts"]
    assert len(thread_replies(slack)) == 1  # nothing posted anew
