"""The DeepL quota: checked now and then, and the ICC team told once at 80 % and once at 95 % of it.

Telling the ICC team is one seam (`TellICCTeam`): a key that is told once, and the message composed in each
reader's language. Until the delivery outbox does it, `DirectMessagesToICCTeam` sends direct messages to the
ICC team on every platform the bot is connected to.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.i18n import format_number, t
from bot.messages import Identity, Reply
from bot.ports import Chat, TranslationUnavailable
from bot.services.members import MemberService
from bot.services.translation.engine import TranslationEngine, month_of
from bot.services.translation.store import TranslationStore

log = logging.getLogger(__name__)

#: A message for the ICC team in a locale.
Compose = Callable[[str], Reply]
#: Tell the ICC team `compose(locale)`, each in their language; `key` names what is told (told once).
TellICCTeam = Callable[[str, Compose], Awaitable[object]]

class QuotaWatch:
    """Asks DeepL how much of the quota is used, at most every `check_every`, and warns the ICC team."""

    def __init__(self, *, engine: TranslationEngine, tell_icc_team: TellICCTeam,
                 check_every: timedelta = timedelta(minutes=10)) -> None:
        self.engine = engine
        self.tell_icc_team = tell_icc_team
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
        period = month_of(now)
        if reached is not None and self.engine.store.claim_notice(f"quota-{reached}", "deepl", period):
            used, limit = usage.character_count, usage.character_limit
            await self.tell_icc_team(f"deepl-quota-{reached}:{period}", lambda locale: Reply(
                text=quota_warning(locale, reached, used, limit), ephemeral=False))
        return fraction


def quota_warning(locale: str, percent: int, used: int, limit: int) -> str:
    return t(locale, "The DeepL quota is {percent} % used for this period ({used} of {limit} characters).",
             percent=percent, used=format_number(locale, used), limit=format_number(locale, limit))


class DirectMessagesToICCTeam:
    """Tells the ICC team by direct message, on every platform the bot is connected to, each in their language."""

    def __init__(self, *, store: TranslationStore, members: MemberService, chats: Mapping[str, Chat]) -> None:
        self.store = store
        self.members = members
        self.chats = chats

    async def __call__(self, key: str, compose: Compose) -> None:
        for member in self.store.icc_team():
            chat = self.chats.get(member.platform)
            if chat is None:
                continue
            try:
                await chat.direct_message(Identity(member.platform, member.workspace_id, member.user_id),
                                          compose(self.members.locale_for(member)))
            except Exception:
                log.exception("could not tell %s (%s)", member.user_id, key)
