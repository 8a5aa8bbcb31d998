"""Posting under someone else's name and picture, through one webhook per channel.

This is what translation mirroring and the Slack↔Discord bridge use (`DiscordChat.post_as`). A channel's
webhook is created once, named "ICC Bot", and reused: it is cached in memory and kept by Discord itself, so
after a restart the bot finds its own webhook again in the channel's list (one request per channel) instead of
creating another. Keeping it on Discord rather than in our database means no webhook token (a secret that
lets anyone post in the channel) is stored by us, and no stored row can go stale. A webhook someone deleted
(404, code 10015) is recreated once; if posting fails again the caller gets a `PostFailed`.

Mentions never notify anyone (`allowed_mentions` none): a mirrored "@everyone" stays text.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict

import discord

from bot.ports import ChatError

log = logging.getLogger(__name__)

WEBHOOK_NAME = "ICC Bot"
MAX_USERNAME = 80
MAX_CACHED = 5_000
UNKNOWN_WEBHOOK = 10015
UNKNOWN_CHANNEL = 10003
MISSING_PERMISSIONS = 50013
MISSING_ACCESS = 50001

# Discord refuses webhook names containing these words, and the names "everyone" and "here".
_RESERVED = re.compile(r"(discord|clyde)", re.IGNORECASE)


#: `PostFailed` reasons as the core's `ChatError` kinds.
_KINDS = {
    "missing_permission": ChatError.FORBIDDEN,
    "channel_gone": ChatError.CHANNEL_GONE,
    "webhook_gone": ChatError.UNAVAILABLE,
    "refused": ChatError.FORBIDDEN,
}


class PostFailed(ChatError):
    """A post could not be made; `reason` is `missing_permission`, `channel_gone`, `webhook_gone` or `refused`.

    It is the core's `ChatError` (of the kind `kind`, else the one the reason implies), with the admin-facing
    message as its detail.
    """

    def __init__(self, reason: str, message: str, *, kind: str | None = None) -> None:
        super().__init__(kind or _KINDS.get(reason, ChatError.FORBIDDEN), detail=message)
        self.reason = reason


def webhook_username(display_name: str) -> str | None:
    """A name Discord accepts for a webhook post (1–80 characters, no reserved word), or None for the default."""
    name = " ".join(display_name.split())
    # A zero-width space keeps "Discordia" readable while no longer matching Discord's reserved words.
    name = _RESERVED.sub(lambda match: match.group(0)[0] + "\u200b" + match.group(0)[1:], name)
    if name.lower() in ("everyone", "here"):
        name = f"{name}\u200b"
    name = name[:MAX_USERNAME].strip()
    return name or None


class ChannelWebhooks:
    """One reusable webhook per channel (threads use their parent channel's)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._hooks: OrderedDict[int, discord.Webhook] = OrderedDict()
        self._locks: dict[int, asyncio.Lock] = {}
        #: webhook message id -> webhook id, so that edits and deletes of our mirrored posts find their webhook
        self.posted: OrderedDict[int, int] = OrderedDict()

    def forget(self, channel_id: int) -> None:
        self._hooks.pop(channel_id, None)

    def cached(self, channel_id: int) -> discord.Webhook | None:
        return self._hooks.get(channel_id)

    async def for_channel(self, channel: discord.TextChannel | discord.ForumChannel) -> discord.Webhook:
        """The channel's ICC Bot webhook: cached, else found among the channel's webhooks, else created."""
        hook = self._hooks.get(channel.id)
        if hook is not None:
            return hook
        lock = self._locks.setdefault(channel.id, asyncio.Lock())
        async with lock:
            hook = self._hooks.get(channel.id)
            if hook is None:
                hook = await self._find_or_create(channel)
                self._hooks[channel.id] = hook
                while len(self._hooks) > MAX_CACHED:
                    self._hooks.popitem(last=False)
        return hook

    async def _find_or_create(self, channel: discord.TextChannel | discord.ForumChannel) -> discord.Webhook:
        me = self.client.user.id if self.client.user else None
        for hook in await channel.webhooks():
            if hook.token and hook.user is not None and hook.user.id == me:
                log.debug("reusing webhook %s of channel %s", hook.id, channel.id)
                return hook
        log.info("creating the ICC Bot webhook of channel %s", channel.id)
        return await channel.create_webhook(name=WEBHOOK_NAME, reason="ICC Bot: posts translations as their authors")

    async def send(
        self,
        channel: discord.TextChannel | discord.ForumChannel,
        *,
        content: str,
        embeds: list[discord.Embed],
        display_name: str,
        avatar_url: str | None,
        thread: discord.abc.Snowflake | None = None,
    ) -> discord.WebhookMessage:
        """Post through the channel's webhook; a deleted webhook is recreated once."""
        for attempt in (1, 2):
            hook = await self.for_channel(channel)
            try:
                message = await self._send(hook, content=content, embeds=embeds,
                                           username=webhook_username(display_name), avatar_url=avatar_url,
                                           thread=thread)
            except discord.NotFound as exc:
                self.forget(channel.id)
                if exc.code == UNKNOWN_WEBHOOK and attempt == 1:
                    log.info("the webhook of channel %s was deleted; creating it again", channel.id)
                    continue
                if exc.code == UNKNOWN_WEBHOOK:
                    raise PostFailed("webhook_gone", f"the webhook of channel {channel.id} keeps disappearing") from exc
                raise
            self.posted[message.id] = hook.id
            while len(self.posted) > MAX_CACHED:
                self.posted.popitem(last=False)
            return message
        raise AssertionError("unreachable")

    @staticmethod
    async def _send(hook: discord.Webhook, *, content: str, embeds: list[discord.Embed], username: str | None,
                    avatar_url: str | None, thread: discord.abc.Snowflake | None) -> discord.WebhookMessage:
        kwargs: dict[str, object] = {
            "content": content or None,
            "embeds": embeds,
            "allowed_mentions": discord.AllowedMentions.none(),
            "wait": True,
        }
        if username:
            kwargs["username"] = username
        if avatar_url:
            kwargs["avatar_url"] = avatar_url
        if thread is not None:
            kwargs["thread"] = thread
        try:
            return await hook.send(**kwargs)  # type: ignore[call-overload]
        except discord.HTTPException as exc:
            # A name or picture Discord refuses must not lose the message: post it under the webhook's own.
            if exc.status == 400 and ("username" in str(exc.text) or "avatar_url" in str(exc.text)):
                log.warning("Discord refused the name or avatar %r / %r: %s", username, avatar_url, exc.text)
                kwargs.pop("username", None)
                kwargs.pop("avatar_url", None)
                return await hook.send(**kwargs)  # type: ignore[call-overload]
            raise
