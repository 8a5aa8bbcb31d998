"""A loopback fake of Discord (gateway websocket + REST API) for tests.

A real ``discord.py`` client connects to it unchanged; only its URLs are pointed at the fake::

    async with FakeDiscord() as fake:
        guild = fake.add_guild(name="ICC", channels=["general"])
        with point_discord_at(fake):
            client = discord.Client(intents=intents, guild_ready_timeout=0.05)
            async with fake.run_client(client):
                await fake.dispatch("MESSAGE_CREATE", fake.message_create_payload(channel_id, user_id, "hi"))
                await fake.wait_until(lambda: fake.requests_to("POST", "/channels/{id}/messages"))

Everything binds to 127.0.0.1.  The fake behaves like Discord where a bot can tell the difference:

* gateway: HELLO, heartbeat ACKs, IDENTIFY -> READY (guilds unavailable) + one GUILD_CREATE per guild,
  RESUME -> replay of missed dispatches + RESUMED, op 8 member chunks, zlib-stream transport
  compression when asked, intents filtering (no MESSAGE_CONTENT intent -> empty ``content``);
* REST: JSON error bodies with Discord's codes, validation of message bodies (empty, > 2000 chars, webhook
  usernames), ``X-RateLimit-*`` headers on every answer, real 429s when a bucket is exhausted, and the
  gateway events Discord sends back for REST actions (a bot sees its own messages as MESSAGE_CREATE);
* fault injection: :meth:`FakeDiscord.rate_limit_next`, :meth:`FakeDiscord.forbid`,
  :meth:`FakeDiscord.fail_next`, :meth:`FakeDiscord.delete_channel`, :meth:`FakeDiscord.delete_webhook`,
  :meth:`FakeDiscord.drop_connection`, :meth:`FakeDiscord.block_dms`.

Every REST call is recorded in :attr:`FakeDiscord.requests` as a :class:`Request`.

The package is split by concern: ``wire`` (intents, permissions, errors, the request record), ``gateway``
(the websocket), ``rest`` (HTTP plumbing, users, commands), ``channels`` and ``webhooks`` (their routes),
``interactions``, ``world`` (builders of guilds, members, payloads), ``faults`` (injection) and ``assertions``
(what a test reads back and waits for); ``fake`` puts them together. Import from ``tests.fakes.discord``.
"""

from __future__ import annotations

from .fake import FakeDiscord, point_discord_at
from .gateway import _GatewayConnection
from .wire import (
    _EVENT_INTENTS,
    _OPTION_TYPES,
    _ROUTES,
    API_PREFIX,
    DISCORD_EPOCH_MS,
    ApiError,
    Handler,
    Intents,
    Permissions,
    Request,
    _Bucket,
    _compile_pattern,
    _Fault,
    _form_error,
    _Interaction,
    _method_matches,
    _now_iso,
    _route,
    _route_regex,
    _snowflake_time,
    _Snowflakes,
    _unknown,
)

__all__ = [
    "FakeDiscord",
    "Request",
    "point_discord_at",
    "Intents",
    "Permissions",
    "ApiError",
    "_EVENT_INTENTS",
    "_OPTION_TYPES",
    "_ROUTES",
    "API_PREFIX",
    "DISCORD_EPOCH_MS",
    "Handler",
    "_Bucket",
    "_compile_pattern",
    "_Fault",
    "_form_error",
    "_Interaction",
    "_method_matches",
    "_now_iso",
    "_route",
    "_route_regex",
    "_Snowflakes",
    "_snowflake_time",
    "_unknown",
    "_GatewayConnection",
]
