"""Translation of cluster channels: channel settings, the translation cache, posted translations, usage."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from bot.models._time import utcnow


class TranslationMode(enum.StrEnum):
    """How a channel is translated: not at all, one reply in each message's thread, or sibling channels."""

    off = "off"
    thread = "thread"
    mirror = "mirror"


class ChannelTranslation(SQLModel, table=True):
    """The translation settings of one conversation (a row only once someone set something)."""

    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "channel_id", name="uq_channel_translation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    mode: TranslationMode = Field(
        default=TranslationMode.off,
        sa_column=Column(
            SAEnum(TranslationMode, name="translation_mode", native_enum=False, length=16), nullable=False
        ),
    )
    #: Comma-separated DeepL target codes ("FR,DE,EN-GB"); empty: the languages of the channel's members.
    languages: str = Field(default="", max_length=400)
    updated_by: int | None = Field(default=None, foreign_key="member.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class MirrorChannel(SQLModel, table=True):
    """A sibling channel that receives every message of a `mirror` channel in one language."""

    __table_args__ = (
        UniqueConstraint("source_id", "language", name="uq_mirror_language"),
        UniqueConstraint("platform", "workspace_id", "channel_id", name="uq_mirror_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="channeltranslation.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=8)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)


class TranslationBudget(SQLModel, table=True):
    """A monthly character budget for a cluster (`scope` "cluster:<id>") or an unlinked channel."""

    scope: str = Field(max_length=160, primary_key=True)
    monthly_characters: int = Field(ge=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class TranslationCacheEntry(SQLModel, table=True):
    """One translation DeepL already made: the key hashes (text, source, target, glossary, formality)."""

    __tablename__ = "translationcache"

    key: str = Field(max_length=64, primary_key=True)
    source: str = Field(default="", max_length=8)
    target: str = Field(max_length=8)
    text: str = Field(sa_column=Column(Text, nullable=False))
    billed_characters: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class TranslatedPost(SQLModel, table=True):
    """A post of the bot that holds (part of) the translations of one original message.

    Edits and deletes of the original follow through this map.
    """

    __table_args__ = (
        Index("ix_translatedpost_original", "platform", "workspace_id", "channel_id", "message_id"),
        Index("ix_translatedpost_post", "platform", "workspace_id", "post_channel_id", "post_message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    #: "*" for a thread reply holding every language, else the language of a mirror post.
    language: str = Field(default="*", max_length=8)
    part: int = Field(default=0, description="0, 1… when a long translation needed several posts")
    post_channel_id: str = Field(max_length=64)
    post_message_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class TranslationUsage(SQLModel, table=True):
    """Characters DeepL billed for one cluster (or unlinked channel) in one month ("2026-11")."""

    __table_args__ = (UniqueConstraint("scope", "month", name="uq_translation_usage"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=160, index=True)
    month: str = Field(max_length=7)
    billed_characters: int = Field(default=0)
    requests: int = Field(default=0)


class TranslationNotice(SQLModel, table=True):
    """A notice sent once per period: quota at 80 % / 95 %, a budget reached, translation paused."""

    __table_args__ = (UniqueConstraint("kind", "scope", "period", name="uq_translation_notice"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    scope: str = Field(max_length=160)
    period: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class ChannelReader(SQLModel, table=True):
    """Someone known to read a conversation (learnt from who posts there, or from the platform)."""

    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "channel_id", "member_id", name="uq_channel_reader"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64, index=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    last_seen: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class ReadingLanguage(SQLModel, table=True):
    """The DeepL language someone reads translations in, when the bot's own languages do not say it
    exactly (`PT-BR`, `EN-US`, or a language the bot does not speak, like `PL`)."""

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=8)


class GlossaryState(SQLModel, table=True):
    """The DeepL glossary made from the shipped glossary file, and the content hash it was made from."""

    name: str = Field(max_length=64, primary_key=True)
    content_hash: str = Field(max_length=64)
    glossary_id: str = Field(max_length=64)
    synced_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
