"""The Slack app manifest: every command of the registry, the Translate shortcut, scopes, events, both modes.

Pasted into https://api.slack.com/apps ("Create New App" → "From a manifest"), it creates a working app in one
step. Commands come from the registry, so a command added to the core appears here with no Slack code.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import t
from bot.registry import Command, Option, OptionKind, Registry

TRANSLATE_SHORTCUT = "translate_message"
#: A manifest is not localised: Slack shows these texts to everyone, so they are the English msgids.
MANIFEST_LOCALE = "en"

#: What the bot may do in a workspace, and why.
BOT_SCOPES = (
    "commands",  # slash commands and shortcuts
    "chat:write",  # answer and post
    "chat:write.customize",  # post a translation under its author's name and picture
    "chat:write.public",  # post in public channels it has not joined (campaign reminders)
    "channels:history",  # read cluster channels to translate them
    "groups:history",
    "im:history",
    "mpim:history",
    "channels:read",  # know channels and their members
    "groups:read",
    "mpim:read",
    "im:read",
    "im:write",  # direct messages (review outcomes, reminders)
    "channels:join",  # join a cluster channel to translate it
    "channels:manage",  # create cluster channels
    "users:read",  # people's names and Slack language (users.info with include_locale)
    "reactions:read",  # translate on a flag emoji
    "reactions:write",
    "team:read",
)

BOT_EVENTS = (
    "message.channels",
    "message.groups",
    "message.im",
    "message.mpim",
    "reaction_added",
    "app_home_opened",
    "tokens_revoked",
    "app_uninstalled",
)

DESCRIPTION = "Translated cluster channels, good practices, reminders and surveys for Intercultural Cities."
LONG_DESCRIPTION = (
    "ICC Bot makes the Intercultural Cities network of the Council of Europe work in Slack. Cluster members "
    "write in their own language and everybody reads every message in theirs. City coordinators share good "
    "practices with /share-practice and keep their city's profile; the ICC team reviews practices, runs the "
    "calendar of activities and campaign days, and the annual survey of cities. Type /help to start."
)


def _word(option: Option) -> str:
    """`<name>` or `[name]`; a person as `@person` and a channel as `#channel`, picked as people type them."""
    name = {OptionKind.person: "@", OptionKind.channel: "#"}.get(option.kind, "") + option.name
    return f"<{name}>" if option.required else f"[{name}]"


def usage_hint(command: Command) -> str:
    """`city <name> | show` or `[title]`, from the command's declared options (Slack allows 1,000 characters)."""
    if command.subcommands:
        parts = []
        for sub in command.subcommands:
            words = " ".join(_word(o) for o in sub.options)
            parts.append(f"{sub.name} {words}".strip())
        return " | ".join(parts)[:1000]
    return " ".join(_word(o) for o in command.options)[:1000]


def slash_commands(registry: Registry, events_url: str | None) -> list[dict[str, Any]]:
    """One Slack slash command per registry command (names of at most 32 characters, as Slack requires)."""
    found = []
    for command in sorted(registry.commands.values(), key=lambda c: c.name):
        entry: dict[str, Any] = {
            "command": "/" + command.name[:31],
            "description": t(MANIFEST_LOCALE, command.description)[:2000],
            # Slack then sends mentions as <@U…|name> and channels as <#C…|name>: ids, not names.
            "should_escape": True,
        }
        hint = usage_hint(command)
        if hint:
            entry["usage_hint"] = hint
        if events_url:
            entry["url"] = events_url
        found.append(entry)
    return found


def build_manifest(registry: Registry, *, url: str | None, socket_mode: bool = False,
                   name: str = "ICC Bot") -> dict[str, Any]:
    """The whole manifest. HTTP mode needs the public `url` of the web process; Socket Mode needs none."""
    base = (url or "").rstrip("/")
    events_url = f"{base}/slack/events" if base and not socket_mode else None
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if events_url:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if base:
        oauth["redirect_urls"] = [f"{base}/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": DESCRIPTION,
            "long_description": LONG_DESCRIPTION,
            "background_color": "#1d3f72",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "shortcuts": [
                {
                    "name": "Translate",
                    "type": "message",
                    "callback_id": TRANSLATE_SHORTCUT,
                    "description": "Translate this message into your language.",
                }
            ],
            "slash_commands": slash_commands(registry, events_url),
        },
        "oauth_config": oauth,
        "settings": settings,
    }
