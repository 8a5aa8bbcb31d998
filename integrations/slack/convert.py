"""Slack payloads turned into the core's neutral events: who acted, where, and what they did.

Every identity comes from the signed payload's own fields (team, user, channel), never from a button's value
or a modal's metadata, so nobody can act as somebody else by crafting what those carry.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.messages import (
    ButtonPressed,
    CommandInvoked,
    FileLink,
    FormSubmitted,
    Identity,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    TranslationRequested,
)
from bot.registry import Named
from bot.services.members import MemberService
from integrations.slack import text as slack_text
from integrations.slack.blocks import form_values, read_metadata

PLATFORM = "slack"

# What Slack sends for a person or channel picked while typing a command (`should_escape` in the manifest).
_PERSON = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>$")
_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|([^<>]*))?>$")

#: Message subtypes that are people writing (anything else, like channel_join, is not a message to read).
_WRITTEN_SUBTYPES = frozenset({None, "", "thread_broadcast", "file_share", "me_message"})


def workspace_of(body: dict[str, Any]) -> str:
    """The workspace (team id, else Enterprise Grid org id) a payload comes from."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    for key in ("team_id", "user_team"):
        if body.get(key):
            return str(body[key])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    view = body.get("view")
    if isinstance(view, dict) and view.get("team_id"):
        return str(view["team_id"])
    enterprise = body.get("enterprise")
    if isinstance(enterprise, dict) and enterprise.get("id"):
        return str(enterprise["id"])
    return str(body.get("enterprise_id") or "")


def person(workspace: str, user_id: str) -> Identity:
    return Identity(PLATFORM, workspace, user_id)


def conversation(workspace: str, channel_id: str) -> Identity:
    return Identity(PLATFORM, workspace, channel_id)


def _user_id(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or user or "")


def _channel_id(body: dict[str, Any]) -> str:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return str(channel.get("id") or "")
    container = body.get("container")
    if isinstance(container, dict) and container.get("channel_id"):
        return str(container["channel_id"])
    return str(body.get("channel_id") or "")


def command_name(raw: str) -> str:
    """`/share-practice` -> `share-practice` (Slack sends the command as typed in the manifest)."""
    return raw.strip().lstrip("/").lower()


def to_command_event(body: dict[str, Any], *, locale: str | None = None, display_name: str = "") -> CommandInvoked:
    """A slash command's form fields as `CommandInvoked`."""
    workspace = workspace_of(body)
    return CommandInvoked(
        actor=person(workspace, _user_id(body)),
        channel=conversation(workspace, _channel_id(body)),
        name=command_name(str(body.get("command") or "")),
        # Slack escapes what people type (`Q&amp;A`); its `<…>` markup stays for the command's options.
        text=slack_text.unescape(str(body.get("text") or "")),
        platform_locale=locale,
        display_name=display_name or str(body.get("user_name") or ""),
    )


class SlackNames:
    """Person and channel options of a command: Slack's `<@U…|name>` and `<#C…|name>`, else a known name.

    `name_of(workspace, user_id)` gives the display name of a person mentioned without one.
    """

    def __init__(self, members: MemberService, name_of: Callable[[str, str], Awaitable[str]] | None = None) -> None:
        self.members = members
        self.name_of = name_of

    async def person(self, text: str, actor: Identity) -> Named | None:
        found = _PERSON.match(text.strip())
        if found is None:
            # Typed without picking from Slack's list: someone the bot knows by that name in this workspace.
            known = self.members.named(PLATFORM, actor.workspace, text)
            if known is None:
                return None
            return Named(person(actor.workspace, known.user_id), known.display_name or known.user_id)
        name = found.group(2) or ""
        if not name and self.name_of is not None:
            name = await self.name_of(actor.workspace, found.group(1))
        return Named(person(actor.workspace, found.group(1)), name or found.group(1))

    async def channel(self, text: str, actor: Identity) -> Named | None:
        found = _CHANNEL.match(text.strip())
        if found is None:
            return None
        return Named(conversation(actor.workspace, found.group(1)), found.group(2) or found.group(1))


def pressed_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return actions[0]
    return {}


def action_value(action: dict[str, Any]) -> str:
    """A button's value, or a select's chosen value(s)."""
    if isinstance(action.get("selected_option"), dict):
        return str(action["selected_option"].get("value") or "")
    if isinstance(action.get("selected_options"), list):
        return ",".join(str(o.get("value")) for o in action["selected_options"] if isinstance(o, dict))
    return str(action.get("value") or "")


def to_button_pressed(body: dict[str, Any], *, locale: str | None = None) -> ButtonPressed:
    """A `block_actions` payload (its first action) as `ButtonPressed`."""
    workspace = workspace_of(body)
    action = pressed_action(body)
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    channel_id = _channel_id(body)
    if not channel_id and isinstance(body.get("view"), dict):
        channel_id = (read_metadata(body["view"].get("private_metadata")) or {}).get("channel", "")
    return ButtonPressed(
        actor=person(workspace, _user_id(body)),
        channel=conversation(workspace, channel_id),
        action_id=str(action.get("action_id") or ""),
        value=action_value(action),
        message_id=str((container or {}).get("message_ts") or (message or {}).get("ts") or "") or None,
        platform_locale=locale,
    )


def to_form_submitted(body: dict[str, Any], *, locale: str | None = None) -> FormSubmitted | None:
    """A `view_submission` as `FormSubmitted`; None when the modal is not one we opened (unreadable metadata)."""
    view = body.get("view") if isinstance(body.get("view"), dict) else None
    if view is None:
        return None
    metadata = read_metadata(view.get("private_metadata"))
    if metadata is None:
        return None
    workspace = workspace_of(body)
    state = view.get("state") if isinstance(view.get("state"), dict) else {}
    return FormSubmitted(
        actor=person(workspace, _user_id(body)),
        channel=conversation(workspace, metadata["channel"]),
        form_id=str(view.get("callback_id") or ""),
        values=form_values((state or {}).get("values")),
        state=metadata["state"],
        platform_locale=locale,
        idempotency_key=submission_key(view),
    )


def submission_key(view: dict[str, Any]) -> str:
    """What names this filled-in modal: its view id, and its hash (a view updated to a next step is another
    form to submit). The same modal sent again (its first answer never arrived) has both unchanged."""
    view_id = str(view.get("id") or "")
    if not view_id:
        return ""
    view_hash = str(view.get("hash") or "")
    return f"{view_id}:{view_hash}" if view_hash else view_id


def modal_field_names(view: dict[str, Any]) -> list[str]:
    """The block ids of a submitted modal's inputs, in order (where `response_action: errors` can point)."""
    blocks = [b for b in view.get("blocks") or [] if isinstance(b, dict)]
    names = [str(b.get("block_id")) for b in blocks if b.get("type") == "input"]
    state = view.get("state") if isinstance(view.get("state"), dict) else {}
    for name in ((state or {}).get("values") or {}):
        if name not in names:
            names.append(str(name))
    return names


def to_message_event(event: dict[str, Any], workspace: str) -> MessagePosted | MessageEdited | MessageDeleted | None:
    """A `message` event as the core's event: a message posted, edited (subtype `message_changed`, with the new
    text) or deleted (`message_deleted`); None for what is not a person writing (bots, joins, …)."""
    subtype = event.get("subtype")
    channel_id = str(event.get("channel") or "")
    if subtype == "message_changed":
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        if _is_bot(message or {}):
            return None
        posted = _message(message or {}, workspace, channel_id)
        if posted is None:
            return None
        return MessageEdited(author=posted.author, channel=posted.channel, message_id=posted.message_id,
                             text=posted.text, thread_id=posted.thread_id, display_name=posted.display_name,
                             avatar_url=posted.avatar_url, files=posted.files)
    if subtype == "message_deleted":
        previous = event.get("previous_message") if isinstance(event.get("previous_message"), dict) else {}
        ts = str(event.get("deleted_ts") or (previous or {}).get("ts") or "")
        if _is_bot(previous or {}) or not ts or not channel_id:
            return None
        thread = (previous or {}).get("thread_ts")
        return MessageDeleted(channel=conversation(workspace, channel_id), message_id=ts,
                              thread_id=str(thread) if thread and thread != ts else None)
    if subtype not in _WRITTEN_SUBTYPES or _is_bot(event):
        return None
    return _message(event, workspace, channel_id)


def _is_bot(message: dict[str, Any]) -> bool:
    return bool(message.get("bot_id") or message.get("subtype") == "bot_message" or message.get("bot_profile"))


def _message(message: dict[str, Any], workspace: str, channel_id: str) -> MessagePosted | None:
    user_id = str(message.get("user") or "")
    ts = str(message.get("ts") or "")
    if not user_id or not ts or not channel_id:
        return None
    thread = message.get("thread_ts")
    profile = message.get("user_profile") if isinstance(message.get("user_profile"), dict) else {}
    return MessagePosted(
        author=person(str(message.get("user_team") or workspace), user_id),
        channel=conversation(workspace, channel_id),
        message_id=ts,
        text=slack_text.parse(str(message.get("text") or "")),
        thread_id=str(thread) if thread and thread != ts else None,
        display_name=str((profile or {}).get("display_name") or (profile or {}).get("real_name") or ""),
        avatar_url=(profile or {}).get("image_72"),
        files=_files(message),
    )


def _files(message: dict[str, Any]) -> tuple[FileLink, ...]:
    """The files shared with a message, each by its name and permalink."""
    found = []
    for shared in message.get("files") or []:
        url = shared.get("permalink") or shared.get("url_private") if isinstance(shared, dict) else None
        if url:
            found.append(FileLink(str(shared.get("name") or shared.get("title") or ""), str(url)))
    return tuple(found)


def to_reaction_added(event: dict[str, Any], workspace: str) -> ReactionAdded | None:
    """A `reaction_added` event on a message as `ReactionAdded` (reactions to files are ignored)."""
    item: dict[str, Any] = event["item"] if isinstance(event.get("item"), dict) else {}
    if item.get("type") != "message" or not event.get("user") or not event.get("reaction"):
        return None
    return ReactionAdded(
        actor=person(workspace, str(event["user"])),
        channel=conversation(workspace, str(item.get("channel") or "")),
        message_id=str(item.get("ts") or ""),
        emoji=str(event["reaction"]),
    )


def to_translation_requested(body: dict[str, Any], *, locale: str | None = None) -> TranslationRequested:
    """The "Translate" message shortcut (`message_action`) as `TranslationRequested`."""
    workspace = workspace_of(body)
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    text = (message or {}).get("text")
    return TranslationRequested(
        actor=person(workspace, _user_id(body)),
        channel=conversation(workspace, _channel_id(body)),
        message_id=str((message or {}).get("ts") or body.get("message_ts") or ""),
        text=slack_text.parse(text) if isinstance(text, str) else None,
        platform_locale=locale,
    )
