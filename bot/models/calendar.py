"""The network's calendar: events and their translations, campaign days, channel subscriptions, the schedule of
reminders and digests, and broadcasts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow


class EventKind(enum.StrEnum):
    """What an event is (labels live in the catalogues)."""

    campaign_day = "campaign-day"
    meeting = "meeting"
    academy = "academy"
    study_visit = "study-visit"
    expert_visit = "expert-visit"
    deadline = "deadline"
    cluster_event = "cluster-event"
    other = "other"


class EventStatus(enum.StrEnum):
    confirmed = "confirmed"
    cancelled = "cancelled"


def _enum(kind: type[enum.StrEnum], name: str) -> SAEnum:
    return SAEnum(kind, name=name, native_enum=False, length=16, values_callable=lambda k: [m.value for m in k])


class CalendarEvent(SQLModel, table=True):
    """An event of the network's year: once, or repeating by an RFC 5545 rule, for an audience.

    Its start is kept as the wall-clock time of `time_zone` (`start_local`, naive), so that a repeating 09:00
    stays 09:00 across daylight-saving changes; `starts_at`/`ends_at` are the first start and the last end in
    UTC (`ends_at` None: it repeats without end), for finding the events of a period.
    """

    __tablename__ = "calendar_event"
    __table_args__ = (Index("ix_calendar_event_period", "starts_at", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    #: Stable identity in iCalendar feeds (and of an imported event: the file's UID).
    uid: str = Field(max_length=255, unique=True, index=True)
    kind: EventKind = Field(default=EventKind.other, sa_column=Column(_enum(EventKind, "event_kind"), nullable=False))
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    #: The language title and description are written in.
    language: str = Field(default="en", max_length=8)
    all_day: bool = False
    #: Wall-clock times of `time_zone` (naive on purpose: see the class docstring).
    start_local: datetime = Field(sa_column=Column(DateTime(timezone=False), nullable=False))
    end_local: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=False)))
    time_zone: str = Field(default="Europe/Paris", max_length=64)
    rrule: str = Field(default="", max_length=500)
    starts_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ends_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    #: Who it is for: an audience token (`all`, `cluster:<slug>`, `region:<slug>`, `country:<CC>`, `role:<role>`).
    audience: str = Field(default="all", max_length=80, index=True)
    place: str = Field(default="", max_length=300)
    online_url: str = Field(default="", max_length=500)
    #: Links to materials, one per line.
    materials: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    #: The campaign day this event celebrates (its stable id), or "".
    campaign_day: str = Field(default="", max_length=64, index=True)
    status: EventStatus = Field(default=EventStatus.confirmed,
                                sa_column=Column(_enum(EventStatus, "event_status"), nullable=False))
    #: iCalendar SEQUENCE: one more at every change people should see.
    sequence: int = 0
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class EventTranslation(SQLModel, table=True):
    """An event's title and description in one more language (machine-made, or from the campaign-days file)."""

    __tablename__ = "calendar_event_translation"
    __table_args__ = (UniqueConstraint("event_id", "language", name="uq_event_translation"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="calendar_event.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=8)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    machine: bool = True
    #: The event's `sequence` when translated: an edited event is translated again.
    sequence: int = 0


class CampaignDay(SQLModel, table=True):
    """An international day the network may celebrate together (from `bot/data/campaign_days.yaml`)."""

    __tablename__ = "campaign_day"

    id: str = Field(primary_key=True, max_length=64)
    month: int
    day: int
    #: Its name in every catalogue language, as JSON `{"en": "...", "fr": "..."}`.
    names: str = Field(sa_column=Column(Text, nullable=False))
    #: Links to materials, one per line.
    links: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    #: The network celebrates it this year (its event is confirmed); the campaign-days vote changes it.
    celebrated: bool = True


class Subscription(SQLModel, table=True):
    """A channel that wants reminders: of campaign days, of all events, or of one cluster's events."""

    __tablename__ = "calendar_subscription"
    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "channel_id", "scope", name="uq_calendar_subscription"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    #: `campaign-days`, `all` or `cluster:<slug>`.
    scope: str = Field(max_length=80)
    #: Days before each occurrence the channel is reminded, comma-separated (`14,2,0`: 0 is the day itself).
    offsets: str = Field(default="14,2,0", max_length=60)
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class NoticeKind(enum.StrEnum):
    reminder = "reminder"  # an event's occurrence, some days before, to a subscribed channel
    digest = "digest"  # the month's events, on its first working day, to a subscribed channel
    personal = "personal"  # /remind me|here


class NoticeState(enum.StrEnum):
    planned = "planned"
    #: Handed to the delivery outbox at its time.
    sent = "sent"
    #: Handed to the outbox after its time (the worker was down), still useful: marked as late.
    late = "late"
    #: Its time passed while nothing ran, and it was no longer useful: recorded, never silently dropped.
    missed = "missed"
    cancelled = "cancelled"


class Notice(SQLModel, table=True):
    """The schedule: one message due at one time for one target (`key` unique: planned once, sent once).

    The scheduler's jobs are rebuilt from this table: every minute, what is due is handed to the delivery
    outbox (with the key, so that it is sent once whatever runs twice).
    """

    __tablename__ = "calendar_notice"
    __table_args__ = (Index("ix_calendar_notice_due", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: NoticeKind = Field(sa_column=Column(_enum(NoticeKind, "notice_kind"), nullable=False))
    state: NoticeState = Field(default=NoticeState.planned,
                               sa_column=Column(_enum(NoticeState, "notice_state"), nullable=False))
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: Past this, a notice that was not sent is no longer worth sending (recorded as missed).
    useful_until: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    target_id: str = Field(max_length=64)
    #: To a person by direct message (else a post in a conversation).
    direct: bool = False
    event_id: int | None = Field(default=None, foreign_key="calendar_event.id", index=True, ondelete="CASCADE")
    #: The occurrence it is about (its local date, ISO), and how many days before it.
    occurrence: str = Field(default="", max_length=10)
    offset_days: int = 0
    subscription_id: int | None = Field(default=None, foreign_key="calendar_subscription.id", index=True,
                                        ondelete="CASCADE")
    #: A personal reminder's text and language, and who asked.
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    locale: str = Field(default="en", max_length=16)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class BroadcastState(enum.StrEnum):
    draft = "draft"  # previewed, waiting for the sender's confirmation
    sending = "sending"
    done = "done"
    cancelled = "cancelled"


class Broadcast(SQLModel, table=True):
    """A message of the ICC team to every city's channel, a cluster, a region, or the coordinators."""

    __tablename__ = "calendar_broadcast"

    id: int | None = Field(default=None, primary_key=True)
    sender_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    text: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(default="en", max_length=8)
    audience: str = Field(default="all", max_length=80)
    #: `channels` (the cities' own channels), `people` (the coordinators by direct message) or `both`.
    via: str = Field(default="channels", max_length=16)
    #: The text in each language the targets read, as JSON `{"fr": "..."}` (translated once per language).
    texts: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    state: BroadcastState = Field(default=BroadcastState.draft,
                                  sa_column=Column(_enum(BroadcastState, "broadcast_state"), nullable=False))
    targets: int = 0
    #: The live report: the message that is updated in place as the deliveries go out.
    report_platform: str = Field(default="", max_length=16)
    report_workspace: str = Field(default="", max_length=64)
    report_channel: str = Field(default="", max_length=64)
    report_message: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
