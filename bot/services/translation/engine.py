"""The translation engine: a text into the languages it is wanted in, at the least cost, for any feature.

`TranslationEngine.translate_text` identifies the text's own language locally (`language_id`) and asks the
translator only for the other languages. Each distinct (text, source, target, glossary, formality) is paid for
once ever: answers are kept in the database (and the most recent in memory), identical requests in flight are
shared, the languages of one text are requested concurrently, and texts for one language that are waiting at
the same moment go in one request (≤ 50 texts, ≤ 128 KiB). Mentions, links and code never reach the
translator: they are placeholders (`markup`), so "Merci @Ana !" and "Merci @Olena !" are one text.

Failures pause translation for a while (`breaker`); a cluster's monthly budget stops it for that cluster; the
characters billed are counted per scope (a cluster, "practices", "direct"). The channel listener, on-demand
translation, practices and any later feature (calendar, surveys, the bridge) call this engine.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from bot.errors import UserError
from bot.ports import Clock, Translation, TranslationUnavailable, Translator
from bot.richtext import Inline, RichText
from bot.services.translation.breaker import PAUSING, Breaker, pause_notice
from bot.services.translation.glossary import GLOSSARY_NAME, Glossary, GlossaryError, load_glossary
from bot.services.translation.language_id import NETWORK_LANGUAGES, LanguageIdentifier
from bot.services.translation.languages import (
    DEFAULT_TARGETS,
    FORMAL_TARGETS,
    NO_TAG_HANDLING,
    base,
    formality_for,
    source_code,
    target_code,
)
from bot.services.translation.markup import Encoded, decode, encode, has_words, split_pieces, words_of
from bot.services.translation.recent import Recent
from bot.services.translation.store import TranslationStore
from bot.services.translation.usage import Usage, month_of
from bot.settings import SUPPORTED_LOCALES, Settings

log = logging.getLogger(__name__)

#: Longest piece of a text sent as one (long texts are cut at paragraphs and sentences).
PIECE_CHARACTERS = 4500
#: DeepL's limits for one request, with room for the other parameters.
MAX_TEXTS_PER_REQUEST = 50
MAX_REQUEST_BYTES = 120 * 1024
#: The previous message given as context is cut to this many characters (context is not billed).
CONTEXT_CHARACTERS = 1000
#: Seconds before translations just paid for are written to the database when nobody calls `save` meanwhile
#: (the channel listener saves right after its reply: the in-memory cache answers until then).
SAVE_DELAY = 0.25
#: After the glossary could not be synced again, the next try waits this long.
GLOSSARY_RETRY = timedelta(minutes=10)


def cache_key(text: str, *, source: str | None, target: str, glossary: str, formality: str | None, xml: bool) -> str:
    """The identity of one translation: the same key is never paid for twice."""
    material = json.dumps(["v1", text, source or "", target, glossary, formality or "", xml], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass
class Outcome:
    """What translating one text gave."""

    source: str | None = None  # the text's language (ISO 639-1) when identified with confidence
    texts: dict[str, RichText] = field(default_factory=dict)  # target -> translation, markup restored
    sections: dict[str, RichText] = field(default_factory=dict)  # target -> what `finish` made of it
    nothing: bool = False  # nothing to translate (emoji, links, "+1")
    paused: bool = False
    over_budget: bool = False
    unconfigured: bool = False
    skipped: list[str] = field(default_factory=list)  # targets the translator refused

    def plain(self, target: str, original: str) -> str | None:
        """A plain text's translation into `target`; the text itself when it has nothing to translate; None
        when it could not be translated."""
        if target in self.texts:
            return self.texts[target].plain()
        return original if self.nothing else None


@dataclass
class _Pending:
    key: str
    text: str
    scope: str
    future: asyncio.Future[Translation]


@dataclass(frozen=True)
class _Params:
    target: str
    source: str | None
    formality: str | None
    glossary_id: str | None
    xml: bool
    context: str | None


@dataclass
class Stats:
    """Counters for the benchmark and `python -m bot deepl usage`."""

    requests: int = 0
    billed_characters: int = 0
    cache_hits: int = 0
    texts_sent: int = 0


class TranslationEngine:
    """Translates texts for every feature: cache, batching, in-flight sharing, breaker, budgets and usage."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: TranslationStore,
        clock: Clock,
        translator: Translator | None,
        identifier: LanguageIdentifier | None = None,
        glossary: Glossary | None = None,
        request_timeout: float = 15.0,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.translator = translator
        self.identifier = identifier or LanguageIdentifier(NETWORK_LANGUAGES)
        self.glossary = glossary
        self.glossary_id: str | None = None
        self.request_timeout = request_timeout
        self.breaker = Breaker(clock)
        self.stats = Stats()
        self.supported_targets: frozenset[str] = frozenset(DEFAULT_TARGETS)
        self.formal_targets: frozenset[str] = FORMAL_TARGETS
        self._glossary_retry_at: datetime | None = None
        self._glossary_sync: asyncio.Task[Any] | None = None
        self._memory: Recent = Recent(20_000)
        self._inflight: dict[str, asyncio.Future[Translation]] = {}
        self._pending: dict[_Params, list[_Pending]] = {}
        #: Characters billed per scope and month, and budgets.
        self.usage = Usage(store, clock)
        self._background: set[asyncio.Task[Any]] = set()
        self._unsaved: list[dict[str, Any]] = []  # translationcache rows not written yet
        self._save_handle: asyncio.TimerHandle | None = None
        self._started = False
        self._learning: asyncio.Task[None] | None = None

    @classmethod
    def build(cls, *, settings: Settings, engine: Engine, clock: Clock, translator: Translator | None,
              **options: Any) -> TranslationEngine:
        """The engine on this database, with the ICC glossary when it can be read."""
        glossary: Glossary | None
        try:
            glossary = load_glossary()
        except (GlossaryError, OSError) as exc:
            log.error("the ICC glossary cannot be used: %s", exc)
            glossary = None
        return cls(settings=settings, store=TranslationStore(engine), clock=clock, translator=translator,
                   glossary=glossary, **options)

    # ------------------------------------------------------------ start

    async def start(self) -> None:
        """Get ready without waiting on DeepL: its languages and the glossary sync come in the background.

        Nothing at start waits for DeepL to answer, and the language identifier loads its models when a text
        first needs them. The first translation waits for DeepL's languages and the glossary only if they are
        still on their way, and at most one request's time (`ready`).
        """
        if self._started:
            return
        self._started = True
        self.identifier.include(set(SUPPORTED_LOCALES) | self.store.city_languages())
        if self.translator is not None:
            self._learning = self.spawn(self._learn_from_deepl())

    async def _learn_from_deepl(self) -> None:
        assert self.translator is not None
        try:
            languages = await self.translator.target_languages()
            if languages:
                self.supported_targets = frozenset(lang.code for lang in languages)
                self.formal_targets = frozenset(lang.code for lang in languages if lang.supports_formality)
        except TranslationUnavailable as exc:
            log.warning("DeepL languages unavailable, using the built-in list: %s", exc)
        try:
            await self.sync_glossary()
        except TranslationUnavailable as exc:
            log.warning("the ICC glossary could not be synced to DeepL (translating without it): %s", exc)

    async def ready(self, *, within: float | None = None) -> bool:
        """Wait (at most `within` seconds, else as long as it takes) until DeepL's languages and the glossary
        are learnt; False when they are still on their way."""
        learning = self._learning
        if learning is None or learning.done():
            return True
        try:
            async with asyncio.timeout(within):
                await asyncio.shield(learning)
        except TimeoutError:
            log.warning("DeepL's languages and the glossary are still on their way: translating without them")
            return False
        return True

    async def sync_glossary(self, *, again: bool = False) -> str | None:
        """Send the glossary to DeepL when its content changed since the last sync (or, `again`, because DeepL
        no longer knows the stored one); returns its id."""
        if self.translator is None or self.glossary is None:
            return None
        state = self.store.glossary_state(GLOSSARY_NAME)
        if not again and state is not None and state.content_hash == self.glossary.content_hash:
            self.glossary_id = state.glossary_id
            return self.glossary_id
        glossary_id = await self.translator.sync_glossary(GLOSSARY_NAME, self.glossary.dictionaries())
        self.store.save_glossary_state(GLOSSARY_NAME, self.glossary.content_hash, glossary_id, now=self.clock.now())
        self.glossary_id = glossary_id
        log.info("ICC glossary synced to DeepL (%d terms, %d languages)", len(self.glossary),
                 len(self.glossary.languages))
        return glossary_id

    # ------------------------------------------------------------ translating a text

    async def translate_text(
        self,
        text: RichText | str,
        *,
        targets: Iterable[str],
        scope: str = "direct",
        context: str | None = None,
        source: str | None = None,
        finish: Callable[[str, RichText], RichText] | None = None,
    ) -> Outcome:
        """Translate `text` into every language of `targets` it is not already written in.

        Args:
            text: neutral rich text (a message, as its adapter parsed it), or plain text.
            targets: DeepL target codes (`FR`, `EN-GB`…), in the order the caller wants them.
            scope: where billed characters are counted (a cluster), and whose budget applies.
            context: the previous message of the thread (helps DeepL, not billed, not part of the cache key).
            source: the text's language when the caller knows it (a practice's language).
            finish: what to make of each translation (target, text) as soon as it arrives, while the other
                languages are still awaited: kept in `Outcome.sections`.
        """
        segments: tuple[Inline, ...] = (text,) if isinstance(text, str) else text.parts
        if not has_words(segments):
            return Outcome(nothing=True)
        unsure: tuple[str, ...] = ()
        if source is None:
            identified = await self.identifier.identify_async(words_of(segments))
            if identified.confident:
                source = identified.language
            else:
                unsure = identified.candidates
        wanted = list(dict.fromkeys(target_code(code) for code in targets))
        if source:
            wanted = [code for code in wanted if base(code) != base(source)]
        # A text of no sure language is not paid for into the languages it may be in: the other languages go
        # first (without a source: DeepL says which language it saw), and a candidate language is asked for
        # afterwards only when DeepL saw another one. Only such texts may take a second round trip.
        deferred = [code for code in wanted if base(code) in unsure]
        first = [code for code in wanted if base(code) not in unsure]
        if not first:
            first, deferred = deferred, []
        outcome = Outcome(source=base(source) if source else None)
        if not wanted:
            return outcome
        if self.translator is None:
            outcome.unconfigured = True
            return outcome
        # The glossary and DeepL's formal languages shape the request (and its cache key): wait for them if the
        # start is still learning them, but never longer than one request would take.
        await self.ready(within=self.request_timeout)
        pieces = split_pieces(segments, PIECE_CHARACTERS)
        plans: dict[str, tuple[list[Encoded], list[str], _Params]] = {}
        forms: dict[bool, list[Encoded]] = {}  # the text as sent: one form with XML tags, one with placeholders
        for target in first + deferred:
            xml = not ({target.split("-")[0], source_code(source or "")} & NO_TAG_HANDLING)
            if xml not in forms:
                forms[xml] = [encode(piece, xml=xml) for piece in pieces]
            encoded = forms[xml]
            glossary_id = self._glossary_for(source, target)
            formality = formality_for(target, self.formal_targets)
            keys = [
                cache_key(e.text, source=source_code(source) if source else None, target=target,
                          glossary=self.glossary.content_hash if glossary_id and self.glossary else "",
                          formality=formality, xml=xml)
                for e in encoded
            ]
            params = _Params(target=target, source=source_code(source) if source else None, formality=formality,
                             glossary_id=glossary_id, xml=xml,
                             context=context[-CONTEXT_CHARACTERS:] if context else None)
            plans[target] = (encoded, keys, params)
        known = self._known([key for _, keys, _ in plans.values() for key in keys])
        missing = {
            target: [(key, e.text) for key, e in zip(keys, encoded, strict=True) if key not in known]
            for target, (encoded, keys, _) in plans.items()
        }
        to_pay = sum(len(text) for items in missing.values() for _, text in items)
        if to_pay and self.usage.over_budget(scope, to_pay):
            outcome.over_budget = True
            return outcome
        if to_pay and not self.breaker.allow():
            outcome.paused = True
            return outcome

        seen: Counter[str] = Counter()  # the languages DeepL saw in the pieces (a text of no sure language)

        async def one_language(target: str) -> tuple[str, RichText | BaseException]:
            encoded, keys, params = plans[target]
            try:
                fetched = await self._fetch(params, missing[target], scope) if missing[target] else {}
            except TranslationUnavailable as exc:
                return target, exc
            # Markup goes back as each language arrives, not once the slowest one is in.
            restored: list[RichText] = []
            for piece, key in zip(encoded, keys, strict=True):
                translation = known.get(key) or fetched[key]
                if unsure:
                    seen[base(translation.detected_source)] += 1
                restored.append(decode(translation.text, piece))
            translated = RichText.of(*restored)
            if finish is not None:
                outcome.sections[target] = finish(target, translated)
            return target, translated

        async def one_round(targets: list[str]) -> None:
            for target, result in await asyncio.gather(*(one_language(code) for code in targets)):
                if isinstance(result, TranslationUnavailable) and result.reason in PAUSING:
                    outcome.paused = True
                elif isinstance(result, BaseException):
                    outcome.skipped.append(target)
                else:
                    outcome.texts[target] = result

        await one_round(first)
        if unsure and not outcome.paused:
            # Every piece of every language answered must agree for the text to count as in that language.
            language = next(iter(seen)) if len(seen) == 1 else ""
            if language:
                outcome.source = language
                deferred = [code for code in deferred if base(code) != language]
                # Asked into its own language (it was all there was to ask): not a translation.
                for target in [code for code in outcome.texts if base(code) == language]:
                    del outcome.texts[target]
                    outcome.sections.pop(target, None)
            if deferred:
                await one_round(deferred)
        if outcome.paused:
            outcome.texts.clear()
            outcome.sections.clear()
        return outcome

    def check_target(self, code: str) -> str:
        """A valid DeepL target for what a person typed, or a clear error listing the supported ones."""
        cleaned = "".join(ch for ch in code if ch.isalnum() or ch in "-_").strip()
        target = target_code(cleaned) if cleaned else ""
        if target not in self.supported_targets:
            raise UserError(
                "“{value}” is not a language I can translate into. Choose one of: {choices}.",
                value=code.strip()[:20],
                choices=", ".join(sorted(c.lower() for c in self.supported_targets)),
            )
        return target

    def pause_notice(self, locale: str) -> str:
        """Why translation is paused, and when it resumes, in `locale`."""
        return pause_notice(self.breaker, locale, settings=self.settings, now=self.clock.now())

    # ------------------------------------------------------------ the glossary

    def _glossary_for(self, source: str | None, target: str) -> str | None:
        if self._glossary_retry_at is not None and self.clock.now() >= self._glossary_retry_at:
            self._resync_glossary()
        if self.glossary_id and self.glossary is not None and self.glossary.covers(source, target):
            if not ({target.split("-")[0], source_code(source or "")} & NO_TAG_HANDLING):
                return self.glossary_id
        return None

    def _glossary_lost(self, glossary_id: str) -> None:
        """DeepL does not know `glossary_id` (a new key, or the glossary deleted there): translate without it
        and sync it again, in the background."""
        if self.glossary_id == glossary_id:
            log.warning("DeepL no longer knows the ICC glossary %s: translating without it while it is synced again",
                        glossary_id)
            self.glossary_id = None
            self._resync_glossary()

    def _resync_glossary(self) -> None:
        if self._glossary_sync is not None and not self._glossary_sync.done():
            return
        self._glossary_retry_at = None

        async def sync() -> None:
            try:
                await self.sync_glossary(again=True)
            except TranslationUnavailable as exc:
                log.warning("the ICC glossary could not be synced again (translating without it): %s", exc)
                self._glossary_retry_at = self.clock.now() + GLOSSARY_RETRY

        self._glossary_sync = self.spawn(sync())

    # ------------------------------------------------------------ the cache, batching and sharing

    def _known(self, keys: list[str]) -> dict[str, Translation]:
        """Translations already paid for: in memory, else in the database (one query)."""
        found: dict[str, Translation] = {}
        for key in keys:
            hit = self._memory.get(key)
            if hit is not None:
                found[key] = hit
        rest = [key for key in keys if key not in found]
        if rest:
            for key, (text, source) in self.store.cached_texts(rest).items():
                translation = Translation(text, source, 0)
                self._memory.put(key, translation)
                found[key] = translation
        self.stats.cache_hits += len(found)
        return found

    async def _fetch(self, params: _Params, items: list[tuple[str, str]], scope: str) -> dict[str, Translation]:
        """Translate `items` (key, text), sharing identical requests in flight and batching concurrent ones."""
        loop = asyncio.get_running_loop()
        futures: dict[str, asyncio.Future[Translation]] = {}
        for key, text in items:
            if key in futures:
                continue
            future = self._inflight.get(key)
            if future is None:
                future = loop.create_future()
                self._inflight[key] = future
                queue = self._pending.setdefault(params, [])
                if not queue:
                    # Everything asked for this language before the loop turns goes in one request.
                    loop.call_soon(self._flush, params)
                queue.append(_Pending(key, text, scope, future))
            futures[key] = future
        results = await asyncio.gather(*futures.values())
        return dict(zip(futures.keys(), results, strict=True))

    def _flush(self, params: _Params) -> None:
        queue = self._pending.pop(params, [])
        batch: list[_Pending] = []
        size = 0
        for item in queue:
            item_size = len(json.dumps(item.text)) + 4
            if batch and (len(batch) >= MAX_TEXTS_PER_REQUEST or size + item_size > MAX_REQUEST_BYTES):
                self.spawn(self._send(params, batch))
                batch, size = [], 0
            batch.append(item)
            size += item_size
        if batch:
            self.spawn(self._send(params, batch))

    async def _send(self, params: _Params, batch: list[_Pending], *, glossary_lost: bool = False) -> None:
        """One request to the translator; its answers go to the waiters, the cache and the usage counters.

        When DeepL does not know the glossary, the same texts are asked again at once without it (and kept
        under their key without a glossary), while the glossary is synced again.
        """
        assert self.translator is not None
        try:
            results = await self.translator.translate(
                [item.text for item in batch], target=params.target, source=params.source, context=params.context,
                formality=params.formality, glossary_id=params.glossary_id, xml=params.xml,
                ignore_tags=("x",) if params.xml else (), timeout=self.request_timeout,
            )
            if len(results) != len(batch):
                raise TranslationUnavailable("rejected", "the translator answered a different number of texts")
        except TranslationUnavailable as exc:
            if exc.reason == "glossary" and params.glossary_id is not None:
                self._glossary_lost(params.glossary_id)
                await self._send(dataclasses.replace(params, glossary_id=None), batch, glossary_lost=True)
                return
            if exc.reason in PAUSING:
                if self.breaker.failed(exc.reason):
                    log.warning("translation paused (%s): %s", exc.reason, exc.detail)
            else:
                log.error("the translator refused a request into %s: %s", params.target, exc.detail)
            self._fail(batch, exc)
            return
        except Exception as exc:  # a bug must not leave waiters hanging
            log.exception("translation request failed")
            self._fail(batch, TranslationUnavailable("rejected", repr(exc)))
            return
        if self.breaker.succeeded():
            log.info("translation resumed")
        billed_by_scope: Counter[str] = Counter()
        now = self.clock.now()
        for item, result in zip(batch, results, strict=True):
            key = item.key
            if glossary_lost:  # translated without the glossary: not what the glossary's key stands for
                key = cache_key(item.text, source=params.source, target=params.target, glossary="",
                                formality=params.formality, xml=params.xml)
            self._memory.put(key, result)
            self._inflight.pop(item.key, None)
            if not item.future.done():
                item.future.set_result(result)
            self._unsaved.append({"key": key, "source": result.detected_source[:8], "target": params.target,
                                  "text": result.text, "billed_characters": result.billed_characters,
                                  "created_at": now})
            billed_by_scope[item.scope] += result.billed_characters
        self.stats.requests += 1
        self.stats.texts_sent += len(batch)
        self.stats.billed_characters += sum(billed_by_scope.values())
        self.usage.add(billed_by_scope, month_of(now))
        # The waiters post their replies first; the bookkeeping follows (`save`), one write for all the
        # requests that answered meanwhile. Until then the in-memory cache has the translations.
        if self._save_handle is None:
            self._save_handle = asyncio.get_running_loop().call_later(SAVE_DELAY, self.save)

    def _fail(self, batch: list[_Pending], exc: TranslationUnavailable) -> None:
        for item in batch:
            self._inflight.pop(item.key, None)
            if not item.future.done():
                item.future.set_exception(exc)
                item.future.exception()  # retrieved: waiters may have gone

    def save(self) -> None:
        """Write the translations paid for and their usage that are still only in memory (one transaction)."""
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        rows, self._unsaved = self._unsaved, []
        usage = self.usage.unsaved()
        if not rows and not usage:
            return
        try:
            self.store.record(rows, usage)
        except Exception:
            log.exception("could not record %d translations", len(rows))

    # ------------------------------------------------------------ background work

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `coroutine` in the background; `drain` waits for it."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def drain(self) -> None:
        """Wait for background work (tests, benchmarks, shutdown), and write what is still only in memory.

        Learning DeepL's languages and syncing the glossary at start is not waited for: it starts again next time.
        """
        if self._learning is not None and not self._learning.done():
            self._learning.cancel()
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        self.save()
