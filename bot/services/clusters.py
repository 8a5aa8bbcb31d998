"""The clusters cities work in (thematic and regional), and which cities take part in each."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.models import City, Cluster, ClusterMembership


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
