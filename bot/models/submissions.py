"""Forms already submitted: the first answer to each, so that the same form sent again is not recorded twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


class FormSubmission(SQLModel, table=True):
    """One filled-in form of one person, named by the key its platform gives it (Slack's view, Discord's form
    draft, the console's form), with the answer it got once recorded.

    The unique constraint is what makes a second submission of the same form, even from another web process at
    the same instant, find the first one instead of recording the form again. `attempt` changes when a claim
    abandoned by a process that died is taken over, so the late original cannot overwrite the new answer.
    """

    __tablename__ = "form_submission"
    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "user_id", "form_id", "submission_key",
                         name="uq_form_submission"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    form_id: str = Field(max_length=64)
    submission_key: str = Field(max_length=128)
    attempt: int = Field(default=1)
    #: The replies the form got (None while it is being recorded).
    answer: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
