"""Slack's HTTP endpoints for the web app: `/slack/events` (signed requests) and the OAuth install pages.

Read like bolt's own Starlette adapter (`to_async_bolt_request` … `app.async_dispatch` … `to_starlette_response`),
with three guards in front: the signature and timestamp are checked before the body is even parsed (a forged,
expired or unsigned request gets 401 and nothing is done); a body that is not what Slack sends gets 400, never a
500; and a request whose exact timestamp and signature were already taken in, by this process or another one,
is a replay: 401, nothing done. (Slack's own retries of an event are signed anew, so they pass and the event's
id decides that it is handled once.)
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.starlette.async_handler import (
    AsyncSlackRequestHandler,
    to_async_bolt_request,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from integrations.slack.stores import RequestReplays

if TYPE_CHECKING:
    from integrations.slack.app import SlackAdapter

log = logging.getLogger(__name__)

#: Slack's largest payloads (a modal's full state) stay far below this.
MAX_BODY_BYTES = 1_000_000


#: Interactive payloads, and the fields that, when present, must be JSON objects (or lists of them).
_INTERACTIVE = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action",
                          "block_suggestion", "interactive_message"})
_OBJECT_FIELDS = ("user", "view", "container", "message", "channel", "enterprise")


def well_formed(body: Any) -> bool:
    """Whether a parsed body has the shape of something Slack sends: a command, an event, an interaction.

    bolt and our listeners read these fields without defending against every type; a signed body that is
    not shaped like Slack's (which only a bug or a leaked secret can produce) is refused before them.
    """
    if not isinstance(body, dict) or not body:
        return False
    kind = body.get("type")
    if "command" in body:
        return all(isinstance(value, str) for value in body.values()) and body["command"].startswith("/") \
            and bool(body.get("user_id")) and bool(body.get("team_id") or body.get("enterprise_id"))
    if kind == "url_verification":
        return isinstance(body.get("challenge"), str)
    if kind == "app_rate_limited" or body.get("ssl_check") == "1":  # Slack's own notices: answered 200
        return True
    if kind == "event_callback":
        event = body.get("event")
        return isinstance(event, dict) and isinstance(event.get("type"), str) \
            and isinstance(body.get("authorizations", []), list)
    if kind in _INTERACTIVE:
        if any(body.get(name) is not None and not isinstance(body[name], dict) for name in _OBJECT_FIELDS):
            return False
        if not isinstance(body.get("user"), dict):
            return False
        team = body.get("team")
        if team is not None and not isinstance(team, dict):
            return False
        actions = body.get("actions", [])
        return isinstance(actions, list) and all(isinstance(action, dict) for action in actions)
    return False


class SlackEndpoints:
    """The Starlette endpoints of one bolt app."""

    def __init__(self, app: AsyncApp, signing_secret: str, *, replays: RequestReplays) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.replays = replays
        self.oauth_handler = AsyncSlackRequestHandler(app)

    def verified(self, request: Request, body: bytes) -> bool:
        try:
            return self.verifier.is_valid_request(body, dict(request.headers))
        except (ValueError, TypeError):  # a timestamp that is not a number
            return False

    async def events(self, request: Request) -> Response:
        """Commands, events, actions, shortcuts and modal submissions."""
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            return PlainTextResponse("Payload too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return PlainTextResponse("Payload too large", status_code=413)
        if not self.verified(request, body):
            log.warning("Slack: refused an unsigned, forged or expired request from %s",
                        request.client.host if request.client else "?")
            return PlainTextResponse("Invalid signature", status_code=401)
        try:
            bolt_request = to_async_bolt_request(request, body)
            shaped = well_formed(bolt_request.body)
        except Exception:  # whatever a parser raises on bytes that are not JSON or form data
            shaped = False
        if not shaped:
            log.warning("Slack: refused a signed request whose body is not shaped as Slack sends them")
            return PlainTextResponse("Malformed body", status_code=400)
        refused = await self.replayed(request)
        if refused is not None:
            return refused
        return to_starlette_response(await self.app.async_dispatch(bolt_request))

    async def replayed(self, request: Request) -> Response | None:
        """401 for a verified request taken in before (a replay); 503 when the database cannot tell; else None."""
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        try:
            first = await asyncio.to_thread(self.replays.first_time, timestamp, signature)
        except Exception:
            log.exception("Slack: could not record a signed request; refused until the database answers")
            return PlainTextResponse("Service unavailable", status_code=503)
        if first:
            return None
        log.warning("Slack: refused a replayed request (timestamp %s, retry %s) from %s", timestamp,
                    request.headers.get("x-slack-retry-num", "-"), request.client.host if request.client else "?")
        return PlainTextResponse("Request already received", status_code=401)

    async def oauth(self, request: Request) -> Response:
        """`/slack/install` and `/slack/oauth_redirect` (only when the app is installed through OAuth)."""
        if self.app.oauth_flow is None:
            return PlainTextResponse("This bot serves one workspace; there is nothing to install here.",
                                     status_code=404)
        return await self.oauth_handler.handle(request)

    def routes(self) -> list[Route]:
        return [
            Route("/slack/events", self.events, methods=["POST"]),
            Route("/slack/install", self.oauth, methods=["GET"]),
            Route("/slack/oauth_redirect", self.oauth, methods=["GET"]),
        ]


def slack_routes(adapter: SlackAdapter) -> list[BaseRoute]:
    """What Slack hands the web host when a workspace is served over HTTP: `/slack/events`, and the OAuth
    install pages (`/slack/install`, `/slack/oauth_redirect`) when the app is installed through OAuth."""
    secret = adapter.settings.slack_signing_secret
    if secret is None:
        raise ValueError("Slack over HTTP needs SLACK_SIGNING_SECRET")
    return list(SlackEndpoints(adapter.build_app(), secret.get_secret_value(), replays=adapter.replays).routes())
