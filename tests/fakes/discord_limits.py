"""Discord's limits per bot in the Discord fake: 50 requests per second in all, and 429 storms on first posts.

The fake itself keeps the per-route buckets (``X-RateLimit-*`` headers, a 429 when one is exhausted).
``BotLimits(fake)`` adds what Discord counts per bot across every route: at most ``per_second`` requests in any
second (every request it answers counts, a 429 of a route too), refused beyond with a *global* 429
(``X-RateLimit-Global: true``, ``retry_after`` in the body), which discord.py waits out for every route; and,
for a chosen share of first attempts to post a message (``first_attempts_limited``: the storms benchmarks ask
for), a route 429 with ``retry_after`` seconds. A first attempt is the first post of a nonce (or of a text, when
no nonce is sent) in a channel. Time comes from ``now`` (seconds), so a test moves it instead of sleeping.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakes.discord import FakeDiscord, Request

_POST = re.compile(r"/channels/(\d+)/messages")


class BotLimits:
    """Global and storm 429s for every REST request of ``fake``; ``limited`` counts them by kind."""

    def __init__(
        self,
        fake: FakeDiscord,
        *,
        now: Callable[[], float] = time.time,
        per_second: int = 50,
        first_attempts_limited: float = 0.0,
        retry_after: float = 1.0,
        seed: int = 7,
    ) -> None:
        self.fake = fake
        self.now = now
        self.per_second = per_second
        self.first_attempts_limited = first_attempts_limited
        self.retry_after = retry_after
        self.random = random.Random(seed)
        self.recent: deque[float] = deque()
        self.seen: set[tuple[str, str]] = set()
        self.limited: dict[str, int] = defaultdict(int)
        self.requests = 0
        answer = fake._answer  # the fake's own answering, which these limits come before

        async def limited_answer(request: web.Request, record: Request) -> web.Response:
            refused = self._refusal(record)
            if refused is not None:
                record.response = refused[1]["body"]
                return fake._json(refused[1]["body"], 429, refused[1]["headers"])
            return await answer(request, record)

        fake._answer = limited_answer  # type: ignore[method-assign]

    def _refusal(self, record: Request) -> tuple[str, dict[str, Any]] | None:
        now = self.now()
        self.requests += 1
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        if len(self.recent) >= self.per_second:
            # Not counted: a client that retries at once would otherwise never see the window drain.
            return self._limit("global", 1.0 - (now - self.recent[0]), record.path, global_=True)
        self.recent.append(now)
        posted = _POST.fullmatch(record.path)
        if posted is None or record.method != "POST" or not self.first_attempts_limited:
            return None
        body = record.json if isinstance(record.json, dict) else {}
        first = (posted.group(1), str(body.get("nonce") or body.get("content") or ""))
        if first in self.seen:
            return None
        self.seen.add(first)
        if self.random.random() >= self.first_attempts_limited:
            return None
        return self._limit("storm", self.retry_after, "/channels/{channel_id}/messages", global_=False)

    def _limit(self, kind: str, retry_after: float, bucket: str, *, global_: bool) -> tuple[str, dict[str, Any]]:
        self.limited[kind] += 1
        retry_after = max(retry_after, 0.001)
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Scope": "global" if global_ else "user",
            "X-RateLimit-Limit": str(self.per_second),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{self.now() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(bucket.encode()).hexdigest()[:32],
            "Via": "1.1 google",
        }
        if global_:
            headers["X-RateLimit-Global"] = "true"
        body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": global_}
        return kind, {"headers": headers, "body": body}
