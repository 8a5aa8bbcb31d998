"""REST routes of the Discord fake for webhooks (by bot token and by webhook token)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from .wire import ApiError, Request, _route, _unknown


class WebhooksMixin:
    """Webhook routes."""

    # ------------------------------------------------------------------ REST: webhooks

    @_route("GET", "/channels/{channel_id}/webhooks")
    async def _r_channel_webhooks(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        return [copy.deepcopy(h) for h in self.webhooks.values() if h["channel_id"] == channel["id"]]

    @_route("POST", "/channels/{channel_id}/webhooks")
    async def _r_create_webhook(self, req: Request, p: dict[str, str]) -> Any:
        channel = self._channel(int(p["channel_id"]))
        if channel["type"] not in (0, 5, 13, 15, 16):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        name = (req.json or {}).get("name") or ""
        self._validate_webhook_name("name", name)
        if len([h for h in self.webhooks.values() if h["channel_id"] == channel["id"]]) >= 15:
            raise ApiError(400, 30007, "Maximum number of webhooks reached (15)")
        hook = self._new_webhook(channel, name, avatar=(req.json or {}).get("avatar"))
        self._echo("WEBHOOKS_UPDATE", {"guild_id": channel.get("guild_id"), "channel_id": channel["id"]})
        return copy.deepcopy(hook)

    @_route("GET", "/webhooks/{webhook_id}")
    async def _r_webhook(self, req: Request, p: dict[str, str]) -> Any:
        hook = copy.deepcopy(self._webhook(int(p["webhook_id"])))
        return hook

    @_route("PATCH", "/webhooks/{webhook_id}")
    async def _r_webhook_patch(self, req: Request, p: dict[str, str]) -> Any:
        hook = self._webhook(int(p["webhook_id"]))
        body = req.json or {}
        if "name" in body:
            self._validate_webhook_name("name", body["name"])
            hook["name"] = body["name"]
        if "channel_id" in body:
            hook["channel_id"] = self._channel(int(body["channel_id"]))["id"]
        return copy.deepcopy(hook)

    @_route("DELETE", "/webhooks/{webhook_id}")
    async def _r_webhook_delete(self, req: Request, p: dict[str, str]) -> Any:
        hook = self.delete_webhook(int(self._webhook(int(p["webhook_id"]))["id"]))
        self._echo("WEBHOOKS_UPDATE", {"guild_id": hook.get("guild_id"), "channel_id": hook["channel_id"]})
        return None

    @_route("GET", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def _r_webhook_token(self, req: Request, p: dict[str, str]) -> Any:
        hook = copy.deepcopy(self._webhook(int(p["webhook_id"]), p["webhook_token"]))
        hook.pop("user", None)
        return hook

    @_route("PATCH", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def _r_webhook_token_patch(self, req: Request, p: dict[str, str]) -> Any:
        hook = self._webhook(int(p["webhook_id"]), p["webhook_token"])
        if "name" in (req.json or {}):
            self._validate_webhook_name("name", req.json["name"])
            hook["name"] = req.json["name"]
        return copy.deepcopy(hook)

    @_route("DELETE", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def _r_webhook_token_delete(self, req: Request, p: dict[str, str]) -> Any:
        self._webhook(int(p["webhook_id"]), p["webhook_token"])
        self.delete_webhook(int(p["webhook_id"]))
        return None

    @_route("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def _r_execute(self, req: Request, p: dict[str, str]) -> Any:
        body = dict(req.json or {})
        wait = req.query.get("wait", "false").lower() in ("1", "true")
        if p["webhook_id"] == str(self.application_id) and p["webhook_token"] in self._interactions:
            return await self._followup(req, p, body)
        hook = self._webhook(int(p["webhook_id"]), p["webhook_token"])
        channel_id = int(req.query.get("thread_id") or hook["channel_id"])
        channel = self._channel(channel_id)
        self._validate_message(body, req.files)
        if "username" in body:
            self._validate_webhook_name("username", body["username"] or "", max_len=80)
        author = {
            "id": hook["id"],
            "username": body.get("username") or hook["name"],
            "avatar": None,
            "discriminator": "0000",
            "public_flags": 0,
            "flags": 0,
            "bot": True,
            "global_name": None,
            "clan": None,
            "primary_guild": None,
        }
        message = self._build_message(channel, author, body, webhook_id=hook["id"], files=req.files)
        message.pop("member", None)
        if body.get("avatar_url"):
            message["author"]["avatar"] = hashlib.md5(str(body["avatar_url"]).encode()).hexdigest()
        self._store_message(message)
        return copy.deepcopy(message) if wait else None

    @_route("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def _r_webhook_message(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._webhook_message(p))

    @_route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def _r_webhook_message_edit(self, req: Request, p: dict[str, str]) -> Any:
        message = self._webhook_message(p)
        return copy.deepcopy(self._edit_message(message, req.json or {}, req.files))

    @_route("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def _r_webhook_message_delete(self, req: Request, p: dict[str, str]) -> Any:
        message = self._webhook_message(p)
        self._delete_message(message)
        return None

    def _webhook_message(self, p: dict[str, str]) -> dict[str, Any]:
        token = p["webhook_token"]
        if p["webhook_id"] == str(self.application_id) and token in self._interactions:
            state = self._interaction_state(p["webhook_id"], token, by_app=True)
            if p["message_id"] == "@original":
                if state.original_message_id is None or state.original_message_id not in self.messages:
                    raise _unknown("Message", 10008)
                return self.messages[state.original_message_id]
            mid = int(p["message_id"])
            if mid not in state.followup_ids or mid not in self.messages:
                raise _unknown("Message", 10008)
            return self.messages[mid]
        hook = self._webhook(int(p["webhook_id"]), token)
        message = self.messages.get(int(p["message_id"])) if p["message_id"].isdigit() else None
        if message is None or message.get("webhook_id") != hook["id"]:
            raise _unknown("Message", 10008)
        return message

