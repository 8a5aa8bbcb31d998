"""The DeepL quota: checked now and then, and the ICC team told once at 80 % and once at 95 % of it.

The warning goes through the delivery outbox (`DeliveryService.to_icc_team`): to everyone on the ICC team, on
every platform, each in their language, exactly once per threshold and billing month whatever the processes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.i18n import format_number, t
from bot.messages import Reply
from bot.ports import TranslationUnavailable
from bot.services.delivery import DeliveryService
from bot.services.translation.engine import TranslationEngine
from bot.services.translation.usage import month_of

log = logging.getLogger(__name__)


class QuotaWatch:
    """Asks DeepL how much of the quota is used, at most every `check_every`, and warns the ICC team."""

    def __init__(self, *, engine: TranslationEngine, delivery: DeliveryService,
                 check_every: timedelta = timedelta(minutes=10)) -> None:
        self.engine = engine
        self.delivery = delivery
        self.check_every = check_every
        self._last_check: datetime | None = None

    def due(self) -> bool:
        """Whether it is time to ask again (the channel listener asks after translating)."""
        if self.engine.translator is None:
            return False
        last = self._last_check
        return last is None or self.engine.clock.now() - last >= self.check_every

    async def check(self, *, force: bool = False) -> float | None:
        """The fraction of the quota used (None: unknown); the ICC team is warned once at 80 % and at 95 %."""
        translator = self.engine.translator
        if translator is None or (not force and not self.due()):
            return None
        now = self.engine.clock.now()
        self._last_check = now
        try:
            usage = await translator.usage()
        except TranslationUnavailable as exc:
            log.warning("DeepL usage unavailable: %s", exc)
            return None
        fraction = usage.fraction
        reached = next((threshold for threshold in (95, 80) if fraction * 100 >= threshold), None)
        if reached is not None:
            used, limit = usage.character_count, usage.character_limit
            key = f"deepl-quota:{month_of(now)}:{reached}"
            if self.delivery.to_icc_team(key, lambda locale: Reply(
                    text=quota_warning(locale, reached, used, limit), ephemeral=False)):
                self.delivery.kick()
        return fraction


def quota_warning(locale: str, percent: int, used: int, limit: int) -> str:
    return t(locale, "The DeepL quota is {percent} % used for this period ({used} of {limit} characters).",
             percent=percent, used=format_number(locale, used), limit=format_number(locale, limit))
