"""Translation for one person, on demand: a flag reaction, the "Translate" message action, `/translate`.

The answer is for the person only (ephemeral where the platform can, else a direct message), in the language
they asked for or read in, with a line saying it is machine-translated, and mentions that notify nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.context import Context
from bot.i18n import t
from bot.messages import Identity, ReactionAdded, Reply, Response, TranslationRequested
from bot.ports import Chat, MessageFetching
from bot.richtext import RichText
from bot.services.members import MemberService
from bot.services.translation.channels import ChannelSettings
from bot.services.translation.engine import TranslationEngine
from bot.services.translation.languages import base, display_name, flag_target, target_code

log = logging.getLogger(__name__)


class OnDemandTranslation:
    """Translates a message or a text for the one person who asked."""

    def __init__(self, *, engine: TranslationEngine, channels: ChannelSettings, members: MemberService,
                 recent_text: Callable[[Identity, str], RichText | None] | None = None) -> None:
        self.engine = engine
        self.channels = channels
        self.members = members
        self.recent_text = recent_text or (lambda channel, message_id: None)

    async def reaction_added(self, event: ReactionAdded, chat: Chat) -> None:
        """A flag reaction: the message in the flag's language, for the person who reacted only."""
        target = flag_target(event.emoji)
        if target is None:
            return
        member = self.members.get_or_create(event.actor, platform_locale=event.platform_locale)
        locale = self.members.locale_for(member, event.platform_locale)
        text = self.recent_text(event.channel, event.message_id)
        if text is None and isinstance(chat, MessageFetching):
            try:
                text = await chat.fetch_text(event.channel, event.message_id)
            except Exception:
                log.exception("could not read message %s", event.message_id)
        if text is None:
            reply = Reply(text=t(locale, "I cannot read that message any more. Use /translate with its text."))
        else:
            reply = await self.translate(text, target, locale=locale, scope=self.channels.scope_of(event.channel))
        try:
            if chat.capabilities.ephemeral:
                await chat.ephemeral(event.channel, event.actor, reply)
            else:
                await chat.direct_message(event.actor, reply)
        except Exception:
            log.exception("could not answer a translation reaction of %s", event.actor)

    async def translate(self, text: RichText | str, target: str, *, locale: str, scope: str = "direct") -> Reply:
        """A translation of `text` into `target` for one person, with what they need to know in `locale`."""
        target = target_code(target)
        outcome = await self.engine.translate_text(text, targets=[target], scope=scope)
        language = display_name(target, locale)
        if outcome.nothing:
            message = t(locale, "There is nothing to translate in this message.")
        elif outcome.unconfigured:
            message = t(locale, "Translation is not set up here: the bot has no DeepL key.")
        elif outcome.paused:
            message = self.engine.pause_notice(locale)
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

    async def requested(self, ctx: Context, event: TranslationRequested) -> Response:
        """"Translate" on a message: the message in the language the person reads, for them only."""
        text = event.text if event.text is not None else self.recent_text(event.channel, event.message_id)
        if text is None:
            return Response.text(ctx.t("I cannot read that message any more. Use /translate with its text."))
        target = self.channels.reading_language_of(ctx.member)
        reply = await self.translate(text, target, locale=ctx.locale, scope=self.channels.scope_of(event.channel))
        return Response(replies=[reply])
