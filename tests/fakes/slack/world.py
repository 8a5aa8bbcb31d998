"""The Slack fake's world: teams, users, channels, messages, the OAuth install, custom handlers."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from .wire import DEFAULT_BOT_SCOPE, DEFAULT_USER_ID, Handler


class WorldMixin:
    """Configuring what the workspace holds."""

    # ---------------------------------------------------------------- configuration

    def add_team(
        self,
        team_id: str,
        *,
        name: str | None = None,
        domain: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        enterprise_id: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """Register a workspace; ``token`` makes calls with that token act in this workspace."""
        suffix = team_id[1:]
        team = {
            "id": team_id,
            "name": name or f"Workspace {team_id}",
            "domain": domain or f"ws-{team_id.lower()}",
            "bot_user_id": bot_user_id or f"U0BOT{suffix}"[:11],
            "bot_id": bot_id or f"B0BOT{suffix}"[:11],
            "enterprise_id": enterprise_id,
        }
        self.teams[team_id] = team
        if hasattr(self, "users"):
            self._add_bot_user(team)
        if token is not None:
            self._token_teams[token] = team_id
        return team

    def _add_bot_user(self, team: dict[str, Any]) -> None:
        self.add_user(team["bot_user_id"], name=self.bot_name, is_bot=True, team_id=team["id"], bot_id=team["bot_id"])

    def add_user(
        self,
        user_id: str,
        locale: str = "en-US",
        name: str | None = None,
        is_bot: bool = False,
        team_id: str | None = None,
        *,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/Paris",
        tz_offset: int = 3600,
        deleted: bool = False,
        is_admin: bool = False,
        bot_id: str | None = None,
    ) -> dict[str, Any]:
        """Register (or replace) a user as ``users.info`` returns it."""
        name = name or user_id.lower()
        real_name = real_name or name.replace(".", " ").title()
        team_id = team_id or self.primary_team_id
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "first_name": real_name.split(" ")[0],
            "last_name": " ".join(real_name.split(" ")[1:]),
            "team": team_id,
            "image_48": f"https://avatars.slack-edge.com/{user_id}_48.png",
            "image_72": f"https://avatars.slack-edge.com/{user_id}_72.png",
        }
        if email is not None or not is_bot:
            profile["email"] = email or f"{name}@example.org"
        if is_bot:
            profile["bot_id"] = bot_id or f"B{user_id[1:]}"
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": "Central European Time",
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "is_email_confirmed": not is_bot,
            "locale": locale,
        }
        return self.users[user_id]

    def add_channel(
        self,
        name: str,
        *,
        channel_id: str | None = None,
        is_private: bool = False,
        members: Iterable[str] = (),
        locale: str | None = None,
        is_archived: bool = False,
        team_id: str | None = None,
    ) -> str:
        """Register a channel; returns its id (``C…``, ``G…`` for private ones if not given)."""
        cid = channel_id or self._new_id("G" if is_private else "C")
        self.channels[cid] = {
            "id": cid,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "created": int(time.time()),
            "is_archived": is_archived,
            "is_general": name == "general",
            "unlinked": 0,
            "name_normalized": name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "context_team_id": team_id or self.primary_team_id,
            "creator": self.bot_user_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
            "locale": locale,
        }
        self._members[cid] = list(dict.fromkeys(members))
        return cid

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = DEFAULT_USER_ID,
        ts: str | None = None,
        thread_ts: str | None = None,
        **extra: Any,
    ) -> str:
        """Seed a message (e.g. one a human wrote) so that reactions/permalinks/updates find it."""
        cid = self._resolve_channel(channel, create=True, check_member=False)
        ts = ts or self._next_ts()
        msg: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts, **extra}
        if thread_ts:
            msg["thread_ts"] = thread_ts
        self._messages[cid].append(msg)
        return ts

    def set_oauth_install(
        self,
        *,
        team_id: str | None = None,
        team_name: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        scope: str = DEFAULT_BOT_SCOPE,
        bot_user_id: str | None = None,
        user_scope: str | None = None,
    ) -> None:
        """Configure what the following ``oauth.v2.access`` calls install."""
        self._oauth_install = {
            "team_id": team_id,
            "team_name": team_name,
            "user_id": user_id,
            "scope": scope,
            "bot_user_id": bot_user_id,
            "user_scope": user_scope,
        }

    def on(self, method: str, handler: Handler) -> None:
        """Override/implement ``method``: ``handler(call) -> dict`` (sync or async).

        ``ok: true`` is added unless the dict sets ``ok``; raise :class:`FakeSlackError` to fail.
        """
        self._handlers[method] = handler

