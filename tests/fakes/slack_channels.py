"""Channels that go away in the Slack fake, and people removed from them, as Slack answers.

``serve_channel_admin(slack)`` adds ``conversations.kick``, and makes posting, inviting and reading refuse a
channel that was archived (``is_archived``) or deleted (``channel_not_found``), which the big fake only does in
strict mode. ``archive(slack, cid)`` and ``delete(slack, cid)`` do what a workspace admin does; ``remove_bot``
is the bot being removed from a channel.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.slack import Call, FakeSlackError, FakeSlackWebAPI, _Ctx

#: Methods that write to a channel: an archived one refuses them.
_WRITES = ("chat.postMessage", "conversations.invite", "chat.update")


def archive(slack: FakeSlackWebAPI, channel_id: str) -> None:
    slack.channels[channel_id]["is_archived"] = True


def delete(slack: FakeSlackWebAPI, channel_id: str) -> None:
    slack.channels.pop(channel_id, None)
    slack._members.pop(channel_id, None)


def remove_bot(slack: FakeSlackWebAPI, channel_id: str) -> None:
    members = slack._members.get(channel_id, [])
    if slack.bot_user_id in members:
        members.remove(slack.bot_user_id)


def serve_channel_admin(slack: FakeSlackWebAPI) -> FakeSlackWebAPI:
    """Install the behaviour on `slack` (returned, for chaining)."""

    def guarded(method: str) -> Any:
        builtin = getattr(slack, "_m_" + method.replace(".", "_"))

        def handler(call: Call) -> dict[str, Any]:
            channel = call.args.get("channel")
            if isinstance(channel, str) and channel[:1] in "CG":
                if channel not in slack.channels:
                    raise FakeSlackError("channel_not_found")
                if slack.channels[channel].get("is_archived"):
                    raise FakeSlackError("is_archived")
                if method != "conversations.join" and slack.bot_user_id not in slack._members.get(channel, []) \
                        and slack.channels[channel].get("is_private"):
                    raise FakeSlackError("not_in_channel")
            team = slack.teams[slack.primary_team_id]
            return dict(builtin(call.args, _Ctx(call, call.token, team, call.headers)))

        return handler

    for method in _WRITES:
        slack.on(method, guarded(method))

    def kick(call: Call) -> dict[str, Any]:
        channel = str(call.args.get("channel") or "")
        if channel not in slack.channels:
            raise FakeSlackError("channel_not_found")
        if slack.channels[channel].get("is_archived"):
            raise FakeSlackError("is_archived")
        user = str(call.args.get("user") or "")
        members = slack._members.get(channel, [])
        if user == slack.bot_user_id:
            raise FakeSlackError("cant_kick_self")
        if user not in members:
            raise FakeSlackError("not_in_channel")
        members.remove(user)
        return {}

    slack.on("conversations.kick", kick)
    return slack
