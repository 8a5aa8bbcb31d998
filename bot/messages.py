"""Platform-neutral events coming in, and replies and forms going out, that every adapter renders its own way."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.richtext import RichText


@dataclass(frozen=True)
class Identity:
    """A user or conversation anywhere: `(platform, workspace_or_guild, id)`."""

    platform: str
    workspace: str
    id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.id}"


# ---------------------------------------------------------------- events coming in


@dataclass(frozen=True)
class FileLink:
    """A file or image that came with a message: its name, and the address where it can be opened."""

    name: str
    url: str


@dataclass(frozen=True)
class CommandInvoked:
    """Someone ran `/name text` in a conversation."""

    actor: Identity
    channel: Identity
    name: str
    text: str = ""
    platform_locale: str | None = None
    display_name: str = ""


@dataclass(frozen=True)
class MessagePosted:
    """A message arrived in a conversation the bot is in (its text parsed by the adapter)."""

    author: Identity
    channel: Identity
    message_id: str
    text: RichText
    thread_id: str | None = None
    author_is_bot: bool = False
    display_name: str = ""
    avatar_url: str | None = None
    #: Files and images that came with it (linked, not carried, by the bridge).
    files: tuple[FileLink, ...] = ()


@dataclass(frozen=True)
class MessageEdited:
    """Someone changed the text of a message they had posted (its new text, parsed by the adapter)."""

    author: Identity
    channel: Identity
    message_id: str
    text: RichText
    thread_id: str | None = None
    author_is_bot: bool = False
    display_name: str = ""
    avatar_url: str | None = None
    files: tuple[FileLink, ...] = ()


@dataclass(frozen=True)
class MessageDeleted:
    """A message was removed from a conversation (by its author or a moderator)."""

    channel: Identity
    message_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class TranslationRequested:
    """Someone asked for a message in their language, for them only (Slack's "Translate" message shortcut,
    Discord's "Translate" entry of a message's Apps menu)."""

    actor: Identity
    channel: Identity
    message_id: str
    #: The message's text, parsed by the adapter (None when the platform did not give it).
    text: RichText | None
    platform_locale: str | None = None


@dataclass(frozen=True)
class FormSubmitted:
    """A form (modal, or step-by-step dialogue) came back filled in."""

    actor: Identity
    channel: Identity
    form_id: str
    values: dict[str, str]
    state: str = ""
    platform_locale: str | None = None
    #: Names this filled-in form (Slack's view, Discord's form draft, the console's form): the same form sent
    #: again within a day gets the first answer instead of being recorded twice. Empty: not known.
    idempotency_key: str = ""


@dataclass(frozen=True)
class ButtonPressed:
    """A button (or select option) on one of the bot's messages was pressed."""

    actor: Identity
    channel: Identity
    action_id: str
    value: str = ""
    message_id: str | None = None
    platform_locale: str | None = None


@dataclass(frozen=True)
class ReactionAdded:
    """Someone reacted to a message with an emoji (`flag-fr`, `🇫🇷`…)."""

    actor: Identity
    channel: Identity
    message_id: str
    emoji: str
    platform_locale: str | None = None


Event = (CommandInvoked | MessagePosted | MessageEdited | MessageDeleted | TranslationRequested | FormSubmitted
         | ButtonPressed | ReactionAdded)


# ---------------------------------------------------------------- replies going out


class ButtonStyle(enum.StrEnum):
    default = "default"
    primary = "primary"
    danger = "danger"


@dataclass(frozen=True)
class Button:
    """A button; pressing it comes back as `ButtonPressed(action_id, value)`."""

    action_id: str
    label: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.default


@dataclass(frozen=True)
class Section:
    """A titled block of text inside a reply (a search result, a practice's field)."""

    text: str
    title: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply (a chart, an export): each adapter uploads it its own way (Slack's file
    upload, a Discord attachment, a file saved by the console) where its chat has the `FilePosting` ability."""

    name: str
    data: bytes
    media_type: str = "application/octet-stream"
    title: str = ""
    #: What the file shows, for screen readers and where it cannot be shown (a chart's figures).
    alt_text: str = ""


@dataclass
class Reply:
    """A message for the person who acted, or for the conversation.

    `ephemeral` replies are shown only to the person who acted, where the platform can.
    """

    text: str
    sections: list[Section] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    ephemeral: bool = True
    in_thread_of: str | None = None
    #: Only the ICC team may ask for @channel / @here / @everyone; adapters strip them otherwise.
    allow_broadcast_mentions: bool = False
    #: The message as neutral rich text (a translation): adapters render it in their own syntax instead of
    #: `text`, which then holds its plain reading.
    rich: RichText | None = None
    #: The reply repeats what someone wrote: the people and groups it mentions are not notified again.
    quiet: bool = False
    #: Files that go with the reply (charts, exports), posted after its text where the chat can post files.
    files: list[Attachment] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rich is not None and not self.text:
            self.text = self.rich.plain()


@dataclass
class DirectMessage:
    """A message to someone else than the actor (e.g. the author of a reviewed practice).

    It is delivered exactly once per `key` and person (`practice-review:12:reject`): a handler that runs twice
    (a form sent again, a retried event) does not tell the person twice. Without a key it is sent once per
    response.
    """

    to: Identity
    reply: Reply
    key: str = ""


class FieldKind(enum.StrEnum):
    text = "text"  # one line
    long_text = "long_text"  # several lines
    choice = "choice"  # one of `choices`
    multi_choice = "multi_choice"  # several of `choices`, comma-separated in values
    url_list = "url_list"  # one or more URLs, one per line


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


Validator = Callable[[str], str | None]


@dataclass
class FormField:
    """One input of a form. `validate` returns a localised error, or None when the value is fine."""

    name: str
    label: str
    kind: FieldKind = FieldKind.text
    required: bool = True
    max_length: int | None = None
    choices: list[Choice] = field(default_factory=list)
    hint: str = ""
    initial: str = ""
    validate: Validator | None = None

    def check(self, value: str) -> str | None:
        """Run the field's validator on `value` (already normalised)."""
        return self.validate(value) if self.validate else None


@dataclass
class Form:
    """A form the person fills in: a modal where the platform has them, a step-by-step dialogue elsewhere."""

    form_id: str
    title: str
    submit_label: str
    fields: list[FormField]
    state: str = ""
    #: What to tell someone who stops filling it in, when not "nothing was saved" (a survey keeps the pages sent).
    on_stop: str = ""

    def field(self, name: str) -> FormField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


@dataclass
class Response:
    """What a handler answers: replies, maybe a form to open, field errors, messages to other people."""

    replies: list[Reply] = field(default_factory=list)
    form: Form | None = None
    #: For a submitted form: errors per field name. Non-empty means nothing was saved; show them on the form.
    errors: dict[str, str] = field(default_factory=dict)
    direct_messages: list[DirectMessage] = field(default_factory=list)
    #: The replies hold what must not be kept anywhere (an anonymous survey's answers): a form sent again gets
    #: a short notice instead of them.
    private: bool = False

    @classmethod
    def text(cls, text: str, *, ephemeral: bool = True) -> Response:
        return cls(replies=[Reply(text=text, ephemeral=ephemeral)])
