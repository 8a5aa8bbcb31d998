"""What Slack sends to an app (slash commands, events, interactivity), shared by HTTP and Socket Mode."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

from .wire import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    DEFAULT_VERIFICATION_TOKEN,
    new_trigger_id,
)

# --------------------------------------------------------------------------------------------
# Payload builders (what Slack sends to an app), shared by HTTP and Socket Mode
# --------------------------------------------------------------------------------------------


def _user_obj(user_id: str, team_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team_obj(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": DEFAULT_TEAM_DOMAIN if team_id == DEFAULT_TEAM_ID else team_id.lower()}


def _action_ts() -> str:
    return f"{time.time():.6f}"


def slash_command_payload(
    command: str,
    text: str = "",
    *,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    channel_name: str | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    enterprise_id: str | None = None,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
    user_name: str | None = None,
) -> dict[str, str]:
    """The form fields of a slash command (also the Socket Mode ``slash_commands`` payload)."""
    fields = {
        "token": verification_token,
        "team_id": team_id,
        "team_domain": _team_obj(team_id)["domain"],
        "channel_id": channel_id,
        "channel_name": channel_name or ("directmessage" if channel_id.startswith("D") else "general"),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url or f"https://hooks.slack.com/commands/{team_id}/1/{secrets.token_hex(12)}",
        "trigger_id": trigger_id or new_trigger_id(),
    }
    if enterprise_id:
        fields["enterprise_id"] = enterprise_id
        fields["enterprise_name"] = "Enterprise"
    return fields


def event_callback_payload(
    event: dict[str, Any],
    *,
    team_id: str = DEFAULT_TEAM_ID,
    event_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    event_time: int | None = None,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """An Events API ``event_callback`` body (also the Socket Mode ``events_api`` payload)."""
    now = event_time or int(time.time())
    event = {"event_ts": f"{now}.000100", **event}
    return {
        "token": verification_token,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def block_actions_payload(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str = "actions",
    action_type: str = "button",
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    message_ts: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    actions: list[dict[str, Any]] | None = None,
    state_values: dict[str, Any] | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``block_actions`` payload: a click in a message, or in a modal/home tab if ``view`` is given."""
    if actions is None:
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type,
            "action_ts": _action_ts(),
        }
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
        if action_type == "static_select" and value is not None:
            action["selected_option"] = {"text": {"type": "plain_text", "text": value}, "value": value}
        elif value is not None:
            action["value"] = value
        actions = [action]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user_obj(user_id, team_id),
        "api_app_id": api_app_id,
        "token": verification_token,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team_obj(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": state_values or {}},
        "actions": actions,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0VIEW001")}
        payload["view"] = view
    else:
        ts = message_ts or (message or {}).get("ts") or f"{int(time.time())}.000200"
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": "general"}
        payload["message"] = message or {"type": "message", "ts": ts, "user": DEFAULT_BOT_USER_ID, "text": ""}
        payload["response_url"] = response_url or (
            f"https://hooks.slack.com/actions/{team_id}/1/{secrets.token_hex(12)}"
        )
    return payload


def _state_values(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{block_id: {action_id: value}}`` (or ``{block_id: value}``) -> Slack's state.values."""
    out: dict[str, Any] = {}
    for block_id, inner in (values or {}).items():
        if not isinstance(inner, Mapping):
            inner = {block_id: inner}
        out[block_id] = {}
        for action_id, value in inner.items():
            if isinstance(value, Mapping):
                out[block_id][action_id] = dict(value)
            else:
                out[block_id][action_id] = {"type": "plain_text_input", "value": value}
    return out


def view_submission_payload(
    callback_id: str,
    values: Mapping[str, Any] | None = None,
    private_metadata: str = "",
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    view_id: str | None = None,
    *,
    state_values: dict[str, Any] | None = None,
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Modal",
    view_hash: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    trigger_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    bot_id: str = DEFAULT_BOT_ID,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``view_submission`` payload.

    ``values`` is ``{block_id: {action_id: value}}``; a plain value becomes
    ``{"type": "plain_text_input", "value": value}``, a dict is used as is. ``state_values``
    replaces ``view.state.values`` wholesale.
    """
    vid = view_id or f"V{secrets.token_hex(4).upper()}"
    return {
        "type": "view_submission",
        "team": _team_obj(team_id),
        "user": _user_obj(user_id, team_id),
        "api_app_id": api_app_id,
        "token": verification_token,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": vid,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values if state_values is not None else _state_values(values)},
            "hash": view_hash or f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": vid,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def shortcut_payload(
    callback_id: str,
    *,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    trigger_id: str | None = None,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A global shortcut payload (``type: shortcut``)."""
    return {
        "type": "shortcut",
        "token": verification_token,
        "action_ts": _action_ts(),
        "team": _team_obj(team_id),
        "user": _user_obj(user_id, team_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def message_shortcut_payload(
    callback_id: str,
    *,
    message: dict[str, Any] | None = None,
    message_ts: str | None = None,
    channel_id: str = DEFAULT_CHANNEL_ID,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    trigger_id: str | None = None,
    response_url: str | None = None,
    verification_token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A message shortcut payload (``type: message_action``)."""
    ts = message_ts or (message or {}).get("ts") or f"{int(time.time())}.000300"
    return {
        "type": "message_action",
        "token": verification_token,
        "action_ts": _action_ts(),
        "team": _team_obj(team_id),
        "user": _user_obj(user_id, team_id),
        "channel": {"id": channel_id, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url or f"https://hooks.slack.com/app/{team_id}/1/{secrets.token_hex(12)}",
        "message_ts": ts,
        "message": message or {"type": "message", "user": user_id, "ts": ts, "text": "a message"},
    }


