"""The translation tables: channel settings, readers, the cache, posted translations, usage and notices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, bindparam, delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.messages import Identity
from bot.models import (
    ChannelReader,
    ChannelTranslation,
    City,
    ClusterChannel,
    ClusterMembership,
    GlossaryState,
    Member,
    MirrorChannel,
    ReadingLanguage,
    TranslatedPost,
    TranslationBudget,
    TranslationCacheEntry,
    TranslationMode,
    TranslationNotice,
    TranslationUsage,
)


def _insert(engine: Engine, table: type) -> Any:
    """An INSERT that ignores rows whose key already exists (SQLite and PostgreSQL)."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


# Statements on the path of every translated message are Core statements built once: SQLAlchemy caches their
# compiled form, and no ORM object is built for a row (an ORM session costs about a millisecond a query).
_CACHE = TranslationCacheEntry.__table__  # type: ignore[attr-defined]
_CACHED_TEXTS = select(_CACHE.c.key, _CACHE.c.text, _CACHE.c.source).where(
    _CACHE.c.key.in_(bindparam("keys", expanding=True)))
# The dialects' ON CONFLICT clauses are compiled again at every execution (SQLAlchemy cannot cache them); the
# same SQL as text is cached, and reads the same on SQLite and PostgreSQL.
_REMEMBER = text(
    'INSERT INTO translationcache ("key", source, target, text, billed_characters, created_at) '
    "VALUES (:key, :source, :target, :text, :billed_characters, :created_at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("created_at", type_=DateTime(timezone=True)))
_ADD_USAGE = text(
    "INSERT INTO translationusage (scope, month, billed_characters, requests) "
    "VALUES (:scope, :month, :billed_characters, :requests) ON CONFLICT (scope, month) DO UPDATE SET "
    "billed_characters = translationusage.billed_characters + excluded.billed_characters, "
    "requests = translationusage.requests + excluded.requests"
)
_MEMBERS = Member.__table__  # type: ignore[attr-defined]
_DISPLAY_NAMES = select(_MEMBERS.c.user_id, _MEMBERS.c.display_name).where(
    _MEMBERS.c.platform == bindparam("platform"), _MEMBERS.c.workspace_id == bindparam("workspace"),
    _MEMBERS.c.user_id.in_(bindparam("ids", expanding=True)))


class TranslationStore:
    """Reads and writes the translation tables; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------ channel settings

    def channel(self, channel: Identity) -> ChannelTranslation | None:
        with session_scope(self.engine) as session:
            return self._channel(session, channel)

    @staticmethod
    def _channel(session: Session, channel: Identity) -> ChannelTranslation | None:
        return session.exec(
            select(ChannelTranslation).where(
                ChannelTranslation.platform == channel.platform,
                ChannelTranslation.workspace_id == channel.workspace,
                ChannelTranslation.channel_id == channel.id,
            )
        ).first()

    def save_channel(
        self,
        channel: Identity,
        *,
        mode: TranslationMode | None = None,
        languages: list[str] | None = None,
        by: int | None = None,
        now: datetime,
    ) -> ChannelTranslation:
        with session_scope(self.engine) as session:
            row = self._channel(session, channel)
            if row is None:
                row = ChannelTranslation(platform=channel.platform, workspace_id=channel.workspace,
                                         channel_id=channel.id)
            if mode is not None:
                row.mode = mode
            if languages is not None:
                row.languages = ",".join(languages)
            row.updated_by = by
            row.updated_at = now
            session.add(row)
            session.flush()
            session.refresh(row)
            return row

    def mirrors(self, source_id: int) -> list[MirrorChannel]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(MirrorChannel).where(MirrorChannel.source_id == source_id)
                                     .order_by(col(MirrorChannel.language))))

    def mirror_of(self, channel: Identity) -> MirrorChannel | None:
        """The mirror row when `channel` is a sibling channel receiving translations."""
        with session_scope(self.engine) as session:
            return session.exec(
                select(MirrorChannel).where(
                    MirrorChannel.platform == channel.platform,
                    MirrorChannel.workspace_id == channel.workspace,
                    MirrorChannel.channel_id == channel.id,
                )
            ).first()

    def set_mirror(self, source_id: int, language: str, sibling: Identity) -> MirrorChannel:
        with session_scope(self.engine) as session:
            session.exec(
                delete(MirrorChannel).where(
                    (col(MirrorChannel.source_id) == source_id) & (col(MirrorChannel.language) == language)
                    | (
                        (col(MirrorChannel.platform) == sibling.platform)
                        & (col(MirrorChannel.workspace_id) == sibling.workspace)
                        & (col(MirrorChannel.channel_id) == sibling.id)
                    )
                )
            )
            row = MirrorChannel(source_id=source_id, language=language, platform=sibling.platform,
                                workspace_id=sibling.workspace, channel_id=sibling.id)
            session.add(row)
            session.flush()
            session.refresh(row)
            return row

    def remove_mirror(self, source_id: int, language: str) -> bool:
        with session_scope(self.engine) as session:
            result = session.exec(
                delete(MirrorChannel).where(
                    col(MirrorChannel.source_id) == source_id, col(MirrorChannel.language) == language
                )
            )
            return bool(result.rowcount)

    # ------------------------------------------------------------ who reads a channel

    def add_readers(self, channel: Identity, member_ids: Iterable[int], *, now: datetime) -> None:
        rows = [
            {"platform": channel.platform, "workspace_id": channel.workspace, "channel_id": channel.id,
             "member_id": member_id, "last_seen": now}
            for member_id in set(member_ids)
        ]
        if not rows:
            return
        statement = _insert(self.engine, ChannelReader).values(rows).on_conflict_do_nothing()
        with self.engine.begin() as connection:
            connection.execute(statement)

    def readers(self, channel: Identity) -> list[Member]:
        """People known to read `channel`: who posted there, and the people of the cities of its cluster."""
        with session_scope(self.engine) as session:
            posted = select(ChannelReader.member_id).where(
                ChannelReader.platform == channel.platform,
                ChannelReader.workspace_id == channel.workspace,
                ChannelReader.channel_id == channel.id,
            )
            clusters = select(ClusterChannel.cluster_id).where(
                ClusterChannel.platform == channel.platform,
                ClusterChannel.workspace_id == channel.workspace,
                ClusterChannel.channel_id == channel.id,
            )
            cities = select(ClusterMembership.city_id).where(col(ClusterMembership.cluster_id).in_(clusters))
            members = session.exec(
                select(Member).where(
                    col(Member.id).in_(posted)
                    | (
                        col(Member.city_id).in_(cities)
                        & (col(Member.platform) == channel.platform)
                        & (col(Member.workspace_id) == channel.workspace)
                    )
                )
            )
            return list(members)

    def members_by_identity(self, platform: str, workspace: str, user_ids: Iterable[str]) -> list[Member]:
        ids = list(set(user_ids))
        if not ids:
            return []
        with session_scope(self.engine) as session:
            return list(session.exec(select(Member).where(
                Member.platform == platform, Member.workspace_id == workspace, col(Member.user_id).in_(ids)
            )))

    def display_names(self, platform: str, workspace: str, user_ids: Iterable[str]) -> dict[str, str]:
        """user id -> display name, for the people among `user_ids` the bot knows (and who have a name)."""
        ids = list(set(user_ids))
        if not ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(_DISPLAY_NAMES, {"platform": platform, "workspace": workspace, "ids": ids})
            return {user_id: name for user_id, name in rows if name}

    def scope_of(self, channel: Identity) -> str:
        """Where usage and budgets are counted: the channel's cluster, or the channel itself."""
        with session_scope(self.engine) as session:
            cluster_id = session.exec(
                select(ClusterChannel.cluster_id).where(
                    ClusterChannel.platform == channel.platform,
                    ClusterChannel.workspace_id == channel.workspace,
                    ClusterChannel.channel_id == channel.id,
                )
            ).first()
        if cluster_id is not None:
            return f"cluster:{cluster_id}"
        return f"channel:{channel.platform}:{channel.workspace}:{channel.id}"

    def city_languages(self) -> set[str]:
        with session_scope(self.engine) as session:
            found: set[str] = set()
            for languages in session.exec(select(City.languages)):
                found.update(code.strip().lower() for code in languages.split(",") if code.strip())
            return found

    # ------------------------------------------------------------ reading languages

    def reading_languages(self, member_ids: Iterable[int]) -> dict[int, str]:
        ids = list(set(member_ids))
        if not ids:
            return {}
        with session_scope(self.engine) as session:
            rows = session.exec(select(ReadingLanguage).where(col(ReadingLanguage.member_id).in_(ids)))
            return {row.member_id: row.language for row in rows}

    def set_reading_language(self, member_id: int, language: str | None) -> None:
        with session_scope(self.engine) as session:
            row = session.get(ReadingLanguage, member_id)
            if language is None:
                if row is not None:
                    session.delete(row)
                return
            if row is None:
                row = ReadingLanguage(member_id=member_id, language=language)
            row.language = language
            session.add(row)

    # ------------------------------------------------------------ the translation cache

    def cached(self, keys: Iterable[str]) -> dict[str, TranslationCacheEntry]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        with session_scope(self.engine) as session:
            rows = session.exec(select(TranslationCacheEntry).where(col(TranslationCacheEntry.key).in_(wanted)))
            return {row.key: row for row in rows}

    def cached_texts(self, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
        """`cached` for the hot path: key -> (translated text, detected source), one light query."""
        wanted = list(set(keys))
        if not wanted:
            return {}
        with self.engine.connect() as connection:
            return {key: (text, source) for key, text, source in connection.execute(_CACHED_TEXTS, {"keys": wanted})}

    def remember(self, entries: list[TranslationCacheEntry]) -> None:
        self.record([
            {"key": e.key, "source": e.source, "target": e.target, "text": e.text,
             "billed_characters": e.billed_characters, "created_at": e.created_at}
            for e in entries
        ], [])

    def record(self, rows: list[dict[str, Any]], usage: list[tuple[str, str, int, int]]) -> None:
        """Store translations just paid for (`translationcache` rows: key, source, target, text,
        billed_characters, created_at) and add what they cost (scope, month, characters, requests), in one
        transaction."""
        if not rows and not usage:
            return
        with self.engine.begin() as connection:
            if rows:
                connection.execute(_REMEMBER, rows)
            if usage:
                connection.execute(_ADD_USAGE, [
                    {"scope": scope, "month": month, "billed_characters": characters, "requests": requests}
                    for scope, month, characters, requests in usage
                ])

    # ------------------------------------------------------------ posted translations

    def add_posts(self, posts: list[TranslatedPost]) -> None:
        if not posts:
            return
        columns = ("platform", "workspace_id", "channel_id", "message_id", "language", "part", "post_channel_id",
                   "post_message_id", "created_at")
        rows = [{name: getattr(post, name) for name in columns} for post in posts]
        with self.engine.begin() as connection:
            connection.execute(TranslatedPost.__table__.insert(), rows)  # type: ignore[attr-defined]

    def posts_for(self, channel: Identity, message_id: str) -> list[TranslatedPost]:
        with session_scope(self.engine) as session:
            return list(session.exec(
                select(TranslatedPost).where(
                    TranslatedPost.platform == channel.platform,
                    TranslatedPost.workspace_id == channel.workspace,
                    TranslatedPost.channel_id == channel.id,
                    TranslatedPost.message_id == message_id,
                ).order_by(col(TranslatedPost.language), col(TranslatedPost.part))
            ))

    def forget_posts(self, ids: Iterable[int]) -> None:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return
        with session_scope(self.engine) as session:
            session.exec(delete(TranslatedPost).where(col(TranslatedPost.id).in_(wanted)))

    def is_translation(self, channel: Identity, message_id: str) -> bool:
        """Whether `message_id` in `channel` is one of the bot's translated posts."""
        with session_scope(self.engine) as session:
            return session.exec(
                select(TranslatedPost.id).where(
                    TranslatedPost.platform == channel.platform,
                    TranslatedPost.workspace_id == channel.workspace,
                    TranslatedPost.post_channel_id == channel.id,
                    TranslatedPost.post_message_id == message_id,
                )
            ).first() is not None

    # ------------------------------------------------------------ usage, budgets, notices

    def add_usage(self, scope: str, month: str, *, characters: int, requests: int) -> None:
        """Add to a scope's month (one upsert: safe when another process adds at the same time)."""
        self.record([], [(scope, month, characters, requests)])

    def usage(self, scope: str, month: str) -> int:
        with session_scope(self.engine) as session:
            found = session.exec(
                select(TranslationUsage.billed_characters).where(
                    TranslationUsage.scope == scope, TranslationUsage.month == month
                )
            ).first()
            return int(found or 0)

    def usage_by_scope(self, month: str) -> list[TranslationUsage]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(TranslationUsage).where(TranslationUsage.month == month)
                                     .order_by(col(TranslationUsage.billed_characters).desc())))

    def budget(self, scope: str) -> int | None:
        with session_scope(self.engine) as session:
            row = session.get(TranslationBudget, scope)
            return row.monthly_characters if row is not None else None

    def set_budget(self, scope: str, characters: int | None, *, now: datetime) -> None:
        with session_scope(self.engine) as session:
            row = session.get(TranslationBudget, scope)
            if characters is None:
                if row is not None:
                    session.delete(row)
                return
            if row is None:
                row = TranslationBudget(scope=scope, monthly_characters=characters)
            row.monthly_characters = characters
            row.updated_at = now
            session.add(row)

    def claim_notice(self, kind: str, scope: str, period: str) -> bool:
        """Record that a notice is being sent; False when it already was (only the first caller sends)."""
        statement = (
            _insert(self.engine, TranslationNotice)
            .values(kind=kind, scope=scope, period=period)
            .on_conflict_do_nothing()
            .returning(TranslationNotice.id)
        )
        with self.engine.begin() as connection:
            # rowcount is not reliable with RETURNING on PostgreSQL: a returned row means we inserted it.
            return connection.execute(statement).first() is not None

    # ------------------------------------------------------------ the glossary on DeepL

    def glossary_state(self, name: str) -> GlossaryState | None:
        with session_scope(self.engine) as session:
            return session.get(GlossaryState, name)

    def save_glossary_state(self, name: str, content_hash: str, glossary_id: str, *, now: datetime) -> None:
        with session_scope(self.engine) as session:
            row = session.get(GlossaryState, name) or GlossaryState(name=name, content_hash="", glossary_id="")
            row.content_hash, row.glossary_id, row.synced_at = content_hash, glossary_id, now
            session.add(row)
