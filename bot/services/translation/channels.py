"""How each channel is translated, and in which languages people read: what `/translation` and `/language` set.

The `/translation` commands call these methods and never the store. A channel's languages are set explicitly,
or are those of the people who read it (most readers first); a person reads translations in the language the
one locale rule gives them (`MemberService.locale_for`), in the exact variant their platform names when DeepL
has it (`PT-BR`), or in a language they chose for translations only (`/language pl`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.errors import UserError
from bot.i18n import t
from bot.messages import Identity
from bot.models import ChannelTranslation, Member, MirrorChannel, TranslationMode
from bot.services.members import MemberService
from bot.services.translation.engine import TranslationEngine
from bot.services.translation.languages import base, display_name, target_code
from bot.services.translation.usage import month_of
from bot.settings import SUPPORTED_LOCALES

T = TypeVar("T")


@dataclass(frozen=True)
class ChannelStatus:
    """What `/translation status` shows about a channel."""

    mode: TranslationMode
    languages: list[str]
    #: Whether the languages were set (`/translation languages`), not those of the channel's readers.
    chosen: bool
    #: (language, sibling channel id) of each mirror channel.
    mirrors: list[tuple[str, str]] = field(default_factory=list)
    used: int = 0
    budget: int | None = None


class ChannelSettings:
    """Channel settings and reading languages, remembered for `cache_seconds` (a setting changed forgets them)."""

    def __init__(self, *, engine: TranslationEngine, members: MemberService, cache_seconds: float = 30.0) -> None:
        self.engine = engine
        self.store = engine.store
        self.clock = engine.clock
        self.members = members
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Any]] = {}

    # ------------------------------------------------------------ remembering

    def _cached(self, key: str, load: Callable[[], T]) -> T:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.cache_seconds:
            value: T = hit[1]
            return value
        loaded = load()
        self._cache[key] = (now, loaded)
        return loaded

    def forget(self, channel: Identity | None = None) -> None:
        """Drop what is remembered about a channel, or every channel (a setting or someone's language changed)."""
        if channel is None:
            self._cache.clear()
            return
        for key in [k for k in self._cache if str(channel) in k]:
            del self._cache[key]

    # ------------------------------------------------------------ reading

    def settings(self, channel: Identity) -> ChannelTranslation | None:
        return self._cached(f"settings:{channel}", lambda: self.store.channel(channel))

    def scope_of(self, channel: Identity) -> str:
        """Where the channel's translations are counted and budgeted: its cluster, or the channel itself."""
        return self._cached(f"scope:{channel}", lambda: self.store.scope_of(channel))

    def mirrors(self, channel: Identity) -> list[MirrorChannel]:
        row = self.settings(channel)
        if row is None or row.id is None:
            return []
        source = row.id
        return self._cached(f"mirrors:{channel}", lambda: self.store.mirrors(source))

    def languages(self, channel: Identity) -> list[str]:
        """The languages a channel is read in: set explicitly, or those of its readers (most readers first)."""
        row = self.settings(channel)
        if row is not None and row.language_list:
            return row.language_list
        return self._cached(f"languages:{channel}", lambda: self._readers_languages(channel))

    def _readers_languages(self, channel: Identity) -> list[str]:
        readers = self.store.readers(channel)
        chosen = self.store.reading_languages(m.id for m in readers if m.id is not None)
        counts = Counter(self.reading_language(member, chosen.get(member.id or 0)) for member in readers)
        return [language for language, _ in counts.most_common()]

    def reading_language(self, member: Member, chosen: str | None = None) -> str:
        """The DeepL language `member` reads translations in: `chosen` for translations (`/language pl`), else
        the language the bot speaks to them, in their platform's variant when DeepL has it (`PT-BR`)."""
        if chosen:
            return chosen
        language = self.members.locale_for(member)
        exact = (member.locale or "").replace("_", "-")
        if base(exact) == language and "-" in exact and target_code(exact) in self.engine.supported_targets:
            return target_code(exact)
        return target_code(language)

    def reading_language_of(self, member: Member) -> str:
        """`reading_language` with the person's chosen reading language looked up."""
        chosen = self.store.reading_languages([member.id]).get(member.id) if member.id is not None else None
        return self.reading_language(member, chosen)

    def status(self, channel: Identity) -> ChannelStatus:
        """The mode, languages, mirrors and this month's cost of a channel."""
        row = self.settings(channel)
        used, budget = self.month_usage(channel)
        return ChannelStatus(
            mode=TranslationMode(row.mode) if row is not None else TranslationMode.off,
            languages=self.languages(channel),
            chosen=bool(row is not None and row.language_list),
            mirrors=[(mirror.language, mirror.channel_id) for mirror in self.mirrors(channel)],
            used=used,
            budget=budget,
        )

    def month_usage(self, channel: Identity) -> tuple[int, int | None]:
        """Characters billed this month for the channel's scope, and its monthly budget (None: no budget)."""
        scope = self.scope_of(channel)
        return self.engine.usage.of(scope, month_of(self.clock.now())), self.store.budget(scope)

    # ------------------------------------------------------------ who reads a channel

    def add_readers(self, channel: Identity, member_ids: Iterable[int]) -> None:
        """These people read `channel` (they wrote in it, or the platform lists them in it)."""
        self.store.add_readers(channel, [i for i in member_ids if i is not None], now=self.clock.now())
        self.forget(channel)

    def members_by_identity(self, people: Iterable[Identity], channel: Identity) -> list[int]:
        """The ids of the people the bot knows among `people` (in `channel`'s workspace)."""
        known = self.store.members_by_identity(channel.platform, channel.workspace, (p.id for p in people))
        return [m.id for m in known if m.id is not None]

    # ------------------------------------------------------------ setting (`/translation`)

    def set_mode(self, channel: Identity, mode: TranslationMode, *, by: int | None) -> ChannelTranslation:
        row = self.store.save_channel(channel, mode=mode, by=by, now=self.clock.now())
        self.forget(channel)
        return row

    def set_languages(self, channel: Identity, codes: list[str], *, by: int | None) -> ChannelTranslation:
        """Translate `channel` into these languages (an empty list: into its readers' languages)."""
        targets = list(dict.fromkeys(self.engine.check_target(code) for code in codes))
        row = self.store.save_channel(channel, languages=targets, by=by, now=self.clock.now())
        self.engine.identifier.include(base(code) for code in targets)
        self.forget(channel)
        return row

    def set_mirror(self, channel: Identity, code: str, sibling: Identity, *, by: int | None) -> MirrorChannel:
        """Post `channel`'s messages in language `code` into `sibling`."""
        target = self.engine.check_target(code)
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

    def remove_mirror(self, channel: Identity, code: str) -> str:
        """Stop posting `channel`'s messages into its sibling of language `code`; returns the DeepL code."""
        target = self.engine.check_target(code)
        row = self.settings(channel)
        if row is None or row.id is None or not self.store.remove_mirror(row.id, target):
            raise UserError("This channel has no mirror in that language.")
        self.forget(channel)
        return target

    def set_budget(self, channel: Identity, characters: int | None) -> str:
        """A monthly budget in characters for the channel's scope (None: no budget); returns the scope."""
        scope = self.scope_of(channel)
        self.store.set_budget(scope, characters, now=self.clock.now())
        self.engine.usage.forget_budget(scope)
        self.forget()
        return scope

    # ------------------------------------------------------------ reading languages (`/language`)

    def set_reading_language(self, member: Member, code: str | None) -> str | None:
        """Remember the exact language someone reads translations in (`PT-BR`, `PL`); None forgets it."""
        if member.id is None:
            return None
        target = self.engine.check_target(code) if code else None
        self.store.set_reading_language(member.id, target)
        if target:
            self.engine.identifier.include([base(target)])
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
        variant = exact if exact != general and exact in self.engine.supported_targets else None
        self.set_reading_language(member, variant)
        if variant is None:
            return ""
        locale = base(code)
        return t(locale, "Translations for you will be in {language}.", language=display_name(variant, locale))
