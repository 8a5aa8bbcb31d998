"""A text whose language the bot cannot tell with confidence is not paid for into the language it may be in.

"Os dejo el enlace a la convocatoria de la academia" is Spanish that the local identifier cannot tell from
Catalan with confidence. It goes first into the languages it surely is not in, without a source: DeepL says
which language it saw, and Spanish is asked for afterwards only when DeepL saw another one.
"""

from __future__ import annotations

from bot.models import TranslationMode
from bot.services.translation.language_id import Identified, LanguageIdentifier
from bot.wiring import Core
from tests.fakes.deepl import FakeDeepL
from tests.support.chat import PlatformChat
from tests.translation.conftest import CHANNEL, add_people, message

READERS = {"mireille": "fr", "ana": "pt", "katrin": "de", "lucia": "es"}
UNSURE = "Os dejo el enlace a la convocatoria de la academia: <https://example.org/report-2019.pdf>"


class UnsureIdentifier(LanguageIdentifier):
    """The real identifier, except that the Spanish text above is Spanish or Catalan, no more sure than that."""

    def identify(self, text: str) -> Identified:
        if text.startswith("Os dejo"):
            return Identified("es", False, 0.55, ("es", "ca"))
        return super().identify(text)


def setup(tcore: Core) -> None:
    add_people(tcore, READERS)
    translation = tcore.services.translation
    assert translation is not None
    translation.channels.set_mode(CHANNEL, TranslationMode.thread, by=None)
    translation.engine.identifier = UnsureIdentifier()
    translation.engine.identifier.warm_up()


def test_the_real_identifier_is_unsure_of_this_spanish() -> None:
    identified = LanguageIdentifier().identify("Os dejo el enlace a la convocatoria de la academia: the ICC index")
    assert identified.language == "es" and not identified.confident
    assert "es" in identified.candidates


async def test_an_unsure_text_costs_no_request_into_its_own_language(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    setup(tcore)
    fake.detect = lambda text: "ES"
    await tcore.dispatcher.message_posted(message("lucia", UNSURE, "1"))
    # The other languages, asked without a source (DeepL detects it); nothing asked into Spanish.
    assert sorted(call.target for call in fake.translate_calls) == ["DE", "FR", "PT-PT"]
    assert {call.source for call in fake.translate_calls} == {None}
    assert fake.billed_characters_by_target.get("ES", 0) == 0
    # Readers of the other languages get their translation; Spanish readers read the original.
    reply = chat.of("thread")[0]
    for marker in ("Français", "Deutsch", "Português"):
        assert marker in reply.text
    assert "Español" not in reply.text
    # Posted again, the text is answered from the cache: no request at all, still nothing into Spanish.
    before = len(fake.translate_calls)
    await tcore.dispatcher.message_posted(message("lucia", UNSURE, "2"))
    assert len(fake.translate_calls) == before
    assert "Español" not in chat.of("thread")[1].text and "Deutsch" in chat.of("thread")[1].text


async def test_an_unsure_text_goes_into_its_likely_language_when_deepl_sees_another(
    tcore: Core, chat: PlatformChat, fake: FakeDeepL
) -> None:
    setup(tcore)
    fake.detect = lambda text: "CA"
    await tcore.dispatcher.message_posted(message("lucia", UNSURE, "1"))
    targets = [call.target for call in fake.translate_calls]
    # Spanish is asked for once, after the others answered (a second round trip, for that language only).
    assert sorted(targets[:3]) == ["DE", "FR", "PT-PT"] and targets[3:] == ["ES"]
    reply = chat.of("thread")[0]
    for marker in ("Français", "Deutsch", "Português", "Español"):
        assert marker in reply.text


async def test_an_unsure_text_asked_only_into_its_likely_language_is_asked_at_once(
    tcore: Core, fake: FakeDeepL
) -> None:
    setup(tcore)
    fake.detect = lambda text: "ES"
    translation = tcore.services.translation
    assert translation is not None
    outcome = await translation.engine.translate_text(UNSURE, targets=["ES"])
    # Nothing else to learn DeepL's detection from: one request, as before (no language is left out).
    assert [call.target for call in fake.translate_calls] == ["ES"]
    # DeepL saw Spanish: the text is in Spanish already, and what came back is not a translation.
    assert outcome.source == "es" and outcome.texts == {}
