"""Translation: every member of a cluster reads every message in their own language, at the least cost.

One job per module:

- `engine`: `TranslationEngine.translate_text` (cache, batching, in-flight sharing, breaker, budgets, usage),
  what any feature calls (`services.translation_engine`);
- `listener`: the messages of translated channels (thread, mirror, edits, deletes);
- `on_demand`: a flag reaction, the "Translate" message action, `/translate`;
- `channels`: channel settings and reading languages (what `/translation` and `/language` set);
- `quota`: the DeepL quota, and the ICC team told when it runs low;
- what the engine uses: `breaker`, `markup`, `language_id`, `languages`, `glossary`, `store`.

Practices are translated by the practices service (`bot.services.practice_translations`). Platform markup is
not here: adapters hand the core neutral rich text and render it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from bot.ports import Clock, Translator
from bot.services.delivery import DeliveryService
from bot.services.members import MemberService
from bot.services.practice_translations import PracticeTranslations
from bot.services.practices import PracticeService
from bot.services.translation.channels import ChannelSettings
from bot.services.translation.engine import TranslationEngine
from bot.services.translation.listener import ChannelListener
from bot.services.translation.on_demand import OnDemandTranslation
from bot.services.translation.quota import QuotaWatch
from bot.settings import Settings

__all__ = ["ChannelListener", "ChannelSettings", "OnDemandTranslation", "QuotaWatch", "Translation",
           "TranslationEngine"]


@dataclass
class Translation:
    """The translation feature, assembled: the engine, and the parts that use it."""

    engine: TranslationEngine
    channels: ChannelSettings
    listener: ChannelListener
    on_demand: OnDemandTranslation
    quota: QuotaWatch
    practices: PracticeTranslations | None = None

    @classmethod
    def build(
        cls,
        *,
        settings: Settings,
        database: Engine,
        members: MemberService,
        clock: Clock,
        translator: Translator | None,
        delivery: DeliveryService,
        practices: PracticeService | None = None,
        **engine_options: Any,
    ) -> Translation:
        """Every part on this database and translator (None: no DeepL key; originals are left as they are).

        Args:
            delivery: how the ICC team is told when the DeepL quota runs low.
            practices: the practices service, which is then given its translations (`practices.translations`).
        """
        engine = TranslationEngine.build(settings=settings, engine=database, clock=clock, translator=translator,
                                         **engine_options)
        channels = ChannelSettings(engine=engine, members=members)
        quota = QuotaWatch(engine=engine, delivery=delivery)
        listener = ChannelListener(engine=engine, channels=channels, members=members, quota=quota)
        on_demand = OnDemandTranslation(engine=engine, channels=channels, members=members,
                                        recent_text=listener.recent_text)
        translated_practices = None
        if practices is not None:
            translated_practices = PracticeTranslations(practices, engine)
            practices.translations = translated_practices
        return cls(engine=engine, channels=channels, listener=listener, on_demand=on_demand, quota=quota,
                   practices=translated_practices)

    async def start(self) -> None:
        """Get the engine ready, then catch up on published practices that miss a language (in the background)."""
        await self.engine.start()
        if self.practices is not None and self.engine.translator is not None:
            self.engine.spawn(self.practices.catch_up())

    async def drain(self) -> None:
        """Wait for background work and write what is still only in memory (tests, shutdown)."""
        await self.engine.drain()
