"""The web host while its process stops: requests already read are answered, new ones get 503 at once.

A pure ASGI middleware (it never buffers a body): each request is counted as work under way (`WorkInFlight`),
so the shutdown waits for it; once the process is stopping, a new request is answered `503 Service Unavailable`
with `Retry-After` and `Connection: close`, which a load balancer or Slack (which retries) takes to another
process. `/healthz` answers 503 too, so the host is taken out of rotation.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.shutdown import WorkInFlight

#: Seconds after which a client may try again (another process, or this one's successor).
RETRY_AFTER = 5


class Draining:
    """Count each HTTP request as work under way; refuse new ones with 503 once stopping."""

    def __init__(self, app: ASGIApp, work: WorkInFlight) -> None:
        self.app = app
        self.work = work

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        what = f"web request {scope['method']} {scope['path']}"
        if not self.work.admit(what):
            refusal = PlainTextResponse("Stopping: please try again in a few seconds.\n", status_code=503,
                                        headers={"Retry-After": str(RETRY_AFTER), "Connection": "close"})
            await refusal(scope, receive, send)
            return
        with self.work.track(what):
            await self.app(scope, receive, send)
