"""DeepL's failures are told as they are and cost nothing extra: a glossary DeepL no longer knows is synced
again while translation goes on; a call the bot gave up on is never sent again behind its back; the pause
notice names its cause and when translation resumes, in every language of the channel."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.i18n import format_date
from bot.models import TranslationMode
from bot.ports import TranslationUnavailable
from bot.services.translation import Translation, TranslationEngine
from bot.settings import Settings
from bot.wiring import Core
from integrations.deepl.translator import DeepLTranslator
from tests.fakes.deepl import FakeDeepL, deepl_client_settings
from tests.support.chat import PlatformChat
from tests.support.clock import MovableClock
from tests.translation.conftest import CHANNEL, add_people, message

FOUR = {"mireille": "fr", "ana": "pt", "olena": "uk", "katrin": "de"}
#: French with terms of the ICC glossary in it.
GLOSSARY_TEXT = "La stratégie anti-rumeurs de Lisbonne avance bien, merci à toutes les villes."


@pytest.fixture
def thread_channel(tcore: Core) -> None:
    add_people(tcore, FOUR)
    assert tcore.services.translation is not None
    tcore.services.translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)


def service(core: Core) -> Translation:
    assert core.services.translation is not None
    return core.services.translation


# ---------------------------------------------------------------- a glossary DeepL no longer knows


async def test_a_glossary_deleted_at_deepl_is_synced_again_and_nothing_is_lost(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL, thread_channel: None
) -> None:
    translation = service(tcore)
    old = translation.engine.glossary_id
    assert old is not None and old in fake.glossaries
    client = fake.client()
    client.delete_multilingual_glossary(old)  # someone tidied the DeepL account
    client.close()

    await tcore.dispatcher.message_posted(message("mireille", GLOSSARY_TEXT, "1"))
    await translation.drain()

    # The message is translated all the same, into its three languages, and nobody is told of a pause.
    [reply] = chat.of("thread")
    assert reply.text.count("[PT-PT]") == reply.text.count("[UK]") == reply.text.count("[DE]") == 1
    assert chat.of("post") == [] and not translation.engine.breaker.paused
    assert sorted(call.target for call in fake.translate_calls) == ["DE", "PT-PT", "UK"]
    assert all(call.glossary_id is None for call in fake.translate_calls)
    assert len(fake.requests_to("/v2/translate")) == 6  # three refused (the glossary), three sent again
    # The glossary is at DeepL again, and the next message uses it.
    assert translation.engine.glossary_id not in (None, old) and translation.engine.glossary_id in fake.glossaries
    fake.reset()
    await tcore.dispatcher.message_posted(message("mireille", "Le plan anti-rumeurs de Lisbonne est publié.", "2"))
    assert {call.glossary_id for call in fake.translate_calls} == {translation.engine.glossary_id}


async def test_a_new_deepl_key_does_not_know_the_stored_glossary(
    tcore: Core, settings: Settings, engine: Engine, clock: MovableClock
) -> None:
    """The database remembers the glossary synced with the old key; the new account has never seen it."""
    remembered = service(tcore).engine.glossary_id
    async with FakeDeepL(auth_key="new-key:fx") as other:
        translator = DeepLTranslator(other.auth_key, server_url=other.url, timeout=3.0, backoff=0.01)
        again = TranslationEngine.build(settings=settings, engine=engine, clock=clock, translator=translator)
        try:
            await again.start()
            await again.ready()
            assert again.glossary_id == remembered and other.glossaries == {}
            outcome = await again.translate_text(GLOSSARY_TEXT, targets=["DE", "EN-GB"], source="fr")
            await again.drain()
            assert sorted(outcome.texts) == ["DE", "EN-GB"] and not outcome.paused
            assert "anti-rumeurs" in outcome.texts["EN-GB"].plain()  # sent again without the glossary
            assert list(other.glossaries) == [again.glossary_id] != [remembered]
        finally:
            translator.close()


async def test_deepl_saying_glossary_not_found_is_understood_too(tcore: Core, fake: FakeDeepL) -> None:
    translation = service(tcore)
    old = translation.engine.glossary_id
    fake.fail_next(404, message="Glossary not found")
    outcome = await translation.engine.translate_text(GLOSSARY_TEXT, targets=["DE"], source="fr")
    await translation.drain()
    assert "DE" in outcome.texts and not outcome.paused
    assert translation.engine.glossary_id not in (None, old)


# ---------------------------------------------------------------- what the bot gave up on stays given up


async def test_a_call_the_bot_gave_up_on_is_never_sent_again(fake: FakeDeepL) -> None:
    """Even with the library allowed to retry, once the bot's own time limit is over nothing more is sent."""
    with deepl_client_settings(max_retries=2, timeout=0.8, backoff_initial=0.01, backoff_max=0.02):
        translator = DeepLTranslator(fake.auth_key, server_url=fake.url, timeout=5.0, backoff=0.01)
        fake.hang_next(2.0, times=3)
        with pytest.raises(TranslationUnavailable) as info:
            await translator.translate(["Bonjour à toutes et à tous"], target="DE", source="FR", timeout=0.3)
        assert info.value.reason == "timeout"
        await asyncio.to_thread(translator.close, wait=True)  # whatever the library does for that call is over
    assert len(fake.requests_to("/v2/translate")) == 1


async def test_a_message_whose_translation_timed_out_cost_one_request_per_language(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL, thread_channel: None
) -> None:
    translation = service(tcore)
    translation.engine.request_timeout = 0.3  # the bot gives up before the library's own time limit (1 s here)
    fake.hang_next(2.0, times=9)
    await tcore.dispatcher.message_posted(message("mireille", "Le rapport annuel est en ligne depuis ce matin.", "1"))
    assert chat.of("thread") == [] and translation.engine.breaker.reason == "timeout"
    assert translation.engine.translator is not None
    await asyncio.to_thread(translation.engine.translator.close, wait=True)  # type: ignore[attr-defined]
    assert len(fake.requests_to("/v2/translate")) == 3  # one per language, none sent after the bot gave up


@pytest.mark.parametrize("status", [429, 503])
async def test_a_refusal_worth_trying_again_is_tried_again_within_the_time_limit(
    fake: FakeDeepL, status: int
) -> None:
    translator = DeepLTranslator(fake.auth_key, server_url=fake.url, timeout=3.0, backoff=0.01)
    try:
        fake.fail_next(status)
        [result] = await translator.translate(["Bonjour"], target="DE", source="FR")
        assert result.text == "[DE] Bonjour" and len(fake.requests_to("/v2/translate")) == 2
    finally:
        translator.close()


# ---------------------------------------------------------------- the pause notice says why, and until when

#: The notice's words for each cause, in the channel's four languages (one line each).
CAUSES = {
    456: {"fr": "le quota DeepL", "pt": "a quota DeepL", "de": "DeepL-Kontingent", "uk": "квоту DeepL"},
    429: {"fr": "trop de demandes", "pt": "demasiados pedidos", "de": "zu viele Anfragen", "uk": "забагато запитів"},
    503: {"fr": "ne répond pas", "pt": "não responde", "de": "antwortet nicht", "uk": "не відповідає"},
    500: {"fr": "ne répond pas", "pt": "não responde", "de": "antwortet nicht", "uk": "не відповідає"},
}


@pytest.mark.parametrize("status", sorted(CAUSES))
async def test_the_pause_notice_says_why_and_when_translation_resumes(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL, thread_channel: None, status: int
) -> None:
    tcore.settings.deepl_quota_renewal_day = 13
    fake.fail_next(status, times=20)
    await tcore.dispatcher.message_posted(message("mireille", "La réunion du cluster est reportée à jeudi.", "1"))
    [notice] = chat.of("post")
    lines = notice.text.splitlines()
    assert len(lines) == 4
    for locale, words in CAUSES[status].items():
        [line] = [line for line in lines if words in line]
        if status == 456:
            # The quota renews on the 13th: of December, as the clock says 25 November.
            assert format_date(locale, date(2026, 12, 13), format="long") in line, line
        else:
            # The clock says 09:00 UTC; the first pause lasts a minute: 10:01 in the network's time zone (Paris).
            assert "10:01" in line, line
    assert "Translation is paused" not in notice.text  # nobody in the channel reads English


async def test_the_quota_notice_without_a_renewal_day_says_the_next_billing_period(
    tcore: Core, fake: FakeDeepL
) -> None:
    fake.fail_next(456)
    reply = await service(tcore).on_demand.translate("Bonjour à tous, merci.", "DE", locale="en")
    assert "quota" in reply.text and "next billing period" in reply.text


def test_the_quota_renews_on_the_next_renewal_day() -> None:
    from datetime import UTC, datetime

    from bot.services.translation.breaker import quota_renews_on

    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert quota_renews_on(13, now, "Europe/Paris").date().isoformat() == "2026-12-13"
    assert quota_renews_on(28, now, "Europe/Paris").date().isoformat() == "2026-11-28"
    assert quota_renews_on(31, datetime(2027, 1, 31, 12, tzinfo=UTC), "UTC").date().isoformat() == "2027-02-28"
    assert quota_renews_on(None, now, "UTC") is None


STOPPING = """
import asyncio, sys
from integrations.deepl.translator import DeepLTranslator, configure_retries
from bot.ports import TranslationUnavailable

async def main() -> None:
    configure_retries()  # as the wiring does: one HTTP attempt may wait 20 s
    translator = DeepLTranslator(sys.argv[1], server_url=sys.argv[2], timeout=0.3)
    try:
        await translator.translate(["Bonjour"], target="DE", source="FR")
    except TranslationUnavailable as exc:
        print(exc.reason)
    translator.close()

asyncio.run(main())
"""


def test_a_request_deepl_does_not_answer_does_not_keep_the_bot_from_stopping() -> None:
    """The bot gave up on the call: stopping does not wait for the HTTP attempt to time out."""
    with FakeDeepL() as server:
        server.hang_next(30.0)
        done = subprocess.run([sys.executable, "-c", STOPPING, server.auth_key, server.url], capture_output=True,
                              text=True, timeout=15, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0 and done.stdout.strip() == "timeout", done.stderr
