"""Slack's own records: workspace installations (OAuth), single-use OAuth states, events already handled, and
signed requests already taken in (replay protection).

These tables only store what Slack hands us; the code that reads and writes them through slack-bolt's
store interfaces lives in `integrations/slack/stores.py`, so `bot/` never imports a Slack library.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow
from bot.secrets import secret_column

#: The fields of an installation's `details` that let whoever holds them act in the workspace: kept encrypted.
SECRET_DETAILS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")


class SlackInstallation(SQLModel, table=True):
    """One installation of the app: a workspace (or an Enterprise Grid org) and the person who installed it.

    `details` holds every field of slack_sdk's `Installation` as Slack returned them, the tokens encrypted
    (`SECRET_DETAILS`, see `bot/secrets.py`); the columns beside it are what the bot looks installations up by.
    """

    __tablename__ = "slack_installation"
    __table_args__ = (
        UniqueConstraint("client_id", "enterprise_id", "team_id", "user_id", name="uq_slack_installation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(default="", max_length=64)
    app_id: str = Field(default="", max_length=64)
    #: "" rather than NULL, so the unique constraint also holds for workspaces outside Enterprise Grid.
    enterprise_id: str = Field(default="", max_length=64, index=True)
    team_id: str = Field(default="", max_length=64, index=True)
    user_id: str = Field(default="", max_length=64)
    is_enterprise_install: bool = Field(default=False)
    has_bot: bool = Field(default=True)
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, info=secret_column(*SECRET_DETAILS))
    )
    installed_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class SlackOAuthState(SQLModel, table=True):
    """A `state` handed out at /slack/install; consumed (deleted) by the first redirect that brings it back."""

    __tablename__ = "slack_oauth_state"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=128, unique=True, index=True)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class SlackEventReceipt(SQLModel, table=True):
    """An Events API `event_id` already taken in, so Slack's retries of it are dropped (kept about an hour)."""

    __tablename__ = "slack_event_receipt"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64, unique=True, index=True)
    team_id: str = Field(default="", max_length=64)
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


class SlackRequestSeen(SQLModel, table=True):
    """A signed request already taken in: its `X-Slack-Request-Timestamp` and `X-Slack-Signature`.

    The same pair coming again is a replay (Slack signs every delivery anew, its retries included), refused
    for as long as the signature's timestamp is accepted (5 minutes); older rows are pruned. The pair is the
    primary key: one index, which also serves the pruning by timestamp.
    """

    __tablename__ = "slack_request_seen"

    request_timestamp: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    signature: str = Field(primary_key=True, max_length=128)
