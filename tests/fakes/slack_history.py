"""Reading a conversation back from the Slack fake as Slack answers it: a time window and message metadata.

``serve_history(slack)`` makes ``conversations.history`` honour ``oldest``, ``latest`` and ``inclusive``, and
adds ``conversations.replies`` (a thread: its parent and replies). Like Slack, message ``metadata`` is only
returned with ``include_all_metadata=true``. Newest first, paginated with ``limit`` and ``cursor``.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.slack import Call, FakeSlackError, FakeSlackWebAPI, _paginate, _truthy


def _in_window(ts: str, args: dict[str, Any]) -> bool:
    inclusive = _truthy(args.get("inclusive"))
    moment = float(ts)
    if args.get("oldest"):
        oldest = float(args["oldest"])
        if moment < oldest or (moment == oldest and not inclusive):
            return False
    if args.get("latest"):
        latest = float(args["latest"])
        if moment > latest or (moment == latest and not inclusive):
            return False
    return True


def _shown(message: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    shown = copy.deepcopy(message)
    if not _truthy(args.get("include_all_metadata")):
        shown.pop("metadata", None)
    return shown


def serve_history(slack: FakeSlackWebAPI) -> FakeSlackWebAPI:
    """Install the two methods on `slack` (returned, for chaining)."""

    def history(call: Call) -> dict[str, Any]:
        args = call.args
        cid = slack._existing_channel(args.get("channel"))
        found = [_shown(m, args) for m in reversed(slack._messages.get(cid, []))
                 if not m.get("thread_ts") or m.get("thread_ts") == m.get("ts")]
        page, cursor = _paginate([m for m in found if _in_window(m["ts"], args)], args)
        return {"messages": page, "has_more": bool(cursor), "pin_count": 0,
                "response_metadata": {"next_cursor": cursor}}

    def replies(call: Call) -> dict[str, Any]:
        args = call.args
        cid = slack._existing_channel(args.get("channel"))
        parent = args.get("ts")
        thread = [m for m in slack._messages.get(cid, []) if m.get("ts") == parent or m.get("thread_ts") == parent]
        if not thread:
            raise FakeSlackError("thread_not_found")
        found = [_shown(m, args) for m in thread if _in_window(m["ts"], args) or m.get("ts") == parent]
        page, cursor = _paginate(found, args)
        return {"messages": page, "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}

    slack.on("conversations.history", history)
    slack.on("conversations.replies", replies)
    return slack
