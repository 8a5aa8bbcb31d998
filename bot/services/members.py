"""People and their cities: who someone is, their role, their language."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import DEFAULT_LOCALE, negotiate
from bot.messages import Identity
from bot.models import City, CityChannel, Member, Role
from bot.settings import SUPPORTED_LOCALES


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name ("Düdelingen" -> "dudelingen")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class MemberService:
    """Looks people up by their platform identity and keeps their profile."""

    def __init__(self, engine: Engine, *, default_locale: str = DEFAULT_LOCALE) -> None:
        self.engine = engine
        self.default_locale = default_locale

    # ------------------------------------------------------------ the one locale rule

    def locale_for(self, member: Member | None, platform_locale: str | None = None) -> str:
        """The language to speak to `member`: their choice, else their platform's, else the network's.

        `platform_locale` is the locale the platform gave with the person's current action (their client's
        language); without one, the last one the platform gave for them is used.
        """
        if member is None:
            return negotiate(platform_locale, default=self.default_locale)
        return negotiate(member.preferred_language, platform_locale, member.locale, default=self.default_locale)

    def locale_of(self, identity: Identity, platform_locale: str | None = None) -> str:
        """`locale_for` the person behind `identity` (the network's language for someone the bot never met)."""
        return self.locale_for(self.find(identity), platform_locale)

    def locales_of(self, identities: Iterable[Identity]) -> dict[Identity, str]:
        """`locale_of` for many people at once (one query per workspace, for prompts sent to hundreds)."""
        wanted = list(dict.fromkeys(identities))
        by_workspace: dict[tuple[str, str], list[str]] = defaultdict(list)
        for identity in wanted:
            by_workspace[(identity.platform, identity.workspace)].append(identity.id)
        found: dict[Identity, Member] = {}
        with session_scope(self.engine) as session:
            for (platform, workspace), ids in by_workspace.items():
                for start in range(0, len(ids), 500):
                    for member in session.exec(select(Member).where(
                        Member.platform == platform, Member.workspace_id == workspace,
                        col(Member.user_id).in_(ids[start:start + 500]),
                    )):
                        found[Identity(platform, workspace, member.user_id)] = member
        return {identity: self.locale_for(found.get(identity)) for identity in wanted}

    def icc_team(self) -> list[Identity]:
        """Everyone on the ICC team, on every platform (each person's identity there)."""
        with session_scope(self.engine) as session:
            members = session.exec(select(Member).where(Member.role == Role.icc_team).order_by(col(Member.id)))
            return [Identity(m.platform, m.workspace_id, m.user_id) for m in members]

    # ------------------------------------------------------------ people

    def get_or_create(
        self, identity: Identity, *, display_name: str = "", platform_locale: str | None = None
    ) -> Member:
        """The member behind `identity`, created on first contact; refreshes name and platform locale."""
        with session_scope(self.engine) as session:
            member = self._find(session, identity)
            if member is None:
                member = Member(
                    platform=identity.platform,
                    workspace_id=identity.workspace,
                    user_id=identity.id,
                    display_name=display_name[:120],
                    locale=(platform_locale or None) and platform_locale[:16],
                )
                session.add(member)
                try:
                    session.flush()
                except Exception:
                    # Two events of a new person at once: the other one created the row.
                    session.rollback()
                    member = self._find(session, identity)
                    if member is None:
                        raise
            else:
                changed = False
                if display_name and member.display_name != display_name[:120]:
                    member.display_name = display_name[:120]
                    changed = True
                if platform_locale and member.locale != platform_locale[:16]:
                    member.locale = platform_locale[:16]
                    changed = True
                if changed:
                    session.add(member)
            session.flush()
            session.refresh(member)
            return member

    @staticmethod
    def _find(session: Session, identity: Identity) -> Member | None:
        return session.exec(
            select(Member).where(
                Member.platform == identity.platform,
                Member.workspace_id == identity.workspace,
                Member.user_id == identity.id,
            )
        ).first()

    def find(self, identity: Identity) -> Member | None:
        with session_scope(self.engine) as session:
            return self._find(session, identity)

    def known_as(self, platform: str, user_id: str, *, last_resort: str) -> Identity | None:
        """Where the bot knows the person with id `user_id` on `platform`, on a platform whose people have one id in
        every workspace (so a direct message, which belongs to no workspace, can be taken as theirs): the
        workspace it met them in first, workspace `last_resort` only when there is no other; None for a stranger."""
        with session_scope(self.engine) as session:
            member = session.exec(
                select(Member)
                .where(Member.platform == platform, Member.user_id == user_id)
                .order_by(col(Member.workspace_id) == last_resort, col(Member.id))
            ).first()
            return None if member is None else Identity(member.platform, member.workspace_id, member.user_id)

    def get(self, member_id: int) -> Member | None:
        with session_scope(self.engine) as session:
            return session.get(Member, member_id)

    def named(self, platform: str, workspace: str, name: str) -> Member | None:
        """The one person of a workspace called `name` (their id, or their display name in any case).

        None when nobody, or more than one person, is called so: a name that could be two people names nobody.
        """
        wanted = name.strip().lstrip("@").strip()
        if not wanted:
            return None
        with session_scope(self.engine) as session:
            people = session.exec(
                select(Member).where(
                    Member.platform == platform,
                    Member.workspace_id == workspace,
                    or_(col(Member.user_id) == wanted, func.lower(Member.display_name) == wanted.lower()),
                ).limit(3)
            ).all()
        by_id = [member for member in people if member.user_id == wanted]
        found = by_id or [member for member in people if fold(member.display_name) == fold(wanted)]
        return found[0] if len(found) == 1 else None

    def set_language(self, identity: Identity, language: str | None) -> Member:
        """Choose the language the bot speaks to this person (None: follow the platform)."""
        if language is not None and language not in SUPPORTED_LOCALES:
            raise UserError(
                "“{value}” is not a language the bot speaks. Choose one of: {choices}.",
                value=language,
                choices=", ".join(SUPPORTED_LOCALES),
            )
        return self._update(identity, preferred_language=language)

    def set_city(self, identity: Identity, city_name: str) -> Member:
        city = CityDirectory(self.engine).resolve(city_name)
        return self._update(identity, city_id=city.id)

    def set_role(self, identity: Identity, role: Role) -> Member:
        return self._update(identity, role=role)

    def _update(self, identity: Identity, **changes: object) -> Member:
        """Change some of a person's fields (creating the person on first contact)."""
        member = self.get_or_create(identity)
        with session_scope(self.engine) as session:
            stored = session.get(Member, member.id)
            assert stored is not None
            for name, value in changes.items():
                setattr(stored, name, value)
            session.add(stored)
            return stored


class CityDirectory:
    """The member cities of the network."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def all(self) -> list[City]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(City).order_by(City.name)))

    def get(self, city_id: int) -> City | None:
        with session_scope(self.engine) as session:
            return session.get(City, city_id)

    def find(self, name: str) -> City | None:
        """The city called `name`, ignoring case and accents; None when there is none."""
        wanted = fold(name)
        if not wanted:
            return None
        with session_scope(self.engine) as session:
            exact = session.exec(select(City).where(func.lower(City.name) == name.strip().lower())).first()
            if exact is not None:
                return exact
            for city in session.exec(select(City)):
                if fold(city.name) == wanted:
                    return city
        return None

    def resolve(self, name: str) -> City:
        """Like `find`, but a missing city is the person's error, with close names suggested."""
        city = self.find(name)
        if city is not None:
            return city
        wanted = fold(name)
        suggestions = [c.name for c in self.all() if wanted and (wanted[:3] in fold(c.name))][:5]
        if suggestions:
            raise UserError(
                "There is no ICC city called “{value}”. Did you mean: {choices}?",
                field="city",
                value=name.strip()[:80],
                choices=", ".join(suggestions),
            )
        raise UserError("There is no ICC city called “{value}”.", field="city", value=name.strip()[:80])

    def add(self, city: City) -> City:
        with session_scope(self.engine) as session:
            session.add(city)
            session.flush()
            session.refresh(city)
            return city

    def link_channel(self, city_id: int, channel: Identity, name: str = "") -> bool:
        """Make `channel` the city's own conversation on its platform; False when it already was."""
        with session_scope(self.engine) as session:
            existing = session.exec(
                select(CityChannel).where(
                    CityChannel.platform == channel.platform,
                    CityChannel.workspace_id == channel.workspace,
                    CityChannel.channel_id == channel.id,
                )
            ).first()
            if existing is not None and existing.city_id == city_id:
                return False
            if existing is None:
                existing = CityChannel(city_id=city_id, platform=channel.platform, workspace_id=channel.workspace,
                                       channel_id=channel.id)
            existing.city_id = city_id
            existing.name = name[:120]
            session.add(existing)
        return True

    def channels(self, city_ids: Iterable[int] | None = None) -> list[tuple[int, Identity]]:
        """(city id, channel) of every city's own conversations (of `city_ids` only, when given)."""
        query = select(CityChannel).order_by(
            col(CityChannel.city_id), col(CityChannel.platform), col(CityChannel.channel_id)
        )
        if city_ids is not None:
            query = query.where(col(CityChannel.city_id).in_(list(city_ids)))
        with session_scope(self.engine) as session:
            return [
                (row.city_id, Identity(row.platform, row.workspace_id, row.channel_id))
                for row in session.exec(query)
            ]

    def city_of_channel(self, channel: Identity) -> City | None:
        """The city whose own conversation `channel` is, or None."""
        with session_scope(self.engine) as session:
            return session.exec(
                select(City)
                .join(CityChannel, col(CityChannel.city_id) == col(City.id))
                .where(
                    CityChannel.platform == channel.platform,
                    CityChannel.workspace_id == channel.workspace,
                    CityChannel.channel_id == channel.id,
                )
            ).first()
