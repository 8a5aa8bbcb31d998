"""What the bot asks Discord for: gateway intents and channel permissions, each with the reason it is needed.

The invite link (`python -m bot discord invite`) is built from `PERMISSIONS`, so the bot never asks for more
than it uses; when a server takes one away, `AdminNotices` tells the server's owner in their language.
"""

from __future__ import annotations

import logging
import time

import discord

from bot.i18n import N_, negotiate, t

log = logging.getLogger(__name__)

#: Why each gateway intent is on (guilds, members and message content are privileged or nearly so).
INTENT_REASONS: dict[str, str] = {
    "guilds": "servers, channels, threads and roles: where commands come from and where the bot posts",
    "members": "privileged: members and their roles, to map Discord roles to member/coordinator/ICC team",
    "messages": "messages posted in channels, so cluster channels can be translated and mirrored",
    "message_content": "privileged: the text of those messages (without it Discord sends them empty)",
    "reactions": "reactions, so a flag emoji on a message can ask for its translation",
}


def intents() -> discord.Intents:
    """Exactly the intents in `INTENT_REASONS`, nothing else (no presences, typing, voice)."""
    wanted = discord.Intents.none()
    for name in INTENT_REASONS:
        setattr(wanted, name, True)
    return wanted


#: Each permission the bot uses: (its name in Discord's settings, what the bot uses it for). Nothing else is asked.
PERMISSION_REASONS: dict[str, tuple[str, str]] = {
    "view_channel": ("View Channels", N_("see the channels it works in")),
    "send_messages": ("Send Messages", N_("answer and post in channels")),
    "send_messages_in_threads": ("Send Messages in Threads", N_("answer in threads")),
    "embed_links": ("Embed Links", N_("show practices and search results as cards")),
    "read_message_history": ("Read Message History", N_("reply to a message and read the message to translate")),
    "manage_webhooks": ("Manage Webhooks", N_("post translations under each author's name and picture")),
    "manage_channels": ("Manage Channels", N_("create cluster channels")),
    "manage_roles": ("Manage Roles", N_("let the members of a cluster into its private channel")),
    "create_public_threads": ("Create Public Threads", N_("keep threads as threads across the Slack bridge")),
    "add_reactions": ("Add Reactions", N_("carry reactions across the Slack bridge")),
    "mention_everyone": ("Mention @everyone", N_("let the ICC team notify @everyone in announcements")),
}


def permissions() -> discord.Permissions:
    """The permissions integer of the invite link: exactly `PERMISSION_REASONS`."""
    return discord.Permissions(**dict.fromkeys(PERMISSION_REASONS, True))


def permission_label(name: str, locale: str) -> str:
    """Discord's name for a permission ("manage_webhooks" -> "“Manage Webhooks” (to post translations…)")."""
    if name not in PERMISSION_REASONS:
        return f"“{name.replace('_', ' ').title()}”"
    label, reason = PERMISSION_REASONS[name]
    return t(locale, "“{permission}” (to {reason})", permission=label, reason=t(locale, reason))


class AdminNotices:
    """Tells a server's owner, once a day at most per server and permission, that the bot lacks a permission.

    A missing permission is not the person's fault and not a bug: it is a setting only a server admin can
    change, so the owner gets a direct message saying which one, in the server's language.
    """

    def __init__(self, client: discord.Client, *, every_seconds: float = 24 * 3600) -> None:
        self.client = client
        self.every_seconds = every_seconds
        self._sent: dict[tuple[int, str], float] = {}

    def text(self, guild: discord.abc.Snowflake | None, permission: str, where: str, locale: str) -> str:
        """The localised explanation, for the owner's DM and for whoever was acting."""
        server = getattr(guild, "name", "") or "?"
        return t(
            locale,
            "I cannot do this in {channel} on the server “{server}”: I am missing the permission {permission}. "
            "A server admin can grant it in Server Settings → Roles → ICC Bot, or in the channel's permissions.",
            channel=where,
            server=server,
            permission=permission_label(permission, locale),
        )

    async def missing(self, guild: discord.Guild | None, permission: str, where: str) -> None:
        """Log the missing permission and DM the server owner about it (rate-limited, never raising)."""
        log.warning("missing Discord permission %s in %s (guild %s)", permission, where, getattr(guild, "id", None))
        if guild is None:
            return
        key = (guild.id, permission)
        now = time.monotonic()
        if now - self._sent.get(key, -self.every_seconds - 1) < self.every_seconds:
            return
        self._sent[key] = now
        locale = negotiate(str(guild.preferred_locale))
        try:
            owner = guild.owner or await self.client.fetch_user(guild.owner_id or 0)
            await owner.send(self.text(guild, permission, where, locale),
                             allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not tell the owner of guild %s about permission %s: %s", guild.id, permission, exc)
