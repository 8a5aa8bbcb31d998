"""The database tables of the whole domain; importing this package registers them all."""

from bot.models.core import (
    City,
    Cluster,
    ClusterChannel,
    ClusterKind,
    ClusterMembership,
    Member,
    Role,
)
from bot.models.practices import (
    Practice,
    PracticeReview,
    PracticeStatus,
    PracticeTheme,
    PracticeTranslation,
    ReviewAction,
)

__all__ = [
    "City",
    "Cluster",
    "ClusterChannel",
    "ClusterKind",
    "ClusterMembership",
    "Member",
    "Practice",
    "PracticeReview",
    "PracticeStatus",
    "PracticeTheme",
    "PracticeTranslation",
    "ReviewAction",
    "Role",
]
