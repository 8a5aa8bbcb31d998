"""Who a Slack user is, as far as the bot needs: their Slack locale and name, looked up once and cached."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackPerson:
    locale: str | None
    display_name: str
    #: Their picture (72 pixels), for posts made under their name.
    avatar: str | None = None


class PeopleCache:
    """`users.info` with `include_locale`, cached per (workspace, user) for `ttl` seconds.

    The locale only picks the catalogue when the person has not chosen a language with /language; a failed
    lookup is cached briefly too, so that a user Slack will not describe does not cost a call per message.
    """

    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        failure_ttl: float = 300.0,
        max_entries: int = 20_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self.max_entries = max_entries
        self._now = monotonic
        self._entries: OrderedDict[tuple[str, str], tuple[float, SlackPerson]] = OrderedDict()

    def cached(self, workspace: str, user_id: str) -> SlackPerson | None:
        entry = self._entries.get((workspace, user_id))
        if entry is None or entry[0] <= self._now():
            return None
        return entry[1]

    async def lookup(self, client: AsyncWebClient, workspace: str, user_id: str) -> SlackPerson:
        """The person's Slack locale and name (from the cache when fresh)."""
        known = self.cached(workspace, user_id)
        if known is not None:
            return known
        ttl = self.ttl
        try:
            response = await client.users_info(user=user_id, include_locale=True)
            user = response.get("user") or {}
            profile = user.get("profile") or {}
            person = SlackPerson(
                locale=user.get("locale") or None,
                display_name=str(profile.get("display_name") or profile.get("real_name") or user.get("name") or ""),
                avatar=profile.get("image_72") or None,
            )
        except SlackApiError as exc:
            log.warning("users.info for %s in %s failed: %s", user_id, workspace, exc.response.get("error"))
            person, ttl = SlackPerson(locale=None, display_name=""), self.failure_ttl
        self._remember(workspace, user_id, person, ttl)
        return person

    def _remember(self, workspace: str, user_id: str, person: SlackPerson, ttl: float) -> None:
        key = (workspace, user_id)
        self._entries[key] = (self._now() + ttl, person)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget_workspace(self, workspace: str) -> None:
        for key in [key for key in self._entries if key[0] == workspace]:
            del self._entries[key]
