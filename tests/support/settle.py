"""Waiting for the work a test set off to finish, without waiting on the wall clock.

A request to the Slack app is acknowledged before its listener runs (bolt starts it in a task of its own), and an
event the Discord fake sends over the gateway is read by discord.py, which runs its handler in a task named
``discord.py: <event>``. `settle(*drains)` waits for those tasks, then calls each drain (an adapter's, the
dispatcher's, the outbox's), and again, until a whole round finds nothing started: no sleep that happens to be
long enough, and a deadline so that a test that never settles fails instead of hanging.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

#: Loop turns given to bytes already on a loopback socket to be read (no time passes: nothing sleeps).
TURNS = 5


def _started_work() -> list[asyncio.Task[Any]]:
    """The listener runs of bolt and the event handlers of discord.py still under way."""
    current = asyncio.current_task()
    found = []
    for task in asyncio.all_tasks():
        if task is current or task.done():
            continue
        name = getattr(task.get_coro(), "__qualname__", "")
        if name.endswith("run_ack_function_asynchronously") or task.get_name().startswith("discord.py: on_"):
            found.append(task)
    return found


async def settle(*drains: Callable[[], Awaitable[object]], timeout: float = 30.0) -> None:
    """Wait until the work under way (listeners, event handlers, then `drains`) is done and nothing new starts."""
    async with asyncio.timeout(timeout):
        quiet = 0
        while quiet < 2:
            for _ in range(TURNS):
                await asyncio.sleep(0)
            work = _started_work()
            if work:
                await asyncio.wait(work)
            for drain in drains:
                await drain()
            quiet = 0 if work else quiet + 1
