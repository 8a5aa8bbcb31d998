"""The clusters cities work in (thematic and regional): reading them, creating and approving them, their cities,
coordinators and priorities, and who may change what."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from babel import Locale, UnknownLocaleError
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.errors import ROLE_HINTS, UserError
from bot.i18n import N_
from bot.models import (
    City,
    Cluster,
    ClusterCoordinator,
    ClusterKind,
    ClusterMembership,
    ClusterPriority,
    ClusterStatus,
    Member,
    Role,
)
from bot.models.practices import THEMES
from bot.ports import Clock, SystemClock
from bot.services.clusters.names import ascii_fold, clean_channel_name, slug_of

NAME_LIMIT = 120
DESCRIPTION_LIMIT = 2000
PRIORITY_LIMIT = 300
MAX_PRIORITIES = 12
MAX_LANGUAGES = 12

THEME_LIST = ", ".join(THEMES)

KIND_LABELS = {ClusterKind.thematic: N_("thematic"), ClusterKind.regional: N_("regional")}
STATUS_LABELS = {
    ClusterStatus.active: N_("active"),
    ClusterStatus.proposed: N_("proposed, waiting for the ICC team"),
    ClusterStatus.declined: N_("declined"),
}
#: Said after a refusal to edit a cluster: how to become one of its coordinators.
COORDINATOR_HINT = N_("To coordinate it, ask the ICC team with /request-role cluster_coordinator cluster:{slug}.")


@dataclass
class ClusterDraft:
    """What a person says a cluster is (creating it, or editing it): every value already checked."""

    name: str
    kind: ClusterKind = ClusterKind.thematic
    description: str = ""
    languages: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    channel_name: str = ""
    mirror_reactions: bool = False


# ---------------------------------------------------------------- checking what people type


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise UserError("Give the cluster a name.", field="name")
    if len(name) > NAME_LIMIT:
        raise UserError("The name is {length} characters long; at most {limit} please.", field="name",
                        length=len(name), limit=NAME_LIMIT)
    if not slug_of(name):
        raise UserError("“{value}” has no letter or digit a channel could be named after: use some in the name.",
                        field="name", value=name[:60])
    return name


def clean_description(value: str) -> str:
    text = value.strip()
    if len(text) > DESCRIPTION_LIMIT:
        raise UserError("The description is {length} characters long; at most {limit} please.", field="description",
                        length=len(text), limit=DESCRIPTION_LIMIT)
    return text


def clean_languages(value: str | Iterable[str]) -> list[str]:
    """Language codes (`pt, es`, `pt-BR`): each must be a language Babel knows; duplicates dropped."""
    raw = value.replace(";", ",").replace(" ", ",").split(",") if isinstance(value, str) else list(value)
    codes: list[str] = []
    for item in raw:
        code = item.strip().replace("_", "-")
        if not code:
            continue
        try:
            Locale.parse(code.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            raise UserError("“{value}” is not a language code. Use codes like pt, es, uk or pt-BR.",
                            field="languages", value=code[:20]) from None
        lowered = code.split("-")[0].lower() + ("-" + code.split("-")[1].upper() if "-" in code else "")
        if lowered not in codes:
            codes.append(lowered)
    if len(codes) > MAX_LANGUAGES:
        raise UserError("Give at most {limit} languages.", field="languages", limit=MAX_LANGUAGES)
    return codes


def clean_themes(value: str | Iterable[str]) -> list[str]:
    raw = value.split(",") if isinstance(value, str) else list(value)
    themes = list(dict.fromkeys(item.strip().lower() for item in raw if item.strip()))
    unknown = [theme for theme in themes if theme not in THEMES]
    if unknown:
        raise UserError("“{value}” is not a theme. Themes: {choices}.", field="themes", value=unknown[0][:40],
                        choices=THEME_LIST)
    return themes


def clean_priorities(value: str | Iterable[str]) -> list[str]:
    """One priority per line (a leading bullet or number is dropped)."""
    raw = value.splitlines() if isinstance(value, str) else list(value)
    priorities = []
    for line in raw:
        text = " ".join(line.strip().lstrip("•*-–0123456789.) ").split())
        if not text:
            continue
        if len(text) > PRIORITY_LIMIT:
            raise UserError("A priority is {length} characters long; at most {limit} each please.",
                            field="priorities", length=len(text), limit=PRIORITY_LIMIT)
        priorities.append(text)
    if len(priorities) > MAX_PRIORITIES:
        raise UserError("Give at most {limit} priorities.", field="priorities", limit=MAX_PRIORITIES)
    return priorities


def clean_channel(value: str) -> str:
    return clean_channel_name(value) if value.strip() else ""


class ClusterService:
    """The network's clusters; every adapter and feature goes through it rather than to the tables."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()

    # ------------------------------------------------------------ reading

    def all(self, *, include_waiting: bool = False) -> list[Cluster]:
        """Every active cluster (and, `include_waiting`, those proposed), by name."""
        query = select(Cluster).order_by(Cluster.name)
        if not include_waiting:
            query = query.where(Cluster.status == ClusterStatus.active)
        else:
            query = query.where(col(Cluster.status).in_([ClusterStatus.active, ClusterStatus.proposed]))
        with session_scope(self.engine) as session:
            return list(session.exec(query))

    def find(self, slug: str) -> Cluster | None:
        """The cluster whose slug is `slug` (e.g. `anti-rumours`), or None."""
        with session_scope(self.engine) as session:
            return session.exec(select(Cluster).where(Cluster.slug == slug.strip().lower())).first()

    def resolve(self, text: str) -> Cluster:
        """The cluster `text` names (its slug, or its name in any case and accents); a clear error otherwise."""
        wanted = text.strip().lstrip("#").strip()
        found = self.find(wanted) if wanted else None
        if found is None and wanted:
            folded = ascii_fold(wanted)
            found = next((c for c in self._all_rows() if ascii_fold(c.name) == folded or c.slug == slug_of(wanted)),
                         None)
        if found is not None and ClusterStatus(found.status) is not ClusterStatus.declined:
            return found
        if not wanted:
            raise UserError("Which cluster? Give its name; /cluster list shows them.", field="cluster")
        close = ", ".join([c.slug for c in self.all() if slug_of(wanted)[:4] and slug_of(wanted)[:4] in c.slug][:5])
        if close:
            raise UserError("There is no cluster called “{value}”. Did you mean: {choices}?", field="cluster",
                            value=wanted[:60], choices=close)
        raise UserError("There is no cluster called “{value}”. /cluster list shows them.", field="cluster",
                        value=wanted[:60])

    def active(self, text: str) -> Cluster:
        """Like `resolve`, for what only a working cluster allows (joining it, writing in it)."""
        cluster = self.resolve(text)
        if ClusterStatus(cluster.status) is ClusterStatus.proposed:
            raise UserError("{name} is proposed and waits for the ICC team's approval.", name=cluster.name)
        return cluster

    def _all_rows(self) -> list[Cluster]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Cluster)))

    def get(self, cluster_id: int) -> Cluster | None:
        with session_scope(self.engine) as session:
            return session.get(Cluster, cluster_id)

    def of_city(self, city_id: int) -> list[Cluster]:
        """The active clusters the city `city_id` takes part in, by name."""
        with session_scope(self.engine) as session:
            return list(session.exec(
                select(Cluster)
                .join(ClusterMembership, col(ClusterMembership.cluster_id) == col(Cluster.id))
                .where(ClusterMembership.city_id == city_id, Cluster.status == ClusterStatus.active)
                .order_by(Cluster.name)
            ))

    def cities(self, cluster_id: int) -> list[City]:
        """The cities taking part in the cluster `cluster_id`, by name."""
        with session_scope(self.engine) as session:
            return list(session.exec(
                select(City)
                .join(ClusterMembership, col(ClusterMembership.city_id) == col(City.id))
                .where(ClusterMembership.cluster_id == cluster_id)
                .order_by(City.name)
            ))

    def city_counts(self) -> dict[int, int]:
        """cluster id -> how many cities take part in it."""
        with session_scope(self.engine) as session:
            rows = session.exec(select(ClusterMembership.cluster_id, func.count())
                                .group_by(col(ClusterMembership.cluster_id)))
            return {int(cluster_id): int(count) for cluster_id, count in rows.all()}

    def people(self, cluster_id: int) -> list[Member]:
        """Everyone the bot knows in the cluster's cities, on every platform."""
        with session_scope(self.engine) as session:
            return list(session.exec(
                select(Member)
                .join(ClusterMembership, col(ClusterMembership.city_id) == col(Member.city_id))
                .where(ClusterMembership.cluster_id == cluster_id)
                .order_by(col(Member.id))
            ))

    def priorities(self, cluster_id: int) -> list[str]:
        """The cluster's priorities, in its order."""
        with session_scope(self.engine) as session:
            rows = session.exec(select(ClusterPriority).where(ClusterPriority.cluster_id == cluster_id)
                                .order_by(col(ClusterPriority.position), col(ClusterPriority.id)))
            return [row.text for row in rows]

    # ------------------------------------------------------------ cluster coordinators

    def coordinators(self, cluster_id: int) -> list[Member]:
        """The people who coordinate the cluster `cluster_id` (several allowed), by name."""
        with session_scope(self.engine) as session:
            return list(session.exec(
                select(Member)
                .join(ClusterCoordinator, col(ClusterCoordinator.member_id) == col(Member.id))
                .where(ClusterCoordinator.cluster_id == cluster_id)
                .order_by(Member.display_name)
            ))

    def coordinated_by(self, member_id: int) -> list[Cluster]:
        """The clusters the person `member_id` coordinates, by name."""
        with session_scope(self.engine) as session:
            return list(session.exec(
                select(Cluster)
                .join(ClusterCoordinator, col(ClusterCoordinator.cluster_id) == col(Cluster.id))
                .where(ClusterCoordinator.member_id == member_id)
                .order_by(Cluster.name)
            ))

    def is_coordinator(self, member_id: int | None, cluster_id: int) -> bool:
        """Whether the person `member_id` coordinates the cluster `cluster_id`."""
        if member_id is None:
            return False
        with session_scope(self.engine) as session:
            return session.exec(
                select(ClusterCoordinator.id).where(
                    ClusterCoordinator.cluster_id == cluster_id, ClusterCoordinator.member_id == member_id
                )
            ).first() is not None

    def add_coordinator(self, cluster_id: int, member_id: int) -> bool:
        """Make the person a coordinator of the cluster; False when they already were (nothing changed)."""
        if self.is_coordinator(member_id, cluster_id):
            return False
        with session_scope(self.engine) as session:
            session.add(ClusterCoordinator(cluster_id=cluster_id, member_id=member_id, since=self.clock.now()))
        return True

    def remove_coordinator(self, cluster_id: int, member_id: int) -> bool:
        """The person no longer coordinates the cluster; False when they did not (nothing changed)."""
        with session_scope(self.engine) as session:
            row = session.exec(
                select(ClusterCoordinator).where(
                    ClusterCoordinator.cluster_id == cluster_id, ClusterCoordinator.member_id == member_id
                )
            ).first()
            if row is None:
                return False
            session.delete(row)
        return True

    # ------------------------------------------------------------ who may change what

    def may_edit(self, member: Member, cluster: Cluster) -> bool:
        """The ICC team and the cluster's own coordinators change a cluster, its events and its priorities."""
        return Role(member.role) is Role.icc_team or self.is_coordinator(member.id, cluster.id or 0)

    def check_may_edit(self, member: Member, cluster: Cluster) -> None:
        if not self.may_edit(member, cluster):
            raise UserError("Only the coordinators of {name} and the ICC team can change it.",
                            hint=COORDINATOR_HINT, name=cluster.name, slug=cluster.slug)

    def city_acting_for(self, member: Member, city: City | None) -> City:
        """The city a person joins or leaves a cluster for: a coordinator's own, any city for the ICC team."""
        role = Role(member.role)
        if role is Role.icc_team:
            if city is None:
                raise UserError("Say which city: city:<name>.", field="city")
            return city
        if role is not Role.coordinator:
            raise UserError("Only city coordinators and the ICC team can do this.", hint=ROLE_HINTS["coordinator"])
        if member.city_id is None:
            raise UserError("Set your city first with /profile city <name>.", field="city")
        if city is not None and city.id != member.city_id:
            raise UserError("As a coordinator you speak for your own city only, not for {city}.", city=city.name)
        with session_scope(self.engine) as session:
            own = session.get(City, member.city_id)
        assert own is not None
        return own

    # ------------------------------------------------------------ creating, approving, editing

    def create(self, draft: ClusterDraft, *, by: Member) -> Cluster:
        """Create a cluster: working at once when the ICC team creates it, else proposed (the proposer's city
        joins it, and the proposer coordinates it once the ICC team approves). Nothing is written on error."""
        role = Role(by.role)
        if role not in (Role.icc_team, Role.coordinator):
            raise UserError("Only city coordinators and the ICC team can do this.", hint=ROLE_HINTS["coordinator"])
        slug = slug_of(draft.name)
        self._check_unique(draft.name, slug, draft.channel_name or slug)
        proposed = role is not Role.icc_team
        with session_scope(self.engine) as session:
            cluster = Cluster(
                slug=slug, name=draft.name, kind=draft.kind, description=draft.description,
                languages=",".join(draft.languages), themes=",".join(draft.themes),
                channel_name=draft.channel_name, mirror_reactions=draft.mirror_reactions,
                status=ClusterStatus.proposed if proposed else ClusterStatus.active,
                proposed_by=by.id if proposed else None, decided_by=None if proposed else by.id,
                created_at=self.clock.now(),
            )
            session.add(cluster)
            session.flush()
            assert cluster.id is not None
            self._write_priorities(session, cluster.id, draft.priorities, by)
            if proposed and by.city_id is not None:
                session.add(ClusterMembership(cluster_id=cluster.id, city_id=by.city_id, joined_at=self.clock.now()))
            session.flush()
            session.refresh(cluster)
            return cluster

    def _check_unique(self, name: str, slug: str, channel: str, *, except_id: int | None = None) -> None:
        for other in self._all_rows():
            if other.id == except_id or ClusterStatus(other.status) is ClusterStatus.declined:
                continue
            if ascii_fold(other.name) == ascii_fold(name) or (except_id is None and other.slug == slug):
                raise UserError("There is already a cluster called “{name}”.", field="name", name=other.name)
            if (other.channel_name or other.slug) == channel:
                raise UserError("The cluster {name} already uses the channel name “{value}”: choose another one.",
                                field="channel", name=other.name, value=channel)

    def decide(self, cluster_id: int, *, approve: bool, by: Member) -> tuple[Cluster, bool]:
        """The ICC team approves or declines a proposed cluster; returns it and whether this decided it (False:
        someone already had, and nothing changed)."""
        if Role(by.role) is not Role.icc_team:
            raise UserError("Only the ICC team can do this.", hint=ROLE_HINTS["icc_team"])
        with session_scope(self.engine) as session:
            cluster = session.get(Cluster, cluster_id)
            if cluster is None:
                raise UserError("This cluster no longer exists.")
            if ClusterStatus(cluster.status) is not ClusterStatus.proposed:
                return cluster, False
            if approve:
                cluster.status = ClusterStatus.active
                if cluster.proposed_by is not None:
                    exists = session.exec(select(ClusterCoordinator.id).where(
                        ClusterCoordinator.cluster_id == cluster_id,
                        ClusterCoordinator.member_id == cluster.proposed_by)).first()
                    if exists is None:
                        session.add(ClusterCoordinator(cluster_id=cluster_id, member_id=cluster.proposed_by,
                                                       since=self.clock.now()))
            else:
                cluster.status = ClusterStatus.declined
                # A declined proposal frees its name and slug for a better one.
                cluster.slug = f"{cluster.slug[:40]}-declined-{cluster_id}"
                for membership in session.exec(select(ClusterMembership)
                                               .where(ClusterMembership.cluster_id == cluster_id)):
                    session.delete(membership)
            cluster.decided_by = by.id
            session.add(cluster)
            session.flush()
            session.refresh(cluster)
            return cluster, True

    def update(self, cluster: Cluster, draft: ClusterDraft, *, by: Member) -> Cluster:
        """Change a cluster (its coordinators and the ICC team only); its slug never changes."""
        self.check_may_edit(by, cluster)
        self._check_unique(draft.name, cluster.slug, draft.channel_name or cluster.slug, except_id=cluster.id)
        with session_scope(self.engine) as session:
            stored = session.get(Cluster, cluster.id)
            assert stored is not None and stored.id is not None
            stored.name = draft.name
            stored.kind = draft.kind
            stored.description = draft.description
            stored.languages = ",".join(draft.languages)
            stored.themes = ",".join(draft.themes)
            stored.mirror_reactions = draft.mirror_reactions
            if draft.channel_name:
                stored.channel_name = draft.channel_name
            self._write_priorities(session, stored.id, draft.priorities, by)
            session.add(stored)
            session.flush()
            session.refresh(stored)
            return stored

    def set_priorities(self, cluster: Cluster, priorities: Sequence[str], *, by: Member) -> list[str]:
        self.check_may_edit(by, cluster)
        with session_scope(self.engine) as session:
            self._write_priorities(session, cluster.id or 0, list(priorities), by)
        return list(priorities)

    def _write_priorities(self, session: Session, cluster_id: int, priorities: Sequence[str], by: Member) -> None:
        for row in session.exec(select(ClusterPriority).where(ClusterPriority.cluster_id == cluster_id)):
            session.delete(row)
        for position, text in enumerate(priorities):
            session.add(ClusterPriority(cluster_id=cluster_id, position=position, text=text, updated_by=by.id,
                                        updated_at=self.clock.now()))

    # ------------------------------------------------------------ cities joining and leaving

    def join(self, cluster: Cluster, city: City) -> None:
        """`city` takes part in `cluster` from now on; a clear error when it already does (nothing changed)."""
        if ClusterStatus(cluster.status) is not ClusterStatus.active:
            raise UserError("{name} is proposed and waits for the ICC team's approval.", name=cluster.name)
        with session_scope(self.engine) as session:
            exists = session.exec(select(ClusterMembership.id).where(
                ClusterMembership.cluster_id == cluster.id, ClusterMembership.city_id == city.id)).first()
            if exists is not None:
                raise UserError("{city} is already in {name}.", city=city.name, name=cluster.name)
            assert cluster.id is not None and city.id is not None
            session.add(ClusterMembership(cluster_id=cluster.id, city_id=city.id, joined_at=self.clock.now()))

    def leave(self, cluster: Cluster, city: City) -> None:
        """`city` no longer takes part in `cluster`; a clear error when it did not (nothing changed)."""
        with session_scope(self.engine) as session:
            row = session.exec(select(ClusterMembership).where(
                ClusterMembership.cluster_id == cluster.id, ClusterMembership.city_id == city.id)).first()
            if row is None:
                raise UserError("{city} is not in {name}: there is nothing to leave.", city=city.name,
                                name=cluster.name)
            session.delete(row)

    def includes(self, cluster_id: int, city_id: int | None) -> bool:
        if city_id is None:
            return False
        with session_scope(self.engine) as session:
            return session.exec(select(ClusterMembership.id).where(
                ClusterMembership.cluster_id == cluster_id, ClusterMembership.city_id == city_id)).first() is not None
