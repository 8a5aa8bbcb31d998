"""What clusters keep besides their cities: priorities, annual reports, who was let into their channels, role
requests, and the map from each bridged message to its copies on the other platforms."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow


class ClusterPriority(SQLModel, table=True):
    """One of the priorities a cluster set itself, in its order."""

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    text: str = Field(max_length=300)
    updated_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class ClusterReport(SQLModel, table=True):
    """A cluster's report of one year to the ICC team (its answers as JSON: question -> answer)."""

    __table_args__ = (UniqueConstraint("cluster_id", "year", name="uq_cluster_report"),)

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True, ondelete="CASCADE")
    year: int
    answers: str = Field(sa_column=Column(Text, nullable=False))
    submitted_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class ClusterSeat(SQLModel, table=True):
    """Someone the bot let into a cluster's channel (invited on Slack, given access on Discord).

    The bot only removes the people it let in: someone who joined a cluster channel on their own stays.
    """

    __table_args__ = (UniqueConstraint("cluster_channel_id", "member_id", name="uq_cluster_seat"),)

    id: int | None = Field(default=None, primary_key=True)
    cluster_channel_id: int = Field(foreign_key="clusterchannel.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class RequestedRole(enum.StrEnum):
    """What someone may ask the ICC team for."""

    coordinator = "coordinator"
    icc_team = "icc_team"
    cluster_coordinator = "cluster_coordinator"


class RequestStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    declined = "declined"


class RoleRequest(SQLModel, table=True):
    """Someone asking the ICC team for a role (their city's coordinator, a cluster's coordinator, the ICC team)."""

    __table_args__ = (Index("ix_rolerequest_member_created", "member_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    role: RequestedRole = Field(
        sa_column=Column(SAEnum(RequestedRole, name="requested_role", native_enum=False, length=32),
                         nullable=False),
    )
    city_id: int | None = Field(default=None, foreign_key="city.id", ondelete="SET NULL")
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", ondelete="SET NULL")
    #: What they said about themselves (their position, why).
    about: str = Field(default="", max_length=500)
    status: RequestStatus = Field(
        default=RequestStatus.pending,
        sa_column=Column(SAEnum(RequestStatus, name="request_status", native_enum=False, length=16),
                         nullable=False),
    )
    decided_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True),
                                                                          nullable=False))


class BridgedCopy(SQLModel, table=True):
    """One post of a bridged message's copy: the original (where it was written) and the copy's part on another
    platform. Threads, edits, deletes and reactions follow through this map, across restarts."""

    __table_args__ = (
        Index("ix_bridgedcopy_origin", "origin_platform", "origin_workspace", "origin_channel", "origin_message"),
        Index("ix_bridgedcopy_copy", "platform", "workspace_id", "channel_id", "message_id"),
        UniqueConstraint("origin_platform", "origin_workspace", "origin_channel", "origin_message", "platform",
                         "workspace_id", "channel_id", "part", name="uq_bridgedcopy_part"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True, ondelete="CASCADE")
    origin_platform: str = Field(max_length=16)
    origin_workspace: str = Field(max_length=64)
    origin_channel: str = Field(max_length=64)
    origin_message: str = Field(max_length=64)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    part: int = Field(default=0, description="0, 1… when the other platform needed several posts")
    #: The thread the copy is in on its platform (Slack: its root's ts; Discord: the thread's id), or None.
    thread_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
