"""slack-bolt's installation and OAuth state stores, and our records of events and signed requests already taken
in, kept in our own database (tables in `bot/models/slack.py`); installations' tokens are kept encrypted."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import delete, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db import is_postgres, session_scope
from bot.models.slack import (
    SECRET_DETAILS,
    SlackEventReceipt,
    SlackInstallation,
    SlackOAuthState,
    SlackRequestSeen,
)
from bot.ports import Clock, SystemClock
from bot.secrets import SecretBox

log = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _installation_details(installation: Installation, box: SecretBox) -> dict[str, Any]:
    """What is stored of an installation: every field, its tokens sealed."""
    details = _jsonable(installation.to_dict_for_copying())
    for key in SECRET_DETAILS:
        if isinstance(details.get(key), str) and details[key]:
            details[key] = box.seal(details[key])
    return details


def _installation_from(details: dict[str, Any], box: SecretBox) -> Installation:
    """The installation a stored row describes, its tokens opened (a row stored before encryption is in clear)."""
    data = dict(details)
    for key in SECRET_DETAILS:
        if isinstance(data.get(key), str) and data[key]:
            data[key] = box.open(data[key])
    custom = data.pop("custom_values", None) or {}
    return Installation(**data, custom_values=custom)


class DatabaseInstallationStore(AsyncInstallationStore):
    """Installations of the app (workspaces, Enterprise Grid orgs) in the `slack_installation` table.

    One row per (app, org, workspace, installing person), replaced when the same person installs again;
    the workspace's bot is the newest row that has one. Bot, user and refresh tokens (and the incoming webhook
    URL) are sealed with `box` before they are written. Database work runs in a thread, off the event loop.
    """

    def __init__(self, engine: Engine, *, client_id: str, box: SecretBox, clock: Clock | None = None) -> None:
        self.engine = engine
        self.client_id = client_id
        self.box = box
        self.clock = clock or SystemClock()
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    @staticmethod
    def _keys(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> tuple[str, str]:
        # An org-wide install serves every workspace of the org: it is stored, and found, without a team.
        return (enterprise_id or "", "" if is_enterprise_install else team_id or "")

    # ------------------------------------------------------------ saving

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self._save, installation)

    def _save(self, installation: Installation) -> None:
        enterprise_id, team_id = self._keys(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        details = _installation_details(installation, self.box)
        with session_scope(self.engine) as session:
            row = session.exec(
                self._where(select(SlackInstallation), enterprise_id, team_id).where(
                    SlackInstallation.user_id == (installation.user_id or "")
                )
            ).first()
            if row is None:
                row = SlackInstallation(
                    client_id=self.client_id,
                    enterprise_id=enterprise_id,
                    team_id=team_id,
                    user_id=installation.user_id or "",
                )
            row.app_id = installation.app_id or ""
            row.is_enterprise_install = bool(installation.is_enterprise_install)
            row.has_bot = bool(installation.bot_token)
            row.details = details
            row.installed_at = self.clock.now()
            session.add(row)
        log.info("Slack app installed in %s (org %s)", team_id or "-", enterprise_id or "-")

    async def async_save_bot(self, bot: Bot) -> None:
        # A bot is saved as part of its installation (async_save); bolt calls this only for token rotation
        # of bot-only stores, which this store is not.
        return None

    # ------------------------------------------------------------ finding

    def _where(self, query: Any, enterprise_id: str, team_id: str) -> Any:
        return query.where(
            SlackInstallation.client_id == self.client_id,
            SlackInstallation.enterprise_id == enterprise_id,
            SlackInstallation.team_id == team_id,
        )

    def _rows(
        self, session: Session, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> list[SlackInstallation]:
        ent, team = self._keys(enterprise_id, team_id, is_enterprise_install)
        rows = list(session.exec(
            self._where(select(SlackInstallation), ent, team).order_by(col(SlackInstallation.installed_at).desc(),
                                                                       col(SlackInstallation.id).desc())
        ))
        if not rows and ent and not is_enterprise_install:
            # A workspace of an org where the app was installed org-wide.
            rows = list(session.exec(
                self._where(select(SlackInstallation), ent, "").order_by(
                    col(SlackInstallation.installed_at).desc(), col(SlackInstallation.id).desc())
            ))
        return rows

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(self._find_installation, enterprise_id, team_id, user_id, is_enterprise_install)

    def _find_installation(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None, is_enterprise_install: bool | None
    ) -> Installation | None:
        with session_scope(self.engine) as session:
            rows = self._rows(session, enterprise_id, team_id, is_enterprise_install)
        mine = [row for row in rows if user_id is None or row.user_id == user_id]
        if not mine:
            return None
        installation = _installation_from(mine[0].details, self.box)
        newest_bot = next((row for row in rows if row.has_bot), None)
        if user_id is not None and newest_bot is not None and newest_bot is not mine[0]:
            # The person's own row has their user token; the newest row with a bot has the current bot token.
            bot = _installation_from(newest_bot.details, self.box)
            installation.bot_token, installation.bot_id = bot.bot_token, bot.bot_id
            installation.bot_user_id, installation.bot_scopes = bot.bot_user_id, bot.bot_scopes
            installation.bot_refresh_token = bot.bot_refresh_token
            installation.bot_token_expires_at = bot.bot_token_expires_at
        return installation

    def _find_bot(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> Installation | None:
        with session_scope(self.engine) as session:
            rows = self._rows(session, enterprise_id, team_id, is_enterprise_install)
        row = next((row for row in rows if row.has_bot), None)
        return _installation_from(row.details, self.box) if row is not None else None

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await asyncio.to_thread(self._find_bot, enterprise_id, team_id, is_enterprise_install)
        return installation.to_bot() if installation is not None and installation.bot_token else None

    # ------------------------------------------------------------ deleting (tokens_revoked, app_uninstalled)

    async def async_delete_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> None:
        await asyncio.to_thread(self._delete_bot, enterprise_id, team_id, is_enterprise_install)

    def _delete_bot(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> None:
        with session_scope(self.engine) as session:
            for row in self._rows(session, enterprise_id, team_id, is_enterprise_install):
                details = dict(row.details)
                for key in ("bot_token", "bot_id", "bot_user_id", "bot_refresh_token", "bot_token_expires_at"):
                    details[key] = None
                details["bot_scopes"] = None
                row.details = details
                row.has_bot = False
                session.add(row)
                if not row.details.get("user_token"):
                    session.delete(row)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(self._delete_installation, enterprise_id, team_id, user_id)

    def _delete_installation(self, enterprise_id: str | None, team_id: str | None, user_id: str | None) -> None:
        with session_scope(self.engine) as session:
            for is_org in (False, True):
                ent, team = self._keys(enterprise_id, team_id, is_org)
                query = self._where(delete(SlackInstallation), ent, team)
                if user_id is not None:
                    query = query.where(SlackInstallation.user_id == user_id)
                session.exec(query)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)
        log.info("Slack app uninstalled from %s (org %s): installation deleted", team_id or "-", enterprise_id or "-")


class DatabaseOAuthStateStore(AsyncOAuthStateStore):
    """OAuth `state` values in the `slack_oauth_state` table: issued once, accepted once, before they expire."""

    def __init__(self, engine: Engine, *, expiration_seconds: int = 600, clock: Clock | None = None) -> None:
        self.engine = engine
        self.expiration = timedelta(seconds=expiration_seconds)
        self.clock = clock or SystemClock()
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self._issue)

    def _issue(self) -> str:
        state = secrets.token_urlsafe(32)
        now = self.clock.now()
        with session_scope(self.engine) as session:
            session.exec(delete(SlackOAuthState).where(col(SlackOAuthState.expires_at) < now))
            session.add(SlackOAuthState(state=state, expires_at=now + self.expiration))
        return state

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self._consume, state)

    def _consume(self, state: str) -> bool:
        if not state or len(state) > 128:
            return False
        with session_scope(self.engine) as session:
            # One DELETE decides: of two redirects with the same state, only one can remove the row.
            result = session.exec(
                delete(SlackOAuthState).where(
                    col(SlackOAuthState.state) == state, col(SlackOAuthState.expires_at) > self.clock.now()
                )
            )
            return bool(result.rowcount == 1)


class EventReceipts:
    """Events API `event_id`s already taken in, shared by every web process through the database.

    Slack retries an event it thinks was not acknowledged (`X-Slack-Retry-Num`) with the same `event_id`:
    `first_time` is True only once per id. Receipts older than `keep` are pruned, which bounds the table.
    """

    def __init__(self, engine: Engine, *, clock: Clock | None = None, keep: timedelta = timedelta(hours=1),
                 prune_every: int = 200) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.keep = keep
        self.prune_every = prune_every
        self._count = 0

    def first_time(self, event_id: str, team_id: str = "") -> bool:
        """Record `event_id`; False when it was already recorded (a retry, or another process has it)."""
        if not event_id:
            return True
        try:
            with session_scope(self.engine) as session:
                session.add(SlackEventReceipt(event_id=event_id[:64], team_id=team_id[:64],
                                              received_at=self.clock.now()))
        except IntegrityError:
            return False
        self._count += 1
        if self._count % self.prune_every == 1:
            self.prune()
        return True

    def prune(self) -> int:
        cutoff = self.clock.now() - self.keep
        with session_scope(self.engine) as session:
            result = session.exec(
                delete(SlackEventReceipt).where(col(SlackEventReceipt.received_at) < cutoff)
            )
            return int(result.rowcount or 0)



#: PostgreSQL: this transaction's commit returns without waiting for its WAL record to reach the disk.
_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit TO OFF")


class RequestReplays:
    """Signed requests already taken in, shared by every web process through the database.

    Slack signs each delivery anew (a retry of an event comes with a new timestamp and signature, and
    `X-Slack-Retry-Num`), so a (timestamp, signature) pair seen twice is the same request replayed: `first_time`
    is True only once per pair. A signature is accepted for `window` around its timestamp (Slack's 5 minutes,
    checked before this), so a pair older than that can no longer come in: such rows are pruned, at most once
    every `prune_interval`, after `margin` more for clocks of web processes that differ a little.

    It uses the wall clock, as the signature check does (not the core's clock, which tests may move). It is one
    insert on the acknowledgement's path: on PostgreSQL its commit does not wait for the disk (a record lost in a
    database crash would only let a request captured in the 5 minutes before it be replayed once).
    """

    def __init__(self, engine: Engine, *, clock: Clock | None = None, window: timedelta = timedelta(minutes=5),
                 margin: timedelta = timedelta(minutes=1), prune_interval: timedelta = timedelta(minutes=1)) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.window = window
        self.margin = margin
        self.prune_interval = prune_interval
        self._last_prune: datetime | None = None
        self._insert = insert(SlackRequestSeen)
        self._postgres = is_postgres(engine)

    def first_time(self, timestamp: str, signature: str) -> bool:
        """Record the pair; False when it was already recorded (a replay, here or in another web process).

        Raises `ValueError` for a timestamp that is not a whole number (the signature check refuses those first).
        """
        when = int(timestamp)
        try:
            with self.engine.begin() as connection:
                if self._postgres:
                    connection.execute(_NO_FLUSH_WAIT)
                connection.execute(self._insert, {"request_timestamp": when, "signature": signature[:128]})
        except IntegrityError:
            return False
        now = self.clock.now()
        if self._last_prune is None or now - self._last_prune >= self.prune_interval:
            self._last_prune = now
            try:
                self.prune()
            except Exception:  # the request itself was recorded: pruning waits for the next interval
                log.exception("Slack: could not prune the signed requests already seen")
        return True

    def prune(self) -> int:
        """Forget the pairs whose signature is no longer accepted; returns how many."""
        cutoff = int((self.clock.now() - self.window - self.margin).timestamp())
        with self.engine.begin() as connection:
            if self._postgres:
                connection.execute(_NO_FLUSH_WAIT)
            result = connection.execute(
                delete(SlackRequestSeen).where(col(SlackRequestSeen.request_timestamp) < cutoff))
            return int(result.rowcount or 0)
