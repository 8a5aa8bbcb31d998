"""Slack's posting limits in the Slack fake: one message per second per channel, a cap per workspace, 429s.

``ChannelLimits(slack, now=clock)`` answers ``chat.postMessage`` with HTTP 429 and ``Retry-After`` (whole
seconds, as Slack sends it) when a channel had a post less than ``per_channel`` seconds ago, when the
workspace made ``per_workspace`` posts in the last second, or, for a chosen share of first attempts, anyway
(``first_attempts_limited``: the storms benchmarks ask for). Time comes from ``now`` (seconds), so a test
moves it with its own clock instead of sleeping. Posts that pass go on to the fake's own ``chat.postMessage``.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from tests.fakes.slack import Call, FakeSlackError, FakeSlackWebAPI, _Ctx


class ChannelLimits:
    """Rate limits on ``chat.postMessage``; ``limited`` counts the 429s answered per channel."""

    def __init__(
        self,
        slack: FakeSlackWebAPI,
        *,
        now: Callable[[], float] = time.time,
        per_channel: float = 1.0,
        per_workspace: int = 50,
        first_attempts_limited: float = 0.0,
        retry_after: int = 1,
        seed: int = 7,
    ) -> None:
        self.slack = slack
        self.now = now
        self.per_channel = per_channel
        self.per_workspace = per_workspace
        self.first_attempts_limited = first_attempts_limited
        self.retry_after = retry_after
        self.random = random.Random(seed)
        self.last_post: dict[str, float] = {}
        self.recent: dict[str, deque[float]] = defaultdict(deque)
        self.seen_texts: set[tuple[str, str]] = set()
        self.limited: dict[str, int] = defaultdict(int)
        slack.on("chat.postMessage", self._post)

    def _refuse(self, channel: str, retry_after: float) -> FakeSlackError:
        self.limited[channel] += 1
        return FakeSlackError("ratelimited", status=429, headers={"Retry-After": str(max(1, math.ceil(retry_after)))})

    def _post(self, call: Call) -> dict[str, Any]:
        team = self.slack._authenticate(call.method, call.token)
        channel = self.slack._lookup_channel(str(call.args.get("channel") or "")) or str(call.args.get("channel"))
        now = self.now()
        first_time = (channel, str(call.args.get("text"))) not in self.seen_texts
        self.seen_texts.add((channel, str(call.args.get("text"))))
        if first_time and self.first_attempts_limited and self.random.random() < self.first_attempts_limited:
            raise self._refuse(channel, self.retry_after)
        last = self.last_post.get(channel)
        if last is not None and now - last < self.per_channel:
            raise self._refuse(channel, self.per_channel - (now - last))
        recent = self.recent[team["id"]]
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= self.per_workspace:
            raise self._refuse(channel, 1.0 - (now - recent[0]))
        answer = self.slack._m_chat_postMessage(call.args, _Ctx(call, call.token, team, call.headers))
        self.last_post[channel] = now
        recent.append(now)
        return answer
