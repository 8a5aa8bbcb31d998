"""The sending side of Slack (the core's `Chat` port) and the Web API clients it, and bolt, post through."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import t
from bot.messages import Button, Form, Identity, Reply
from bot.ports import Capabilities, ChatError
from bot.richtext import RichText
from integrations.slack import channels as slack_channels
from integrations.slack import text as slack_text
from integrations.slack.blocks import MESSAGE_CHARACTER_BUDGET, SlackMessage, render_form, render_reply
from integrations.slack.convert import PLATFORM, conversation, person
from integrations.slack.people import PeopleCache

log = logging.getLogger(__name__)

CAPABILITIES = Capabilities(
    modals=True,
    max_modal_fields=100,
    ephemeral=True,
    threads=True,
    buttons=True,
    post_as_other=True,
    max_message_length=40_000,
    create_channels=True,
    # Slack takes about one post per second per channel (answering 429 with Retry-After beyond) and some
    # 50 per second per workspace: deliveries keep under the latter (48 a second, bursts of 2).
    posts_per_second=48.0,
)

#: How many times a call answered with HTTP 429 is retried (after waiting what `Retry-After` says).
RATE_LIMIT_RETRIES = 3
#: The action of the button sent when a form must be opened without a trigger (see `SlackChat.open_form`).
OPEN_FORM_ACTION = "slack_open_form"
#: The `event_type` of the metadata that carries a delivery's key on the messages it posted.
DELIVERY_EVENT = "icc_delivery"
#: How far back (seconds before the delivery was enqueued) and how many pages of history are searched for a
#: delivery that may already have been posted.
HISTORY_MARGIN = 600
HISTORY_PAGES = 5

#: Slack's error codes, as the core's `ChatError` kinds (anything else from Slack: `rejected`).
_ERROR_KINDS = {
    "ratelimited": ChatError.RATE_LIMITED,
    "not_in_channel": ChatError.NOT_IN_CHANNEL,
    "channel_not_found": ChatError.CHANNEL_GONE,
    "is_archived": ChatError.CHANNEL_GONE,
    "user_not_found": ChatError.USER_GONE,
    "user_disabled": ChatError.USER_GONE,
    "user_not_visible": ChatError.USER_GONE,
    "cannot_dm_bot": ChatError.FORBIDDEN,
    # The token's own account: the app was uninstalled or the workspace deleted.
    "account_inactive": ChatError.FORBIDDEN,
    "token_revoked": ChatError.FORBIDDEN,
    "invalid_auth": ChatError.FORBIDDEN,
    "not_authed": ChatError.FORBIDDEN,
    "missing_scope": ChatError.FORBIDDEN,
    "restricted_action": ChatError.FORBIDDEN,
    "restricted_action_read_only_channel": ChatError.FORBIDDEN,
    "restricted_action_thread_only_channel": ChatError.FORBIDDEN,
    "team_access_not_granted": ChatError.FORBIDDEN,
    "ekm_access_denied": ChatError.FORBIDDEN,
    "internal_error": ChatError.UNAVAILABLE,
    "fatal_error": ChatError.UNAVAILABLE,
    "service_unavailable": ChatError.UNAVAILABLE,
    "request_timeout": ChatError.UNAVAILABLE,
}


def to_chat_error(exc: Exception, *, maybe_sent: bool = False) -> ChatError:
    """What a Slack Web API failure means for the core (`SlackApiError`, a lost connection, no installation)."""
    if isinstance(exc, ChatError):
        return exc
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        code = str(exc.response.get("error") or "")
        if status == 429 or code == "ratelimited":
            headers = getattr(exc.response, "headers", None) or {}
            try:
                retry_after: float | None = float(headers.get("Retry-After") or headers.get("retry-after") or 1)
            except ValueError:
                retry_after = 1.0
            return ChatError(ChatError.RATE_LIMITED, retry_after=retry_after, detail=code, maybe_sent=maybe_sent)
        kind = ChatError.UNAVAILABLE if status >= 500 else _ERROR_KINDS.get(code, ChatError.REJECTED)
        return ChatError(kind, detail=code or f"HTTP {status}",
                         maybe_sent=maybe_sent or kind == ChatError.UNAVAILABLE)
    if isinstance(exc, LookupError):  # the app is not installed in that workspace (any more)
        return ChatError(ChatError.FORBIDDEN, detail=str(exc))
    # No answer, or not the whole answer: the post may have been made.
    return ChatError(ChatError.UNAVAILABLE, detail=f"{type(exc).__name__}: {exc}"[:300], maybe_sent=True)


#: What `to_chat_error` turns into a `ChatError` (a bug elsewhere still raises as itself).
SLACK_FAILURES = (SlackClientError, LookupError, aiohttp.ClientError, asyncio.TimeoutError, OSError)


def retry_handlers() -> list[Any]:
    """The retry handlers every Web API client of the bot gets: 429 (honouring Retry-After) and lost connections."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


def make_web_client(token: str | None, *, base_url: str) -> AsyncWebClient:
    """A Web API client with the bot's retry handlers. bolt copies them into its per-request clients."""
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers())


class WorkspaceClients:
    """The Web API client for each workspace: the one bot token, or the token of the workspace's installation."""

    def __init__(
        self,
        *,
        base_url: str,
        bot_token: str | None = None,
        installation_store: AsyncInstallationStore | None = None,
    ) -> None:
        self.base_url = base_url
        self.installation_store = installation_store
        self.default = make_web_client(bot_token, base_url=base_url) if bot_token else None
        self._by_workspace: dict[str, AsyncWebClient] = {}
        self._for_delivery: dict[str, AsyncWebClient] = {}

    async def for_workspace(self, workspace: str) -> AsyncWebClient:
        """The client that acts in `workspace`; raises LookupError when the app is not installed there."""
        if self.installation_store is None:
            if self.default is None:
                raise LookupError("no Slack bot token")
            return self.default
        client = self._by_workspace.get(workspace)
        if client is not None:
            return client
        bot = await self.installation_store.async_find_bot(
            enterprise_id=workspace if workspace.startswith("E") else None,
            team_id=None if workspace.startswith("E") else workspace,
        )
        if bot is None or not bot.bot_token:
            raise LookupError(f"the Slack app is not installed in {workspace}")
        client = make_web_client(bot.bot_token, base_url=self.base_url)
        self._by_workspace[workspace] = client
        return client

    async def for_delivery(self, workspace: str) -> AsyncWebClient:
        """A client for the delivery service in `workspace`: without retries of its own.

        A 429 goes back to the delivery service, which retries after `Retry-After` without holding a sender;
        a lost connection is not re-sent blindly (the post may have been made): the retry checks first.
        """
        client = self._for_delivery.get(workspace)
        if client is None:
            live = await self.for_workspace(workspace)
            client = AsyncWebClient(token=live.token, base_url=self.base_url, retry_handlers=[])
            self._for_delivery[workspace] = client
        return client

    def forget(self, workspace: str) -> None:
        """Drop the cached client of a workspace that revoked its tokens or uninstalled the app."""
        self._by_workspace.pop(workspace, None)
        self._for_delivery.pop(workspace, None)


def channel_name(name: str) -> str:
    """A valid Slack channel name: lower case, letters, digits, `-` and `_`, at most 80 characters."""
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", name.strip().lower()).strip("-_")
    return cleaned[:80] or "icc"


class SlackChat:
    """The core's `Chat` port on Slack: posts, threads, direct messages, ephemeral messages, modals, channels."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, clients: WorkspaceClients, *, default_locale: str = "en",
                 people: PeopleCache | None = None) -> None:
        self.clients = clients
        self.default_locale = default_locale
        self.people = people or PeopleCache()
        self._bot_users: dict[str, str] = {}

    async def _send(self, client: AsyncWebClient, channel_id: str, messages: list[SlackMessage],
                    **extra: Any) -> str:
        first = ""
        for message in messages:
            try:
                response = await client.chat_postMessage(channel=channel_id, **message.as_kwargs(), **extra)
            except SLACK_FAILURES as exc:
                raise to_chat_error(exc, maybe_sent=bool(first)) from exc
            first = first or str(response.get("ts") or "")
        return first

    async def rendered(self, client: AsyncWebClient, workspace: str, reply: Reply) -> list[SlackMessage]:
        """`reply` as Slack messages; a reply repeating someone's words shows the people it mentions by name."""
        return render_reply(reply, await self.names(client, workspace, reply))

    async def names(self, client: AsyncWebClient, workspace: str, reply: Reply) -> dict[str, str]:
        """The display names of the people a quiet reply mentions (looked up once, then cached)."""
        if not reply.quiet or reply.rich is None:
            return {}
        names = {}
        for user_id in slack_text.mentioned_people(reply.rich)[:20]:
            names[user_id] = (await self.people.lookup(client, workspace, user_id)).display_name
        return names

    def split(self, text: RichText) -> list[RichText]:
        """Rich text in pieces of one Slack message each (`bot.ports.MessageSplitting`)."""
        return slack_text.split(text, MESSAGE_CHARACTER_BUDGET)

    async def post(self, channel: Identity, reply: Reply) -> str:
        """Post in a conversation (in the thread of `reply.in_thread_of`, when set); returns the first ts."""
        try:
            client = await self.clients.for_workspace(channel.workspace)
        except LookupError as exc:
            raise to_chat_error(exc) from exc
        extra: dict[str, Any] = {"thread_ts": reply.in_thread_of} if reply.in_thread_of else {}
        return await self._send(client, channel.id, await self.rendered(client, channel.workspace, reply), **extra)

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str:
        try:
            client = await self.clients.for_workspace(channel.workspace)
        except LookupError as exc:
            raise to_chat_error(exc) from exc
        return await self._send(client, channel.id, await self.rendered(client, channel.workspace, reply),
                                thread_ts=thread_id)

    async def direct_message(self, user: Identity, reply: Reply) -> str:
        try:
            client = await self.clients.for_workspace(user.workspace)
            opened = await client.conversations_open(users=user.id)
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc) from exc
        return await self._send(client, str(opened["channel"]["id"]),
                                await self.rendered(client, user.workspace, reply))

    # ------------------------------------------------------------ KeyedPosting (the delivery service)

    async def post_keyed(self, target: Identity, reply: Reply, *, key: str, direct: bool, maybe_sent: bool,
                         since: datetime) -> str:
        """Post a delivery, each message carrying its key in `metadata`; never twice (see `bot.ports.KeyedPosting`).

        When an earlier attempt may have gone out, the conversation's history since the delivery was enqueued is
        read first (`include_all_metadata`), and only the parts not found there are posted.
        """
        first = ""
        try:
            client = await self.clients.for_delivery(target.workspace)
            channel_id = target.id
            if direct:
                opened = await client.conversations_open(users=target.id)
                channel_id = str(opened["channel"]["id"])
            thread = reply.in_thread_of
            found = await self.posted_parts(client, channel_id, key, since, thread) if maybe_sent else {}
            extra: dict[str, Any] = {"thread_ts": thread} if thread else {}
            for part, message in enumerate(await self.rendered(client, target.workspace, reply)):
                ts = found.get(part)
                if ts is None:
                    metadata = {"event_type": DELIVERY_EVENT, "event_payload": {"key": key, "part": part}}
                    response = await client.chat_postMessage(channel=channel_id, metadata=metadata,
                                                             **message.as_kwargs(), **extra)
                    ts = str(response.get("ts") or "")
                first = first or ts
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc, maybe_sent=bool(first)) from exc
        return first

    async def posted_parts(self, client: AsyncWebClient, channel_id: str, key: str, since: datetime,
                            thread: str | None) -> dict[int, str]:
        """part -> ts of the messages carrying delivery `key` posted in the conversation since `since`."""
        found: dict[int, str] = {}
        oldest = f"{since.timestamp() - HISTORY_MARGIN:.6f}"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            if thread:
                page = await client.conversations_replies(channel=channel_id, ts=thread, oldest=oldest, limit=200,
                                                          include_all_metadata=True, cursor=cursor)
            else:
                page = await client.conversations_history(channel=channel_id, oldest=oldest, limit=200,
                                                          include_all_metadata=True, cursor=cursor)
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == DELIVERY_EVENT and payload.get("key") == key:
                    found.setdefault(int(payload.get("part") or 0), str(message.get("ts") or ""))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return found

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None:
        """Show `reply` to `user` only; where the bot cannot post ephemerally, it goes to them directly."""
        client = await self.clients.for_workspace(channel.workspace)
        try:
            for message in await self.rendered(client, channel.workspace, reply):
                await client.chat_postEphemeral(channel=channel.id, user=user.id, **message.as_kwargs())
        except SlackApiError as exc:
            if exc.response.get("error") not in ("channel_not_found", "not_in_channel", "user_not_in_channel",
                                                 "is_archived"):
                raise
            await self.direct_message(user, reply)

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None,
                        channel: Identity | None = None, locale: str | None = None) -> None:
        """Open `form` as a modal. Slack opens modals only in answer to an action (a `trigger_id`); without one,
        the person gets a direct message with a button that opens it."""
        locale = locale or self.default_locale
        client = await self.clients.for_workspace(user.workspace)
        if trigger:
            view = render_form(form, locale=locale, channel_id=channel.id if channel else None)
            await client.views_open(trigger_id=trigger, view=view)
            return
        button = Button(action_id=OPEN_FORM_ACTION, label=t(locale, "Open the form"),
                        value=form_button_value(form.form_id, form.state))
        await self.direct_message(user, Reply(text=form.title, buttons=[button], ephemeral=False))

    async def create_channel(self, workspace: str, name: str) -> Identity:
        client = await self.clients.for_workspace(workspace)
        response = await client.conversations_create(name=channel_name(name))
        return conversation(workspace, str(response["channel"]["id"]))

    # ------------------------------------------------------------ ChannelAdmin, Directory (bot.ports)

    async def _client(self, workspace: str) -> AsyncWebClient:
        try:
            return await self.clients.for_workspace(workspace)
        except LookupError as exc:
            raise to_chat_error(exc) from exc

    async def find_channel(self, workspace: str, name: str) -> Identity | None:
        try:
            return await slack_channels.find_channel(await self._client(workspace), workspace, name)
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def open_channel(self, workspace: str, name: str, *, topic: str = "") -> Identity:
        try:
            return await slack_channels.open_channel(await self._client(workspace), workspace, name)
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def let_in(self, channel: Identity, people: Sequence[Identity]) -> list[Identity]:
        try:
            return await slack_channels.let_in(await self._client(channel.workspace), channel, list(people))
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def let_out(self, channel: Identity, people: Sequence[Identity]) -> None:
        try:
            await slack_channels.let_out(await self._client(channel.workspace), channel, list(people))
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def channel_state(self, channel: Identity) -> str:
        try:
            return await slack_channels.channel_state(await self._client(channel.workspace), channel)
        except SLACK_FAILURES as exc:
            raise to_chat_error(exc) from exc

    async def person_profile(self, person: Identity) -> tuple[str, str | None]:
        found = await self.people.lookup(await self._client(person.workspace), person.workspace, person.id)
        return found.display_name, found.avatar

    async def channel_title(self, channel: Identity) -> str:
        return await slack_channels.channel_title(await self._client(channel.workspace), channel)

    # ------------------------------------------------------------ optional abilities (bot.ports)

    async def post_as(self, channel: Identity, reply: Reply, display_name: str, avatar_url: str | None) -> str:
        """Post under another name and picture (chat:write.customize); mentions do not notify."""
        client = await self.clients.for_workspace(channel.workspace)
        extra: dict[str, Any] = {"username": (display_name or "ICC Bot")[:80]}
        if avatar_url:
            extra["icon_url"] = avatar_url
        if reply.in_thread_of:
            extra["thread_ts"] = reply.in_thread_of
        messages = await self.rendered(client, channel.workspace, replace(reply, quiet=True))
        return await self._send(client, channel.id, messages, **extra)

    async def update(self, channel: Identity, message_id: str, reply: Reply) -> None:
        """Replace the text of one of the bot's messages (chat.update); mentions do not notify."""
        client = await self.clients.for_workspace(channel.workspace)
        messages = await self.rendered(client, channel.workspace, replace(reply, quiet=True))
        if not messages:
            return
        # Slack edits one message: a translation fits in one; were it longer, its first 50 blocks are shown.
        first = messages[0]
        await client.chat_update(channel=channel.id, ts=message_id, **first.as_kwargs())

    async def delete(self, channel: Identity, message_id: str) -> None:
        client = await self.clients.for_workspace(channel.workspace)
        try:
            await client.chat_delete(channel=channel.id, ts=message_id)
        except SlackApiError as exc:
            if exc.response.get("error") != "message_not_found":
                raise

    async def _bot_user(self, client: AsyncWebClient, workspace: str) -> str:
        if workspace not in self._bot_users:
            self._bot_users[workspace] = str((await client.auth_test()).get("user_id") or "")
        return self._bot_users[workspace]

    async def channel_members(self, channel: Identity) -> list[Identity]:
        """The people in a conversation (conversations.members, every page), without the bot itself."""
        client = await self.clients.for_workspace(channel.workspace)
        bot_user = await self._bot_user(client, channel.workspace)
        found: list[Identity] = []
        cursor: str | None = None
        for _ in range(100):  # 20,000 members at most: more is not a conversation the bot translates
            response = await client.conversations_members(channel=channel.id, limit=200, cursor=cursor)
            found += [person(channel.workspace, str(member)) for member in response.get("members") or []
                      if member != bot_user]
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return found

    async def fetch_text(self, channel: Identity, message_id: str) -> RichText | None:
        """The text of a message (conversations.history around its timestamp), or None when unreadable."""
        client = await self.clients.for_workspace(channel.workspace)
        try:
            response = await client.conversations_history(channel=channel.id, latest=message_id, inclusive=True,
                                                          limit=1)
        except SlackApiError as exc:
            log.info("Slack: cannot read message %s in %s: %s", message_id, channel, exc.response.get("error"))
            return None
        for message in response.get("messages") or []:
            if message.get("ts") == message_id:
                return slack_text.parse(str(message.get("text") or ""))
        return None


def form_button_value(form_id: str, state: str) -> str:
    return f"{form_id}\n{state}"


def parse_form_button_value(value: str) -> tuple[str, str]:
    form_id, _, state = value.partition("\n")
    return form_id, state
