"""A cluster's channels on every platform where its cities' people are: made or linked, translated into its
members' languages, and kept to its members as cities join and leave.

For each (platform, workspace) where someone of a member city is, a cluster has one channel: the bot creates it
(named after the cluster; an existing channel of that name is linked instead), sets its translation (thread
mode, into the members' reading languages and the cluster's own languages) unless someone already chose it by
hand, and lets the members in (Slack: invited; Discord: a permission to see it). The people it let in are its
seats: when their city leaves, they are taken out again; nobody else is ever removed.

Only the platforms this process has a chat for are worked on; every process with chats runs `run` so that a
cluster created from Slack gets its Discord channel from the worker that holds the Discord connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import N_
from bot.messages import Identity
from bot.models import Cluster, ClusterChannel, ClusterSeat, ClusterStatus, Member, TranslationMode
from bot.ports import (
    CHANNEL_ARCHIVED,
    CHANNEL_GONE,
    CHANNEL_NO_ACCESS,
    CHANNEL_OK,
    ChannelAdmin,
    Chat,
    ChatError,
)
from bot.services.clusters.service import ClusterService

if TYPE_CHECKING:
    from bot.services.translation.channels import ChannelSettings

log = logging.getLogger(__name__)

#: Workspaces where no channel can be made (Discord's direct messages belong to no server).
NO_CHANNELS = frozenset({"@me", ""})
#: How often every cluster's channels are checked in the background.
RECONCILE_EVERY = 300.0

#: What a channel's state means for people (shown in /cluster info and after a change).
STATE_NOTES = {
    CHANNEL_ARCHIVED: N_("#{channel} on {platform} is archived: nobody can be let in or written to there. A "
                         "coordinator of the cluster or the ICC team can link another channel with /cluster link."),
    CHANNEL_GONE: N_("#{channel} on {platform} was deleted. A coordinator of the cluster or the ICC team can link "
                     "another channel with /cluster link."),
    CHANNEL_NO_ACCESS: N_("I was removed from #{channel} on {platform} (or may not manage it): add me back, or link "
                          "another channel with /cluster link."),
}


@dataclass(frozen=True)
class ChannelNote:
    """Something to tell people about one of a cluster's channels (it is archived, gone, or the bot is out)."""

    platform: str
    name: str
    state: str


def platform_label(platform: str) -> str:
    """A platform as people write it."""
    return {"slack": "Slack", "discord": "Discord", "console": "console"}.get(platform, platform)


def identity_of(row: ClusterChannel) -> Identity:
    return Identity(row.platform, row.workspace_id, row.channel_id)


def _state_of(error: ChatError) -> str:
    if error.kind == ChatError.CHANNEL_GONE:
        return CHANNEL_GONE
    if error.kind in (ChatError.NOT_IN_CHANNEL, ChatError.FORBIDDEN):
        return CHANNEL_NO_ACCESS
    return CHANNEL_OK


class ClusterChannels:
    """Makes, links and keeps clusters' channels on the platforms whose chats this process has."""

    def __init__(self, engine: Engine, *, clusters: ClusterService, chats: Mapping[str, Chat],
                 translation: ChannelSettings | None = None) -> None:
        self.engine = engine
        self.clusters = clusters
        #: The chats of this process by platform (the delivery service's: attached as adapters start).
        self.chats = chats
        #: Channel translation settings (set by the wiring once translation is built).
        self.translation = translation
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._stop = asyncio.Event()

    # ------------------------------------------------------------ reading

    def channels(self, cluster_id: int) -> list[ClusterChannel]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(ClusterChannel).where(ClusterChannel.cluster_id == cluster_id)
                                     .order_by(col(ClusterChannel.platform), col(ClusterChannel.id))))

    def of_channel(self, channel: Identity) -> ClusterChannel | None:
        """The cluster channel row of `channel`, or None when it is no cluster's channel."""
        with session_scope(self.engine) as session:
            return session.exec(select(ClusterChannel).where(
                ClusterChannel.platform == channel.platform, ClusterChannel.workspace_id == channel.workspace,
                ClusterChannel.channel_id == channel.id)).first()

    def notes(self, cluster_id: int) -> list[ChannelNote]:
        """What is wrong with the cluster's channels (none: all fine)."""
        return [ChannelNote(row.platform, row.name or row.channel_id, row.state)
                for row in self.channels(cluster_id) if row.state != CHANNEL_OK]

    def places(self, cluster_id: int) -> dict[tuple[str, str], list[Member]]:
        """(platform, workspace) -> the people of the cluster's cities there."""
        found: dict[tuple[str, str], list[Member]] = defaultdict(list)
        for member in self.clusters.people(cluster_id):
            if member.workspace_id not in NO_CHANNELS:
                found[(member.platform, member.workspace_id)].append(member)
        return dict(found)

    # ------------------------------------------------------------ names

    async def check_name_free(self, name: str, *, workspaces: set[tuple[str, str]] | None = None) -> None:
        """Refuse (nothing changed) when a channel called `name` already exists on a platform this process can
        look at, in one of `workspaces` (None: every workspace the bot serves here with people in it)."""
        for platform, workspace in sorted(workspaces if workspaces is not None else self._known_workspaces()):
            chat = self.chats.get(platform)
            if not isinstance(chat, ChannelAdmin):
                continue
            try:
                existing = await chat.find_channel(workspace, name)
            except ChatError as exc:
                log.warning("could not look for channel %s on %s %s: %s", name, platform, workspace, exc)
                continue
            if existing is not None:
                raise UserError(
                    "There is already a channel #{value} on {platform}. Choose another channel name, or link that "
                    "channel to the cluster with /cluster link once it is created.",
                    field="channel", value=name, platform=platform_label(platform))

    def _known_workspaces(self) -> set[tuple[str, str]]:
        with session_scope(self.engine) as session:
            rows = session.exec(select(Member.platform, Member.workspace_id).distinct())
            return {(platform, workspace) for platform, workspace in rows.all() if workspace not in NO_CHANNELS}

    # ------------------------------------------------------------ linking a channel by hand

    async def link(self, cluster: Cluster, channel: Identity, name: str, *, by: Member) -> ClusterChannel:
        """Make `channel` the cluster's channel in its workspace (replacing the one it had there)."""
        self.clusters.check_may_edit(by, cluster)
        if ClusterStatus(cluster.status) is not ClusterStatus.active:
            raise UserError("{name} is proposed and waits for the ICC team's approval.", name=cluster.name)
        other = self.of_channel(channel)
        if other is not None and other.cluster_id != cluster.id:
            owner = self.clusters.get(other.cluster_id)
            owner_name = owner.name if owner else str(other.cluster_id)
            raise UserError("This channel is already the channel of {name}.", name=owner_name)
        chat = self.chats.get(channel.platform)
        if isinstance(chat, ChannelAdmin):
            try:
                state = await chat.channel_state(channel)
            except ChatError as exc:
                state = _state_of(exc)
            if state != CHANNEL_OK:
                raise UserError(STATE_NOTES[state], channel=name or channel.id,
                                platform=platform_label(channel.platform))
        with session_scope(self.engine) as session:
            row = session.exec(select(ClusterChannel).where(
                ClusterChannel.cluster_id == cluster.id, ClusterChannel.platform == channel.platform,
                ClusterChannel.workspace_id == channel.workspace)).first()
            if row is not None and row.channel_id != channel.id:
                for seat in session.exec(select(ClusterSeat).where(ClusterSeat.cluster_channel_id == row.id)):
                    session.delete(seat)  # those were seats in the old channel
            row = row or ClusterChannel(cluster_id=cluster.id or 0, platform=channel.platform,
                                        workspace_id=channel.workspace, channel_id=channel.id)
            row.channel_id, row.name, row.state = channel.id, name[:120], CHANNEL_OK
            session.add(row)
            session.flush()
            session.refresh(row)
        await self.provision(cluster)
        return row

    # ------------------------------------------------------------ keeping channels to the members

    async def provision(self, cluster: Cluster) -> list[ChannelNote]:
        """Make, translate and fill the cluster's channels on this process's platforms; returns what is wrong."""
        if cluster.id is None or ClusterStatus(cluster.status) is not ClusterStatus.active:
            return []
        async with self._locks[cluster.id]:
            places = self.places(cluster.id)
            rows = {(row.platform, row.workspace_id): row for row in self.channels(cluster.id)}
            for place in sorted(set(places) | set(rows)):
                chat = self.chats.get(place[0])
                if chat is None:
                    continue  # another process has this platform's connection
                row = rows.get(place)
                if row is None:
                    row = await self._open(cluster, chat, place)
                    if row is None:
                        continue
                if row.state != CHANNEL_OK:
                    continue
                self._translate(cluster, row, places.get(place, []))
                await self._seat(row, chat, places.get(place, []))
        return self.notes(cluster.id)

    async def _open(self, cluster: Cluster, chat: Chat, place: tuple[str, str]) -> ClusterChannel | None:
        if not isinstance(chat, ChannelAdmin):
            return None
        name = cluster.channel_name or cluster.slug
        try:
            found = await chat.find_channel(place[1], name)
            channel = found or await chat.open_channel(place[1], name, topic=cluster.name)
        except ChatError as exc:
            log.warning("could not open channel %s for cluster %s on %s %s: %s", name, cluster.slug, *place, exc)
            return None
        with session_scope(self.engine) as session:
            row = ClusterChannel(cluster_id=cluster.id or 0, platform=channel.platform, workspace_id=channel.workspace,
                                 channel_id=channel.id, name=name, state=CHANNEL_OK)
            session.add(row)
            session.flush()
            session.refresh(row)
        log.info("cluster %s: %s channel #%s in %s %s", cluster.slug, "linked" if found else "opened", name, *place)
        return row

    def languages_for(self, cluster: Cluster, people: list[Member]) -> list[str]:
        """The translation languages of a cluster channel: its people's reading languages (most common first),
        then the cluster's own languages; only those the translator has."""
        if self.translation is None:
            return []
        settings = self.translation
        wanted = [settings.reading_language_of(member) for member in people]
        counted = sorted(dict.fromkeys(wanted), key=lambda code: -wanted.count(code))
        codes = counted + list(cluster.language_list)
        checked: list[str] = []
        for code in codes:
            try:
                target = settings.engine.check_target(code)
            except UserError:
                continue  # a language DeepL cannot translate into (Catalan, Basque…): left out
            if target not in checked:
                checked.append(target)
        return checked

    def _translate(self, cluster: Cluster, row: ClusterChannel, people: list[Member]) -> None:
        if self.translation is None:
            return
        channel = identity_of(row)
        current = self.translation.store.channel(channel)
        if current is not None and ",".join(current.language_list) != row.languages_set:
            return  # chosen by hand with /translation: left as it is
        languages = self.languages_for(cluster, people)
        if len(languages) < 2 and current is None:
            return  # one language: nothing to translate yet
        if current is not None and ",".join(languages) == row.languages_set:
            return
        if current is None:
            self.translation.set_mode(channel, TranslationMode.thread, by=None)
        self.translation.set_languages(channel, languages, by=None)
        with session_scope(self.engine) as session:
            stored = session.get(ClusterChannel, row.id)
            if stored is not None:
                stored.languages_set = ",".join(languages)
                session.add(stored)

    async def _seat(self, row: ClusterChannel, chat: Chat, people: list[Member]) -> None:
        if not isinstance(chat, ChannelAdmin) or row.id is None:
            return
        with session_scope(self.engine) as session:
            seated = set(session.exec(select(ClusterSeat.member_id).where(ClusterSeat.cluster_channel_id == row.id)))
        wanted = {member.id: member for member in people if member.id is not None}
        missing = [wanted[i] for i in wanted if i not in seated]
        gone = seated - set(wanted)
        channel = identity_of(row)
        try:
            if missing:
                let_in = await chat.let_in(channel, [Identity(m.platform, m.workspace_id, m.user_id) for m in missing])
                admitted = {(p.platform, p.workspace, p.id) for p in let_in}
                with session_scope(self.engine) as session:
                    for member in missing:
                        if (member.platform, member.workspace_id, member.user_id) in admitted:
                            session.add(ClusterSeat(cluster_channel_id=row.id, member_id=member.id or 0))
            if gone:
                with session_scope(self.engine) as session:
                    leaving = list(session.exec(select(Member).where(col(Member.id).in_(sorted(gone)))))
                await chat.let_out(channel, [Identity(m.platform, m.workspace_id, m.user_id) for m in leaving])
                with session_scope(self.engine) as session:
                    for seat in session.exec(select(ClusterSeat).where(
                            ClusterSeat.cluster_channel_id == row.id, col(ClusterSeat.member_id).in_(sorted(gone)))):
                        session.delete(seat)
        except ChatError as exc:
            # The platform says how the channel is (archived and deleted fail alike on Slack).
            try:
                state = await chat.channel_state(channel)
            except ChatError as again:
                state = _state_of(again)
            log.warning("cluster channel %s: %s (%s)", channel, exc.kind, exc.detail)
            self.mark(row, state)

    def mark(self, row: ClusterChannel, state: str) -> None:
        """Record what the platform said about a cluster channel (`ok`, `archived`, `gone`, `no_access`)."""
        if state == row.state:
            return
        with session_scope(self.engine) as session:
            stored = session.get(ClusterChannel, row.id)
            if stored is not None:
                stored.state = state
                session.add(stored)

    def mark_channel(self, channel: Identity, state: str) -> None:
        row = self.of_channel(channel)
        if row is not None:
            self.mark(row, state)

    # ------------------------------------------------------------ in the background

    async def reconcile(self) -> None:
        """Provision every active cluster once (what changed since: new people, cities that left)."""
        for cluster in self.clusters.all():
            try:
                await self.provision(cluster)
            except Exception:
                log.exception("could not keep the channels of cluster %s", cluster.slug)

    async def run(self, every: float = RECONCILE_EVERY, first_after: float = 30.0) -> None:
        """Reconcile `first_after` seconds after the start (once the platforms' chats are attached), then every
        `every` seconds, until `stop()` (or cancellation)."""
        self._stop.clear()
        wait = first_after
        while True:
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=wait)
                return
            except TimeoutError:
                pass
            await self.reconcile()
            wait = every

    def stop(self) -> None:
        self._stop.set()
