"""REST routes of the Discord fake for guilds, channels, messages and reactions, with message validation."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .wire import ApiError, Request, _form_error, _now_iso, _route, _snowflake_time, _unknown


class ChannelsMixin:
    """Guild, channel, message and reaction routes and the message model behind them."""

    # ------------------------------------------------------------------ REST: guilds and channels

    @_route("GET", "/guilds/{guild_id}")
    async def _r_guild(self, req: Request, p: dict[str, str]) -> Any:
        guild = copy.deepcopy(self._guild(int(p["guild_id"])))
        if req.query.get("with_counts") in ("true", "1", "True"):
            guild["approximate_member_count"] = len(self.members[int(p["guild_id"])])
            guild["approximate_presence_count"] = 0
        return guild

    @_route("GET", "/guilds/{guild_id}/channels")
    async def _r_guild_channels(self, req: Request, p: dict[str, str]) -> Any:
        gid = int(p["guild_id"])
        self._guild(gid)
        return [copy.deepcopy(c) for c in self._guild_channels(gid) if c["type"] not in (10, 11, 12)]

    @_route("POST", "/guilds/{guild_id}/channels")
    async def _r_create_channel(self, req: Request, p: dict[str, str]) -> Any:
        gid = int(p["guild_id"])
        self._guild(gid)
        body = dict(req.json or {})
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            raise _form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        body.pop("id", None)
        if int(body.get("type") or 0) == 0:
            body["name"] = re.sub(r"[\s]+", "-", name.strip().lower())
        channel = self._store_channel(gid, body)
        self._echo("CHANNEL_CREATE", channel)
        return copy.deepcopy(channel)

    @_route("GET", "/guilds/{guild_id}/roles")
    async def _r_roles(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._guild(int(p["guild_id"]))["roles"])

    @_route("GET", "/guilds/{guild_id}/members")
    async def _r_members(self, req: Request, p: dict[str, str]) -> Any:
        gid = int(p["guild_id"])
        self._guild(gid)
        limit = int(req.query.get("limit", 1))
        after = int(req.query.get("after", 0))
        members = sorted(self.members[gid].items())
        return [copy.deepcopy(m) for uid, m in members if uid > after][:limit]

    @_route("GET", "/guilds/{guild_id}/members/{user_id}")
    async def _r_member(self, req: Request, p: dict[str, str]) -> Any:
        gid = int(p["guild_id"])
        self._guild(gid)
        member = self.members[gid].get(int(p["user_id"])) if p["user_id"].isdigit() else None
        if member is None:
            raise _unknown("Member", 10007)
        return copy.deepcopy(member)

    @_route("GET", "/guilds/{guild_id}/webhooks")
    async def _r_guild_webhooks(self, req: Request, p: dict[str, str]) -> Any:
        gid = self._guild(int(p["guild_id"]))["id"]
        return [copy.deepcopy(h) for h in self.webhooks.values() if h.get("guild_id") == gid]

    @_route("GET", "/channels/{channel_id}")
    async def _r_channel(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._channel(int(p["channel_id"])))

    @_route("PATCH", "/channels/{channel_id}")
    async def _r_channel_patch(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        for key, value in (req.json or {}).items():
            if key in (
                "name",
                "topic",
                "nsfw",
                "position",
                "parent_id",
                "rate_limit_per_user",
                "permission_overwrites",
            ):
                channel[key] = value
        self._echo("CHANNEL_UPDATE", channel)
        return copy.deepcopy(channel)

    @_route("DELETE", "/channels/{channel_id}")
    async def _r_channel_delete(self, req: Request, p: dict[str, str]) -> Any:
        channel = self.delete_channel(int(self._channel(int(p["channel_id"]))["id"]))
        self._echo("CHANNEL_DELETE", channel)
        return channel

    # ------------------------------------------------------------------ REST: messages

    @_route("GET", "/channels/{channel_id}/messages")
    async def _r_messages(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        limit = min(int(req.query.get("limit", 50)), 100)
        messages = [m for m in self.messages.values() if m["channel_id"] == channel["id"]]
        messages.sort(key=lambda m: int(m["id"]), reverse=True)
        if "before" in req.query:
            messages = [m for m in messages if int(m["id"]) < int(req.query["before"])]
        if "after" in req.query:
            messages = [m for m in messages if int(m["id"]) > int(req.query["after"])][::-1][:limit][::-1]
        return copy.deepcopy(messages[:limit])

    @_route("POST", "/channels/{channel_id}/messages")
    async def _r_send(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        if channel["type"] == 1:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self._blocked_dms or self.users.get(recipient, {}).get("bot"):
                raise ApiError(403, 50007, "Cannot send messages to this user")
        body = dict(req.json or {})
        self._validate_message(body, req.files)
        message = self._build_message(channel, copy.deepcopy(self.bot_user), body, files=req.files)
        self._store_message(message)
        return copy.deepcopy(message)

    @_route("GET", "/channels/{channel_id}/messages/{message_id}")
    async def _r_message(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        return copy.deepcopy(self._message(channel, int(p["message_id"])))

    @_route("PATCH", "/channels/{channel_id}/messages/{message_id}")
    async def _r_edit(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        if message["author"]["id"] != self.bot_user["id"]:
            body = req.json or {}
            if set(body) - {"flags"}:
                raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        return copy.deepcopy(self._edit_message(message, req.json or {}, req.files))

    @_route("DELETE", "/channels/{channel_id}/messages/{message_id}")
    async def _r_delete(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        self._delete_message(message)
        return None

    @_route("POST", "/channels/{channel_id}/typing")
    async def _r_typing(self, req: Request, p: dict[str, str]) -> Any:
        self._channel(int(p["channel_id"]))
        return None

    @_route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
    async def _r_react(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        emoji = self._parse_emoji(p["emoji"])
        key = (int(message["id"]), self._emoji_key(emoji))
        users = self._reactions.setdefault(key, set())
        if int(self.bot_user["id"]) not in users:
            users.add(int(self.bot_user["id"]))
            event = {
                "user_id": self.bot_user["id"],
                "channel_id": channel["id"],
                "message_id": message["id"],
                "emoji": emoji,
                "type": 0,
                "burst": False,
                "burst_colors": [],
                "message_author_id": message["author"]["id"],
            }
            if channel.get("guild_id"):
                event["guild_id"] = channel["guild_id"]
                event["member"] = copy.deepcopy(self.members[int(channel["guild_id"])][int(self.bot_user["id"])])
            self._echo("MESSAGE_REACTION_ADD", event)
        return None

    @_route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
    async def _r_unreact(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        self._reactions.get((int(message["id"]), self._emoji_key(self._parse_emoji(p["emoji"]))), set()).discard(
            int(self.bot_user["id"])
        )
        return None

    @_route("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
    async def _r_reactors(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        message = self._message(channel, int(p["message_id"]))
        users = self._reactions.get((int(message["id"]), self._emoji_key(self._parse_emoji(p["emoji"]))), set())
        return [copy.deepcopy(self.users[u]) for u in sorted(users) if u in self.users]


    @staticmethod
    def _parse_emoji(text: str) -> dict[str, Any]:
        match = re.fullmatch(r"(a:)?([^:]+):(\d+)", text)
        if match:
            emoji: dict[str, Any] = {"id": match.group(3), "name": match.group(2)}
            if match.group(1):
                emoji["animated"] = True
            return emoji
        return {"id": None, "name": text}

    @staticmethod
    def _emoji_key(emoji: Mapping[str, Any]) -> str:
        return str(emoji.get("id") or emoji.get("name"))

    def _validate_webhook_name(self, field_name: str, name: str, max_len: int = 80) -> None:
        lowered = name.lower()
        if not 1 <= len(name) <= max_len:
            raise _form_error(field_name, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {max_len} in length.")
        for banned in ("clyde", "discord"):
            if banned in lowered:
                raise _form_error(field_name, "USERNAME_INVALID_CONTAINS", f'Username cannot contain "{banned}"')
        if lowered in ("everyone", "here"):
            raise _form_error(field_name, "USERNAME_INVALID", "Username is invalid")

    def _validate_message(self, body: Mapping[str, Any], files: Sequence[Mapping[str, Any]]) -> None:
        content = body.get("content") or ""
        if not isinstance(content, str):
            content = str(content)
        flags = int(body.get("flags") or 0)
        has_other = any(body.get(k) for k in ("embeds", "components", "sticker_ids", "poll", "attachments")) or files
        if not content.strip() and not has_other:
            raise ApiError(400, 50006, "Cannot send an empty message")
        if len(content) > 2000:
            raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if flags & 32768 and content:
            raise _form_error(
                "content",
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            )
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            raise _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, embed in enumerate(embeds):
            for key, limit in (("title", 256), ("description", 4096)):
                value = embed.get(key) or ""
                total += len(value)
                if len(value) > limit:
                    raise _form_error(
                        f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                    )
            for j, fld in enumerate(embed.get("fields") or []):
                total += len(fld.get("name") or "") + len(fld.get("value") or "")
                if len(fld.get("value") or "") > 1024:
                    raise _form_error(
                        f"embeds.{i}.fields.{j}.value", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length."
                    )
            total += len((embed.get("footer") or {}).get("text") or "") + len(
                (embed.get("author") or {}).get("name") or ""
            )
        if total > 6000:
            raise _form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")

    def _mentions(
        self, content: str, body: Mapping[str, Any], guild_id: str | None, referenced: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        allowed = body.get("allowed_mentions")
        user_ids = list(dict.fromkeys(re.findall(r"<@!?(\d+)>", content)))
        role_ids = list(dict.fromkeys(re.findall(r"<@&(\d+)>", content)))
        everyone = "@everyone" in content or "@here" in content
        replied = referenced is not None
        if allowed is not None:
            parse = allowed.get("parse") or []
            explicit_users = [str(u) for u in allowed.get("users") or []]
            explicit_roles = [str(r) for r in allowed.get("roles") or []]
            user_ids = user_ids if "users" in parse else [u for u in user_ids if u in explicit_users]
            role_ids = role_ids if "roles" in parse else [r for r in role_ids if r in explicit_roles]
            everyone = everyone and "everyone" in parse
            replied = replied and bool(allowed.get("replied_user"))
        if replied and referenced is not None and referenced["author"]["id"] not in user_ids:
            user_ids.append(referenced["author"]["id"])
        mentions = []
        for uid in user_ids:
            user = self.users.get(int(uid))
            if user is None:
                continue
            entry = copy.deepcopy(user)
            member = self.members.get(int(guild_id), {}).get(int(uid)) if guild_id else None
            if member is not None:
                entry["member"] = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
            mentions.append(entry)
        return mentions, role_ids, everyone

    def _build_message(
        self,
        channel: Mapping[str, Any],
        author: dict[str, Any],
        body: Mapping[str, Any],
        *,
        message_id: int | str | None = None,
        webhook_id: int | str | None = None,
        files: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        mid = int(message_id) if message_id is not None else self._ids.next()
        content = body.get("content")
        content = "" if content is None else str(content)
        guild_id = channel.get("guild_id")
        referenced = None
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            referenced = self.messages.get(int(ref["message_id"]))
            if referenced is None and ref.get("fail_if_not_exists", True):
                raise _form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        mentions, mention_roles, everyone = self._mentions(content, body, guild_id, referenced)
        message: dict[str, Any] = {
            "id": str(mid),
            "type": 19 if referenced is not None else 0,
            "channel_id": channel["id"],
            "author": author,
            "content": content,
            "timestamp": _snowflake_time(mid),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": self._attachments(channel, files, body.get("attachments") or []),
            "embeds": copy.deepcopy(list(body.get("embeds") or [])),
            "pinned": False,
            "flags": int(body.get("flags") or 0) & (4 | 4096 | 32768),
            "components": self._normalise_components(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("poll"):
            message["poll"] = copy.deepcopy(body["poll"])
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
        if referenced is not None:
            message["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                **({"guild_id": guild_id} if guild_id else {}),
            }
            message["referenced_message"] = copy.deepcopy(referenced)
            message["referenced_message"].pop("referenced_message", None)
        if guild_id:
            message["guild_id"] = guild_id
            member = self.members.get(int(guild_id), {}).get(int(author["id"]))
            if member is not None and webhook_id is None:
                message["member"] = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
        return message

    def _attachments(
        self, channel: Mapping[str, Any], files: Sequence[Mapping[str, Any]], declared: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        result = []
        declared_by_index = {str(a.get("id")): a for a in declared}
        for index, file in enumerate(files):
            aid = self._ids.next()
            data = file.get("data") or b""
            self.attachments[aid] = data
            filename = file.get("filename") or f"file{index}"
            meta = declared_by_index.get(str(index), {})
            url = f"{self.http_base}/attachments/{channel['id']}/{aid}/{filename}"
            result.append(
                {
                    "id": str(aid),
                    "filename": filename,
                    "size": len(data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": file.get("content_type") or "application/octet-stream",
                    **({"description": meta["description"]} if meta.get("description") else {}),
                }
            )
        return result

    @staticmethod
    def _normalise_components(components: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        counter = iter(range(1, 1000))

        def walk(c: Mapping[str, Any]) -> dict[str, Any]:
            out = copy.deepcopy(dict(c))
            out.setdefault("id", next(counter))
            if "components" in out:
                out["components"] = [walk(x) for x in out["components"]]
            return out

        return [walk(c) for c in components]

    def _store_message(self, message: dict[str, Any], *, echo: bool = True) -> None:
        self.messages[int(message["id"])] = copy.deepcopy(message)
        channel = self.channels.get(int(message["channel_id"]))
        if channel is not None and "last_message_id" in channel:
            channel["last_message_id"] = message["id"]
        if echo:
            self._echo("MESSAGE_CREATE", message)

    def _edit_message(
        self, message: dict[str, Any], body: Mapping[str, Any], files: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        channel = self.channels.get(int(message["channel_id"])) or {"id": message["channel_id"]}
        if "content" in body:
            content = body["content"]
            content = "" if content is None else str(content)
            if len(content) > 2000:
                raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
            message["content"] = content
            mentions, roles, everyone = self._mentions(content, body, message.get("guild_id"), None)
            message.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
        if "embeds" in body:
            message["embeds"] = copy.deepcopy(list(body["embeds"] or []))
        if "components" in body:
            message["components"] = self._normalise_components(body["components"] or [])
        if "attachments" in body or files:
            kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message["attachments"] if a["id"] in kept_ids]
            message["attachments"] = kept + self._attachments(channel, files, body.get("attachments") or [])
        if "flags" in body and body["flags"] is not None:
            message["flags"] = (int(message.get("flags", 0)) & 64) | (int(body["flags"]) & (4 | 4096 | 32768))
        message["flags"] = int(message.get("flags", 0)) & ~128
        message["edited_timestamp"] = _now_iso()
        if not message["flags"] & 64:
            self._echo("MESSAGE_UPDATE", message)
        return message

    def _delete_message(self, message: dict[str, Any]) -> None:
        self.messages.pop(int(message["id"]), None)
        event = {"id": message["id"], "channel_id": message["channel_id"]}
        if message.get("guild_id"):
            event["guild_id"] = message["guild_id"]
        if not int(message.get("flags", 0)) & 64:
            self._echo("MESSAGE_DELETE", event)

