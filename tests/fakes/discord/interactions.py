"""Interactions in the Discord fake: slash commands, context menus, components, modals and their callbacks."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from .wire import (
    _OPTION_TYPES,
    ApiError,
    Permissions,
    Request,
    _form_error,
    _Interaction,
    _route,
    _unknown,
)


class InteractionsMixin:
    """Building interactions, sending them, and answering their callbacks and follow-ups."""

    # ------------------------------------------------------------------ builders: interactions

    def slash_command_interaction(
        self,
        name: str,
        options: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
        command_id: int | str | None = None,
        *,
        subcommand: str | None = None,
        subcommand_group: str | None = None,
        resolved: Mapping[str, Any] | None = None,
        autocomplete: bool = False,
    ) -> dict[str, Any]:
        """An APPLICATION_COMMAND (type 2) interaction for a chat-input command.

        ``options``: raw option dicts (``{"name", "type", "value"}``) or ``{name: value}`` (type inferred from
        the value).  ``subcommand``/``subcommand_group`` wrap them.  Options of type user/channel/role get their
        ``resolved`` entries from the fake's state.  ``command_id`` defaults to the id of the synced command.
        ``autocomplete=True`` makes an APPLICATION_COMMAND_AUTOCOMPLETE (type 4) interaction instead."""
        opts = self._build_options(options)
        if subcommand is not None:
            opts = [{"type": 1, "name": subcommand, "options": opts}]
        if subcommand_group is not None:
            opts = [{"type": 2, "name": subcommand_group, "options": opts}]
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data: dict[str, Any] = {"type": 1, "name": name, "options": opts}
        data.update(self._command_identity(name, 1, guild_id, command_id))
        auto = self._resolve_options(opts, guild_id)
        if resolved:
            for key, value in resolved.items():
                auto.setdefault(key, {}).update(value)
        if auto:
            data["resolved"] = auto
        return self._interaction(4 if autocomplete else 2, data, user_id, guild_id, channel_id, locale)

    def message_context_menu_interaction(
        self,
        name: str,
        target_message: Mapping[str, Any],
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
        command_id: int | str | None = None,
    ) -> dict[str, Any]:
        """A message context-menu (command type 3) interaction targeting ``target_message``."""
        channel_id = channel_id or target_message["channel_id"]
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data: dict[str, Any] = {
            "type": 3,
            "name": name,
            "target_id": str(target_message["id"]),
            "resolved": {"messages": {str(target_message["id"]): copy.deepcopy(dict(target_message))}},
        }
        data.update(self._command_identity(name, 3, guild_id, command_id))
        return self._interaction(2, data, user_id, guild_id, channel_id, locale)

    def user_context_menu_interaction(
        self,
        name: str,
        target_user_id: int | str,
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
        command_id: int | str | None = None,
    ) -> dict[str, Any]:
        """A user context-menu (command type 2) interaction targeting a user."""
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data: dict[str, Any] = {"type": 2, "name": name, "target_id": str(target_user_id)}
        data.update(self._command_identity(name, 2, guild_id, command_id))
        data["resolved"] = self._resolve_options(
            [{"type": 6, "name": "target", "value": str(target_user_id)}], guild_id
        )
        return self._interaction(2, data, user_id, guild_id, channel_id, locale)

    def component_interaction(
        self,
        custom_id: str,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        message: Mapping[str, Any] | None = None,
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
    ) -> dict[str, Any]:
        """A MESSAGE_COMPONENT (type 3) interaction: a button press (type 2) or select (3, 5-8, with ``values``).

        ``message`` defaults to the latest stored message carrying that ``custom_id`` (e.g. the one the bot
        sent with the view), else to a bot message with a single button."""
        if message is None:
            message = self._find_message_with_component(custom_id)
        if message is None:
            guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
            button = {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}
            message = self._build_message(
                self._channel(int(channel_id)),  # type: ignore[arg-type]
                copy.deepcopy(self.bot_user),
                {"content": "", "components": [{"type": 1, "components": [button]}]},
            )
            self.messages[int(message["id"])] = copy.deepcopy(message)
        channel_id = channel_id or message["channel_id"]
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2 or values is not None:
            data["values"] = list(values or [])
        return self._interaction(3, data, user_id, guild_id, channel_id, locale, message=message)

    def modal_submit_interaction(
        self,
        custom_id: str,
        components: Sequence[Mapping[str, Any]] | None = None,
        *,
        values: Mapping[str, str | Sequence[str]] | None = None,
        message: Mapping[str, Any] | None = None,
        user_id: int | str | None = None,
        guild_id: int | str | None = None,
        channel_id: int | str | None = None,
        locale: str | None = "fr",
    ) -> dict[str, Any]:
        """A MODAL_SUBMIT (type 5) interaction.

        Pass raw ``components`` (``[{"type": 1, "components": [{"type": 4, "custom_id", "value"}]}]``) or
        ``values={custom_id: value}``; with ``values`` the layout mirrors the modal the bot sent (action rows or
        labels), falling back to one action row per text input."""
        if components is None:
            components = self._modal_components(custom_id, values or {})
        guild_id, channel_id, user_id = self._interaction_defaults(guild_id, channel_id, user_id)
        data = {"custom_id": custom_id, "components": copy.deepcopy(list(components))}
        return self._interaction(5, data, user_id, guild_id, channel_id, locale, message=message)

    async def send_interaction(self, payload: Mapping[str, Any]) -> None:
        """Dispatch INTERACTION_CREATE for a payload built above."""
        await self.dispatch("INTERACTION_CREATE", dict(payload))


    # ------------------------------------------------------------------ REST: interactions

    @_route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False)
    async def _r_callback(self, req: Request, p: dict[str, str]) -> Any:
        state = self._interaction_state(p["interaction_id"], p["interaction_token"], by_app=False)
        if state.response_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = req.json or {}
        ctype = int(body.get("type", 0))
        data = dict(body.get("data") or {})
        payload = state.payload
        if ctype not in (4, 5, 6, 7, 8, 9, 12):
            raise _form_error("type", "BASE_TYPE_CHOICES", "Value must be one of {4, 5, 6, 7, 8, 9, 12}.")
        if ctype in (6, 7) and payload["type"] not in (3, 5):
            raise ApiError(400, 40004, "Interaction response type not valid for this interaction")
        if ctype == 9 and payload["type"] == 5:
            raise ApiError(400, 40004, "Interaction response type not valid for this interaction")
        channel = self.channels.get(int(payload["channel_id"])) if payload.get("channel_id") else None
        flags = int(data.get("flags") or 0)
        ephemeral = bool(flags & 64)
        message: dict[str, Any] | None = None
        if ctype == 4:
            self._validate_message(data, req.files)
            message = self._interaction_message(state, channel, data, req.files)
        elif ctype == 5:
            message = self._interaction_message(state, channel, {"content": "", "flags": 128 | (flags & 64)}, [])
        elif ctype == 7:
            target = payload.get("message")
            stored = self.messages.get(int(target["id"])) if target else None
            if stored is None and target:
                stored = self.messages[int(target["id"])] = copy.deepcopy(target)
            if stored is not None:
                message = self._edit_message(stored, data, req.files)
            ephemeral = bool(stored and int(stored.get("flags", 0)) & 64)
        elif ctype == 9:
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    raise _form_error(f"data.{key}", "BASE_TYPE_REQUIRED", "This field is required")
            self._modals_sent[data["custom_id"]] = copy.deepcopy(data)
        state.response_type = ctype
        state.response = copy.deepcopy(dict(body))
        if req.query.get("with_response", "false").lower() not in ("1", "true"):
            return None
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(state.id),
                "type": payload["type"],
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": ephemeral,
            }
        }
        if message is not None:
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": ctype, "message": copy.deepcopy(message)}
        return answer

    def _interaction_message(
        self, state: _Interaction, channel: dict[str, Any] | None, body: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        payload = state.payload
        if channel is None:
            channel = {"id": payload.get("channel_id") or str(self._ids.next()), "type": 1}
        message = self._build_message(
            channel, copy.deepcopy(self.bot_user), body, webhook_id=str(self.application_id), files=files
        )
        message["flags"] = int(body.get("flags") or 0) & (64 | 128 | 4 | 4096 | 32768)
        message["application_id"] = str(self.application_id)
        user = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        message["type"] = 20 if payload["type"] == 2 else 0
        message["interaction_metadata"] = {
            "id": str(state.id),
            "type": payload["type"],
            "user": copy.deepcopy(user),
            "authorizing_integration_owners": copy.deepcopy(payload.get("authorizing_integration_owners", {})),
        }
        if payload["type"] == 2:
            message["interaction_metadata"]["name"] = payload["data"]["name"]
            message["interaction"] = {
                "id": str(state.id),
                "type": 2,
                "name": payload["data"]["name"],
                "user": copy.deepcopy(user),
            }
        if payload.get("message"):
            message["interaction_metadata"]["interacted_message_id"] = payload["message"]["id"]
        if state.original_message_id is None:
            state.original_message_id = int(message["id"])
        else:
            state.followup_ids.append(int(message["id"]))
        self._store_message(message, echo=not message["flags"] & 64)
        return message

    async def _followup(self, req: Request, p: dict[str, str], body: dict[str, Any]) -> Any:
        state = self._interaction_state(p["webhook_id"], p["webhook_token"], by_app=True)
        if state.response_type is None:
            raise _unknown("Webhook", 10015)
        self._validate_message(body, req.files)
        original = self.messages.get(state.original_message_id or 0)
        if state.response_type == 5 and original is not None and int(original.get("flags", 0)) & 128:
            # Discord: the first followup after a deferred response edits the "thinking" message
            return copy.deepcopy(self._edit_message(original, body, req.files))
        channel = self.channels.get(int(state.payload.get("channel_id") or 0))
        return copy.deepcopy(self._interaction_message(state, channel, body, req.files))


    # ------------------------------------------------------------------ interaction internals

    def _interaction_defaults(
        self, guild_id: int | str | None, channel_id: int | str | None, user_id: int | str | None
    ) -> tuple[int | None, int | None, int]:
        if channel_id is not None and guild_id is None:
            channel = self.channels.get(int(channel_id))
            if channel is not None and channel.get("guild_id"):
                guild_id = channel["guild_id"]
        if guild_id is None and channel_id is None and self.guilds:
            guild_id = next(iter(self.guilds))
        gid = int(guild_id) if guild_id is not None else None
        if gid is not None and channel_id is None:
            text = next((c for c in self._guild_channels(gid) if c["type"] == 0), None)
            channel_id = text["id"] if text else None
        if user_id is None:
            bot_id = self.bot_user["id"]
            candidates = [m["user"]["id"] for m in self.members.get(gid, {}).values()] if gid else []
            candidates = [u for u in candidates if u != bot_id and not self.users[int(u)].get("bot")]
            user_id = candidates[-1] if candidates else self.add_user(None, "interaction-user")["id"]
        return gid, int(channel_id) if channel_id is not None else None, int(user_id)

    def _command_identity(self, name: str, ctype: int, gid: int | None, command_id: int | str | None) -> dict:
        if command_id is not None:
            return {"id": str(command_id)}
        for scope in (gid, None):
            if (
                scope is None
                and gid is not None
                and any(c["name"] == name and c["type"] == ctype for c in self.commands.get(gid, []))
            ):
                continue
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == ctype:
                    identity = {"id": command["id"]}
                    if scope is not None:
                        identity["guild_id"] = str(scope)
                    return identity
        return {"id": str(self._ids.next())}

    @staticmethod
    def _build_options(options: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None) -> list[dict[str, Any]]:
        if options is None:
            return []
        if isinstance(options, Mapping):
            built = []
            for name, value in options.items():
                if isinstance(value, bool):
                    otype = 5
                elif isinstance(value, int):
                    otype = 4
                elif isinstance(value, float):
                    otype = 10
                else:
                    otype, value = 3, str(value)
                built.append({"name": name, "type": otype, "value": value})
            return built
        out = []
        for opt in options:
            o = copy.deepcopy(dict(opt))
            if isinstance(o.get("type"), str):
                o["type"] = _OPTION_TYPES[o["type"]]
            out.append(o)
        return out

    def _resolve_options(self, options: Sequence[Mapping[str, Any]], gid: int | None) -> dict[str, Any]:
        resolved: dict[str, dict[str, Any]] = {}
        for opt in options:
            if opt.get("type") in (1, 2):
                for key, value in self._resolve_options(opt.get("options") or [], gid).items():
                    resolved.setdefault(key, {}).update(value)
                continue
            if opt.get("type") not in (6, 7, 8, 9) or "value" not in opt:
                continue
            ident = int(opt["value"])
            if opt["type"] in (6, 9) and ident in self.users:
                resolved.setdefault("users", {})[str(ident)] = copy.deepcopy(self.users[ident])
                member = self.members.get(gid or 0, {}).get(ident)
                if member is not None:
                    partial = {k: copy.deepcopy(v) for k, v in member.items() if k != "user"}
                    partial["permissions"] = str(self.member_permissions(gid, ident))  # type: ignore[arg-type]
                    resolved.setdefault("members", {})[str(ident)] = partial
            if opt["type"] == 7 and ident in self.channels:
                ch = self.channels[ident]
                resolved.setdefault("channels", {})[str(ident)] = {
                    "id": ch["id"],
                    "name": ch.get("name"),
                    "type": ch["type"],
                    "parent_id": ch.get("parent_id"),
                    "permissions": str(Permissions.ALL),
                    "guild_id": ch.get("guild_id"),
                    "topic": ch.get("topic"),
                    "nsfw": ch.get("nsfw", False),
                    "position": ch.get("position", 0),
                    "last_message_id": ch.get("last_message_id"),
                    "rate_limit_per_user": 0,
                    "flags": 0,
                    "permission_overwrites": [],
                }
            if opt["type"] in (8, 9) and gid is not None:
                role = next((r for r in self.guilds[gid]["roles"] if r["id"] == str(ident)), None)
                if role is not None:
                    resolved.setdefault("roles", {})[str(ident)] = copy.deepcopy(role)
        return resolved

    def _interaction(
        self,
        itype: int,
        data: dict[str, Any],
        user_id: int,
        gid: int | None,
        cid: int | None,
        locale: str | None,
        *,
        message: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        iid = self._ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        user = copy.deepcopy(self.users.get(user_id) or self.add_user(user_id, f"user{user_id}"))
        channel = copy.deepcopy(self.channels.get(cid)) if cid is not None else None
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale or self._user_locales.get(user_id, "en-US"),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if channel is not None:
            if channel.get("guild_id") is None:
                channel.pop("recipients", None)
                channel["recipients"] = [copy.deepcopy(user)]
            payload["channel"] = channel
            payload["channel_id"] = channel["id"]
            if gid is not None:
                channel["permissions"] = str(self.member_permissions(gid, user_id))
        if gid is not None:
            guild = self._guild(gid)
            member = self.members[gid].get(user_id)
            if member is None:
                member = self._member_payload(gid, user_id)
                self._add_member_payload(gid, member)
            member_payload = copy.deepcopy(member)
            member_payload["permissions"] = str(self.member_permissions(gid, user_id))
            payload.update(
                guild_id=str(gid),
                guild={"id": str(gid), "locale": guild["preferred_locale"], "features": list(guild["features"])},
                guild_locale=guild["preferred_locale"],
                member=member_payload,
                app_permissions=str(self.member_permissions(gid, int(self.bot_user["id"]))),
                authorizing_integration_owners={"0": str(gid)},
                context=0,
            )
        else:
            payload.update(
                user=user,
                app_permissions=str(Permissions.EVERYONE_DEFAULT),
                authorizing_integration_owners={"0": str(self.owner_user["id"])},
                context=1,
            )
        if message is not None:
            payload["message"] = copy.deepcopy(dict(message))
        self._interactions[token] = _Interaction(id=iid, token=token, payload=copy.deepcopy(payload))
        return payload

    def _modal_components(self, custom_id: str, values: Mapping[str, str | Sequence[str]]) -> list[dict[str, Any]]:
        def answer(component: Mapping[str, Any]) -> dict[str, Any]:
            cid = component.get("custom_id")
            out: dict[str, Any] = {"type": component["type"], "custom_id": cid}
            if "id" in component:
                out["id"] = component["id"]
            value = values.get(cid, "" if component["type"] == 4 else [])  # type: ignore[arg-type]
            if component["type"] == 4:
                out["value"] = value if isinstance(value, str) else "".join(value)
            else:
                out["values"] = [value] if isinstance(value, str) else list(value)
            return out

        sent = self._modals_sent.get(custom_id)
        if sent is None:
            return [{"type": 1, "components": [answer({"type": 4, "custom_id": k})]} for k in values]
        result: list[dict[str, Any]] = []
        for top in sent.get("components", []):
            if top["type"] == 1:
                result.append(
                    {"type": 1, "components": [answer(c) for c in top.get("components", []) if c.get("custom_id")]}
                )
            elif top["type"] == 18 and top.get("component", {}).get("custom_id"):
                row: dict[str, Any] = {"type": 18, "component": answer(top["component"])}
                if "id" in top:
                    row["id"] = top["id"]
                result.append(row)
        return result


