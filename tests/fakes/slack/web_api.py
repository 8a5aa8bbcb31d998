"""The Slack fake's Web API plumbing: arguments, tokens, ids, timestamps, channels, views."""

from __future__ import annotations

import copy
import inspect
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .wire import (
    _APP_TOKEN_METHODS,
    _JSON_ARGS,
    _NO_TOKEN_METHODS,
    Call,
    FakeSlackError,
    _Ctx,
    _truthy,
)


class WebApiMixin:
    """Reading a Web API call and the lookups its methods share."""

    # ---------------------------------------------------------------- Web API plumbing

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method in ("POST", "PUT"):
            ctype = request.content_type
            if ctype == "application/json":
                raw = await request.read()
                if raw.strip():
                    body = json.loads(raw)
                    if isinstance(body, dict):
                        args.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key in form:
                    item = form.getall(key)[-1]
                    if isinstance(item, web.FileField):
                        args[key] = {"filename": item.filename, "content": item.file.read()}
                    else:
                        args[key] = item
        for key in _JSON_ARGS & args.keys():
            value = args[key]
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    args[key] = json.loads(value)
                except ValueError:
                    pass
        return args

    async def _api_handler(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_json"})
        headers = dict(request.headers)
        auth = request.headers.get("Authorization", "")
        token: str | None = None
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :].strip() or None
        if token is None and isinstance(args.get("token"), str):
            token = args.pop("token")
        else:
            args.pop("token", None)
        call = Call(method, args, headers, token)
        self.calls.append(call)
        if self._call_event is not None:
            self._call_event.set()

        if self._rate_limits.get(method):
            retry_after = self._rate_limits[method].popleft()
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
            )
        handler = self._handlers.get(method)
        builtin = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None and builtin is None:
            return web.json_response({"ok": False, "error": "unknown_method", "req_method": method})
        try:
            team = self._authenticate(method, token)
            if self._failures.get(method):
                error, extra = self._failures[method].popleft()
                raise FakeSlackError(error, **extra)
            ctx = _Ctx(call, token, team, request.headers)
            if handler is not None:
                result = handler(call)
                if inspect.isawaitable(result):
                    result = await result
                body = {"ok": True, **result}
            else:
                assert builtin is not None
                body = {"ok": True, **builtin(args, ctx)}
        except FakeSlackError as exc:
            return web.json_response({"ok": False, "error": exc.error, **exc.extra}, status=exc.status,
                                     headers=exc.headers)
        return web.json_response(body)

    def _authenticate(self, method: str, token: str | None) -> dict[str, Any]:
        primary = self.teams[self.primary_team_id]
        if method in _NO_TOKEN_METHODS:
            return primary
        if not token:
            raise FakeSlackError("not_authed")
        if token in self._revoked:
            raise FakeSlackError(self._revoked[token])
        if self.valid_tokens is not None and token not in self.valid_tokens:
            raise FakeSlackError("invalid_auth")
        is_app_token = token.startswith("xapp-")
        if (method in _APP_TOKEN_METHODS) != is_app_token:
            raise FakeSlackError("not_allowed_token_type")
        return self.teams.get(self._token_teams.get(token, self.primary_team_id), primary)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _next_ts(self) -> str:
        n = next(self._ts_counter)
        return f"{self._ts_base + n // 1_000_000}.{n % 1_000_000:06d}"

    def _lookup_channel(self, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith("#"):
            name = value[1:]
            return next((cid for cid, ch in self.channels.items() if ch.get("name") == name), None)
        if value[0] in "UW" and value in self._ims:
            return self._ims[value]
        return value if value in self.channels else None

    def _open_im(self, user_id: str) -> str:
        if user_id not in self._ims:
            cid = self._new_id("D")
            self._ims[user_id] = cid
            self.channels[cid] = {
                "id": cid,
                "created": int(time.time()),
                "is_im": True,
                "is_org_shared": False,
                "user": user_id,
                "is_user_deleted": False,
                "priority": 0,
            }
            self._members[cid] = [user_id, self.bot_user_id]
        return self._ims[user_id]

    def _resolve_channel(self, value: Any, *, create: bool, check_member: bool = True) -> str:
        if not value or not isinstance(value, str):
            raise FakeSlackError("channel_not_found")
        if value[0] in "UW" and not value.startswith("#"):
            if self.strict and value not in self.users:
                raise FakeSlackError("channel_not_found")
            return self._open_im(value)
        cid = self._lookup_channel(value)
        if cid is None:
            if self.strict or not create or value.startswith("#"):
                raise FakeSlackError("channel_not_found")
            cid = self.add_channel(value.lower(), channel_id=value, members=[self.bot_user_id])
        if self.strict and check_member and self.channels[cid].get("is_archived"):
            raise FakeSlackError("is_archived")
        if self.strict and check_member and self.bot_user_id not in self._members.get(cid, []):
            raise FakeSlackError("not_in_channel")
        return cid

    def _channel_view(self, cid: str, args: Mapping[str, Any] | None = None) -> dict[str, Any]:
        ch = copy.deepcopy(self.channels[cid])
        args = args or {}
        locale = ch.pop("locale", None)
        if not ch.get("is_im"):
            ch["is_member"] = self.bot_user_id in self._members.get(cid, [])
            if _truthy(args.get("include_num_members")):
                ch["num_members"] = len(self._members.get(cid, []))
        if _truthy(args.get("include_locale")):
            ch["locale"] = locale or "en-US"
        return ch

    def _find_message(self, cid: str, ts: Any) -> dict[str, Any] | None:
        return next((m for m in self._messages.get(cid, []) if m.get("ts") == ts), None)

    def _user(self, user_id: Any) -> dict[str, Any]:
        if not user_id or not isinstance(user_id, str):
            raise FakeSlackError("user_not_found")
        if user_id not in self.users:
            if self.strict:
                raise FakeSlackError("user_not_found")
            self.add_user(user_id)
        return self.users[user_id]

    def _make_view(
        self,
        view_in: Any,
        team: dict[str, Any],
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
        allowed_types: tuple[str, ...] = ("modal",),
    ) -> dict[str, Any]:
        if not isinstance(view_in, dict) or view_in.get("type") not in allowed_types:
            raise FakeSlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] bad view type"]})
        if view_in["type"] == "modal" and not view_in.get("title"):
            raise FakeSlackError(
                "invalid_arguments", response_metadata={"messages": ["[ERROR] missing required field: title"]}
            )
        vid = view_id or self._new_id("V")
        return {
            "id": vid,
            "team_id": team["id"],
            "type": view_in["type"],
            "blocks": view_in.get("blocks", []),
            "private_metadata": view_in.get("private_metadata", ""),
            "callback_id": view_in.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view_in.get("title"),
            "clear_on_close": bool(view_in.get("clear_on_close", False)),
            "notify_on_close": bool(view_in.get("notify_on_close", False)),
            "close": view_in.get("close"),
            "submit": view_in.get("submit"),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or vid,
            "app_id": self.app_id,
            "external_id": view_in.get("external_id", ""),
            "app_installed_team_id": team["id"],
            "bot_id": team["bot_id"],
        }

    def _use_trigger(self, trigger_id: Any) -> None:
        if not trigger_id:
            raise FakeSlackError("invalid_arguments", response_metadata={"messages": ["missing trigger_id"]})
        if trigger_id in self._used_triggers:
            raise FakeSlackError("exchanged_trigger_id")
        self._used_triggers.add(trigger_id)

