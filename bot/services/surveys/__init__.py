"""Surveys: definitions, answering with drafts, prompts and chasing, results and exports, anonymity.

`Surveys` is what the wiring registers as the feature "surveys" (`services.features["surveys"]`): the survey
service (definitions, targets, answering), its reminders (prompts, chases, opening and closing on their dates) and
the home's "Open surveys" part.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.messages import Section
from bot.models import Member
from bot.services.delivery import DeliveryService
from bot.services.surveys.chasing import SurveyReminders
from bot.services.surveys.service import SurveyService

if TYPE_CHECKING:
    from bot.services import Services


class Surveys:
    """The surveys feature: its service and its reminders."""

    def __init__(self, service: SurveyService, reminders: SurveyReminders) -> None:
        self.service = service
        self.reminders = reminders

    @classmethod
    def build(cls, services: Services, *, folders: Sequence[Path] = ()) -> Surveys:
        """The feature on the core's services; definitions from the package and `folders` (the data folder's
        `surveys/` by default)."""
        extra = tuple(folders) or (services.settings.data_dir / "surveys",)
        service = SurveyService(services.engine, members=services.members, cities=services.cities,
                                clusters=services.clusters, audiences=services.audiences, clock=services.clock,
                                time_zone=services.settings.time_zone, folders=extra)
        return cls(service, SurveyReminders(service, services.delivery))

    @property
    def delivery(self) -> DeliveryService:
        return self.reminders.delivery

    def home_sections(self, member: Member, locale: str) -> list[Section]:
        """The home's "Open surveys": what is open for the person, and what they answered."""
        return self.service.home_sections(member, locale)
