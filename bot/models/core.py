"""Cities, the people who speak for them, and the clusters they work in."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow


class Role(enum.StrEnum):
    """What a person may do: members chat, coordinators speak for their city, the ICC team runs the network."""

    member = "member"
    coordinator = "coordinator"
    icc_team = "icc_team"


class ClusterKind(enum.StrEnum):
    thematic = "thematic"
    regional = "regional"


class ClusterStatus(enum.StrEnum):
    """Where a cluster is: working, proposed by a coordinator and waiting for the ICC team, or declined."""

    active = "active"
    proposed = "proposed"
    declined = "declined"


class CityBase(SQLModel):
    name: str = Field(max_length=120, index=True, unique=True)
    country: str = Field(max_length=2, description="ISO 3166-1 alpha-2 code")
    languages: str = Field(default="en", max_length=120, description="comma-separated language codes")
    time_zone: str = Field(default="Europe/Paris", max_length=64)
    profile: str = Field(default="", max_length=4000)
    region: str = Field(default="", max_length=32, description="one of bot.regions.REGIONS, or empty")
    #: The city's mission statement for intercultural work (the profile's `profile` is its description).
    mission: str = Field(default="", max_length=1000)
    mayor: str = Field(default="", max_length=120)
    #: How to reach the city's intercultural office (a public address or page, never a person's own).
    contact: str = Field(default="", max_length=200)
    index_year: int | None = Field(default=None, description="year of the city's latest ICC Index")
    index_score: int | None = Field(default=None, description="its ICC Index score, 0-100")
    #: The city's intercultural profile on the ICC website.
    profile_url: str = Field(default="", max_length=400)
    #: The practice themes the city works on (comma-separated slugs of `bot.models.practices.THEMES`), as its
    #: coordinators say in its profile: what /match reads for a city that has shared no practice yet.
    themes: str = Field(default="", max_length=400)


class City(CityBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    #: Who changed the profile last (a member id; no foreign key: members point at cities already).
    profile_updated_by: int | None = Field(default=None)
    profile_updated_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    @property
    def theme_list(self) -> list[str]:
        return [theme.strip() for theme in self.themes.split(",") if theme.strip()]


class MemberBase(SQLModel):
    platform: str = Field(max_length=16, description="slack, discord or console")
    workspace_id: str = Field(max_length=64, description="Slack team, Discord guild, or 'local'")
    user_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=120)
    city_id: int | None = Field(default=None, foreign_key="city.id", index=True)
    role: Role = Field(
        default=Role.member,
        sa_column=Column(SAEnum(Role, name="member_role", native_enum=False, length=16), nullable=False),
    )
    preferred_language: str | None = Field(default=None, max_length=8, description="chosen by the person")
    locale: str | None = Field(default=None, max_length=16, description="as the platform reports it")
    #: When the bot welcomed the person (their first contact); None: not yet.
    welcomed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Member(MemberBase, table=True):
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id", name="uq_member_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class Cluster(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=120)
    kind: ClusterKind = Field(
        default=ClusterKind.thematic,
        sa_column=Column(SAEnum(ClusterKind, name="cluster_kind", native_enum=False, length=16), nullable=False),
    )
    description: str = Field(default="", max_length=2000)
    status: ClusterStatus = Field(
        default=ClusterStatus.active,
        sa_column=Column(SAEnum(ClusterStatus, name="cluster_status", native_enum=False, length=16),
                         nullable=False, server_default="active"),
    )
    #: Its working languages (comma-separated codes): its channels are translated into them.
    languages: str = Field(default="", max_length=120)
    #: The practice themes it works on (comma-separated slugs of `bot.models.practices.THEMES`).
    themes: str = Field(default="", max_length=400)
    #: The name its channels get on each platform (its slug when empty).
    channel_name: str = Field(default="", max_length=80)
    #: Whether reactions are carried across its bridged channels too.
    mirror_reactions: bool = Field(default=False)
    proposed_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    decided_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime | None = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    @property
    def theme_list(self) -> list[str]:
        return [theme.strip() for theme in self.themes.split(",") if theme.strip()]


class ClusterMembership(SQLModel, table=True):
    """A city taking part in a cluster."""

    __table_args__ = (UniqueConstraint("cluster_id", "city_id", name="uq_cluster_city"),)

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True, ondelete="CASCADE")
    city_id: int = Field(foreign_key="city.id", index=True, ondelete="CASCADE")
    joined_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class ClusterChannel(SQLModel, table=True):
    """A chat channel linked to a cluster, on any platform."""

    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "channel_id", name="uq_cluster_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=120)
    #: `ok`, or what stops the bot there: `archived`, `gone` (deleted), `no_access` (the bot was removed).
    state: str = Field(default="ok", max_length=16)
    #: The translation languages the cluster set on the channel (comma-separated); a different setting means
    #: someone chose the languages by hand, and the cluster no longer changes them.
    languages_set: str = Field(default="", max_length=400)


class CityChannel(SQLModel, table=True):
    """A city's own conversation on a platform: where broadcasts and reminders to "every city" are posted."""

    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "channel_id", name="uq_city_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=120)


class ClusterCoordinator(SQLModel, table=True):
    """A person who coordinates a cluster (several per cluster allowed): they edit it, its events, its priorities."""

    __table_args__ = (UniqueConstraint("cluster_id", "member_id", name="uq_cluster_coordinator"),)

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    since: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
