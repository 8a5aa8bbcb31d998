"""A loopback fake of Slack for tests, speaking the real wire protocols.

Three pieces, none of which patches a library:

* :class:`FakeSlackWebAPI` -- an ``aiohttp.web`` server on ``127.0.0.1`` (random free port) that
  answers the Web API methods a bot uses (``/api/<method>``), records every call, keeps posted
  messages per channel, lets a test inject failures (``ok:false`` errors, HTTP 429, revoked
  tokens), records what an app posts to a ``response_url`` and serves a Socket Mode websocket.
  Point ``slack_sdk.web.async_client.AsyncWebClient(base_url=slack.base_url)`` at it.
* :class:`SignedSlackClient` -- sends slash commands, events and interactivity payloads to an
  HTTP endpoint (a URL or an ASGI app) the way Slack does, signed with the signing secret.
* Payload builders (``slash_command_payload``, ``event_callback_payload``, ...) shared by both,
  so the same payloads can be sent over HTTP or in a Socket Mode envelope.

Example::

    async with FakeSlackWebAPI() as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        await client.chat_postMessage(channel="C123", text="hi")
        assert slack.messages("C123")[0]["text"] == "hi"

By default the fake is lenient: any token is accepted, unknown channel ids are created on first
post and unknown users are invented (locale ``en-US``). ``FakeSlackWebAPI(strict=True)`` makes
unknown channels/users/messages answer ``channel_not_found``/``user_not_found``/
``message_not_found`` and posting to a channel the bot is not a member of answer
``not_in_channel``.

The package is split by concern: ``wire`` (default ids, the call record, errors), ``fake`` (state and
lifecycle), ``world`` (teams, users, channels), ``web_api`` and ``methods`` (the REST side), ``socket_mode``
(the websocket and response_url), ``faults`` (injection), ``assertions`` (what a test reads back and waits
for), ``payloads`` and ``signed`` (what Slack sends to an app). Import from ``tests.fakes.slack``.
"""

from __future__ import annotations

from .fake import (
    FakeSlackWebAPI,
)
from .payloads import (
    _action_ts,
    _state_values,
    _team_obj,
    _user_obj,
    block_actions_payload,
    event_callback_payload,
    message_shortcut_payload,
    shortcut_payload,
    slash_command_payload,
    view_submission_payload,
)
from .signed import (
    SignedSlackClient,
    sign_request,
)
from .wire import (
    _APP_TOKEN_METHODS,
    _JSON_ARGS,
    _NO_TOKEN_METHODS,
    _TRUE_STRINGS,
    DEFAULT_APP_ID,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_SCOPE,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    DEFAULT_TEAM_NAME,
    DEFAULT_USER_ID,
    DEFAULT_VERIFICATION_TOKEN,
    Call,
    FakeSlackError,
    Handler,
    ResponseUrlPost,
    _as_list,
    _Ctx,
    _decode_cursor,
    _encode_cursor,
    _paginate,
    _truthy,
    new_trigger_id,
)

__all__ = [
    "Call",
    "FakeSlackError",
    "FakeSlackWebAPI",
    "ResponseUrlPost",
    "SignedSlackClient",
    "block_actions_payload",
    "event_callback_payload",
    "message_shortcut_payload",
    "shortcut_payload",
    "sign_request",
    "slash_command_payload",
    "view_submission_payload",
    "DEFAULT_TEAM_ID",
    "DEFAULT_TEAM_NAME",
    "DEFAULT_TEAM_DOMAIN",
    "DEFAULT_BOT_USER_ID",
    "DEFAULT_BOT_ID",
    "DEFAULT_APP_ID",
    "DEFAULT_USER_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_BOT_SCOPE",
    "DEFAULT_VERIFICATION_TOKEN",
    "_JSON_ARGS",
    "_NO_TOKEN_METHODS",
    "_APP_TOKEN_METHODS",
    "_TRUE_STRINGS",
    "_Ctx",
    "_truthy",
    "_as_list",
    "_encode_cursor",
    "_decode_cursor",
    "_paginate",
    "new_trigger_id",
    "Handler",
    "_user_obj",
    "_team_obj",
    "_action_ts",
    "_state_values",
]
