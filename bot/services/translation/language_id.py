"""Local language identification: which language a message is written in, before paying DeepL for it.

DeepL bills a text even when it is already in the target language, so the bot identifies the language
itself (lingua, a maintained n-gram identifier, for the languages in play) and asks DeepL only for the
other ones. Short replies ("Merci !", "Дякую!") are too short for n-grams: a small lexicon of the
network's usual thanks and greetings decides those.

Lingua runs in its low-accuracy mode (trigram models: about 30 MB for the network's languages, instead of
400 MB for every n-gram model), and each language's model is loaded when a text first needs it, not at
start. Below `SHORT_TEXT` characters trigrams alone are less sure, so a short text counts as identified
only when lingua is nearly certain (`SURE_SHORT`); otherwise its likely languages go to DeepL's own detection
first (see the engine), which costs nothing more.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: Languages identified even when nobody in a channel reads them yet (the network's usual ones).
NETWORK_LANGUAGES = ("en", "fr", "es", "it", "pt", "de", "uk", "nl", "pl", "el", "sv", "ca", "ru")

#: Short replies that say the same whatever follows, by language (lower-case, without punctuation).
SHORT_REPLIES: dict[str, str] = {
    **dict.fromkeys(
        ["thanks", "thank you", "thanks a lot", "thank you all", "thanks all", "many thanks", "thx", "cheers",
         "hello", "hi", "hi all", "hello all", "good morning", "great", "great idea", "sounds good", "agreed",
         "welcome", "congratulations", "well done", "see you"], "en"),
    **dict.fromkeys(
        ["merci", "merci beaucoup", "merci à tous", "merci à toutes et à tous", "bonjour", "bonjour à tous",
         "salut", "bravo à tous", "super idée", "bienvenue", "félicitations", "à bientôt", "d'accord"], "fr"),
    **dict.fromkeys(
        ["gracias", "muchas gracias", "mil gracias", "hola", "hola a todos", "buenos días", "buenas",
         "enhorabuena", "bienvenidos", "de acuerdo", "genial"], "es"),
    **dict.fromkeys(
        ["grazie", "grazie mille", "grazie a tutti", "ciao", "ciao a tutti", "buongiorno", "benvenuti",
         "complimenti", "d'accordo", "perfetto"], "it"),
    **dict.fromkeys(
        ["obrigado", "obrigada", "muito obrigado", "muito obrigada", "olá", "olá a todos", "bom dia",
         "parabéns", "bem-vindos", "combinado"], "pt"),
    **dict.fromkeys(
        ["danke", "danke schön", "danke schon", "dankeschön", "vielen dank", "danke euch", "hallo",
         "hallo zusammen", "guten morgen", "guten tag", "willkommen", "glückwunsch", "einverstanden"], "de"),
    **dict.fromkeys(
        ["дякую", "дуже дякую", "дякую всім", "привіт", "вітаю", "доброго дня", "добрий день", "ласкаво просимо",
         "чудово", "згодна", "згоден"], "uk"),
    **dict.fromkeys(["dank je", "dank u", "bedankt", "hartelijk dank", "goedemorgen"], "nl"),
    **dict.fromkeys(["dziękuję", "dzięki", "dzień dobry", "cześć"], "pl"),
    **dict.fromkeys(["ευχαριστώ", "καλημέρα"], "el"),
    **dict.fromkeys(["tack", "tack så mycket", "god morgon", "hej"], "sv"),
    **dict.fromkeys(["gràcies", "moltes gràcies", "bon dia"], "ca"),
    **dict.fromkeys(["спасибо", "большое спасибо"], "ru"),
}

#: Below this many letters lingua's guess is not trusted unless it is overwhelming.
_SHORT = 12
#: Below this many characters the trigram models are trusted only when nearly certain (lingua's documentation
#: puts the low-accuracy mode on a par with the high one from about 120 characters on).
SHORT_TEXT = 120
SURE_SHORT = 0.95
#: When unsure, a language this likely (lingua's relative confidence) is a candidate for the text's own.
CANDIDATE_SHARE = 0.05

#: A longer text is identified on this many characters of it: its beginning, middle and end. Lingua's answer
#: does not change with more, and its cost grows with the text (26 ms for 40,000 characters, holding the
#: interpreter all along, so even a worker thread would stall the event loop).
SAMPLE_CHARACTERS = 1200
#: Texts whose identification is remembered (by a hash of the text): the same texts come back often
#: ("Merci !", a broadcast posted in several channels, a message edited), and lingua costs a millisecond or more.
REMEMBERED = 20_000


def sample(text: str) -> str:
    """`text`, or for a long one its beginning, middle and end, cut between words."""
    if len(text) <= SAMPLE_CHARACTERS:
        return text
    third = SAMPLE_CHARACTERS // 3
    middle = len(text) // 2
    head, body, tail = text[:third], text[middle - third // 2 : middle + third // 2], text[-third:]
    return " ".join([head.rsplit(None, 1)[0], body.split(None, 1)[-1].rsplit(None, 1)[0], tail.split(None, 1)[-1]])


@dataclass(frozen=True)
class Identified:
    """The language of a text (ISO 639-1, lower case) and whether the bot is sure enough to act on it."""

    language: str | None
    confident: bool
    score: float = 0.0
    #: When not confident, the languages the text may well be in (most likely first): the translator's own
    #: detection decides between them before anything is paid for a translation into one of them.
    candidates: tuple[str, ...] = ()


def normalise(text: str) -> str:
    """Lower case, without punctuation, symbols and emoji, single spaces."""
    kept = []
    for ch in text.casefold():
        category = unicodedata.category(ch)
        if category.startswith(("L", "M", "N")) or ch in "'-":
            kept.append(ch)
        else:
            kept.append(" ")
    return " ".join("".join(kept).replace("’", "'").split()).strip("'- ")


class LanguageIdentifier:
    """Identifies the language of texts among the languages in play; each language's model is loaded when a
    text first needs it."""

    def __init__(self, languages: Iterable[str] = NETWORK_LANGUAGES, *, threshold: float = 0.6) -> None:
        self._wanted = {code.lower().split("-")[0] for code in languages}
        self._built_for: frozenset[str] = frozenset()
        self._detector: Any = None
        self._lock = threading.Lock()
        self.threshold = threshold
        self._remembered: dict[bytes, Identified] = {}

    # ------------------------------------------------------------ the model

    def include(self, languages: Iterable[str]) -> None:
        """Add languages in play (a new member's language); the model is rebuilt at next use if needed."""
        added = {code.lower().split("-")[0] for code in languages if code} - self._wanted
        if added:
            self._wanted |= added
            self._remembered = {}  # identified among fewer languages: identify again

    def _model(self) -> Any:
        wanted = frozenset(self._wanted)
        if self._detector is not None and wanted <= self._built_for:
            return self._detector
        with self._lock:
            if self._detector is not None and wanted <= self._built_for:
                return self._detector
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            known = []
            for code in sorted(wanted):
                iso = getattr(IsoCode639_1, code.upper(), None)
                if iso is not None:
                    known.append(iso)
            if len(known) < 2:
                known = [IsoCode639_1.EN, IsoCode639_1.FR]
            started = time.perf_counter()
            # Not preloaded: lingua loads a language's models when a text first needs them (and keeps them
            # for every detector of the process).
            self._detector = LanguageDetectorBuilder.from_iso_codes_639_1(*known).with_low_accuracy_mode().build()
            self._built_for = wanted
            log.info("language identifier built for %d languages in %.2f s", len(known),
                     time.perf_counter() - started)
            return self._detector

    def warm_up(self) -> None:
        """Build the identifier now (tests and benchmarks; the bot builds it when a text first needs it)."""
        self._model()

    # ------------------------------------------------------------ identifying

    def identify(self, text: str) -> Identified:
        """The language of `text` (words only: strip markup first); the same text is identified once."""
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        remembered = self._remembered
        found = remembered.get(key)
        if found is None:
            found = self._identify(text)
            if len(remembered) >= REMEMBERED:
                remembered.pop(next(iter(remembered)), None)
            remembered[key] = found
        return found

    def _identify(self, text: str) -> Identified:
        text = sample(text)
        plain = normalise(text)
        if not plain:
            return Identified(None, False)
        known = SHORT_REPLIES.get(plain)
        if known is not None:
            return Identified(known, True, 1.0)
        first_words = " ".join(plain.split()[:3])
        for length in (3, 2, 1):
            phrase = " ".join(first_words.split()[:length])
            known = SHORT_REPLIES.get(phrase)
            if known is not None and len(plain) <= 2 * len(phrase) + 4:
                return Identified(known, True, 0.9)
        values = self._model().compute_language_confidence_values(text)
        if not values:
            return Identified(None, False)
        best = values[0]
        second = values[1].value if len(values) > 1 else 0.0
        code = best.language.iso_code_639_1.name.lower()
        letters = sum(1 for ch in plain if ch.isalpha())
        confident = best.value >= self.threshold and (letters >= _SHORT or best.value - second >= 0.5)
        if len(text) < SHORT_TEXT and best.value < SURE_SHORT:
            confident = False
        if confident:
            return Identified(code, True, float(best.value), (code,))
        candidates = [code] + [value.language.iso_code_639_1.name.lower() for value in values[1:3]
                               if value.value >= CANDIDATE_SHARE]
        return Identified(code, False, float(best.value), tuple(candidates))

    async def identify_async(self, text: str) -> Identified:
        """Like `identify`, off the event loop while the identifier is still being built.

        Once it is built, identifying takes a millisecond or less whatever the text's length (`sample`), and
        lingua holds the interpreter while it works: a thread would only add a hand-over to the wait.
        """
        if self._detector is None:
            return await asyncio.to_thread(self.identify, text)
        return self.identify(text)
