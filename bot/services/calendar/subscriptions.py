"""Channels subscribed to reminders: of campaign days, of all events, or of one cluster's events, at chosen offsets."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.messages import Identity
from bot.models import Member
from bot.models.calendar import CalendarEvent, EventKind, Subscription
from bot.services.clusters import ClusterService

CAMPAIGN_DAYS = "campaign-days"
ALL_EVENTS = "all"
DEFAULT_OFFSETS = (14, 2, 0)
#: Reminders at most this many days before, and at most this many reminders per occurrence.
LONGEST_OFFSET = 60
MOST_OFFSETS = 5


def parse_scope(text: str, clusters: ClusterService) -> str:
    """`campaign-days`, `all` or `cluster:<slug>` (a cluster that exists); a clear `UserError` otherwise."""
    raw = " ".join((text or "").split()).lower()
    if raw in ("", "campaign-days", "campaign_days", "campaigns", "campaign"):
        return CAMPAIGN_DAYS
    if raw in ("all", "events", "all-events"):
        return ALL_EVENTS
    kind, _, slug = raw.partition(":")
    if kind == "cluster" and slug:
        cluster = clusters.find(slug)
        if cluster is None:
            raise UserError("There is no cluster called “{value}”.", value=slug[:60])
        return f"cluster:{cluster.slug}"
    raise UserError("“{value}” is not something to subscribe to. Try: campaign-days, all, cluster:<name>.",
                    value=raw[:60])


def parse_offsets(text: str) -> tuple[int, ...]:
    """Days before each occurrence (`14,2,0`: two weeks, two days, and on the day), most distant first."""
    raw = (text or "").strip()
    if not raw:
        return DEFAULT_OFFSETS
    parts = [part for part in re.split(r"[,;\s]+", raw) if part]
    days: set[int] = set()
    for part in parts:
        number = part.lower().removesuffix("d")
        if not number.isdigit() or int(number) > LONGEST_OFFSET:
            raise UserError("“{value}” is not a number of days from 0 to {limit} (such as 14,2,0).",
                            value=part[:20], limit=LONGEST_OFFSET)
        days.add(int(number))
    if len(days) > MOST_OFFSETS:
        raise UserError("At most {limit} reminders per event.", limit=MOST_OFFSETS)
    return tuple(sorted(days, reverse=True))


def offsets_of(subscription: Subscription) -> tuple[int, ...]:
    return tuple(int(part) for part in subscription.offsets.split(",") if part.strip().isdigit())


def covers(subscription: Subscription, event: CalendarEvent) -> bool:
    """Whether the channel wants reminders of `event`."""
    if subscription.scope == CAMPAIGN_DAYS:
        return event.kind is EventKind.campaign_day
    if subscription.scope == ALL_EVENTS:
        return not event.audience.startswith("role:")  # what is for one role only is not posted in channels
    return event.audience == subscription.scope


def channel_of(subscription: Subscription) -> Identity:
    return Identity(subscription.platform, subscription.workspace_id, subscription.channel_id)


class Subscriptions:
    """The `calendar_subscription` table."""

    def __init__(self, engine: Engine, *, clusters: ClusterService, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clusters = clusters
        self.now = now

    def _find(self, channel: Identity, scope: str) -> Subscription | None:
        with session_scope(self.engine) as session:
            return session.exec(select(Subscription).where(
                Subscription.platform == channel.platform, Subscription.workspace_id == channel.workspace,
                Subscription.channel_id == channel.id, Subscription.scope == scope)).first()

    def subscribe(self, channel: Identity, scope: str, offsets: tuple[int, ...], *, by: Member | None) -> Subscription:
        """Subscribe `channel`; a channel already subscribed to `scope` is told so and nothing changes."""
        if self._find(channel, scope) is not None:
            raise UserError("This channel is already subscribed to {scope}. To change the reminders, unsubscribe "
                            "first.", scope=scope)
        row = Subscription(platform=channel.platform, workspace_id=channel.workspace, channel_id=channel.id,
                           scope=scope, offsets=",".join(str(day) for day in offsets),
                           created_by=by.id if by else None, created_at=self.now())
        with session_scope(self.engine) as session:
            session.add(row)
            try:
                session.flush()
            except Exception:
                # Subscribed at the same moment by someone else: the same answer as above.
                session.rollback()
                raise UserError("This channel is already subscribed to {scope}. To change the reminders, "
                                "unsubscribe first.", scope=scope) from None
            session.refresh(row)
        return row

    def unsubscribe(self, channel: Identity, scope: str) -> None:
        """Stop the channel's reminders of `scope` (those already planned are cancelled with it)."""
        with session_scope(self.engine) as session:
            row = session.exec(select(Subscription).where(
                Subscription.platform == channel.platform, Subscription.workspace_id == channel.workspace,
                Subscription.channel_id == channel.id, Subscription.scope == scope)).first()
            if row is None:
                raise UserError("This channel is not subscribed to {scope}.", scope=scope)
            session.delete(row)

    def of_channel(self, channel: Identity) -> list[Subscription]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Subscription).where(
                Subscription.platform == channel.platform, Subscription.workspace_id == channel.workspace,
                Subscription.channel_id == channel.id).order_by(col(Subscription.id))))

    def all(self) -> list[Subscription]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Subscription).order_by(col(Subscription.id))))
