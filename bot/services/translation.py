"""Translation of cluster channels: every member reads every message in their own language, at the least cost.

How a message travels (`on_message`): the bot learns who reads the channel, parses the message's markup
(`markup`), identifies the text's own language locally (`language_id`), and asks the translator only for
the other languages the channel needs. Each distinct (text, source, target, glossary, formality) is asked
once ever: answers are kept in the database (and the most recent in memory), identical requests in flight
are shared, the languages of one message are requested concurrently, and texts for one language that are
waiting at the same moment go in one request (≤ 50 texts, ≤ 128 KiB). Mentions, links and code never reach
the translator: they are placeholders, so "Merci <@U1> !" and "Merci <@U2> !" are one text.

When the translator fails (quota, rate limit after retries, server error, no answer) a circuit breaker
pauses translation for a while, the originals are delivered as they are, each channel is told once, and
translation resumes by itself when the pause is over. Bot posts are never translated, so no loop is
possible between mirror channels.
"""

from __future__ import annotations

import asyncio
import calendar
import dataclasses
import functools
import hashlib
import json
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import N_, format_date, format_datetime, format_number, negotiate, t
from bot.messages import Identity, MessagePosted, ReactionAdded, Reply
from bot.models import (
    ChannelTranslation,
    Member,
    MirrorChannel,
    Practice,
    PracticeTranslation,
    TranslatedPost,
    TranslationMode,
)
from bot.ports import (
    ChannelDirectory,
    Chat,
    Clock,
    EditableChat,
    MessageFetching,
    MessageSplitting,
    PostingAs,
    Translation,
    TranslationUnavailable,
    Translator,
)
from bot.richtext import Inline, RichText, Style, Styled
from bot.services.glossary import GLOSSARY_NAME, Glossary, GlossaryError, load_glossary
from bot.services.language_id import NETWORK_LANGUAGES, LanguageIdentifier
from bot.services.markup import Encoded, decode, encode, has_words, split_pieces, words_of
from bot.services.translation_languages import (
    DEFAULT_TARGETS,
    FORMAL_TARGETS,
    NO_TAG_HANDLING,
    base,
    display_name,
    flag_of,
    flag_target,
    formality_for,
    source_code,
    speaks,
    target_code,
)
from bot.services.translation_store import TranslationStore
from bot.settings import SUPPORTED_LOCALES, Settings

if TYPE_CHECKING:
    from bot.services.members import MemberService

log = logging.getLogger(__name__)

#: Longest piece of a message sent as one text (long messages are cut at paragraphs and sentences).
PIECE_CHARACTERS = 4500
#: DeepL's limits for one request, with room for the other parameters.
MAX_TEXTS_PER_REQUEST = 50
MAX_REQUEST_BYTES = 120 * 1024
#: The previous message given as context is cut to this many characters (context is not billed).
CONTEXT_CHARACTERS = 1000
#: Seconds before translations just paid for are written to the database when no reply is posted meanwhile
#: (a channel message writes them right after its reply: the in-memory cache answers until then).
SAVE_DELAY = 0.25
#: Reasons that pause translation; `rejected` (a 400) only skips the message concerned.
PAUSING = frozenset({"quota", "rate_limited", "server", "timeout", "connection", "auth"})

#: What a channel (or a person asking) is told when translation pauses, by cause.
QUOTA_NOTICE = N_("Translation is paused: the DeepL quota for this period is used up. Messages are delivered as "
                  "written until the quota renews on {date}.")
QUOTA_NOTICE_NO_DATE = N_("Translation is paused: the DeepL quota for this period is used up. Messages are "
                          "delivered as written until the quota renews at the start of the next billing period.")
RATE_NOTICE = N_("Translation is paused: DeepL is receiving too many requests. Messages are delivered as written; "
                 "translation resumes at about {time}.")
OUTAGE_NOTICE = N_("Translation is paused: DeepL is not answering. Messages are delivered as written; translation "
                   "will try again at {time} and resume by itself.")
KEY_NOTICE = N_("Translation is paused: DeepL refuses the bot's key. Messages are delivered as written until the "
                "ICC team sets a valid DeepL key.")
#: After the glossary could not be synced again, the next try waits this long.
GLOSSARY_RETRY = timedelta(minutes=10)
BUDGET_NOTICE = N_("This cluster has used its translation budget for this month. Messages are delivered as "
                   "written until next month, or until a coordinator raises the budget with /translation budget.")


def cache_key(text: str, *, source: str | None, target: str, glossary: str, formality: str | None, xml: bool) -> str:
    """The identity of one translation: the same key is never paid for twice."""
    material = json.dumps(["v1", text, source or "", target, glossary, formality or "", xml], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


# ---------------------------------------------------------------- the circuit breaker


class Breaker:
    """Pauses translation after a failure, and lets one message try again when the pause is over.

    Pauses grow (1, 2, 4… up to 60 minutes) while failures repeat; a quota error pauses for an hour.
    Time comes from the clock, so tests move it instead of sleeping.
    """

    def __init__(self, clock: Clock, *, first_pause: timedelta = timedelta(minutes=1),
                 longest_pause: timedelta = timedelta(minutes=60)) -> None:
        self.clock = clock
        self.first_pause = first_pause
        self.longest_pause = longest_pause
        self.until: datetime | None = None
        self.reason = ""
        self.failures = 0
        self._probing = False

    @property
    def paused(self) -> bool:
        return self.until is not None

    def allow(self) -> bool:
        """Whether a request may go now (after the pause, one probe goes; the others wait for its answer)."""
        if self.until is None:
            return True
        if self.clock.now() < self.until or self._probing:
            return False
        self._probing = True
        return True

    def succeeded(self) -> bool:
        """Close; returns True when this ends a pause."""
        was_paused = self.until is not None
        self.until, self.reason, self.failures, self._probing = None, "", 0, False
        return was_paused

    def failed(self, reason: str) -> bool:
        """Open (or extend) the pause; returns True when this starts a pause.

        Requests that were already on their way when the pause began (the other languages of the same message)
        fail with it: they do not make the pause longer; a failed probe after the pause does.
        """
        started = self.until is None
        if not started and not self._probing and self.clock.now() < (self.until or self.clock.now()):
            return False
        self.failures += 1
        pause = self.longest_pause if reason in ("quota", "auth") else min(
            self.first_pause * (2 ** (self.failures - 1)), self.longest_pause
        )
        self.until = self.clock.now() + pause
        self.reason = reason
        self._probing = False
        return started


class TranslationPaused(Exception):
    """Translation is paused (breaker open); the caller delivers the original."""


# ---------------------------------------------------------------- results


@dataclass
class Outcome:
    """What translating one message gave."""

    source: str | None = None  # the text's language (ISO 639-1) when identified with confidence
    texts: dict[str, RichText] = field(default_factory=dict)  # target -> translation, markup restored
    sections: dict[str, RichText] = field(default_factory=dict)  # target -> what `finish` made of it
    nothing: bool = False  # nothing to translate (emoji, links, "+1")
    paused: bool = False
    over_budget: bool = False
    unconfigured: bool = False
    skipped: list[str] = field(default_factory=list)  # targets the translator refused


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


class _Recent(OrderedDict[Any, Any]):
    """A bounded dictionary that forgets the oldest entries."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


# ---------------------------------------------------------------- the service


class TranslationService:
    """Translates cluster channels, on-demand requests and practices."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: TranslationStore,
        members: MemberService,
        clock: Clock,
        translator: Translator | None,
        identifier: LanguageIdentifier | None = None,
        glossary: Glossary | None = None,
        request_timeout: float = 15.0,
        cache_seconds: float = 30.0,
        practices: Any = None,
    ) -> None:
        self.settings = settings
        self.practices = practices
        self.store = store
        self.members = members
        self.clock = clock
        self.translator = translator
        self.identifier = identifier or LanguageIdentifier(NETWORK_LANGUAGES)
        self.glossary = glossary
        self.glossary_id: str | None = None
        self._glossary_retry_at: datetime | None = None
        self._glossary_sync: asyncio.Task[Any] | None = None
        self.request_timeout = request_timeout
        self.breaker = Breaker(clock)
        self.stats = Stats()
        self.supported_targets: frozenset[str] = frozenset(DEFAULT_TARGETS)
        self.formal_targets: frozenset[str] = FORMAL_TARGETS
        self.usage_check_interval = timedelta(minutes=10)
        self._cache_seconds = cache_seconds
        self._memory: _Recent = _Recent(20_000)
        self._inflight: dict[str, asyncio.Future[Translation]] = {}
        self._pending: dict[_Params, list[_Pending]] = {}
        self._recent_messages: _Recent = _Recent(5_000)
        self._thread_last: _Recent = _Recent(5_000)
        self._own_posts: _Recent = _Recent(20_000)
        self._known_readers: _Recent = _Recent(50_000)
        self._channel_cache: dict[str, tuple[float, Any]] = {}
        self._directory_checked: _Recent = _Recent(5_000)
        self._told_paused: set[str] = set()
        self._usage_counters: dict[tuple[str, str], int] = {}
        self._last_usage_check: datetime | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._unsaved: list[dict[str, Any]] = []  # translationcache rows not written yet
        self._unsaved_usage: dict[tuple[str, str], list[int]] = {}
        self._save_handle: asyncio.TimerHandle | None = None
        self._started = False

    # ------------------------------------------------------------ start

    @classmethod
    def build(cls, *, settings: Settings, engine: Any, members: MemberService, clock: Clock,
              translator: Translator | None, **options: Any) -> TranslationService:
        glossary: Glossary | None
        try:
            glossary = load_glossary()
        except (GlossaryError, OSError) as exc:
            log.error("the ICC glossary cannot be used: %s", exc)
            glossary = None
        return cls(settings=settings, store=TranslationStore(engine), members=members, clock=clock,
                   translator=translator, glossary=glossary, **options)

    async def start(self) -> None:
        """Get ready: build the language identifier (in a thread), learn DeepL's languages, sync the glossary."""
        if self._started:
            return
        self._started = True
        self.identifier.include(set(SUPPORTED_LOCALES) | self.store.city_languages())
        warm = asyncio.to_thread(self.identifier.warm_up)
        if self.translator is None:
            await warm
            return
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
        await warm
        self._spawn(self.translate_published_practices())

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

    # ------------------------------------------------------------ the core: translating a text

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
        if to_pay and self._over_budget(scope, to_pay):
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
            except (TranslationUnavailable, TranslationPaused) as exc:
                return target, exc
            # Markup goes back as each language arrives, not once the slowest one is in.
            restored: list[RichText] = []
            for piece, key in zip(encoded, keys, strict=True):
                translation = known.get(key) or fetched[key]
                if deferred:
                    seen[base(translation.detected_source)] += 1
                restored.append(decode(translation.text, piece))
            translated = RichText.of(*restored)
            if finish is not None:
                outcome.sections[target] = finish(target, translated)
            return target, translated

        async def one_round(targets: list[str]) -> None:
            for target, result in await asyncio.gather(*(one_language(code) for code in targets)):
                if isinstance(result, TranslationPaused) or (
                    isinstance(result, TranslationUnavailable) and result.reason in PAUSING
                ):
                    outcome.paused = True
                    continue
                if isinstance(result, BaseException):
                    outcome.skipped.append(target)
                    continue
                outcome.texts[target] = result

        await one_round(first)
        if deferred and not outcome.paused:
            # Every piece of every language answered must agree for the text to count as in that language.
            language = next(iter(seen)) if len(seen) == 1 else ""
            if language and language in unsure:
                outcome.source = language
                deferred = [code for code in deferred if base(code) != language]
            if deferred:
                await one_round(deferred)
        if outcome.paused:
            outcome.texts.clear()
            outcome.sections.clear()
        return outcome

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

        self._glossary_sync = asyncio.ensure_future(sync())
        self._background.add(self._glossary_sync)
        self._glossary_sync.add_done_callback(self._background.discard)

    def _glossary_for(self, source: str | None, target: str) -> str | None:
        if self._glossary_retry_at is not None and self.clock.now() >= self._glossary_retry_at:
            self._resync_glossary()
        if self.glossary_id and self.glossary is not None and self.glossary.covers(source, target):
            if not ({target.split("-")[0], source_code(source or "")} & NO_TAG_HANDLING):
                return self.glossary_id
        return None

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
                self._spawn(self._send(params, batch))
                batch, size = [], 0
            batch.append(item)
            size += item_size
        if batch:
            self._spawn(self._send(params, batch))

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
            for item in batch:
                self._inflight.pop(item.key, None)
                if not item.future.done():
                    item.future.set_exception(exc)
                    item.future.exception()  # retrieved: waiters may have gone
            return
        except Exception as exc:  # a bug must not leave waiters hanging
            log.exception("translation request failed")
            for item in batch:
                self._inflight.pop(item.key, None)
                if not item.future.done():
                    item.future.set_exception(TranslationUnavailable("rejected", repr(exc)))
                    item.future.exception()
            return
        if self.breaker.succeeded():
            log.info("translation resumed")
            self._told_paused.clear()
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
        month = month_of(now)
        for index, (scope, billed) in enumerate(billed_by_scope.items()):
            self._usage_counters[(scope, month)] = self._usage(scope, month) + billed
            unsaved = self._unsaved_usage.setdefault((scope, month), [0, 0])
            unsaved[0] += billed
            unsaved[1] += 1 if index == 0 else 0
        # The waiters post their replies first; the bookkeeping follows (`save`), one write for all the
        # requests that answered meanwhile. Until then the in-memory cache has the translations.
        if self._save_handle is None:
            self._save_handle = asyncio.get_running_loop().call_later(SAVE_DELAY, self.save)

    def save(self) -> None:
        """Write the translations paid for and their usage that are still only in memory (one transaction)."""
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        rows, self._unsaved = self._unsaved, []
        usage, self._unsaved_usage = self._unsaved_usage, {}
        if not rows and not usage:
            return
        try:
            self.store.record(rows, [(scope, month, billed, requests)
                                     for (scope, month), (billed, requests) in usage.items()])
        except Exception:
            log.exception("could not record %d translations", len(rows))

    # ------------------------------------------------------------ budgets and quota

    def _usage(self, scope: str, month: str) -> int:
        if (scope, month) not in self._usage_counters:
            self._usage_counters[(scope, month)] = self.store.usage(scope, month)
        return self._usage_counters[(scope, month)]

    def _over_budget(self, scope: str, characters: int) -> bool:
        budget = self._cached(f"budget:{scope}", lambda: self.store.budget(scope))
        if budget is None:
            return False
        return self._usage(scope, month_of(self.clock.now())) + characters > budget

    async def check_quota(self, chat: Chat | None = None, *, force: bool = False) -> float | None:
        """Ask DeepL how much of the quota is used; warn the ICC team once at 80 % and once at 95 %."""
        now = self.clock.now()
        if self.translator is None:
            return None
        if not force and not self._quota_check_due():
            return None
        self._last_usage_check = now
        try:
            usage = await self.translator.usage()
        except TranslationUnavailable as exc:
            log.warning("DeepL usage unavailable: %s", exc)
            return None
        fraction = usage.fraction
        for threshold in (95, 80):
            if fraction * 100 >= threshold:
                if self.store.claim_notice(f"quota-{threshold}", "deepl", month_of(now)) and chat is not None:
                    await self._warn_team(chat, threshold, usage.character_count, usage.character_limit)
                break
        return fraction

    def _quota_check_due(self) -> bool:
        last = self._last_usage_check
        return last is None or self.clock.now() - last >= self.usage_check_interval

    async def _warn_team(self, chat: Chat, threshold: int, used: int, limit: int) -> None:
        for member in self.store.icc_team(chat.platform):
            locale = negotiate(member.preferred_language, member.locale, default=self.settings.default_locale)
            text = t(locale, "The DeepL quota is {percent} % used for this period ({used} of {limit} characters).",
                     percent=threshold, used=format_number(locale, used), limit=format_number(locale, limit))
            try:
                await chat.direct_message(Identity(member.platform, member.workspace_id, member.user_id),
                                          Reply(text=text, ephemeral=False))
            except Exception:
                log.exception("could not warn %s about the DeepL quota", member.user_id)

    # ------------------------------------------------------------ channels

    def _cached(self, key: str, load: Any) -> Any:
        now = time.monotonic()
        hit = self._channel_cache.get(key)
        if hit is not None and now - hit[0] < self._cache_seconds:
            return hit[1]
        value = load()
        self._channel_cache[key] = (now, value)
        return value

    def forget(self, channel: Identity | None = None) -> None:
        """Drop what is remembered about channels (after a setting or someone's language changed)."""
        if channel is None:
            self._channel_cache.clear()
            return
        for key in [k for k in self._channel_cache if str(channel) in k]:
            del self._channel_cache[key]

    def channel_settings(self, channel: Identity) -> ChannelTranslation | None:
        return self._cached(f"settings:{channel}", lambda: self.store.channel(channel))

    def scope_of(self, channel: Identity) -> str:
        return self._cached(f"scope:{channel}", lambda: self.store.scope_of(channel))

    def reading_language(self, member: Member, override: str | None = None) -> str | None:
        """The DeepL language `member` reads translations in (None: unknown)."""
        if override:
            return override
        preferred = member.preferred_language
        locale = (member.locale or "").replace("_", "-")
        if preferred:
            if base(locale) == base(preferred) and "-" in locale and target_code(locale) in self.supported_targets:
                return target_code(locale)
            return target_code(preferred)
        if locale:
            code = negotiate(locale, default="")
            if code:
                variant = target_code(locale)
                return variant if variant in self.supported_targets else target_code(code)
        return None

    def channel_languages(self, channel: Identity) -> list[str]:
        """The languages a channel is read in: set explicitly, or those of its members (most readers first)."""
        row = self.channel_settings(channel)
        if row is not None and row.language_list:
            return row.language_list
        return self._cached(f"languages:{channel}", lambda: self._member_languages(channel))

    def _member_languages(self, channel: Identity) -> list[str]:
        readers = self.store.readers(channel)
        overrides = self.store.reading_languages(m.id for m in readers if m.id is not None)
        counts: Counter[str] = Counter()
        for member in readers:
            language = self.reading_language(member, overrides.get(member.id or 0))
            if language:
                counts[language] += 1
        return [language for language, _ in counts.most_common()]

    def _learn_reader(self, event: MessagePosted) -> None:
        key = (str(event.channel), str(event.author))
        if key in self._known_readers:
            return
        member = self.members.get_or_create(event.author, display_name=event.display_name)
        if member.id is not None:
            self.store.add_readers(event.channel, [member.id], now=self.clock.now())
        self._known_readers.put(key, True)
        self.forget(event.channel)

    async def _learn_from_platform(self, chat: Chat, channel: Identity) -> None:
        if not isinstance(chat, ChannelDirectory):
            return
        key = str(channel)
        checked = self._directory_checked.get(key)
        now = self.clock.now()
        if checked is not None and now - checked < timedelta(minutes=30):
            return
        self._directory_checked.put(key, now)
        try:
            people = await chat.channel_members(channel)
        except Exception:
            log.exception("could not list the members of %s", channel)
            return
        known = self.store.members_by_identity(channel.platform, channel.workspace, (p.id for p in people))
        self.store.add_readers(channel, [m.id for m in known if m.id is not None], now=now)
        self.forget(channel)

    # ------------------------------------------------------------ listening to channels

    async def on_message(self, event: MessagePosted, chat: Chat) -> None:
        """Every channel message: translate it (thread or mirror mode), or follow its edit or deletion."""
        if event.author_is_bot or self._is_own(event.channel, event.message_id):
            return
        row = self.channel_settings(event.channel)
        if event.deleted:
            await self._follow_delete(event, chat)
            return
        if not event.edited:
            self._remember(event)
            self._learn_reader(event)
        if row is None or row.mode is TranslationMode.off:
            return
        if isinstance(chat, ChannelDirectory):
            self._spawn(self._learn_from_platform(chat, event.channel))
        if event.edited:
            await self._follow_edit(event, chat, row)
        elif row.mode is TranslationMode.thread:
            await self._translate_into_thread(event, chat)
        else:
            await self._mirror(event, chat, row)
        self.save()  # the translations just posted, now that nobody waits for them
        if self.translator is not None and self.usage_check_interval.total_seconds() >= 0 and self._quota_check_due():
            self._spawn(self.check_quota(chat))

    def _is_own(self, channel: Identity, message_id: str) -> bool:
        if (str(channel), message_id) in self._own_posts:
            return True
        return False

    def _remember(self, event: MessagePosted) -> None:
        self._recent_messages.put((str(event.channel), event.message_id), event.text)

    def _context_for(self, event: MessagePosted) -> str | None:
        if event.thread_id is None:
            return None
        return self._thread_last.get((str(event.channel), event.thread_id))

    def _note_in_thread(self, event: MessagePosted) -> None:
        root = event.thread_id or event.message_id
        self._thread_last.put((str(event.channel), root), event.text.plain())

    async def _translate_message(self, event: MessagePosted, targets: list[str],
                                 finish: Callable[[str, RichText], RichText] | None = None) -> Outcome:
        outcome = await self.translate_text(
            event.text, targets=targets, scope=self.scope_of(event.channel), context=self._context_for(event),
            finish=finish,
        )
        self._note_in_thread(event)
        return outcome

    async def _translate_into_thread(self, event: MessagePosted, chat: Chat) -> None:
        languages = self.channel_languages(event.channel)
        if not languages:
            return
        outcome = await self._translate_message(event, languages, _thread_section)
        root = event.thread_id or event.message_id
        if await self._tell_if_stopped(outcome, event, chat, languages):
            return
        posts = self._thread_posts(outcome, languages, chat)
        ids = []
        for text in posts:
            ids.append(await chat.reply_in_thread(event.channel, root, Reply(
                text="", rich=text, quiet=True, ephemeral=False, in_thread_of=root)))
        self._record_posts(event, [("*", part, event.channel.id, post_id) for part, post_id in enumerate(ids)])

    def _thread_posts(self, outcome: Outcome, languages: Sequence[str], chat: Chat) -> list[RichText]:
        """The thread reply: each translation under its language and "machine-translated", in as many posts as
        the platform needs."""
        sections = []
        for target in languages:
            code = target_code(target)
            if code in outcome.texts:
                sections.append(outcome.sections.get(code) or _thread_section(code, outcome.texts[code]))
        return split_for(chat, RichText.of("\n\n").join(sections)) if sections else []

    def _record_posts(self, event: MessagePosted, posts: list[tuple[str, int, str, str]]) -> None:
        rows = []
        for language, part, channel_id, post_id in posts:
            self._own_posts.put((f"{event.channel.platform}:{event.channel.workspace}:{channel_id}", post_id), True)
            rows.append(TranslatedPost(platform=event.channel.platform, workspace_id=event.channel.workspace,
                                       channel_id=event.channel.id, message_id=event.message_id, language=language,
                                       part=part, post_channel_id=channel_id, post_message_id=post_id,
                                       created_at=self.clock.now()))
        self.store.add_posts(rows)

    async def _tell_if_stopped(self, outcome: Outcome, event: MessagePosted, chat: Chat,
                               languages: Sequence[str]) -> bool:
        """Tell the channel once that translation is paused (or its budget is spent); True when it is."""
        if outcome.paused:
            key = f"paused:{self.breaker.reason}:{event.channel}"
            if key not in self._told_paused:
                self._told_paused.add(key)
                await self._notice(chat, event.channel, languages, self.pause_notice)
            return True
        if outcome.over_budget:
            scope = self.scope_of(event.channel)
            if self.store.claim_notice("budget", scope, month_of(self.clock.now())):
                await self._notice(chat, event.channel, languages, lambda locale: t(locale, BUDGET_NOTICE))
            return True
        return False

    def pause_notice(self, locale: str) -> str:
        """Why translation is paused, and when it resumes, in `locale`."""
        reason, until = self.breaker.reason, self.breaker.until or self.clock.now()
        when = format_datetime(locale, until, format="short", tz=self.settings.time_zone)
        if reason == "quota":
            renews = quota_renews_on(self.settings.deepl_quota_renewal_day, self.clock.now(), self.settings.time_zone)
            if renews is None:
                return t(locale, QUOTA_NOTICE_NO_DATE)
            return t(locale, QUOTA_NOTICE, date=format_date(locale, renews, format="long"))
        if reason == "rate_limited":
            return t(locale, RATE_NOTICE, time=when)
        if reason == "auth":
            return t(locale, KEY_NOTICE)
        return t(locale, OUTAGE_NOTICE, time=when)

    async def _notice(self, chat: Chat, channel: Identity, languages: Sequence[str],
                      text_in: Callable[[str], str]) -> None:
        locales = list(dict.fromkeys([speaks(code) or "en" for code in languages] or ["en"]))
        text = "\n".join(text_in(locale) for locale in locales)
        try:
            await chat.post(channel, Reply(text=text, ephemeral=False))
        except Exception:
            log.exception("could not tell %s that translation stopped", channel)

    # ------------------------------------------------------------ mirror channels

    async def _mirror(self, event: MessagePosted, chat: Chat, row: ChannelTranslation) -> None:
        if row.id is None:
            return
        mirrors = self._cached(f"mirrors:{event.channel}", lambda: self.store.mirrors(row.id or 0))
        if not mirrors:
            return
        outcome = await self._translate_message(event, [m.language for m in mirrors])
        stopped = await self._tell_if_stopped(outcome, event, chat, [m.language for m in mirrors])
        del stopped  # the original goes to every sibling all the same

        async def one(mirror: MirrorChannel) -> list[tuple[str, int, str, str]]:
            sibling = Identity(event.channel.platform, event.channel.workspace, mirror.channel_id)
            texts = split_for(chat, outcome.texts.get(mirror.language, event.text))
            thread = self._mirrored_thread(event, mirror)
            ids = []
            for part in texts:
                ids.append(await self._post_as_author(chat, sibling, part, event, thread))
            return [(mirror.language, i, mirror.channel_id, post_id) for i, post_id in enumerate(ids)]

        results = await asyncio.gather(*(one(m) for m in mirrors), return_exceptions=True)
        posts = []
        for mirror, result in zip(mirrors, results, strict=True):
            if isinstance(result, BaseException):
                log.error("could not mirror a message into %s: %r", mirror.channel_id, result)
            else:
                posts.extend(result)
        self._record_posts(event, posts)

    def _mirrored_thread(self, event: MessagePosted, mirror: MirrorChannel) -> str | None:
        if event.thread_id is None:
            return None
        for post in self.store.posts_for(event.channel, event.thread_id):
            if post.language == mirror.language and post.part == 0:
                return post.post_message_id
        return None

    async def _post_as_author(self, chat: Chat, channel: Identity, text: RichText, event: MessagePosted,
                              thread: str | None) -> str:
        name = event.display_name or event.author.id
        if isinstance(chat, PostingAs) and chat.capabilities.post_as_other:
            return await chat.post_as(channel, Reply(text="", rich=text, quiet=True, ephemeral=False,
                                                     in_thread_of=thread), name, event.avatar_url)
        reply = Reply(text="", rich=RichText.of(Styled(Style.bold, (name,)), ": ", text), quiet=True,
                      ephemeral=False, in_thread_of=thread)
        if thread is not None:
            return await chat.reply_in_thread(channel, thread, reply)
        return await chat.post(channel, reply)

    # ------------------------------------------------------------ edits and deletes follow

    async def _follow_edit(self, event: MessagePosted, chat: Chat, row: ChannelTranslation) -> None:
        self._remember(event)
        posts = self.store.posts_for(event.channel, event.message_id)
        if not posts:
            if row.mode is TranslationMode.thread:
                await self._translate_into_thread(event, chat)
            return
        if not isinstance(chat, EditableChat):
            log.info("%s cannot edit posts: translations of %s stay as they were", chat.platform, event.message_id)
            return
        if row.mode is TranslationMode.thread:
            languages = self.channel_languages(event.channel)
            outcome = await self._translate_message(event, languages)
            if outcome.paused or outcome.over_budget:
                return  # the old translation stays until the next edit
            wanted = self._thread_posts(outcome, languages, chat)
            await self._replace(chat, event, [p for p in posts if p.language == "*"], wanted, "*")
            return
        mirrors = self.store.mirrors(row.id or 0)
        outcome = await self._translate_message(event, [m.language for m in mirrors])
        for mirror in mirrors:
            wanted = split_for(chat, outcome.texts.get(mirror.language, event.text))
            await self._replace(chat, event, [p for p in posts if p.language == mirror.language], wanted,
                                mirror.language)

    async def _replace(self, chat: Chat, event: MessagePosted, old: list[TranslatedPost], texts: list[RichText],
                       language: str) -> None:
        assert isinstance(chat, EditableChat)
        old.sort(key=lambda post: post.part)
        added = []
        for part, text in enumerate(texts):
            if part < len(old):
                post = old[part]
                await chat.update(Identity(post.platform, post.workspace_id, post.post_channel_id),
                                  post.post_message_id, Reply(text="", rich=text, quiet=True, ephemeral=False))
            elif old:
                channel = Identity(event.channel.platform, event.channel.workspace, old[0].post_channel_id)
                root = event.thread_id or event.message_id
                if language == "*":
                    post_id = await chat.reply_in_thread(channel, root, Reply(
                        text="", rich=text, quiet=True, ephemeral=False, in_thread_of=root))
                else:
                    post_id = await self._post_as_author(chat, channel, text, event, None)
                added.append((language, part, old[0].post_channel_id, post_id))
        surplus = old[len(texts):]
        for post in surplus:
            await chat.delete(Identity(post.platform, post.workspace_id, post.post_channel_id), post.post_message_id)
        self.store.forget_posts(post.id for post in surplus if post.id is not None)
        self._record_posts(event, added)

    async def _follow_delete(self, event: MessagePosted, chat: Chat) -> None:
        posts = self.store.posts_for(event.channel, event.message_id)
        if not posts:
            return
        if not isinstance(chat, EditableChat):
            log.info("%s cannot delete posts: translations of %s stay", chat.platform, event.message_id)
            return
        for post in posts:
            try:
                await chat.delete(Identity(post.platform, post.workspace_id, post.post_channel_id),
                                  post.post_message_id)
            except Exception:
                log.exception("could not delete translation %s", post.post_message_id)
        self.store.forget_posts(post.id for post in posts if post.id is not None)

    # ------------------------------------------------------------ on demand

    async def on_reaction(self, event: ReactionAdded, chat: Chat) -> None:
        """A flag reaction: translate the message for the person who reacted, and only for them."""
        target = flag_target(event.emoji)
        if target is None:
            return
        member = self.members.get_or_create(event.actor, platform_locale=event.platform_locale)
        locale = negotiate(member.preferred_language, event.platform_locale, member.locale,
                           default=self.settings.default_locale)
        text = self._recent_messages.get((str(event.channel), event.message_id))
        if text is None and isinstance(chat, MessageFetching):
            try:
                text = await chat.fetch_text(event.channel, event.message_id)
            except Exception:
                log.exception("could not read message %s", event.message_id)
        if text is None:
            reply = Reply(text=t(locale, "I cannot read that message any more. Use /translate with its text."))
        else:
            reply = await self.on_demand(text, target, locale=locale, scope=self.scope_of(event.channel))
        try:
            if chat.capabilities.ephemeral:
                await chat.ephemeral(event.channel, event.actor, reply)
            else:
                await chat.direct_message(event.actor, reply)
        except Exception:
            log.exception("could not answer a translation reaction of %s", event.actor)

    async def on_demand(self, text: RichText | str, target: str, *, locale: str, scope: str = "direct") -> Reply:
        """A translation of `text` into `target` for one person, with what they need to know in `locale`."""
        target = target_code(target)
        outcome = await self.translate_text(text, targets=[target], scope=scope)
        language = display_name(target, locale)
        if outcome.nothing:
            message = t(locale, "There is nothing to translate in this message.")
        elif outcome.unconfigured:
            message = t(locale, "Translation is not set up here: the bot has no DeepL key.")
        elif outcome.paused:
            message = self.pause_notice(locale)
        elif outcome.over_budget:
            message = t(locale, "This cluster has used its translation budget for this month.")
        elif target in outcome.texts:
            header = t(locale, "{language} · machine-translated", language=language)
            return Reply(text="", rich=RichText.of(header + "\n", outcome.texts[target]), quiet=True, ephemeral=True)
        elif outcome.source and base(outcome.source) == base(target):
            message = t(locale, "This message is already in {language}.", language=language)
        else:
            message = t(locale, "Sorry, this message could not be translated into {language}.", language=language)
        return Reply(text=message, ephemeral=True)

    async def translate_for(self, person: Identity, text: RichText, *, platform_locale: str | None = None,
                            channel: Identity | None = None) -> Reply:
        """The "Translate" message shortcut / context-menu command: `text` in `person`'s language, for them only.

        Slack and Discord adapters call this with the message's text and answer with the reply ephemerally.
        """
        member = self.members.get_or_create(person, platform_locale=platform_locale)
        locale = negotiate(member.preferred_language, platform_locale, member.locale,
                           default=self.settings.default_locale)
        override = self.store.reading_languages([member.id]).get(member.id) if member.id is not None else None
        target = self.reading_language(member, override) or target_code(locale)
        scope = self.scope_of(channel) if channel is not None else "direct"
        return await self.on_demand(text, target, locale=locale, scope=scope)

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

    # ------------------------------------------------------------ settings (the /translation command)

    def set_mode(self, channel: Identity, mode: TranslationMode, *, by: int | None) -> ChannelTranslation:
        row = self.store.save_channel(channel, mode=mode, by=by, now=self.clock.now())
        self.forget(channel)
        return row

    def set_languages(self, channel: Identity, codes: list[str], *, by: int | None) -> ChannelTranslation:
        targets = list(dict.fromkeys(self.check_target(code) for code in codes))
        row = self.store.save_channel(channel, languages=targets, by=by, now=self.clock.now())
        self.identifier.include(base(code) for code in targets)
        self.forget(channel)
        return row

    def set_mirror(self, channel: Identity, code: str, sibling: Identity, *, by: int | None) -> MirrorChannel:
        target = self.check_target(code)
        if sibling == channel:
            raise UserError("A channel cannot be its own mirror.")
        if self.store.mirror_of(channel) is not None:
            raise UserError("This channel already receives translations from another one; it cannot have mirrors.")
        row = self.store.channel(channel) or self.store.save_channel(channel, by=by, now=self.clock.now())
        sibling_row = self.store.channel(sibling)
        if sibling_row is not None and sibling_row.mode is not TranslationMode.off:
            raise UserError("That channel is translated itself; choose a channel that only receives translations.")
        mirror = self.store.set_mirror(row.id or 0, target, sibling)
        self.forget(channel)
        return mirror

    def set_budget(self, channel: Identity, characters: int | None) -> str:
        scope = self.scope_of(channel)
        self.store.set_budget(scope, characters, now=self.clock.now())
        self.forget()
        self._channel_cache.pop(f"budget:{scope}", None)
        return scope

    def set_reading_language(self, member: Member, code: str | None) -> str | None:
        """Remember the exact language someone reads translations in (`PT-BR`, `PL`); None forgets it."""
        if member.id is None:
            return None
        target = self.check_target(code) if code else None
        self.store.set_reading_language(member.id, target)
        if target:
            self.identifier.include([base(target)])
        self.forget()
        return target

    def read_in(self, member: Member, code: str, locale: str) -> str:
        """`/language pl`: translations for `member` in a language the bot does not speak itself."""
        target = self.set_reading_language(member, code)
        return t(locale, "I will translate messages into {language} for you. I speak {languages} myself, so I "
                         "keep answering you in {current}.",
                 language=display_name(target or code, locale), languages=", ".join(SUPPORTED_LOCALES),
                 current=display_name(locale, locale))

    def read_in_variant(self, member: Member, code: str) -> str:
        """`/language pt-BR`: the bot speaks Portuguese and translates into Brazilian Portuguese.

        Returns a sentence to add to the confirmation (in the newly chosen language), or "".
        """
        exact = target_code(code)
        general = target_code(base(code))
        variant = exact if exact != general and exact in self.supported_targets else None
        self.set_reading_language(member, variant)
        if variant is None:
            return ""
        locale = base(code)
        return t(locale, "Translations for you will be in {language}.", language=display_name(variant, locale))

    def month_usage(self, channel: Identity) -> tuple[int, int | None]:
        scope = self.scope_of(channel)
        return self._usage(scope, month_of(self.clock.now())), self.store.budget(scope)

    # ------------------------------------------------------------ practices

    async def translate_practice(self, practice_id: int, *, practices: Any = None) -> int:
        """Translate a published practice's title and summary into every catalogue language, once.

        Stores `PracticeTranslation` rows through the practices service's `add_translation` (which keeps the
        search index up to date), so the practice can be read and found in every language and its English
        version is ready for the ICC team. Call it when a practice is published; languages already stored
        are not asked for again. Returns how many translations were stored.
        """
        practices = practices or self.practices
        with session_scope(self.store.engine) as session:
            practice = session.get(Practice, practice_id)
            if practice is None:
                return 0
            existing = {row.language for row in session.exec(_select_translations(practice_id))}
        source = base(practice.language)
        languages = [code for code in SUPPORTED_LOCALES if code != source and code not in existing]
        if not languages:
            return 0
        targets = [target_code(code) for code in languages]
        title_outcome, summary_outcome = await asyncio.gather(
            self.translate_text(practice.title, targets=targets, source=source, scope="practices"),
            self.translate_text(practice.summary, targets=targets, source=source, scope="practices"),
        )
        stored = 0
        for code, target in zip(languages, targets, strict=True):
            title = _plain_or(title_outcome, target, practice.title)
            summary = _plain_or(summary_outcome, target, practice.summary)
            if title is None or summary is None:
                continue  # paused or refused: the next call asks again
            try:
                if practices is not None and hasattr(practices, "add_translation"):
                    practices.add_translation(practice_id=practice_id, language=code, title=title,
                                              summary=summary, machine=True)
                else:
                    with session_scope(self.store.engine) as session:
                        session.add(PracticeTranslation(practice_id=practice_id, language=code, title=title[:400],
                                                        summary=summary, machine=True))
            except UserError as exc:
                log.warning("practice %s: the %s translation was not stored (%s)", practice_id, code, exc.msgid)
                continue
            stored += 1
        return stored

    def practice_published(self, practice_id: int) -> None:
        """Translate a practice that was just published, in the background (the reviewer is not kept waiting)."""
        if self.translator is not None:
            self._spawn(self.translate_practice(practice_id))

    async def translate_published_practices(self, *, limit: int = 200) -> int:
        """Translate the published practices that still miss a language (at start: catches up on any missed)."""
        if self.translator is None:
            return 0
        from sqlalchemy import func
        from sqlmodel import select

        from bot.models import PracticeStatus

        wanted = len(SUPPORTED_LOCALES) - 1
        with session_scope(self.store.engine) as session:
            counts = (
                select(PracticeTranslation.practice_id, func.count().label("n"))
                .group_by(col_(PracticeTranslation.practice_id))
                .subquery()
            )
            ids = list(session.exec(
                select(Practice.id)
                .outerjoin(counts, counts.c.practice_id == Practice.id)
                .where(Practice.status == PracticeStatus.published)
                .where(func.coalesce(counts.c.n, 0) < wanted)
                .limit(limit)
            ))
        total = 0
        for practice_id in ids:
            if practice_id is not None:
                total += await self.translate_practice(practice_id)
        return total

    # ------------------------------------------------------------ background work

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for background work (tests, benchmarks, shutdown), and write what is still only in memory."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        self.save()


# ---------------------------------------------------------------- helpers


def col_(column: Any) -> Any:
    from sqlmodel import col

    return col(column)


def _select_translations(practice_id: int) -> Any:
    from sqlmodel import select

    return select(PracticeTranslation).where(PracticeTranslation.practice_id == practice_id)


def quota_renews_on(day: int | None, now: datetime, time_zone: str) -> datetime | None:
    """The next time the DeepL quota renews: on `day` of the month (or the month's last day), in the network's
    time zone; None when the day is not set."""
    if day is None:
        return None
    local = now.astimezone(ZoneInfo(time_zone))
    year, month = local.year, local.month
    if local.day >= min(day, calendar.monthrange(year, month)[1]):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return local.replace(year=year, month=month, day=min(day, calendar.monthrange(year, month)[1]), hour=0,
                         minute=0, second=0, microsecond=0)


def _plain_or(outcome: Outcome, target: str, original: str) -> str | None:
    """A plain text's translation; the text itself when it has nothing to translate; None when it failed."""
    if target in outcome.texts:
        return outcome.texts[target].plain()
    return original if outcome.nothing else None


def split_for(chat: Chat, text: RichText) -> list[RichText]:
    """`text` in as many posts as `chat` needs (cut by the platform's own splitter)."""
    return chat.split(text) if isinstance(chat, MessageSplitting) else [text]


@functools.lru_cache(maxsize=256)
def _section_header(code: str) -> RichText:
    """"🇩🇪 *Deutsch* · _maschinell übersetzt_": the language in itself, and "machine-translated" in it."""
    locale = speaks(code) or "en"
    return RichText.of(f"{flag_of(code)} ", Styled(Style.bold, (display_name(code, locale),)), " · ",
                       Styled(Style.italic, (t(locale, "machine-translated"),)))


def _thread_section(code: str, text: RichText) -> RichText:
    """One language of a thread reply: its name, "machine-translated", and the translation."""
    return RichText.of(_section_header(code), "\n", text)
