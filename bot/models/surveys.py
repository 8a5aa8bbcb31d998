"""Surveys run in the network: each opening of a definition, who must answer it, and the answers.

An anonymous survey keeps no link from an answer to a person or city: `SurveyResponse` then holds the answers
only (no city, no person, no time). The one link one-answer-per-target needs (which target answered, and which
answer it may still edit) lives apart, in `SurveyTarget`, and those rows are deleted when the survey closes.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow


class SurveyState(enum.StrEnum):
    """A survey waiting for its opening date, open for answers, or closed."""

    scheduled = "scheduled"
    open = "open"
    closed = "closed"


class Survey(SQLModel, table=True):
    """One opening of a survey definition (the annual survey runs once a year: one row each year)."""

    __tablename__ = "survey"

    id: int | None = Field(default=None, primary_key=True)
    definition_id: str = Field(max_length=48, index=True)
    title: str = Field(default="", max_length=200, description="in English, for lists and logs")
    #: The definition as it was when the survey opened (JSON, its network choices filled in): answers and
    #: results keep their meaning when the file changes later.
    definition: str = Field(sa_column=Column(Text, nullable=False))
    audience: str = Field(default="all", max_length=100)
    per: str = Field(default="city", max_length=8, description="city or person")
    anonymous: bool = False
    state: SurveyState = Field(
        default=SurveyState.scheduled,
        sa_column=Column(SAEnum(SurveyState, name="survey_state", native_enum=False, length=16), nullable=False),
    )
    opens_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closes_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    opened_by: int | None = Field(default=None, description="member id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    #: Response rates kept when an anonymous survey's targets are deleted at close (JSON).
    final_rates: str | None = Field(default=None, sa_column=Column(Text))
    #: What closing did (the chosen campaign days), once done (JSON).
    outcome: str | None = Field(default=None, sa_column=Column(Text))


class SurveyTarget(SQLModel, table=True):
    """A city (one answer per city) or a person (one per person) asked to answer, and their progress.

    `draft` holds the answers given so far (saved page by page, resumable); `response_id` names the answer to edit.
    For an anonymous survey `answered_at`/`answered_by` stay empty and the row is deleted at close.
    """

    __tablename__ = "survey_target"
    __table_args__ = (UniqueConstraint("survey_id", "target_key", name="uq_survey_target"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    #: `city:<id>` or `member:<id>`.
    target_key: str = Field(max_length=32)
    city_id: int | None = Field(default=None, index=True)
    member_id: int | None = Field(default=None)
    answered: bool = False
    answered_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    answered_by: int | None = Field(default=None, description="member id (not for anonymous surveys)")
    response_id: int | None = Field(default=None)
    draft: str | None = Field(default=None, sa_column=Column(Text))
    draft_by: int | None = Field(default=None)
    draft_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    #: The reminder last enqueued for this target (its days before the closing date), so each goes once.
    chased_for: int | None = Field(default=None)


class SurveyResponse(SQLModel, table=True):
    """One answer to a survey: the answers by question id (JSON); who and when only when not anonymous."""

    __tablename__ = "survey_response"

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    answers: str = Field(sa_column=Column(Text, nullable=False))
    city_id: int | None = Field(default=None)
    member_id: int | None = Field(default=None)
    submitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    updated_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
