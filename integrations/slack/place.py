"""Where the answers to one Slack request go: the request's `response_url` (while Slack accepts it), the Web API
client of its workspace, the person's language (looked up only if an answer needs it), a trigger for a modal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from integrations.slack.chat import retry_handlers

log = logging.getLogger(__name__)

#: Slack accepts five answers on one response_url; later ones go through the Web API.
RESPONSE_URL_USES = 5


class ResponseUrl:
    """Answers through a `response_url` on the adapter's one HTTP session (bolt's `respond` opens a session,
    and a connection, per call), with the same 429 handling as the Web API clients."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.client = AsyncWebhookClient(url=url, session=session, retry_handlers=retry_handlers())

    async def __call__(self, *, text: str, blocks: list[dict[str, Any]], response_type: str,
                       replace_original: bool = False) -> None:
        response = await self.client.send_dict({"text": text, "blocks": blocks, "response_type": response_type,
                                                "replace_original": replace_original, "delete_original": False})
        if response.status_code >= 400:
            log.warning("Slack: response_url answered %s: %s", response.status_code, response.body[:200])


@dataclass
class Place:
    """Where the answers to one request go, and how."""

    client: AsyncWebClient
    workspace: str
    user_id: str
    channel_id: str
    #: The person's language, looked up only when an answer needs it (a form, a message of the adapter's).
    resolve_locale: Callable[[], str]
    respond: ResponseUrl | None = None
    trigger_id: str | None = None
    #: The first reply replaces the (ephemeral) message whose button was pressed: paging through results.
    replace_original: bool = False
    #: The modal a button was pressed in (new forms are pushed on top of it).
    in_modal: bool = False
    responses_left: int = RESPONSE_URL_USES
    sent: list[str] = field(default_factory=list)

    @cached_property
    def locale(self) -> str:
        return self.resolve_locale()
