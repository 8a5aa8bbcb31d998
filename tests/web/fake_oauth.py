"""A loopback fake of Slack's OpenID Connect and Discord's OAuth2 endpoints, over real HTTP.

It speaks what the web's sign-in uses: Slack `openid.connect.token` (client id and secret in the form) and
`openid.connect.userInfo`; Discord `/oauth2/token` (HTTP Basic) and `/users/@me`. A code is good once.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "fake-client-secret"
DISCORD_APP = 424242
DISCORD_SECRET = "fake-discord-secret"


@dataclass
class FakeOAuth:
    """Codes it will accept, each naming a person: Slack (user, team), Discord user id."""

    slack_codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    discord_codes: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    url: str = ""

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/api/openid.connect.token", self.slack_token, methods=["POST"]),
            Route("/api/openid.connect.userInfo", self.slack_user, methods=["GET", "POST"]),
            Route("/discord/api/oauth2/token", self.discord_token, methods=["POST"]),
            Route("/discord/api/users/@me", self.discord_user, methods=["GET"]),
        ])

    async def slack_token(self, request: Request) -> JSONResponse:
        self.calls.append("openid.connect.token")
        form = await request.form()
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"ok": False, "error": "invalid_client_id"})
        person = self.slack_codes.pop(str(form.get("code")), None)
        if person is None:
            return JSONResponse({"ok": False, "error": "invalid_code"})
        token = f"xoxp-{len(self.tokens)}"
        self.tokens[token] = {"https://slack.com/user_id": person[0], "https://slack.com/team_id": person[1],
                              "sub": person[0]}
        return JSONResponse({"ok": True, "access_token": token, "token_type": "Bearer", "id_token": "unused"})

    async def slack_user(self, request: Request) -> JSONResponse:
        self.calls.append("openid.connect.userInfo")
        found = self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if found is None:
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        return JSONResponse({"ok": True, **found})

    async def discord_token(self, request: Request) -> JSONResponse:
        self.calls.append("oauth2/token")
        expected = base64.b64encode(f"{DISCORD_APP}:{DISCORD_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = await request.form()
        user = self.discord_codes.pop(str(form.get("code")), None)
        if user is None or form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        token = f"discord-{len(self.tokens)}"
        self.tokens[token] = {"id": user}
        return JSONResponse({"access_token": token, "token_type": "Bearer", "scope": "identify"})

    async def discord_user(self, request: Request) -> JSONResponse:
        self.calls.append("users/@me")
        found = self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if found is None:
            return JSONResponse({"message": "401: Unauthorized", "code": 0}, status_code=401)
        return JSONResponse({**found, "username": "someone", "discriminator": "0"})


@asynccontextmanager
async def serve_fake_oauth() -> AsyncIterator[FakeOAuth]:
    """The fake on a free loopback port, for the length of the block."""
    fake = FakeOAuth()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake.app(), log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        await task
        sock.close()
