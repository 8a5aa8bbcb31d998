"""Language identification stays cheap whatever a message's length, and says the same."""

from __future__ import annotations

from typing import Any

import pytest

from bot.services.translation.language_id import SAMPLE_CHARACTERS, LanguageIdentifier, sample
from bot.services.translation.markup import has_words
from integrations.slack.text import parse

FRENCH = "Nous organisons la rencontre du cluster anti-rumeurs à Strasbourg avec les villes partenaires. "
GERMAN = "Wir haben einen interkulturellen Beirat gegründet, der sich jeden Monat im Rathaus trifft. "


def test_a_short_text_is_its_own_sample() -> None:
    assert sample(FRENCH) == FRENCH


def test_a_long_text_is_sampled_at_its_beginning_middle_and_end_between_words() -> None:
    text = " ".join(f"mot{i}" for i in range(20_000))
    taken = sample(text)
    assert len(taken) <= SAMPLE_CHARACTERS
    assert taken.startswith("mot0 mot1 ") and taken.endswith(" mot19999")
    assert any(9_000 < int(word[3:]) < 12_000 for word in taken.split())  # from the middle
    assert set(taken.split()) <= set(text.split())  # no word cut in two


def test_a_long_message_gives_lingua_a_bounded_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    identifier = LanguageIdentifier(["fr", "de", "en"])
    identifier.warm_up()
    model = identifier._model()
    seen: list[int] = []

    class Recording:
        def compute_language_confidence_values(self, text: str) -> Any:
            seen.append(len(text))
            return model.compute_language_confidence_values(text)

    monkeypatch.setattr(identifier, "_model", Recording)
    found = identifier.identify(FRENCH * 420)  # about 40,000 characters
    assert found.language == "fr" and found.confident
    assert seen and max(seen) <= SAMPLE_CHARACTERS
    # A long message mostly in German with a French greeting is German.
    assert identifier.identify("Bonjour à tous ! " + GERMAN * 400).language == "de"


def test_the_same_text_is_identified_once_until_a_language_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    identifier = LanguageIdentifier(["fr", "de", "en"])
    identifier.warm_up()
    model = identifier._model()
    seen: list[str] = []

    class Recording:
        def compute_language_confidence_values(self, text: str) -> Any:
            seen.append(text)
            return model.compute_language_confidence_values(text)

    monkeypatch.setattr(identifier, "_model", Recording)
    first = identifier.identify(FRENCH)
    assert identifier.identify(FRENCH) == first and first.language == "fr"
    assert identifier.identify(GERMAN).language == "de"
    assert seen == [FRENCH, GERMAN]
    identifier.include(["fr", "de"])  # nothing new: still remembered
    identifier.identify(FRENCH)
    assert seen == [FRENCH, GERMAN]
    identifier.include(["it"])  # a new language in play: identified again
    again = identifier.identify(FRENCH)
    # Same answer; the score may move slightly with the candidate set, so it is not compared.
    assert (again.language, again.confident) == (first.language, first.confident)
    assert seen == [FRENCH, GERMAN, FRENCH]


@pytest.mark.parametrize(("text", "expected"), [
    ("+1", False), ("ok!", False), ("hahaha", False), ("LOL 😂", False), (":tada: <@U1>", False),
    ("Merci", True), ("Okay then", True), ("a", True), (FRENCH * 400, True), ("🎉" * 5000 + " merci", True),
])
def test_words_worth_translating_short_or_long(text: str, expected: bool) -> None:
    assert has_words(parse(text).parts) is expected
