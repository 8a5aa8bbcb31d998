"""The `Chat` port on Discord: posts, thread replies, direct messages, private answers, forms, channels.

Besides `Chat`, `DiscordChat` offers what the core's optional chat protocols ask for: `post_as` (a webhook post
under an author's name and picture, `PostingAs`), `update` and `delete` (`EditableChat`), `fetch_text`
(`MessageFetching`) and `channel_members` (`ChannelDirectory`).

Errors a server admin can fix (a missing permission, a deleted channel) raise `PostFailed` with a clear
message, and a missing permission also sends the server owner a localised note (`AdminNotices`). Every
failure of a post comes back as the core's `ChatError` (`PostFailed` is one); `post_keyed` (`KeyedPosting`,
for the delivery service) marks each message with a nonce that Discord enforces, so a retried delivery is
never posted twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import aiohttp
import discord

from bot.i18n import negotiate
from bot.messages import Form, Identity, Reply
from bot.ports import ChatError
from bot.richtext import RichText
from integrations.discord import channels as discord_channels
from integrations.discord import text as discord_text
from integrations.discord.answers import ActiveInteractions, Languages, send
from integrations.discord.forms import FormFlow
from integrations.discord.permissions import AdminNotices
from integrations.discord.render import (
    CAPABILITIES,
    DM_WORKSPACE,
    PLATFORM,
    ButtonValues,
    Outgoing,
    display_name_of,
    render_reply,
)
from integrations.discord.webhooks import (
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    UNKNOWN_CHANNEL,
    ChannelWebhooks,
    PostFailed,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

UNKNOWN_GUILD = 10004
UNKNOWN_USER = 10013

#: What becomes a `ChatError` on a post (a bug elsewhere still raises as itself).
DISCORD_FAILURES = (discord.DiscordException, aiohttp.ClientError, asyncio.TimeoutError, OSError)


def to_chat_error(exc: BaseException, *, maybe_sent: bool = False) -> ChatError:
    """What a discord.py failure means for the core. discord.py has already waited out short rate limits."""
    if isinstance(exc, ChatError):
        return exc
    if isinstance(exc, discord.RateLimited):  # longer than the client's max_ratelimit_timeout
        return ChatError(ChatError.RATE_LIMITED, retry_after=exc.retry_after, detail="rate limited",
                         maybe_sent=maybe_sent)
    if isinstance(exc, discord.HTTPException):
        detail = f"{exc.status} {exc.code}: {exc.text}"[:300]
        if exc.status == 429:  # still limited after discord.py's own retries
            return ChatError(ChatError.RATE_LIMITED, retry_after=_retry_after(exc), detail=detail,
                             maybe_sent=maybe_sent)
        if exc.status >= 500:
            return ChatError(ChatError.UNAVAILABLE, detail=detail, maybe_sent=True)
        if isinstance(exc, discord.NotFound):
            kind = ChatError.USER_GONE if exc.code == UNKNOWN_USER else (
                ChatError.CHANNEL_GONE if exc.code in (UNKNOWN_CHANNEL, UNKNOWN_GUILD) else ChatError.REJECTED)
            return ChatError(kind, detail=detail, maybe_sent=maybe_sent)
        if isinstance(exc, discord.Forbidden):
            kind = ChatError.NOT_IN_CHANNEL if exc.code == MISSING_ACCESS else ChatError.FORBIDDEN
            return ChatError(kind, detail=detail, maybe_sent=maybe_sent)
        return ChatError(ChatError.REJECTED, detail=detail, maybe_sent=maybe_sent)
    return ChatError(ChatError.UNAVAILABLE, detail=f"{type(exc).__name__}: {exc}"[:300], maybe_sent=True)


def _retry_after(exc: discord.HTTPException) -> float:
    try:
        return float(exc.response.headers.get("Retry-After") or 1)
    except (AttributeError, ValueError):
        return 1.0


def delivery_nonce(key: str, part: int) -> str:
    """The nonce of part `part` of delivery `key`: the same on every attempt, at most 25 characters."""
    return hashlib.sha256(f"{key}#{part}".encode()).hexdigest()[:25]

class DiscordChat:
    """Sending side of Discord for the core (`dispatcher.attach_chat(chat)`)."""

    platform = PLATFORM

    def __init__(
        self,
        client: discord.Client,
        *,
        languages: Languages,
        forms: FormFlow,
        active: ActiveInteractions,
        button_values: ButtonValues,
    ) -> None:
        self.client = client
        self.languages = languages
        self.forms = forms
        self.active = active
        self.button_values = button_values
        self.capabilities = CAPABILITIES
        self.webhooks = ChannelWebhooks(client)
        self.notices = AdminNotices(client)
        #: message id -> the thread it is in, for messages the core knows by their parent channel
        self.threads_of: OrderedDict[int, int] = OrderedDict()
        #: ids of the bot's own recent posts (edits and deletes of them need no look-up)
        self.own_posts: OrderedDict[int, None] = OrderedDict()

    def remember_thread(self, message_id: int, thread_id: int) -> None:
        self.threads_of[message_id] = thread_id
        while len(self.threads_of) > 20_000:
            self.threads_of.popitem(last=False)

    def _place(self, channel: Identity, message_id: str) -> Identity:
        """Where message `message_id` really is: its thread when it was posted in one, else `channel`."""
        thread = self.threads_of.get(int(message_id))
        return Identity(channel.platform, channel.workspace, str(thread)) if thread else channel

    def locale_of(self, user: Identity) -> str:
        """A person's language without an interaction: theirs, else their last Discord client's, else the server's."""
        guild = self.client.get_guild(int(user.workspace)) if user.workspace.isdigit() else None
        return self.languages.of_user(user, str(guild.preferred_locale) if guild is not None else None)

    # ------------------------------------------------------------ where

    async def channel(self, channel: Identity) -> discord.abc.Messageable:
        """The Discord channel (or thread) behind an identity, from the cache or from Discord."""
        try:
            found = self.client.get_channel(int(channel.id)) or await self.client.fetch_channel(int(channel.id))
        except discord.NotFound as exc:
            self.webhooks.forget(int(channel.id))
            raise PostFailed("channel_gone", f"Discord channel {channel.id} no longer exists") from exc
        except discord.Forbidden as exc:
            raise PostFailed("missing_permission", f"the bot cannot see Discord channel {channel.id}") from exc
        if not isinstance(found, discord.abc.Messageable):
            raise PostFailed("refused", f"Discord channel {channel.id} is not one the bot can post in")
        return found

    async def _guarded(self, work: Awaitable[T], *, target: Any, permission: str) -> T:
        """Run a Discord call, turning what an admin can fix into `PostFailed` (and a note to the owner)."""
        try:
            return await work
        except discord.Forbidden as exc:
            if exc.code in (MISSING_PERMISSIONS, MISSING_ACCESS):
                guild = getattr(target, "guild", None)
                await self.notices.missing(guild, permission, _where(target))
                locale = negotiate(str(getattr(guild, "preferred_locale", "") or ""))
                # Missing Access: the bot cannot even see the channel (it is not in it).
                kind = ChatError.NOT_IN_CHANNEL if exc.code == MISSING_ACCESS else ChatError.FORBIDDEN
                raise PostFailed("missing_permission", self.notices.text(guild, permission, _where(target), locale),
                                 kind=kind) from exc
            raise PostFailed("refused", f"Discord refused: {exc.text}") from exc
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:
                self.webhooks.forget(getattr(target, "id", 0))
                raise PostFailed("channel_gone", f"{_where(target)} no longer exists") from exc
            raise

    async def _send_all(self, target: discord.abc.Messageable, reply: Reply,
                        reference: discord.MessageReference | None = None, *, quiet: bool = False,
                        key: str | None = None) -> tuple[str, str]:
        """Send `reply` as one or more messages; returns the ids of the first and the last.

        `quiet`: the people it mentions are not notified. `key`: each message carries a nonce made from it that
        Discord enforces (a repeated nonce returns the message already posted instead of a new one).
        Raises `ChatError`.
        """
        first = last = ""
        permission = "send_messages_in_threads" if isinstance(target, discord.Thread) else "send_messages"
        for part, outgoing in enumerate(render_reply(reply, self.button_values)):
            kwargs = outgoing.kwargs()
            if quiet:
                kwargs["allowed_mentions"] = discord.AllowedMentions(
                    everyone=reply.allow_broadcast_mentions, roles=reply.allow_broadcast_mentions, users=False,
                    replied_user=False)
            if reference is not None:
                kwargs["reference"] = reference
            if key is not None:
                kwargs["nonce"] = delivery_nonce(key, part)
            try:
                message = await self._guarded(target.send(**kwargs), target=target, permission=permission)
            except DISCORD_FAILURES as exc:
                raise to_chat_error(exc, maybe_sent=bool(first)) from exc
            reference = None
            last = str(message.id)
            first = first or last
            self.own_posts[message.id] = None
            while len(self.own_posts) > 20_000:
                self.own_posts.popitem(last=False)
        return first, last

    # ------------------------------------------------------------ Chat

    async def _messageable(self, channel: Identity) -> discord.abc.Messageable:
        try:
            return await self.channel(channel)
        except DISCORD_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def post(self, channel: Identity, reply: Reply) -> str:
        return (await self._send_all(await self._messageable(channel), reply))[1]

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        """In the thread `thread_id` when it is one; otherwise as a Discord reply to message `thread_id`.

        What the core answers in a thread is what people wrote (translations, a mirrored author's words): the
        people mentioned in it were notified by the original, so the reply notifies nobody again.
        """
        thread = self.client.get_channel(int(thread_id))
        if isinstance(thread, discord.Thread):
            return (await self._send_all(thread, reply, quiet=True))[1]
        reference = discord.MessageReference(message_id=int(thread_id), channel_id=int(channel.id),
                                             fail_if_not_exists=False)
        return (await self._send_all(await self._messageable(channel), reply, reference, quiet=True))[1]

    async def _dm_channel(self, user: Identity) -> discord.DMChannel:
        try:
            person = self.client.get_user(int(user.id)) or await self.client.fetch_user(int(user.id))
            return await person.create_dm()
        except DISCORD_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        try:
            return (await self._send_all(await self._dm_channel(user), reply))[1]
        except PostFailed:
            raise
        except ChatError as exc:
            if exc.kind == ChatError.FORBIDDEN:  # 50007: they do not accept direct messages from this server
                raise PostFailed("refused", f"{user} does not accept direct messages") from exc
            raise

    # ------------------------------------------------------------ KeyedPosting (the delivery service)

    async def post_keyed(self, target: Identity, reply: Reply, *, key: str, direct: bool, maybe_sent: bool,
                         since: datetime) -> str:
        """Post a delivery (in a channel, or to a person by direct message) with Discord's enforced nonce.

        A retry sends the same nonces: Discord answers a nonce it saw in the last few minutes with the message
        it already has, so an attempt that did reach Discord is not posted again (`maybe_sent` needs nothing
        more here). Returns the id of the first message.
        """
        where = await (self._dm_channel(target) if direct else self._messageable(target))
        return (await self._send_all(where, reply, quiet=reply.quiet, key=key))[0]

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        """Privately: through the person's current interaction in that channel, else by direct message."""
        interaction = self.active.find(int(user.id), int(channel.id))
        if interaction is not None:
            sent = False
            for outgoing in render_reply(reply, self.button_values):
                sent = await send(interaction, outgoing, ephemeral=True) or sent
            if sent:
                return
        await self.direct_message(user, reply)

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None:
        """As a modal through interaction `trigger` when it can still open one, else a button in a DM."""
        interaction = self.active.by_id(int(trigger)) if trigger and trigger.isdigit() else None
        if interaction is not None and not interaction.response.is_done():
            await self.forms.start(interaction, form, self.locale_of(user))
            return
        await self.forms.offer(user, form, self.locale_of(user))

    async def create_channel(self, workspace: str, name: str) -> Identity:
        guild = self.client.get_guild(int(workspace)) if workspace.isdigit() else None
        if guild is None:
            raise PostFailed("refused", f"the bot is not in Discord server {workspace}")
        clean = "-".join(name.lower().split())[:100] or "cluster"
        created = await self._guarded(guild.create_text_channel(clean, reason="ICC Bot: a cluster channel"),
                                      target=guild, permission="manage_channels")
        return Identity(PLATFORM, workspace, str(created.id))

    # ------------------------------------------------------------ ChannelAdmin, Directory (bot.ports)

    async def _admin(self, work: Awaitable[T], workspace: str, permission: str) -> T:
        """A channel-management call: what an admin can fix is said to the owner, every failure is a `ChatError`."""
        guild = self.client.get_guild(int(workspace)) if workspace.isdigit() else None
        try:
            return await self._guarded(work, target=guild, permission=permission)
        except DISCORD_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def find_channel(self, workspace: str, name: str) -> Identity | None:
        return discord_channels.find_channel(self.client, workspace, name)

    async def open_channel(self, workspace: str, name: str, *, topic: str = "") -> Identity:
        return await self._admin(discord_channels.open_channel(self.client, workspace, name, topic), workspace,
                                 "manage_channels")

    async def let_in(self, channel: Identity, people: Sequence[Identity]) -> list[Identity]:
        return await self._admin(discord_channels.let_in(self.client, channel, list(people)), channel.workspace,
                                 "manage_roles")

    async def let_out(self, channel: Identity, people: Sequence[Identity]) -> None:
        await self._admin(discord_channels.let_out(self.client, channel, list(people)), channel.workspace,
                          "manage_roles")

    async def channel_state(self, channel: Identity) -> str:
        return await discord_channels.channel_state(self.client, channel)

    async def person_profile(self, person: Identity) -> tuple[str, str | None]:
        guild = self.client.get_guild(int(person.workspace)) if person.workspace.isdigit() else None
        found = guild.get_member(int(person.id)) if guild is not None and person.id.isdigit() else None
        user = found or (self.client.get_user(int(person.id)) if person.id.isdigit() else None)
        if user is None:
            return "", None
        return display_name_of(user), user.display_avatar.url if user.display_avatar else None

    async def channel_title(self, channel: Identity) -> str:
        found = self.client.get_channel(int(channel.id)) if channel.id.isdigit() else None
        return str(getattr(found, "name", "") or "")

    # ------------------------------------------------------------ PostingAs, EditableChat, MessageFetching

    async def post_as(self, channel: Identity, reply: Reply, display_name: str, avatar_url: str | None) -> str:
        """Post `reply` in `channel` under `display_name` and `avatar_url`; returns the message id.

        Through the channel's reusable webhook (a thread posts through its parent's), with every mention
        disabled. Buttons are not carried (webhook posts are plain messages). Raises `PostFailed` when the
        channel is gone, the bot lacks Manage Webhooks (the server owner is told), or the webhook keeps
        disappearing.
        """
        target = await self.channel(channel)
        thread: discord.Thread | None = None
        if isinstance(target, discord.Thread):
            thread, parent = target, target.parent
        else:
            parent = target  # type: ignore[assignment]
        if not isinstance(parent, discord.TextChannel | discord.ForumChannel):
            raise PostFailed("refused", f"Discord channel {channel.id} cannot have webhooks")
        last = ""
        for outgoing in render_reply(reply, self.button_values):
            message = await self._guarded(
                self.webhooks.send(parent, content=outgoing.content, embeds=outgoing.embeds,
                                   display_name=display_name, avatar_url=avatar_url, thread=thread),
                target=parent, permission="manage_webhooks",
            )
            last = str(message.id)
        return last

    async def update(self, channel: Identity, message_id: str, reply: Reply) -> None:
        """Replace one of the bot's messages (or one it posted through a webhook); mentions stay silent."""
        outgoing = (render_reply(reply, self.button_values) or [Outgoing(content="…")])[0]
        kwargs: dict[str, Any] = {"content": outgoing.content or None, "embeds": outgoing.embeds,
                                  "allowed_mentions": discord.AllowedMentions.none()}
        target = await self.channel(self._place(channel, message_id))
        hook = await self._webhook_of(target, int(message_id))
        if hook is not None:
            thread = target if isinstance(target, discord.Thread) else discord.utils.MISSING
            await self._guarded(hook.edit_message(int(message_id), thread=thread, **kwargs),
                                target=target, permission="manage_webhooks")
            return
        partial = target.get_partial_message(int(message_id))  # type: ignore[attr-defined]
        await self._guarded(partial.edit(**kwargs), target=target, permission="send_messages")

    async def delete(self, channel: Identity, message_id: str) -> None:
        """Remove one of the bot's messages (or one it posted through a webhook); one already gone is fine."""
        try:
            target = await self.channel(self._place(channel, message_id))
            hook = await self._webhook_of(target, int(message_id))
            if hook is not None:
                thread = target if isinstance(target, discord.Thread) else discord.utils.MISSING
                await hook.delete_message(int(message_id), thread=thread)
            else:
                partial = target.get_partial_message(int(message_id))  # type: ignore[attr-defined]
                await self._guarded(partial.delete(), target=target, permission="send_messages")
        except discord.NotFound:
            pass  # already gone
        except PostFailed as exc:
            if exc.reason != "channel_gone":
                raise

    async def _webhook_of(self, target: discord.abc.Messageable, message_id: int) -> discord.Webhook | None:
        """The webhook that posted `message_id` when it is our channel webhook; None for the bot's own messages.

        Remembered for posts of this process; after a restart the message is read once to find out.
        """
        parent = target.parent if isinstance(target, discord.Thread) else target
        if message_id in self.own_posts or not isinstance(parent, discord.TextChannel | discord.ForumChannel):
            return None
        hook_id = self.webhooks.posted.get(message_id)
        if hook_id is None:
            try:
                message = await target.fetch_message(message_id)
            except discord.HTTPException:
                return None  # the bot's edit or delete will report what is wrong
            if message.webhook_id is None:
                return None
            hook_id = message.webhook_id
        hook = self.webhooks.cached(parent.id) or await self.webhooks.for_channel(parent)
        return hook if hook.id == hook_id else None

    def split(self, text: RichText) -> list[RichText]:
        """Rich text in pieces of one Discord message each (`bot.ports.MessageSplitting`)."""
        return discord_text.split(text)

    async def fetch_text(self, channel: Identity, message_id: str) -> RichText | None:
        try:
            target = await self.channel(self._place(channel, message_id))
            message = await target.fetch_message(int(message_id))
        except (discord.HTTPException, PostFailed) as exc:
            log.info("cannot read message %s in %s: %s", message_id, channel, exc)
            return None
        return discord_text.parse(message.content)

    async def channel_members(self, channel: Identity) -> list[Identity]:
        """The people (not bots) who can read `channel`, from the member cache (members intent)."""
        target = await self.channel(channel)
        members = getattr(target, "members", [])
        return [Identity(PLATFORM, channel.workspace, str(m.id)) for m in members if not m.bot]

def _where(target: Any) -> str:
    """How a channel or server is named in messages to admins."""
    if isinstance(target, discord.Guild):
        return target.name
    if isinstance(target, discord.DMChannel):
        return DM_WORKSPACE
    name = getattr(target, "name", None)
    return f"#{name}" if name else f"channel {getattr(target, 'id', '?')}"
