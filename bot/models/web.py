"""The web pages' sign-in: one-time links sent by direct message, and the key that signs session cookies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow


class SignInLink(SQLModel, table=True):
    """A one-time sign-in link: only the SHA-256 of its secret is kept, so the table cannot sign anyone in."""

    __tablename__ = "web_sign_in_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: When it was used (a link signs in once); None: not yet.
    used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class WebKey(SQLModel, table=True):
    """The random key that signs the web sessions' cookies when no `ICC_SECRET_KEY` is set (one row)."""

    __tablename__ = "web_key"

    name: str = Field(max_length=32, primary_key=True)
    value: str = Field(max_length=128)
