"""The database tables of the whole domain; importing this package registers them all."""

from bot.models.core import (
    City,
    CityChannel,
    Cluster,
    ClusterChannel,
    ClusterCoordinator,
    ClusterKind,
    ClusterMembership,
    Member,
    Role,
)
from bot.models.delivery import Delivery, DeliveryState
from bot.models.practices import (
    Practice,
    PracticeReview,
    PracticeStatus,
    PracticeTheme,
    PracticeTranslation,
    ReviewAction,
)
from bot.models.roles import PlatformRole
from bot.models.slack import SlackEventReceipt, SlackInstallation, SlackOAuthState  # noqa: F401
from bot.models.submissions import FormSubmission
from bot.models.surveys import Survey, SurveyResponse, SurveyState, SurveyTarget
from bot.models.translation import (
    ChannelReader,
    ChannelTranslation,
    GlossaryState,
    MirrorChannel,
    ReadingLanguage,
    TranslatedPost,
    TranslationBudget,
    TranslationCacheEntry,
    TranslationMode,
    TranslationNotice,
    TranslationUsage,
)
from bot.models.worker import WorkerLease

__all__ = [
    "ChannelReader",
    "ChannelTranslation",
    "City",
    "CityChannel",
    "Cluster",
    "ClusterChannel",
    "ClusterCoordinator",
    "ClusterKind",
    "ClusterMembership",
    "Delivery",
    "DeliveryState",
    "FormSubmission",
    "GlossaryState",
    "Member",
    "MirrorChannel",
    "PlatformRole",
    "Practice",
    "PracticeReview",
    "PracticeStatus",
    "PracticeTheme",
    "PracticeTranslation",
    "ReadingLanguage",
    "ReviewAction",
    "Role",
    "Survey",
    "SurveyResponse",
    "SurveyState",
    "SurveyTarget",
    "TranslatedPost",
    "TranslationBudget",
    "TranslationCacheEntry",
    "TranslationMode",
    "TranslationNotice",
    "TranslationUsage",
    "WorkerLease",
]
