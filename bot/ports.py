"""The ports the core talks through: a chat platform, a translator, a clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from bot.messages import Attachment, Form, Identity, Reply
from bot.richtext import RichText


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do; the core falls back when it cannot (a dialogue instead of a modal)."""

    modals: bool = False
    max_modal_fields: int = 0
    ephemeral: bool = False
    threads: bool = False
    buttons: bool = False
    post_as_other: bool = False
    max_message_length: int = 4000
    create_channels: bool = False
    #: Posts per second the platform takes from the bot (0: no limit to keep to); counted per workspace, or
    #: for the whole platform when `posts_counted_per_platform` (Discord's limit is per bot, not per server).
    posts_per_second: float = 0.0
    posts_counted_per_platform: bool = False


class ChatError(Exception):
    """A platform refused or could not take a message, said in the core's words (no library's exception).

    `kind` is one of `ChatError.KINDS`: `rate_limited` (try again after `retry_after` seconds), `unavailable`
    (the platform did not answer or failed: try again later; the message may or may not have gone out),
    `not_in_channel` (the bot is not in the conversation), `channel_gone` (deleted or archived), `user_gone`
    (the person left, was deactivated or never existed), `forbidden` (the bot may not: a missing permission
    or scope, a person who does not accept direct messages, an uninstalled app) or `rejected` (the platform
    refused the message itself: too long, malformed). Only `rate_limited` and `unavailable` are worth retrying.
    `maybe_sent`: part of the message may have gone out before the error (a long message in several posts, or
    an answer that never came), so a retry must check on the platform first.
    """

    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    NOT_IN_CHANNEL = "not_in_channel"
    CHANNEL_GONE = "channel_gone"
    USER_GONE = "user_gone"
    FORBIDDEN = "forbidden"
    REJECTED = "rejected"
    KINDS = (RATE_LIMITED, UNAVAILABLE, NOT_IN_CHANNEL, CHANNEL_GONE, USER_GONE, FORBIDDEN, REJECTED)
    RETRIABLE = (RATE_LIMITED, UNAVAILABLE)

    def __init__(self, kind: str, retry_after: float | None = None, detail: str = "", *,
                 maybe_sent: bool = False) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown chat error kind {kind!r}")
        super().__init__(detail or kind)
        self.kind = kind
        self.retry_after = retry_after
        self.detail = detail
        self.maybe_sent = maybe_sent

    @property
    def retriable(self) -> bool:
        return self.kind in self.RETRIABLE


@runtime_checkable
class Chat(Protocol):
    """Sending side of a chat platform."""

    platform: str
    capabilities: Capabilities

    async def post(self, channel: Identity, reply: Reply) -> str:
        """Post in a conversation; returns the new message's id.

        `post`, `reply_in_thread` and `direct_message` raise `ChatError` when the platform refuses or fails.
        """
        ...

    async def reply_in_thread(self, channel: Identity, thread_id: str, reply: Reply) -> str: ...

    async def direct_message(self, user: Identity, reply: Reply) -> str: ...

    async def ephemeral(self, channel: Identity, user: Identity, reply: Reply) -> None: ...

    async def open_form(self, user: Identity, form: Form, *, trigger: str | None = None) -> None: ...

    async def create_channel(self, workspace: str, name: str) -> Identity: ...


# ---------------------------------------------------------------- optional chat abilities
#
# A platform adapter implements these next to `Chat` when it can; the core checks with `isinstance(chat, …)`
# and falls back when it cannot (no edit: the translation stays as it was; no `post_as`: a normal post that
# names the author). They are separate protocols so that an adapter without them still is a `Chat`.


@runtime_checkable
class EditableChat(Protocol):
    """A chat whose bot can change and remove its own posts (translations follow edits and deletes)."""

    async def update(self, channel: Identity, message_id: str, reply: Reply) -> None:
        """Replace the text of the bot's own message `message_id` in `channel` with `reply`.

        Slack: `chat.update`; Discord: edit the message (or the webhook message it posted). Mentions in
        `reply.text` must not notify anyone (Discord: `allowed_mentions=none`).
        """
        ...

    async def delete(self, channel: Identity, message_id: str) -> None:
        """Remove the bot's own message `message_id` from `channel`; a message already gone is not an error."""
        ...


@runtime_checkable
class PostingAs(Protocol):
    """A chat that can post under another name and picture (`Capabilities.post_as_other`).

    Used by mirror channels: Discord through a channel webhook, Slack through `chat.postMessage` with
    `username`/`icon_url` (scope `chat:write.customize`). Such posts must come back to the bot as
    `MessagePosted(author_is_bot=True)` so they are never translated again (no loop between channels).
    """

    async def post_as(self, channel: Identity, reply: Reply, display_name: str, avatar_url: str | None) -> str:
        """Post `reply` in `channel` as `display_name` with `avatar_url`; returns the new message's id.

        Mentions in `reply.text` must not notify anyone (Discord: `allowed_mentions=none`).
        """
        ...


@runtime_checkable
class KeyedPosting(Protocol):
    """A chat that marks a post with a delivery key, so that a post made twice is recognised (exactly once).

    The delivery service uses it for every outbox row. Discord: the message `nonce` with `enforce_nonce` (Discord
    answers a repeated nonce with the message it already has). Slack: the message's `metadata` carries the key,
    and before posting again a message whose first attempt may have gone out, the conversation's recent history
    is searched for it.
    """

    async def post_keyed(self, target: Identity, reply: Reply, *, key: str, direct: bool, maybe_sent: bool,
                         since: datetime) -> str:
        """Post `reply` in conversation `target` (or to person `target` by direct message when `direct`).

        Args:
            key: the delivery's unique key, carried by the post(s) so that the platform recognises a repeat.
            maybe_sent: an earlier attempt may have reached the platform (its outcome is unknown): look for it
                first and return its id rather than posting again.
            since: no earlier attempt can be older than this (bounds the search).

        Returns the id of the (first) message. Raises `ChatError`.
        """
        ...


@runtime_checkable
class ChannelDirectory(Protocol):
    """A chat that can list who is in a conversation (Slack `conversations.members`, Discord channel members)."""

    async def channel_members(self, channel: Identity) -> list[Identity]: ...


#: What `ChannelAdmin.channel_state` says about a channel.
CHANNEL_OK = "ok"
CHANNEL_ARCHIVED = "archived"
CHANNEL_GONE = "gone"
#: The bot was removed from the channel (or never let in), or may not manage it.
CHANNEL_NO_ACCESS = "no_access"


@runtime_checkable
class ChannelAdmin(Protocol):
    """A chat whose bot opens a channel for a group and lets people in and out of it (a cluster's channel).

    Slack: a channel made with `conversations.create`, people added with `conversations.invite` and removed
    with `conversations.kick`. Discord: a text channel in a category that only the people let in (and the bot)
    can see, through permission overwrites. Names are checked by the core first (`bot.services.clusters.names`).
    Every method raises `ChatError` when the platform refuses or fails.
    """

    async def find_channel(self, workspace: str, name: str) -> Identity | None:
        """The channel of the workspace called `name` (a name is taken), or None."""
        ...

    async def open_channel(self, workspace: str, name: str, *, topic: str = "") -> Identity:
        """Create the channel `name` in `workspace` (the bot is in it); `ChatError(rejected)` when the name is taken
        or refused."""
        ...

    async def let_in(self, channel: Identity, people: Sequence[Identity]) -> list[Identity]:
        """Let `people` into `channel`; returns those now in it (someone the platform does not know is skipped)."""
        ...

    async def let_out(self, channel: Identity, people: Sequence[Identity]) -> None:
        """Take `people` out of `channel` (someone already out is fine)."""
        ...

    async def channel_state(self, channel: Identity) -> str:
        """`CHANNEL_OK`, `CHANNEL_ARCHIVED`, `CHANNEL_GONE` or `CHANNEL_NO_ACCESS`."""
        ...


@runtime_checkable
class Directory(Protocol):
    """A chat that says who people are and what channels are called (the bridge writes names, never mentions)."""

    async def person_profile(self, person: Identity) -> tuple[str, str | None]:
        """The person's display name and the address of their picture (None when they have none)."""
        ...

    async def channel_title(self, channel: Identity) -> str:
        """The channel's name as people read it (without `#`), or "" when it cannot be read."""
        ...


@runtime_checkable
class Reacting(Protocol):
    """A chat whose bot can add a reaction to a message (reactions carried across a bridge)."""

    async def react(self, channel: Identity, message_id: str, emoji: str) -> None:
        """React to `message_id` with `emoji`: a character (`👍`) or a short name (`thumbsup`)."""
        ...


@runtime_checkable
class MessageFetching(Protocol):
    """A chat that can read back a message's text (a reaction names a message, not its text)."""

    async def fetch_text(self, channel: Identity, message_id: str) -> RichText | None:
        """The text of message `message_id` in `channel`, or None when it cannot be read."""
        ...


@runtime_checkable
class MessageSplitting(Protocol):
    """A chat that cuts rich text into pieces that each fit one of its messages (its one splitter).

    The core posts a long text (a thread reply in six languages) piece by piece, so that it knows each post
    and can edit or remove it later; a chat without this ability posts the text whole.
    """

    def split(self, text: RichText) -> list[RichText]:
        """`text` in pieces of one message each, cut where the platform's own splitter cuts."""
        ...


@runtime_checkable
class FilePosting(Protocol):
    """A chat that can post files (a results chart, an export) in a conversation or to a person.

    Slack: the files upload (v2) into the conversation; Discord: message attachments; the console saves the file
    and prints where. A reply's `files` go out through it after the reply's text.
    """

    async def post_files(self, target: Identity, files: list[Attachment], *, direct: bool = False) -> list[str]:
        """Post `files` in conversation `target` (or to person `target` by direct message when `direct`);
        returns what the platform calls each posted file (ids, or paths). Raises `ChatError`."""
        ...


@dataclass(frozen=True)
class Translation:
    """One translated text, with what the translator saw and billed."""

    text: str
    detected_source: str
    billed_characters: int


@dataclass(frozen=True)
class TranslatorUsage:
    """Characters used and allowed in the current billing period (`limit` 0: unknown or unlimited)."""

    character_count: int
    character_limit: int

    @property
    def fraction(self) -> float:
        return self.character_count / self.character_limit if self.character_limit else 0.0


@dataclass(frozen=True)
class TargetLanguage:
    """A language the translator can translate into (`EN-GB`, `PT-BR`, `FR`…)."""

    code: str
    name: str
    supports_formality: bool = False


class TranslationUnavailable(Exception):
    """The translator cannot answer now; the bot delivers originals and tries again later.

    `reason` is one of `quota` (456), `rate_limited` (429 after the adapter's retries), `server` (5xx),
    `timeout` (no answer in time), `connection`, `auth` (a wrong key), `glossary` (the glossary id is unknown
    there: a new key, or the glossary was deleted; sync it again) or `rejected` (400: a bug or a bad parameter;
    not worth pausing for).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Translator(Protocol):
    """Machine translation (DeepL behind it); synchronous libraries are called off the event loop.

    Every method raises `TranslationUnavailable` when the service cannot answer; never a library's own error.
    """

    async def translate(
        self,
        texts: list[str],
        *,
        target: str,
        source: str | None = None,
        context: str | None = None,
        formality: str | None = None,
        glossary_id: str | None = None,
        xml: bool = False,
        ignore_tags: tuple[str, ...] = (),
        timeout: float | None = None,
    ) -> list[Translation]:
        """Translate `texts` (one request: ≤ 50 texts, ≤ 128 KiB) into `target`, in the same order.

        Args:
            source: the texts' language when known (required with a glossary); None lets the service detect.
            context: text around them that helps translation and is not billed (the previous message).
            xml: the texts are XML fragments: tags are kept, `ignore_tags` elements are not translated.
            timeout: seconds to wait for this call before giving up with `TranslationUnavailable("timeout")`.
        """
        ...

    async def usage(self) -> TranslatorUsage: ...

    async def target_languages(self) -> list[TargetLanguage]: ...

    async def sync_glossary(self, name: str, dictionaries: dict[tuple[str, str], dict[str, str]]) -> str:
        """Create a multilingual glossary with `dictionaries[(source, target)] = {term: translation}`,
        remove older ones called `name`, and return the new glossary's id."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
