"""The Discord fake's world: users, guilds, roles, channels, members, webhooks, and gateway event payloads."""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from .wire import Permissions, _now_iso


class WorldMixin:
    """Builders of world state and of the payloads Discord sends about it."""

    # ------------------------------------------------------------------ builders: world state

    def add_user(
        self,
        user_id: int | str | None = None,
        name: str = "user",
        *,
        locale: str = "en-US",
        bot: bool = False,
        global_name: str | None = None,
        avatar: str | None = None,
    ) -> dict[str, Any]:
        uid = int(user_id) if user_id is not None else self._ids.next()
        user = self._user_payload(uid, name, bot=bot, global_name=global_name, avatar=avatar)
        self.users[uid] = user
        self._user_locales[uid] = locale
        return copy.deepcopy(user)

    def add_guild(
        self,
        guild_id: int | str | None = None,
        name: str = "Test Guild",
        owner_id: int | str | None = None,
        roles: Sequence[str | Mapping[str, Any]] | None = None,
        channels: Sequence[str | Mapping[str, Any]] | None = None,
        members: Sequence[int | str | Mapping[str, Any]] | None = None,
        *,
        locale: str = "en-US",
        features: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Create a guild the bot is in; returns its GUILD_CREATE payload.

        ``roles``: names or ``{"name", "permissions", "id", ...}``; ``channels``: text-channel names or channel
        dicts (default ``["general"]``); ``members``: user ids, ``{"user_id", "name", "roles", "locale"}`` dicts
        or member payloads.  The bot (with a managed role) and the owner are always members.  Add guilds before
        the client connects, or dispatch ``GUILD_CREATE`` with :meth:`guild_payload` afterwards."""
        gid = int(guild_id) if guild_id is not None else self._ids.next()
        if owner_id is None:
            owner = self.add_user(None, "guild-owner")
            owner_id = owner["id"]
        oid = int(owner_id)
        if oid not in self.users:
            self.add_user(oid, f"user{oid}")
        everyone = self._role_payload(gid, "@everyone", Permissions.EVERYONE_DEFAULT, position=0)
        bot_role = self._role_payload(self._ids.next(), self.bot_user["username"], self.bot_permissions, position=1)
        bot_role.update(managed=True, tags={"bot_id": self.bot_user["id"]})
        self.guilds[gid] = {
            "id": str(gid),
            "name": name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(oid),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": [everyone, bot_role],
            "emojis": [],
            "stickers": [],
            "features": list(features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": locale,
            "public_updates_channel_id": None,
            "nsfw": False,
            "nsfw_level": 0,
            "incidents_data": None,
            "joined_at": _now_iso(),
            "lazy": True,
            "large": False,
        }
        self.members[gid] = {}
        for role in roles or ():
            if isinstance(role, str):
                self.add_role(gid, role)
            else:
                self.add_role(gid, **dict(role))
        for channel in channels if channels is not None else ["general"]:
            if isinstance(channel, str):
                self.add_text_channel(gid, channel)
            else:
                self._store_channel(gid, dict(channel))
        first_text = next((c for c in self._guild_channels(gid) if c["type"] == 0), None)
        if first_text is not None:
            self.guilds[gid]["system_channel_id"] = first_text["id"]
        self._add_member_payload(gid, self._member_payload(gid, int(self.bot_user["id"]), roles=[bot_role["id"]]))
        self.add_member(gid, oid, self.users[oid]["username"])
        for member in members or ():
            if isinstance(member, (int, str)):
                uid = int(member)
                self.add_member(gid, uid, self.users.get(uid, {}).get("username", f"user{uid}"))
            elif "user" in member:
                self._add_member_payload(gid, dict(member))
            else:
                self.add_member(gid, **dict(member))
        return self.guild_payload(gid)

    def add_role(
        self,
        guild_id: int | str,
        name: str,
        permissions: int | str = 0,
        *,
        role_id: int | str | None = None,
        id: int | str | None = None,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
    ) -> dict[str, Any]:
        gid = int(guild_id)
        rid = int(role_id or id or self._ids.next())
        roles = self._guild(gid)["roles"]
        role = self._role_payload(
            rid, name, int(permissions), position=len(roles), color=color, hoist=hoist, mentionable=mentionable
        )
        roles.append(role)
        return copy.deepcopy(role)

    def role_id(self, guild_id: int | str, name: str) -> int:
        return int(next(r["id"] for r in self._guild(int(guild_id))["roles"] if r["name"] == name))

    def add_text_channel(
        self,
        guild_id: int | str,
        name: str,
        *,
        channel_id: int | str | None = None,
        topic: str | None = None,
        parent_id: int | str | None = None,
        nsfw: bool = False,
        type: int = 0,
    ) -> dict[str, Any]:
        """Add a text (type 0) channel; ``type=4`` makes a category, ``type=5`` an announcement channel."""
        gid = int(guild_id)
        data: dict[str, Any] = {"name": name, "type": type, "topic": topic, "nsfw": nsfw}
        if channel_id is not None:
            data["id"] = str(channel_id)
        if parent_id is not None:
            data["parent_id"] = str(parent_id)
        return copy.deepcopy(self._store_channel(gid, data))

    def add_member(
        self,
        guild_id: int | str,
        user_id: int | str | None = None,
        name: str = "member",
        roles: Sequence[int | str] = (),
        locale: str = "en-US",
        *,
        nick: str | None = None,
        bot: bool = False,
        global_name: str | None = None,
    ) -> dict[str, Any]:
        """Add a member (``roles`` are role ids or role names); returns the member payload (with ``user``)."""
        gid = int(guild_id)
        uid = int(user_id) if user_id is not None else self._ids.next()
        if uid not in self.users or self.users[uid]["username"] != name:
            self.add_user(uid, name, locale=locale, bot=bot, global_name=global_name)
        else:
            self._user_locales[uid] = locale
        role_ids = [str(self.role_id(gid, r)) if isinstance(r, str) and not r.isdigit() else str(r) for r in roles]
        member = self._member_payload(gid, uid, roles=role_ids, nick=nick)
        self._add_member_payload(gid, member)
        return copy.deepcopy(member)

    def dm_channel(self, user_id: int | str) -> int:
        """The id of the direct conversation between the bot and a user (opened by whichever side writes first)."""
        uid = int(user_id)
        cid = self._dm_channels.get(uid)
        if cid is None:
            cid = self._ids.next()
            self._dm_channels[uid] = cid
            self.channels[cid] = {
                "id": str(cid),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [copy.deepcopy(self.users[uid])],
            }
        return cid

    def add_webhook(self, channel_id: int | str, name: str = "Captain Hook", *, by_bot: bool = True) -> dict[str, Any]:
        """A webhook that already exists in a channel (``by_bot=False``: created by someone else, no token)."""
        channel = self._channel(int(channel_id))
        hook = self._new_webhook(channel, name)
        if not by_bot:
            hook["user"] = copy.deepcopy(self.owner_user)
            hook["application_id"] = None
        return copy.deepcopy(hook)

    def guild_payload(self, guild_id: int | str) -> dict[str, Any]:
        """The full GUILD_CREATE payload of a guild (channels, roles, members)."""
        gid = int(guild_id)
        guild = copy.deepcopy(self._guild(gid))
        members = [copy.deepcopy(m) for m in self.members[gid].values()]
        guild.update(
            unavailable=False,
            member_count=len(members),
            members=members,
            channels=[copy.deepcopy(c) for c in self._guild_channels(gid) if c["type"] not in (10, 11, 12)],
            threads=[copy.deepcopy(c) for c in self._guild_channels(gid) if c["type"] in (10, 11, 12)],
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        for channel in guild["channels"]:
            channel.pop("guild_id", None)
        return guild

    def member_permissions(self, guild_id: int | str, user_id: int | str) -> int:
        gid, uid = int(guild_id), int(user_id)
        guild = self._guild(gid)
        if str(uid) == guild["owner_id"]:
            return Permissions.ALL
        member = self.members[gid].get(uid)
        roles = {r["id"]: int(r["permissions"]) for r in guild["roles"]}
        perms = roles[str(gid)]
        for rid in (member or {}).get("roles", []):
            perms |= roles.get(rid, 0)
        return Permissions.ALL if perms & Permissions.ADMINISTRATOR else perms

    # ------------------------------------------------------------------ builders: gateway event payloads

    def message_create_payload(
        self,
        channel_id: int | str,
        author_id: int | str,
        content: str,
        *,
        message_id: int | str | None = None,
        embeds: Sequence[Mapping[str, Any]] = (),
        attachments: Sequence[Mapping[str, Any]] = (),
        components: Sequence[Mapping[str, Any]] = (),
        reply_to: int | str | None = None,
        webhook_id: int | str | None = None,
        store: bool = True,
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload from a user (or a webhook); stored so REST calls on it work."""
        channel = self._channel(int(channel_id))
        uid = int(author_id)
        author = copy.deepcopy(self.users.get(uid) or self._user_payload(uid, f"user{uid}"))
        body: dict[str, Any] = {"content": content, "embeds": list(embeds), "components": list(components)}
        if reply_to is not None:
            body["message_reference"] = {"message_id": str(reply_to), "channel_id": channel["id"]}
        message = self._build_message(channel, author, body, message_id=message_id, webhook_id=webhook_id)
        message["attachments"] = [dict(a) for a in attachments]
        if store:
            self.messages[int(message["id"])] = copy.deepcopy(message)
        return message

    async def user_message(self, channel_id: int | str, author_id: int | str, content: str, **kw: Any) -> dict:
        """Build a user's message with :meth:`message_create_payload` and dispatch it as MESSAGE_CREATE."""
        payload = self.message_create_payload(channel_id, author_id, content, **kw)
        await self.dispatch("MESSAGE_CREATE", payload)
        return payload

    def reaction_add_payload(
        self,
        channel_id: int | str,
        message_id: int | str,
        user_id: int | str,
        emoji: str = "\N{THUMBS UP SIGN}",
        *,
        emoji_id: int | str | None = None,
        animated: bool = False,
    ) -> dict[str, Any]:
        """A MESSAGE_REACTION_ADD payload (``emoji`` is a unicode emoji, or a custom emoji name with ``emoji_id``)."""
        channel = self._channel(int(channel_id))
        payload: dict[str, Any] = {
            "type": 0,
            "user_id": str(user_id),
            "channel_id": channel["id"],
            "message_id": str(message_id),
            "emoji": {
                "id": str(emoji_id) if emoji_id else None,
                "name": emoji,
                **({"animated": True} if animated else {}),
            },
            "burst": False,
            "burst_colors": [],
        }
        stored = self.messages.get(int(message_id))
        if stored is not None:
            payload["message_author_id"] = stored["author"]["id"]
        if channel.get("guild_id"):
            gid = int(channel["guild_id"])
            payload["guild_id"] = str(gid)
            member = self.members.get(gid, {}).get(int(user_id))
            if member is not None:
                payload["member"] = copy.deepcopy(member)
        self._reactions.setdefault((int(message_id), self._emoji_key(payload["emoji"])), set()).add(int(user_id))
        return payload

    def member_add_payload(self, guild_id: int | str, user_id: int | str, name: str = "newcomer", **kw: Any) -> dict:
        """Add a member and return its GUILD_MEMBER_ADD payload."""
        member = self.add_member(guild_id, user_id, name, **kw)
        member["guild_id"] = str(guild_id)
        return member


    # ------------------------------------------------------------------ payload building internals

    def _user_payload(
        self, uid: int, name: str, *, bot: bool = False, global_name: str | None = None, avatar: str | None = None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": str(uid),
            "username": name,
            "discriminator": "0",
            "global_name": global_name,
            "avatar": avatar,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "clan": None,
            "primary_guild": None,
        }
        if bot:
            user["bot"] = True
        return user

    def _role_payload(
        self,
        rid: int,
        name: str,
        permissions: int,
        *,
        position: int,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
    ) -> dict[str, Any]:
        return {
            "id": str(rid),
            "name": name,
            "color": color,
            "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
            "hoist": hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": mentionable,
            "flags": 0,
        }

    def _member_payload(
        self, gid: int, uid: int, *, roles: Sequence[str] = (), nick: str | None = None
    ) -> dict[str, Any]:
        return {
            "user": copy.deepcopy(self.users[uid]),
            "nick": nick,
            "avatar": None,
            "banner": None,
            "roles": list(roles),
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def _add_member_payload(self, gid: int, member: dict[str, Any]) -> None:
        uid = int(member["user"]["id"])
        self.users.setdefault(uid, copy.deepcopy(member["user"]))
        self.members[gid][uid] = member

    def _guild_channels(self, gid: int) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c.get("guild_id") == str(gid)]

    def _store_channel(self, gid: int, data: dict[str, Any]) -> dict[str, Any]:
        cid = int(data.get("id") or self._ids.next())
        ctype = int(data.get("type") or 0)
        channel: dict[str, Any] = {
            "id": str(cid),
            "type": ctype,
            "guild_id": str(gid),
            "name": data.get("name", f"channel-{cid}"),
            "position": data.get("position", len(self._guild_channels(gid))),
            "permission_overwrites": list(data.get("permission_overwrites") or []),
            "parent_id": str(data["parent_id"]) if data.get("parent_id") else None,
            "flags": 0,
        }
        if ctype in (0, 5):
            channel.update(
                topic=data.get("topic"),
                nsfw=bool(data.get("nsfw", False)),
                last_message_id=None,
                last_pin_timestamp=None,
                rate_limit_per_user=int(data.get("rate_limit_per_user") or 0),
                default_thread_rate_limit_per_user=0,
                default_auto_archive_duration=1440,
            )
        elif ctype in (2, 13):
            channel.update(
                bitrate=64000, user_limit=0, rtc_region=None, nsfw=False, rate_limit_per_user=0, last_message_id=None
            )
        for key, value in data.items():
            if key not in channel:
                channel[key] = value
        self.channels[cid] = channel
        return channel

    def _new_webhook(self, channel: Mapping[str, Any], name: str, avatar: str | None = None) -> dict[str, Any]:
        wid = self._ids.next()
        hook = {
            "id": str(wid),
            "type": 1,
            "guild_id": channel.get("guild_id"),
            "channel_id": channel["id"],
            "user": copy.deepcopy(self.bot_user),
            "name": name,
            "avatar": avatar and hashlib.md5(avatar.encode()).hexdigest(),
            "token": secrets.token_urlsafe(48),
            "application_id": str(self.application_id),
        }
        self.webhooks[wid] = hook
        return hook

    def _find_message_with_component(self, custom_id: str) -> dict[str, Any] | None:
        def walk(components: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
            for c in components:
                yield c
                yield from walk(c.get("components") or [])
                if isinstance(c.get("component"), Mapping):
                    yield from walk([c["component"]])
                if isinstance(c.get("accessory"), Mapping):
                    yield c["accessory"]

        for message in sorted(self.messages.values(), key=lambda m: int(m["id"]), reverse=True):
            if any(c.get("custom_id") == custom_id for c in walk(message.get("components") or [])):
                return message
        return None

