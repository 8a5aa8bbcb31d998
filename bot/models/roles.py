"""Which platform role (a Discord role, later perhaps a Slack user group) gives which bot role, per server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow
from bot.models.core import Role


class PlatformRoleBase(SQLModel):
    platform: str = Field(max_length=16, description="discord (slack later)")
    workspace_id: str = Field(max_length=64, index=True, description="Discord guild or Slack team")
    platform_role_id: str = Field(max_length=64, description="the role's id on that platform")
    role: Role = Field(
        sa_column=Column(SAEnum(Role, name="member_role", native_enum=False, length=16), nullable=False),
    )


class PlatformRole(PlatformRoleBase, table=True):
    """A guild admin's rule: people holding `platform_role_id` in `workspace_id` get the bot role `role`."""

    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "platform_role_id", name="uq_platform_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_by: str = Field(default="", max_length=64, description="user id of the admin who set it")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
