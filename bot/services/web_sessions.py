"""Signing in to the web pages: one-time links sent by direct message, the people OAuth names, and the key that
signs session cookies.

A link's secret is 32 random bytes (url-safe); only its SHA-256 is stored, so the table cannot sign anyone in.
A link signs in once (the update that marks it used checks it was not), within `LIFETIME` of being sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.models import Member, Role
from bot.models.web import SignInLink, WebKey
from bot.ports import Clock, SystemClock

#: How long a sign-in link works after it was sent.
LIFETIME = timedelta(minutes=15)
#: At most this many links per person and hour (more are refused: someone is pressing `/web` in a loop).
LINKS_PER_HOUR = 5
#: Roles in the order a person known on several platforms signs in with (the most the person may do).
_RANK = {Role.icc_team: 0, Role.coordinator: 1, Role.member: 2}


def token_hash(token: str) -> str:
    """What is stored of a link's secret."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class SignInLinks:
    """One-time sign-in links, and who the web's OAuth sign-ins are."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None, secret_keys: list[str] | None = None) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.secret_keys = list(secret_keys or [])

    def issue(self, member: Member) -> str:
        """A new link's secret for `member` (to put in the link). Raises `UserError` past `LINKS_PER_HOUR`."""
        if member.id is None:
            raise UserError("Say which city you work for with /profile city <name>.")
        now = self.clock.now()
        with session_scope(self.engine) as session:
            recent = session.exec(
                select(func.count()).select_from(SignInLink).where(
                    SignInLink.member_id == member.id, col(SignInLink.created_at) > now - timedelta(hours=1))
            ).one()
            if int(recent) >= LINKS_PER_HOUR:
                raise UserError("You asked for {n} sign-in links within an hour; try again later.",
                                n=LINKS_PER_HOUR)
            token = secrets.token_urlsafe(32)
            session.add(SignInLink(token_hash=token_hash(token), member_id=member.id, created_at=now,
                                   expires_at=now + LIFETIME))
        return token

    def redeem(self, token: str) -> Member | None:
        """The person a link signs in, once; None for a forged, used or expired link (nothing said which)."""
        if not token or len(token) > 100:
            return None
        now = self.clock.now()
        digest = token_hash(token)
        with session_scope(self.engine) as session:
            link = session.exec(select(SignInLink).where(SignInLink.token_hash == digest)).first()
            if link is None or link.used_at is not None or _aware(link.expires_at) <= now:
                return None
            # Two tabs opening the same link at once: only the one whose update finds it unused signs in.
            used = session.execute(
                update(SignInLink).where(col(SignInLink.id) == link.id, col(SignInLink.used_at).is_(None))
                .values(used_at=now).execution_options(synchronize_session=False))
            if used.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return session.get(Member, link.member_id)

    def person(self, platform: str, user_id: str, workspace: str | None = None) -> Member | None:
        """The person the bot knows as `user_id` on `platform` (in `workspace`, when known); of several records
        (the same Discord user on two servers), the one with the most rights."""
        with session_scope(self.engine) as session:
            query = select(Member).where(Member.platform == platform, Member.user_id == user_id)
            if workspace is not None:
                query = query.where(Member.workspace_id == workspace)
            found = list(session.exec(query))
        found.sort(key=lambda member: (_RANK.get(Role(member.role), 9), member.id or 0))
        return found[0] if found else None

    def session_key(self) -> str:
        """The key that signs session cookies: derived from `ICC_SECRET_KEY` when it is set, else a random key
        kept in the database (so every web process of the deployment signs alike)."""
        if self.secret_keys:
            return hmac.new(self.secret_keys[0].encode(), b"icc-web-session", hashlib.sha256).hexdigest()
        try:
            with session_scope(self.engine) as session:
                if session.get(WebKey, "session") is None:
                    session.add(WebKey(name="session", value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # two processes starting at once: the one whose insert lost reads the winner's key
        with session_scope(self.engine) as session:
            stored = session.get(WebKey, "session")
            assert stored is not None
            return stored.value


class Attempts:
    """At most `limit` attempts per key (a client's address) within `window`: sign-in guessing is slowed down."""

    def __init__(self, *, limit: int, window: timedelta, now: Callable[[], datetime]) -> None:
        self.limit = limit
        self.window = window
        self.now = now
        self._seen: dict[str, deque[datetime]] = {}

    def allow(self, key: str) -> bool:
        """Count an attempt by `key`; False when it is one too many."""
        now = self.now()
        seen = self._seen.setdefault(key[:100], deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        if len(self._seen) > 10_000:  # forget quiet clients rather than grow without end
            for quiet in [k for k, v in self._seen.items() if not v][:5000]:
                del self._seen[quiet]
        return True
