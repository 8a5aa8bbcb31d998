"""What the bridge keeps: which channels are one conversation (a cluster's channels), and the map from each
bridged message to its copies (`BridgedCopy`), so that threads, edits, deletes and reactions follow after a
restart."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.messages import Identity
from bot.models import BridgedCopy, Cluster, ClusterChannel, ClusterStatus
from bot.ports import CHANNEL_OK


@dataclass(frozen=True)
class Link:
    """A bridged channel: its cluster, whether reactions cross, and the channels its messages are copied to."""

    cluster_id: int
    mirror_reactions: bool
    partners: tuple[Identity, ...]


@dataclass(frozen=True)
class Origin:
    """A message as written by a person: where, and its id."""

    channel: Identity
    message_id: str

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.message_id}"


def _identity(row: ClusterChannel) -> Identity:
    return Identity(row.platform, row.workspace_id, row.channel_id)


class BridgeStore:
    """The bridge's queries; links are remembered for `cache_seconds` (`forget` drops them)."""

    def __init__(self, engine: Engine, *, cache_seconds: float = 30.0) -> None:
        self.engine = engine
        self.cache_seconds = cache_seconds
        self._links: dict[str, tuple[float, Link | None]] = {}

    # ------------------------------------------------------------ links

    def link(self, channel: Identity) -> Link | None:
        """The bridge of `channel`: None when it is no active cluster's channel, or has no partner to copy to."""
        key = str(channel)
        hit = self._links.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.cache_seconds:
            return hit[1]
        found = self._load(channel)
        self._links[key] = (now, found)
        return found

    def forget(self) -> None:
        self._links.clear()

    def _load(self, channel: Identity) -> Link | None:
        with session_scope(self.engine) as session:
            row = session.exec(select(ClusterChannel).where(
                ClusterChannel.platform == channel.platform, ClusterChannel.workspace_id == channel.workspace,
                ClusterChannel.channel_id == channel.id)).first()
            if row is None:
                return None
            cluster = session.get(Cluster, row.cluster_id)
            if cluster is None or cluster.status is not ClusterStatus.active:
                return None
            rows = list(session.exec(select(ClusterChannel).where(ClusterChannel.cluster_id == row.cluster_id)
                                     .order_by(col(ClusterChannel.id))))
        partners = tuple(_identity(other) for other in rows
                         if other.id != row.id and other.state == CHANNEL_OK)
        if not partners:
            return None
        return Link(cluster_id=row.cluster_id, mirror_reactions=cluster.mirror_reactions, partners=partners)

    # ------------------------------------------------------------ copies

    def copies(self, origin: Origin, target: Identity | None = None) -> list[BridgedCopy]:
        """The posts copying `origin` (in `target` only, when given), by channel and part."""
        with Session(self.engine) as session:
            statement = select(BridgedCopy).where(
                BridgedCopy.origin_platform == origin.channel.platform,
                BridgedCopy.origin_workspace == origin.channel.workspace,
                BridgedCopy.origin_channel == origin.channel.id,
                BridgedCopy.origin_message == origin.message_id)
            if target is not None:
                statement = statement.where(BridgedCopy.platform == target.platform,
                                            BridgedCopy.workspace_id == target.workspace,
                                            BridgedCopy.channel_id == target.id)
            return list(session.exec(statement.order_by(col(BridgedCopy.channel_id), col(BridgedCopy.part))))

    def origin_of(self, channel: Identity, message_id: str) -> Origin | None:
        """The original of `message_id` when it is one of the bridge's copies, else None."""
        with Session(self.engine) as session:
            row = session.exec(select(BridgedCopy).where(
                BridgedCopy.platform == channel.platform, BridgedCopy.workspace_id == channel.workspace,
                BridgedCopy.channel_id == channel.id, BridgedCopy.message_id == message_id)).first()
        if row is None:
            return None
        return Origin(Identity(row.origin_platform, row.origin_workspace, row.origin_channel), row.origin_message)

    def add(self, *, cluster_id: int, origin: Origin, target: Identity, part: int, message_id: str,
            thread_id: str | None, now: datetime) -> None:
        """Remember one part of a copy (already remembered: kept as it is)."""
        row = BridgedCopy(cluster_id=cluster_id, origin_platform=origin.channel.platform,
                          origin_workspace=origin.channel.workspace, origin_channel=origin.channel.id,
                          origin_message=origin.message_id, platform=target.platform, workspace_id=target.workspace,
                          channel_id=target.id, message_id=message_id, part=part, thread_id=thread_id,
                          created_at=now)
        try:
            with session_scope(self.engine) as session:
                session.add(row)
        except IntegrityError:
            pass  # a retry that found the part already posted and remembered

    def remove(self, ids: Iterable[int | None]) -> None:
        wanted = [i for i in ids if i is not None]
        if wanted:
            with session_scope(self.engine) as session:
                session.exec(delete(BridgedCopy).where(col(BridgedCopy.id).in_(wanted)))
