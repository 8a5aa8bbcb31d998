"""The Discord bot keeps under Discord's 50 requests per second itself, before asking (time moved, not slept)."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from bot.services.delivery import Pacer
from integrations.discord.pacing import REQUESTS_PER_SECOND, request_pacing


class VirtualTime:
    """A monotonic clock that moves only when waiters sleep: to the end of their sleep, as in real time, so that
    waiters sleeping side by side do not add their sleeps up."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + max(seconds, 1e-6)  # real time always moves a little
        await asyncio.sleep(0)
        self.now = max(self.now, until)


async def test_a_burst_of_requests_goes_out_at_most_fifty_in_any_second() -> None:
    clock = VirtualTime()
    passed: list[float] = []

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    trace = request_pacing(pacer=Pacer(monotonic=clock.monotonic, sleep=clock.sleep))

    async def sent(*_: object) -> None:  # after the pacing hook: when each request leaves
        passed.append(clock.monotonic())

    trace.on_request_start.append(sent)
    try:
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:

            async def one() -> None:
                async with session.get(f"http://127.0.0.1:{port}/") as response:
                    assert response.status == 200

            await asyncio.gather(*(one() for _ in range(150)))
    finally:
        await runner.cleanup()
    assert len(passed) == 150
    passed.sort()
    for n, at in enumerate(passed):
        assert sum(1 for other in passed[n:] if other < at + 1.0) <= 50, at
    # Paced, and no slower than the rate: 150 requests with a burst of 2 take (150 - 2) / 48 seconds.
    assert abs(passed[-1] - (150 - 2) / REQUESTS_PER_SECOND) < 0.2, passed[-1]
