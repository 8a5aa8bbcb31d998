"""Discord's limit per bot (50 REST requests per second, all routes together), kept before asking.

discord.py learns the global limit only from a 429, and then holds every request of the bot for the time it
says; a broadcast to a thousand channels would hit it again and again (its own retries after a route's 429 come
on top of what the delivery service paces). An `aiohttp` trace hook, which discord.py takes as `http_trace`, runs
before every HTTP request it makes, retries included: there each request waits its turn in a token bucket.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp

from bot.services.delivery import Pacer

#: Under Discord's 50: with the bucket's burst of 2, no second ever holds more than 50.
REQUESTS_PER_SECOND = 48.0


def request_pacing(per_second: float = REQUESTS_PER_SECOND, *, pacer: Pacer | None = None) -> aiohttp.TraceConfig:
    """A trace configuration that keeps the bot's requests under `per_second` (one bucket per process)."""
    bucket = pacer or Pacer()

    async def before_request(session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        await bucket.wait("discord", per_second)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(before_request)
    return trace
