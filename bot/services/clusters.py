"""The clusters cities work in (thematic and regional), and which cities take part in each."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.models import City, Cluster, ClusterCoordinator, ClusterMembership, Member


class ClusterService:
    """Reading the network's clusters; every adapter and feature goes through it rather than to the tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def all(self) -> list[Cluster]:
        """Every cluster, by name."""
        with session_scope(self.engine) as session:
            return list(session.exec(select(Cluster).order_by(Cluster.name)))

    def find(self, slug: str) -> Cluster | None:
        """The cluster whose slug is `slug` (e.g. `anti-rumours`), or None."""
        with session_scope(self.engine) as session:
            return session.exec(select(Cluster).where(Cluster.slug == slug.strip().lower())).first()

    def of_city(self, city_id: int) -> list[Cluster]:
        """The clusters the city `city_id` takes part in, by name."""
        with session_scope(self.engine) as session:
            return list(session.exec(
                select(Cluster)
                .join(ClusterMembership, col(ClusterMembership.cluster_id) == col(Cluster.id))
                .where(ClusterMembership.city_id == city_id)
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

    def get(self, cluster_id: int) -> Cluster | None:
        with session_scope(self.engine) as session:
            return session.get(Cluster, cluster_id)

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
            session.add(ClusterCoordinator(cluster_id=cluster_id, member_id=member_id))
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
