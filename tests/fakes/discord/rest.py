"""The REST side of the Discord fake: plumbing (auth, rate-limit buckets, faults, routing), users, commands."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .wire import (
    API_PREFIX,
    ApiError,
    Handler,
    Request,
    _Bucket,
    _form_error,
    _Interaction,
    _route,
    _unknown,
)


class RestMixin:
    """HTTP plumbing and the routes for the gateway URL, users, the application and its commands."""

    # ------------------------------------------------------------------ REST plumbing

    def _json(self, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
        # discord.py only parses JSON when Content-Type is exactly "application/json" (no charset)
        body = json.dumps(data).encode()
        return web.Response(body=body, status=status, headers={**(headers or {}), "Content-Type": "application/json"})

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            payload: Any = None
            files: list[dict[str, Any]] = []
            reader = await request.multipart()
            async for part in reader:
                raw = await part.read()  # type: ignore[union-attr]
                name = part.name  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(raw.decode())
                else:
                    files.append(
                        {
                            "field": name,
                            "filename": part.filename,  # type: ignore[union-attr]
                            "content_type": part.headers.get("Content-Type"),  # type: ignore[union-attr]
                            "data": bytes(raw),
                        }
                    )
            return payload, files
        raw_text = await request.text()
        if not raw_text:
            return None, []
        try:
            return json.loads(raw_text), []
        except ValueError:
            return raw_text, []

    def _ratelimit_headers(self, template: str, params: Mapping[str, str]) -> tuple[dict[str, str], float | None]:
        major = "+".join(
            params[k]
            for k in ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
            if k in params
        )
        now = self.now()
        bucket = self._buckets.get((template, major))
        if bucket is None or now - bucket.window_start >= self.rate_limit_window:
            bucket = self._buckets[(template, major)] = _Bucket(window_start=now)
        bucket.count += 1
        reset_after = max(bucket.window_start + self.rate_limit_window - now, 0.001)
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(self.rate_limit - bucket.count, 0)),
            "X-RateLimit-Reset": f"{now + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(template.encode()).hexdigest()[:32],
        }
        return headers, (reset_after if bucket.count > self.rate_limit else None)

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :] or "/"
        body, files = await self._read_body(request)
        record = Request(
            method=request.method,
            path=path,
            json=body,
            headers=dict(request.headers),
            query=dict(request.query),
            files=files,
        )
        self.requests.append(record)
        response = await self._answer(request, record)
        record.status = response.status
        return response

    async def _answer(self, request: web.Request, record: Request) -> web.Response:
        for fault in list(self._faults):
            if record.matches(fault.method, fault.pattern):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                headers = dict(fault.headers)
                if fault.kind == "ratelimit":  # fresh reset times
                    now = self.now()
                    headers["X-RateLimit-Reset"] = f"{now + fault.retry_after:.3f}"
                record.response = fault.body
                return self._json(fault.body, fault.status, headers)

        route = self._find_route(record.method, record.path)
        if route is None:
            allowed = any(rx.fullmatch(record.path) for _, rx, *_ in self._routes)
            status, text = (405, "405: Method Not Allowed") if allowed else (404, "404: Not Found")
            record.response = {"message": text, "code": 0}
            return self._json(record.response, status)
        handler, params, template, auth = route
        if auth and self.token is not None and record.headers.get("Authorization") != f"Bot {self.token}":
            record.response = {"message": "401: Unauthorized", "code": 0}
            return self._json(record.response, 401)

        headers, retry_after = self._ratelimit_headers(template, params)
        if retry_after is not None:
            record.response = {
                "message": "You are being rate limited.",
                "retry_after": round(retry_after, 3),
                "global": False,
            }
            headers.update(
                {"Retry-After": str(max(1, math.ceil(retry_after))), "X-RateLimit-Scope": "user", "Via": "1.1 google"}
            )
            return self._json(record.response, 429, headers)
        try:
            result = await handler(record, params)
        except ApiError as exc:
            record.response = exc.body
            return self._json(exc.body, exc.status, headers)
        if isinstance(result, web.Response):
            return result
        record.response = result
        if result is None:
            return web.Response(status=204, headers=headers)
        return self._json(result, 200, headers)

    def _find_route(self, method: str, path: str) -> tuple[Handler, dict[str, str], str, bool] | None:
        for m, rx, fn, auth in self._extra_routes:
            match = rx.fullmatch(path)
            if match and m in (method, "*"):
                return fn, match.groupdict(), rx.pattern, auth
        for m, rx, template, fn, auth in self._routes:
            match = rx.fullmatch(path)
            if match and m == method:
                return fn, match.groupdict(), template, auth
        return None

    async def _handle_cdn(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(int(request.match_info["attachment_id"]))
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    # ------------------------------------------------------------------ REST: lookups

    def _guild(self, gid: int) -> dict[str, Any]:
        try:
            return self.guilds[gid]
        except KeyError:
            raise _unknown("Guild", 10004) from None

    def _channel(self, cid: int) -> dict[str, Any]:
        try:
            return self.channels[cid]
        except KeyError:
            raise _unknown("Channel", 10003) from None

    def _message(self, channel: Mapping[str, Any], mid: int) -> dict[str, Any]:
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != channel["id"]:
            raise _unknown("Message", 10008)
        return message

    def _webhook(self, wid: int, token: str | None = None) -> dict[str, Any]:
        hook = self.webhooks.get(wid)
        if hook is None:
            raise _unknown("Webhook", 10015)
        if token is not None and hook.get("token") != token:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return hook

    def _interaction_state(self, app_or_interaction_id: str, token: str, *, by_app: bool) -> _Interaction:
        state = self._interactions.get(token)
        if state is None:
            raise ApiError(404, 10015 if by_app else 10062, "Unknown Webhook" if by_app else "Unknown interaction")
        expected = str(self.application_id) if by_app else str(state.id)
        if app_or_interaction_id != expected:
            raise ApiError(404, 10015 if by_app else 10062, "Unknown Webhook" if by_app else "Unknown interaction")
        return state

    # ------------------------------------------------------------------ REST: gateway, users, application

    @_route("GET", "/gateway", auth=False)
    async def _r_gateway(self, req: Request, p: dict[str, str]) -> Any:
        return {"url": self.gateway_url.rstrip("/")}

    @_route("GET", "/gateway/bot")
    async def _r_gateway_bot(self, req: Request, p: dict[str, str]) -> Any:
        return {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - self.identify_count,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    @_route("GET", "/users/@me")
    async def _r_me(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self.bot_user)

    @_route("POST", "/users/@me/channels")
    async def _r_open_dm(self, req: Request, p: dict[str, str]) -> Any:
        uid = int((req.json or {}).get("recipient_id", 0))
        if uid not in self.users:
            raise _unknown("User", 10013)
        return copy.deepcopy(self.channels[self.dm_channel(uid)])

    @_route("GET", "/users/{user_id}")
    async def _r_user(self, req: Request, p: dict[str, str]) -> Any:
        user = self.users.get(int(p["user_id"])) if p["user_id"].isdigit() else None
        if user is None:
            raise _unknown("User", 10013)
        return copy.deepcopy(user)

    @_route("GET", "/oauth2/applications/@me")
    async def _r_app_info(self, req: Request, p: dict[str, str]) -> Any:
        return self._application_payload()

    @_route("GET", "/applications/@me")
    async def _r_app_info2(self, req: Request, p: dict[str, str]) -> Any:
        return self._application_payload()

    def _application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(str(self.application_id).encode()).hexdigest(),
            "flags": (1 << 19) | (1 << 15),  # GATEWAY_MESSAGE_CONTENT_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED
            "owner": copy.deepcopy(self.owner_user),
            "team": None,
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": str(self.bot_permissions)},
            "integration_types_config": {
                "0": {
                    "oauth2_install_params": {
                        "scopes": ["bot", "applications.commands"],
                        "permissions": str(self.bot_permissions),
                    }
                }
            },
            "approximate_guild_count": len(self.guilds),
            "bot": copy.deepcopy(self.bot_user),
        }

    # ------------------------------------------------------------------ REST: application commands

    def _check_app(self, p: dict[str, str]) -> None:
        if p["application_id"] != str(self.application_id):
            raise ApiError(403, 50001, "Missing Access")

    def _scope(self, p: dict[str, str]) -> int | None:
        self._check_app(p)
        if "guild_id" in p:
            self._guild(int(p["guild_id"]))
            return int(p["guild_id"])
        return None

    def _store_command(self, scope: int | None, body: Mapping[str, Any], index: int | None = None) -> dict[str, Any]:
        ctype = int(body.get("type", 1))
        name = body.get("name") or ""
        field_prefix = f"{index}." if index is not None else ""
        if ctype == 1 and not re.fullmatch(r"[-_\w]{1,32}", name):
            raise _form_error(f"{field_prefix}name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if ctype == 1 and not 1 <= len(body.get("description") or "") <= 100:
            raise _form_error(
                f"{field_prefix}description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        existing = self.commands.setdefault(scope, [])
        old = next((c for c in existing if c["name"] == name and c["type"] == ctype), None)
        command = {
            "id": old["id"] if old else str(self._ids.next()),
            "application_id": str(self.application_id),
            "version": str(self._ids.next()),
            "type": ctype,
            "name": name,
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description") or "",
            "description_localizations": body.get("description_localizations"),
            "options": copy.deepcopy(body.get("options") or []),
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "nsfw": bool(body.get("nsfw", False)),
        }
        if scope is not None:
            command["guild_id"] = str(scope)
        if old is not None:
            existing[existing.index(old)] = command
        else:
            existing.append(command)
        return command

    @_route("GET", "/applications/{application_id}/commands")
    @_route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def _r_commands(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self.commands.get(self._scope(p), []))

    @_route("PUT", "/applications/{application_id}/commands")
    @_route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def _r_commands_put(self, req: Request, p: dict[str, str]) -> Any:
        scope = self._scope(p)
        body = req.json or []
        if len(body) > 100:
            raise _form_error("_errors", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        keys = [(int(c.get("type", 1)), c.get("name")) for c in body]
        if len(keys) != len(set(keys)):
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "_errors": [
                        {
                            "code": "APPLICATION_COMMANDS_DUPLICATE_NAME",
                            "message": "Application command names must be unique",
                        }
                    ]
                },
            )
        previous = self.commands.get(scope, [])
        self.commands[scope] = [c for c in previous if (c["type"], c["name"]) in keys]
        stored = [self._store_command(scope, c, i) for i, c in enumerate(body)]
        self.commands[scope] = stored
        return copy.deepcopy(stored)

    @_route("POST", "/applications/{application_id}/commands")
    @_route("POST", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def _r_command_post(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._store_command(self._scope(p), req.json or {}))

    def _find_command(self, p: dict[str, str]) -> tuple[int | None, dict[str, Any]]:
        scope = self._scope(p)
        for command in self.commands.get(scope, []):
            if command["id"] == p["command_id"]:
                return scope, command
        raise _unknown("application command", 10063)

    @_route("GET", "/applications/{application_id}/commands/{command_id}")
    @_route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
    async def _r_command_get(self, req: Request, p: dict[str, str]) -> Any:
        return copy.deepcopy(self._find_command(p)[1])

    @_route("PATCH", "/applications/{application_id}/commands/{command_id}")
    @_route("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
    async def _r_command_patch(self, req: Request, p: dict[str, str]) -> Any:
        scope, command = self._find_command(p)
        return copy.deepcopy(self._store_command(scope, {**command, **(req.json or {})}))

    @_route("DELETE", "/applications/{application_id}/commands/{command_id}")
    @_route("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
    async def _r_command_delete(self, req: Request, p: dict[str, str]) -> Any:
        scope, command = self._find_command(p)
        self.commands[scope].remove(command)
        return None

