"""The Web API methods the Slack fake answers (chat, conversations, users, views, reactions, oauth)."""

from __future__ import annotations

import base64
import copy
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from .wire import (
    DEFAULT_BOT_SCOPE,
    DEFAULT_USER_ID,
    FakeSlackError,
    _as_list,
    _Ctx,
    _paginate,
    _truthy,
)


class MethodsMixin:
    """One ``_m_<method>`` per Web API method."""

    # ---------------------------------------------------------------- Web API methods

    def _m_api_test(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        return {"args": a}

    def _m_auth_test(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        team = ctx.team
        return {
            "url": f"https://{team['domain']}.slack.com/",
            "team": team["name"],
            "user": self.bot_name,
            "team_id": team["id"],
            "user_id": team["bot_user_id"],
            "bot_id": team["bot_id"],
            "bot_user_id": team["bot_user_id"],
            "app_id": self.app_id,
            "enterprise_id": team["enterprise_id"],
            "is_enterprise_install": False,
        }

    def _m_chat_postMessage(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=True)
        if not (a.get("text") or a.get("blocks") or a.get("attachments")):
            raise FakeSlackError("no_text")
        ts = self._next_ts()
        team = ctx.team
        msg: dict[str, Any] = {
            "user": team["bot_user_id"],
            "type": "message",
            "ts": ts,
            "bot_id": team["bot_id"],
            "app_id": self.app_id,
            "text": a.get("text") or "",
            "team": team["id"],
            "bot_profile": {
                "id": team["bot_id"],
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": team["id"],
            },
        }
        for key in ("blocks", "attachments", "metadata", "username", "icon_emoji", "icon_url"):
            if a.get(key) is not None:
                msg[key] = a[key]
        if a.get("thread_ts"):
            msg["thread_ts"] = a["thread_ts"]
            msg["parent_user_id"] = (self._find_message(cid, a["thread_ts"]) or {}).get("user", "")
        self._messages[cid].append(msg)
        return {"channel": cid, "ts": ts, "message": copy.deepcopy(msg)}

    def _m_chat_postEphemeral(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=True)
        if not a.get("user"):
            raise FakeSlackError("user_not_found")
        if self.strict and a["user"] not in self._members.get(cid, []):
            raise FakeSlackError("user_not_in_channel")
        if not (a.get("text") or a.get("blocks") or a.get("attachments")):
            raise FakeSlackError("no_text")
        ts = self._next_ts()
        self._ephemerals.append({"channel": cid, "message_ts": ts, **a})
        return {"message_ts": ts}

    def _m_chat_update(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=False, check_member=False)
        msg = self._find_message(cid, a.get("ts"))
        if msg is None:
            raise FakeSlackError("message_not_found")
        if msg.get("user") != ctx.team["bot_user_id"]:
            raise FakeSlackError("cant_update_message")
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in a:
                msg[key] = a[key]
        msg["edited"] = {"user": ctx.team["bot_user_id"], "ts": self._next_ts()}
        return {"channel": cid, "ts": msg["ts"], "text": msg.get("text", ""), "message": copy.deepcopy(msg)}

    def _m_chat_delete(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=False, check_member=False)
        msg = self._find_message(cid, a.get("ts"))
        if msg is None:
            raise FakeSlackError("message_not_found")
        if msg.get("user") != ctx.team["bot_user_id"]:
            raise FakeSlackError("cant_delete_message")
        self._messages[cid].remove(msg)
        return {"channel": cid, "ts": msg["ts"]}

    def _m_chat_getPermalink(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._resolve_channel(a.get("channel"), create=False, check_member=False)
        ts = a.get("message_ts")
        msg = self._find_message(cid, ts)
        if not ts or (msg is None and self.strict):
            raise FakeSlackError("message_not_found")
        link = f"https://{ctx.team['domain']}.slack.com/archives/{cid}/p{str(ts).replace('.', '')}"
        if msg and msg.get("thread_ts") and msg["thread_ts"] != ts:
            link += f"?thread_ts={msg['thread_ts']}&cid={cid}"
        return {"channel": cid, "permalink": link}

    def _m_conversations_open(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        if a.get("channel"):
            cid = self._resolve_channel(a["channel"], create=False, check_member=False)
            return {"channel": self._channel_view(cid) if _truthy(a.get("return_im")) else {"id": cid}}
        users = _as_list(a.get("users"))
        if not users:
            raise FakeSlackError("users_list_not_supplied")
        for uid in users:
            self._user(uid)
        if len(users) == 1:
            already = users[0] in self._ims
            cid = self._open_im(users[0])
            channel = self._channel_view(cid) if _truthy(a.get("return_im")) else {"id": cid}
            return {"no_op": already, "already_open": already, "channel": channel}
        key = ",".join(sorted(users))
        cid = self._ims.get(key) or self._new_id("G")
        if key not in self._ims:
            self._ims[key] = cid
            self.add_channel(f"mpdm-{'--'.join(users)}-1", channel_id=cid, is_private=True)
            self.channels[cid]["is_mpim"] = True
            self.channels[cid]["is_group"] = False
            self._members[cid] = [*users, ctx.team["bot_user_id"]]
        return {"channel": {"id": cid}}

    def _m_conversations_create(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        name = a.get("name") or ""
        if not name:
            raise FakeSlackError("invalid_name_required")
        if len(name) > 80:
            raise FakeSlackError("invalid_name_maxlength")
        if any(not ((c.isalnum() and not c.isupper()) or c in "-_") for c in name):
            raise FakeSlackError("invalid_name_specials")
        if all(c in "-_" for c in name):
            raise FakeSlackError("invalid_name_punctuation")
        if any(ch.get("name") == name for ch in self.channels.values()):
            raise FakeSlackError("name_taken")
        is_private = _truthy(a.get("is_private"))
        cid = self.add_channel(
            name,
            channel_id=self._new_id("C"),
            is_private=is_private,
            members=[ctx.team["bot_user_id"]],
            team_id=ctx.team["id"],
        )
        self.channels[cid]["creator"] = ctx.team["bot_user_id"]
        return {"channel": self._channel_view(cid)}

    def _existing_channel(self, value: Any) -> str:
        cid = self._lookup_channel(value if isinstance(value, str) else None)
        if cid is None:
            raise FakeSlackError("channel_not_found")
        return cid

    def _m_conversations_info(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        return {"channel": self._channel_view(self._existing_channel(a.get("channel")), a)}

    def _m_conversations_members(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._existing_channel(a.get("channel"))
        page, cursor = _paginate(self._members.get(cid, []), a)
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _m_conversations_join(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._existing_channel(a.get("channel"))
        ch = self.channels[cid]
        if ch.get("is_private") or ch.get("is_im"):
            raise FakeSlackError("method_not_supported_for_channel_type")
        if ch.get("is_archived"):
            raise FakeSlackError("is_archived")
        members = self._members.setdefault(cid, [])
        result: dict[str, Any] = {}
        if ctx.team["bot_user_id"] in members:
            result = {
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        else:
            members.append(ctx.team["bot_user_id"])
        return {"channel": self._channel_view(cid), **result}

    def _m_conversations_invite(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._existing_channel(a.get("channel"))
        users = _as_list(a.get("users"))
        if not users:
            raise FakeSlackError("no_user")
        members = self._members.setdefault(cid, [])
        if self.strict and ctx.team["bot_user_id"] not in members:
            raise FakeSlackError("not_in_channel")
        if ctx.team["bot_user_id"] in users:
            raise FakeSlackError("cant_invite_self")
        for uid in users:
            self._user(uid)
        new = [u for u in users if u not in members]
        if not new:
            raise FakeSlackError("already_in_channel")
        members.extend(new)
        return {"channel": self._channel_view(cid)}

    def _m_conversations_list(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        types = set(_as_list(a.get("types")) or ["public_channel"])
        exclude_archived = _truthy(a.get("exclude_archived"))

        def kind(ch: dict[str, Any]) -> str:
            if ch.get("is_im"):
                return "im"
            if ch.get("is_mpim"):
                return "mpim"
            return "private_channel" if ch.get("is_private") else "public_channel"

        chosen = [
            self._channel_view(cid)
            for cid, ch in self.channels.items()
            if kind(ch) in types and not (exclude_archived and ch.get("is_archived"))
        ]
        page, cursor = _paginate(chosen, a)
        return {"channels": page, "response_metadata": {"next_cursor": cursor}}

    def _m_conversations_history(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        cid = self._existing_channel(a.get("channel"))
        msgs = [copy.deepcopy(m) for m in reversed(self._messages.get(cid, []))]
        page, cursor = _paginate(msgs, a)
        return {
            "messages": page,
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def _m_users_info(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        user = copy.deepcopy(self._user(a.get("user")))
        if not _truthy(a.get("include_locale")):
            user.pop("locale", None)
        return {"user": user}

    def _m_views_open(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        self._use_trigger(a.get("trigger_id") or a.get("interactivity_pointer"))
        view = self._make_view(a.get("view"), ctx.team)
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _m_views_push(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        self._use_trigger(a.get("trigger_id") or a.get("interactivity_pointer"))
        previous = next(reversed(self.views), None)
        root = self.views[previous]["root_view_id"] if previous else None
        view = self._make_view(a.get("view"), ctx.team, root_view_id=root, previous_view_id=previous)
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _m_views_update(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        vid = a.get("view_id")
        if not vid and a.get("external_id"):
            vid = next((k for k, v in self.views.items() if v.get("external_id") == a["external_id"]), None)
        if not vid or vid not in self.views:
            raise FakeSlackError("not_found")
        old = self.views[vid]
        if a.get("hash") and a["hash"] != old["hash"]:
            raise FakeSlackError("hash_conflict")
        view = self._make_view(
            a.get("view"),
            ctx.team,
            view_id=vid,
            root_view_id=old["root_view_id"],
            previous_view_id=old["previous_view_id"],
            allowed_types=("modal", "home"),
        )
        self.views[vid] = view
        return {"view": copy.deepcopy(view)}

    def _m_views_publish(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        user_id = a.get("user_id")
        self._user(user_id)
        assert isinstance(user_id, str)
        old = self.home_views.get(user_id)
        if old and a.get("hash") and a["hash"] != old["hash"]:
            raise FakeSlackError("hash_conflict")
        view = self._make_view(a.get("view"), ctx.team, view_id=old["id"] if old else None, allowed_types=("home",))
        self.home_views[user_id] = view
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _reaction_target(self, a: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        cid = self._resolve_channel(a.get("channel"), create=True, check_member=False)
        name = a.get("name")
        if not name:
            raise FakeSlackError("invalid_name")
        msg = self._find_message(cid, a.get("timestamp"))
        if msg is None and (self.strict or not a.get("timestamp")):
            raise FakeSlackError("message_not_found")
        return msg, str(name).strip(":")

    def _m_reactions_add(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        msg, name = self._reaction_target(a)
        if msg is not None:
            reactions = msg.setdefault("reactions", [])
            r = next((r for r in reactions if r["name"] == name), None)
            if r is None:
                r = {"name": name, "users": [], "count": 0}
                reactions.append(r)
            if ctx.team["bot_user_id"] in r["users"]:
                raise FakeSlackError("already_reacted")
            r["users"].append(ctx.team["bot_user_id"])
            r["count"] = len(r["users"])
        return {}

    def _m_reactions_remove(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        msg, name = self._reaction_target(a)
        if msg is not None:
            reactions = msg.get("reactions", [])
            r = next((r for r in reactions if r["name"] == name), None)
            if r is None or ctx.team["bot_user_id"] not in r["users"]:
                raise FakeSlackError("no_reaction")
            r["users"].remove(ctx.team["bot_user_id"])
            r["count"] = len(r["users"])
            if not r["users"]:
                reactions.remove(r)
        return {}

    def _m_oauth_v2_access(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        client_id, client_secret = a.get("client_id"), a.get("client_secret")
        auth = ctx.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if not client_id or (self.client_id is not None and client_id != self.client_id):
            raise FakeSlackError("invalid_client_id")
        if not client_secret or (self.client_secret is not None and client_secret != self.client_secret):
            raise FakeSlackError("bad_client_secret")
        code = a.get("code")
        if not code or code in self._used_codes:
            raise FakeSlackError("invalid_code")
        self._used_codes.add(code)
        inst = self._oauth_install
        team_id = inst.get("team_id") or self.primary_team_id
        if team_id not in self.teams:
            self.add_team(team_id, name=inst.get("team_name"), bot_user_id=inst.get("bot_user_id"))
        team = self.teams[team_id]
        token = f"xoxb-{secrets.randbelow(10**12)}-{secrets.randbelow(10**13)}-{secrets.token_urlsafe(18)}"
        self._token_teams[token] = team_id
        self.issued_tokens.append(token)
        if self.valid_tokens is not None:
            self.valid_tokens.add(token)
        authed_user: dict[str, Any] = {"id": inst.get("user_id", DEFAULT_USER_ID)}
        if inst.get("user_scope"):
            user_token = f"xoxp-{secrets.randbelow(10**12)}-{secrets.token_urlsafe(18)}"
            self._token_teams[user_token] = team_id
            self.issued_tokens.append(user_token)
            if self.valid_tokens is not None:
                self.valid_tokens.add(user_token)
            authed_user.update({"scope": inst["user_scope"], "access_token": user_token, "token_type": "user"})
        return {
            "app_id": self.app_id,
            "authed_user": authed_user,
            "scope": inst.get("scope", DEFAULT_BOT_SCOPE),
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": team["bot_user_id"],
            "team": {"id": team["id"], "name": inst.get("team_name") or team["name"]},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        ticket = str(uuid.uuid4())
        self._tickets.add(ticket)
        query = urlencode({"ticket": ticket, "app_id": self.app_id})
        return {"url": f"ws://{self.host}:{self.port}/link/?{query}"}

    def _m_team_info(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        team = self.teams.get(a["team"]) if a.get("team") else ctx.team
        if team is None:
            raise FakeSlackError("team_not_found")
        info: dict[str, Any] = {
            "id": team["id"],
            "name": team["name"],
            "url": f"https://{team['domain']}.slack.com/",
            "domain": team["domain"],
            "email_domain": "",
            "icon": {"image_default": True, "image_34": "https://a.slack-edge.com/team_34.png"},
            "avatar_base_url": "https://ca.slack-edge.com/",
            "is_verified": False,
        }
        if team["enterprise_id"]:
            info["enterprise_id"] = team["enterprise_id"]
        return {"team": info}

    def _m_bots_info(self, a: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        bot_id = a.get("bot")
        team = next((t for t in self.teams.values() if t["bot_id"] == bot_id), None)
        if team is None and (self.strict or not bot_id):
            raise FakeSlackError("bot_not_found")
        return {
            "bot": {
                "id": bot_id,
                "deleted": False,
                "name": self.bot_name if team else f"bot-{str(bot_id).lower()}",
                "updated": int(time.time()),
                "app_id": self.app_id if team else f"A{str(bot_id)[1:]}",
                "user_id": team["bot_user_id"] if team else f"U{str(bot_id)[1:]}",
                "icons": {
                    "image_36": "https://a.slack-edge.com/bot_36.png",
                    "image_48": "https://a.slack-edge.com/bot_48.png",
                    "image_72": "https://a.slack-edge.com/bot_72.png",
                },
            }
        }


