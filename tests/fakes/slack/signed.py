"""Signed requests to an app's HTTP endpoint, as Slack sends them."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from .fake import FakeSlackWebAPI
from .payloads import (
    block_actions_payload,
    event_callback_payload,
    message_shortcut_payload,
    shortcut_payload,
    slash_command_payload,
    view_submission_payload,
)
from .wire import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    DEFAULT_VERIFICATION_TOKEN,
)

# --------------------------------------------------------------------------------------------
# Signed requests to an app's HTTP endpoint
# --------------------------------------------------------------------------------------------


def sign_request(signing_secret: str, timestamp: int | str, body: bytes | str) -> str:
    """``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``, as in ``X-Slack-Signature``."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SignedSlackClient:
    """Posts to an app's Slack endpoint like Slack does (signed; form-encoded or JSON).

    Target either ``url`` (a full URL) or ``app`` (an ASGI app, via ``httpx.ASGITransport``,
    posting to ``path``). Pass ``fake`` so that response URLs point at the fake, where posts are
    recorded in ``fake.responses``. Every sending method accepts the forging knobs
    ``signature=``, ``timestamp=``, ``omit_headers=`` and extra ``headers=``; all return the
    ``httpx.Response``.
    """

    def __init__(
        self,
        signing_secret: str,
        *,
        url: str | None = None,
        app: Any = None,
        path: str = "/slack/events",
        fake: FakeSlackWebAPI | None = None,
        team_id: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        api_app_id: str | None = None,
        verification_token: str = DEFAULT_VERIFICATION_TOKEN,
        timeout: float = 5.0,
    ) -> None:
        if (url is None) == (app is None):
            raise ValueError("pass exactly one of url= or app=")
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id or (fake.team_id if fake else DEFAULT_TEAM_ID)
        self.user_id = user_id
        self.channel_id = channel_id
        self.api_app_id = api_app_id or (fake.app_id if fake else DEFAULT_APP_ID)
        self.bot_user_id = fake.bot_user_id if fake else DEFAULT_BOT_USER_ID
        self.bot_id = fake.bot_id if fake else DEFAULT_BOT_ID
        self.verification_token = verification_token
        if app is not None:
            self.url = "http://testserver" + path
            self._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=timeout)
        else:
            assert url is not None
            self.url = url
            self._http = httpx.AsyncClient(timeout=timeout)

    async def __aenter__(self) -> SignedSlackClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _response_url(self, kind: str) -> str | None:
        return self.fake.response_url(f"{kind}-{uuid.uuid4().hex[:12]}") if self.fake else None

    async def post_raw(
        self,
        body: bytes | str,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        *,
        signature: str | None = None,
        timestamp: int | None = None,
        omit_headers: bool = False,
    ) -> httpx.Response:
        """POST ``body`` as is, signed unless ``omit_headers`` (or forged via ``signature``)."""
        if isinstance(body, str):
            body = body.encode()
        ts = int(time.time()) if timestamp is None else timestamp
        final: dict[str, str] = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "Accept": "application/json,*/*",
        }
        if not omit_headers:
            final["X-Slack-Request-Timestamp"] = str(ts)
            final["X-Slack-Signature"] = signature or sign_request(self.signing_secret, ts, body)
        final.update(headers or {})
        return await self._http.post(self.url, content=body, headers=final)

    async def _form(self, fields: Mapping[str, str], **forge: Any) -> httpx.Response:
        return await self.post_raw(urlencode(fields).encode(), "application/x-www-form-urlencoded", **forge)

    async def _interactive(self, payload: dict[str, Any], **forge: Any) -> httpx.Response:
        return await self._form({"payload": json.dumps(payload)}, **forge)

    async def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str | None = None,
        team_id: str | None = None,
        channel_id: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        **forge: Any,
    ) -> httpx.Response:
        fields = slash_command_payload(
            command,
            text,
            user_id=user_id or self.user_id,
            team_id=team_id or self.team_id,
            channel_id=channel_id or self.channel_id,
            trigger_id=trigger_id,
            response_url=response_url or self._response_url("cmd"),
            api_app_id=self.api_app_id,
            verification_token=self.verification_token,
        )
        return await self._form(fields, **forge)

    async def event(
        self,
        event: dict[str, Any],
        *,
        team_id: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        headers: Mapping[str, str] | None = None,
        **forge: Any,
    ) -> httpx.Response:
        body = event_callback_payload(
            event,
            team_id=team_id or self.team_id,
            event_id=event_id,
            api_app_id=self.api_app_id,
            bot_user_id=self.bot_user_id,
            verification_token=self.verification_token,
        )
        extra = dict(headers or {})
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            extra["X-Slack-Retry-Reason"] = retry_reason
        return await self.post_raw(json.dumps(body).encode(), "application/json", extra, **forge)

    async def url_verification(self, challenge: str | None = None, **forge: Any) -> httpx.Response:
        body = {
            "token": self.verification_token,
            "challenge": challenge or secrets.token_urlsafe(24),
            "type": "url_verification",
        }
        return await self.post_raw(json.dumps(body).encode(), "application/json", **forge)

    async def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str | None = None,
        team_id: str | None = None,
        channel_id: str | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
        omit_headers: bool = False,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Extra keyword arguments go to :func:`block_actions_payload` (block_id, view, message...)."""
        kwargs.setdefault("response_url", self._response_url("act"))
        payload = block_actions_payload(
            action_id,
            value,
            user_id=user_id or self.user_id,
            team_id=team_id or self.team_id,
            channel_id=channel_id or self.channel_id,
            api_app_id=self.api_app_id,
            verification_token=self.verification_token,
            **kwargs,
        )
        return await self._interactive(
            payload, signature=signature, timestamp=timestamp, omit_headers=omit_headers, headers=headers
        )

    async def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Any] | None = None,
        private_metadata: str = "",
        user_id: str | None = None,
        team_id: str | None = None,
        view_id: str | None = None,
        *,
        state_values: dict[str, Any] | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
        omit_headers: bool = False,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Extra keyword arguments go to :func:`view_submission_payload` (blocks, title, ...)."""
        payload = view_submission_payload(
            callback_id,
            values,
            private_metadata,
            user_id or self.user_id,
            team_id or self.team_id,
            view_id,
            state_values=state_values,
            api_app_id=self.api_app_id,
            bot_id=self.bot_id,
            verification_token=self.verification_token,
            **kwargs,
        )
        return await self._interactive(
            payload, signature=signature, timestamp=timestamp, omit_headers=omit_headers, headers=headers
        )

    async def shortcut(
        self,
        callback_id: str,
        *,
        user_id: str | None = None,
        team_id: str | None = None,
        trigger_id: str | None = None,
        **forge: Any,
    ) -> httpx.Response:
        payload = shortcut_payload(
            callback_id,
            user_id=user_id or self.user_id,
            team_id=team_id or self.team_id,
            trigger_id=trigger_id,
            verification_token=self.verification_token,
        )
        return await self._interactive(payload, **forge)

    async def message_shortcut(
        self,
        callback_id: str,
        *,
        message: dict[str, Any] | None = None,
        message_ts: str | None = None,
        channel_id: str | None = None,
        user_id: str | None = None,
        team_id: str | None = None,
        trigger_id: str | None = None,
        **forge: Any,
    ) -> httpx.Response:
        payload = message_shortcut_payload(
            callback_id,
            message=message,
            message_ts=message_ts,
            channel_id=channel_id or self.channel_id,
            user_id=user_id or self.user_id,
            team_id=team_id or self.team_id,
            trigger_id=trigger_id,
            response_url=self._response_url("msc"),
            verification_token=self.verification_token,
        )
        return await self._interactive(payload, **forge)
