"""Good practices recorded by cities, their translations and their review history."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow

#: The ICC theme list a practice is filed under (slugs; labels live in the catalogues).
THEMES = (
    "anti-rumours",
    "intercultural-competence",
    "intercultural-communication",
    "participation",
    "education",
    "public-space",
    "business-and-diversity",
    "refugees-and-migrants",
    "anti-discrimination",
    "language",
    "culture-and-heritage",
    "community-policing",
    "housing",
    "employment",
    "health",
    "sport",
    "women-and-gender",
    "youth",
)


class PracticeStatus(enum.StrEnum):
    submitted = "submitted"
    approved = "approved"
    published = "published"
    rejected = "rejected"


class ReviewAction(enum.StrEnum):
    approve = "approve"
    publish = "publish"
    reject = "reject"


class PracticeBase(SQLModel):
    title: str = Field(max_length=200)
    city_id: int = Field(foreign_key="city.id", index=True)
    summary: str = Field(max_length=300)
    description: str = Field(sa_column=Column(Text, nullable=False))
    results: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    contact: str = Field(default="", max_length=200)
    links: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    language: str = Field(max_length=8)


class PracticeCreate(PracticeBase):
    """What a coordinator submits: the practice itself and the themes it is filed under."""

    themes: list[str] = Field(default_factory=list)


def new_uid() -> str:
    """A practice's identifier in every database it is exported to (a random UUID)."""
    return str(uuid.uuid4())


class Practice(PracticeBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    #: The same practice in every database: exports carry it, and an import skips a practice it already has.
    uid: str = Field(default_factory=new_uid, max_length=36, unique=True, index=True)
    status: PracticeStatus = Field(
        default=PracticeStatus.submitted,
        sa_column=Column(
            SAEnum(PracticeStatus, name="practice_status", native_enum=False, length=16),
            nullable=False,
            index=True,
        ),
    )
    author_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    reject_reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class PracticeTheme(SQLModel, table=True):
    """One theme a practice is filed under (a row each, so search can filter on it)."""

    practice_id: int = Field(foreign_key="practice.id", primary_key=True, ondelete="CASCADE")
    theme: str = Field(max_length=64, primary_key=True, index=True)


class PracticeTranslation(SQLModel, table=True):
    """A practice's title and summary in another language (machine-translated when published)."""

    __table_args__ = (UniqueConstraint("practice_id", "language", name="uq_practice_translation"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=8)
    title: str = Field(max_length=400)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    machine: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class PracticeReview(SQLModel, table=True):
    """One decision of the ICC team on a practice."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    reviewer_id: int | None = Field(default=None, foreign_key="member.id")
    action: ReviewAction = Field(
        sa_column=Column(SAEnum(ReviewAction, name="review_action", native_enum=False, length=16), nullable=False)
    )
    reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
