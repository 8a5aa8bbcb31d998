"""The survey service: opening and closing surveys, who answers them, answering page by page, and the home part.

A survey is opened from a definition (`bot/data/surveys/`, or the data folder's `surveys/`): its targets (each city
of the audience, or each person) are written at once, and the prompts go out through the delivery service when it
opens. Answers are saved page by page as a draft of the target (resumable by any coordinator of the city), and sent
as one response, editable until the deadline. Reminders and the opening and closing on their dates are
`SurveyReminders`' work (`bot/services/surveys/chasing.py`), run by the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import format_date, t
from bot.messages import Form, Identity, Section
from bot.models import City, Member, Role, Survey, SurveyState, SurveyTarget
from bot.ports import Clock
from bot.services.audience import AudienceService
from bot.services.clusters import ClusterService
from bot.services.members import CityDirectory, MemberService
from bot.services.surveys.definitions import (
    PACKAGED,
    Catalogue,
    ChoiceDef,
    SurveyDef,
    load_catalogue,
    text_in,
)
from bot.services.surveys.questions import (
    Answers,
    Page,
    field_for,
    first_unanswered,
    missing,
    pages,
    read_page,
    relevant,
)
from bot.services.surveys.store import SurveyStore, answers_of, city_key, definition_of, member_key
from bot.settings import SUPPORTED_LOCALES

log = logging.getLogger(__name__)

#: The form every survey page is (its state says which survey, page and whether it edits an answer).
FORM_ID = "survey"

#: Choices a definition takes from elsewhere (`choices_from`): name -> what gives them when a survey opens.
ChoiceSource = Callable[[], list[ChoiceDef]]


@dataclass(frozen=True)
class PageState:
    """What a survey form page is: the survey, the page, and whether it edits a sent answer."""

    survey_id: int
    page: int
    edit: bool = False

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.page}:{'e' if self.edit else 'n'}"

    @classmethod
    def parse(cls, state: str) -> PageState:
        parts = state.split(":")
        try:
            return cls(int(parts[0]), int(parts[1]), len(parts) > 2 and parts[2] == "e")
        except (ValueError, IndexError):
            raise UserError("This form has expired or was never opened. Please start again.") from None


@dataclass(frozen=True)
class Standing:
    """A survey as one person sees it: open to them or not, answered or not (by whom), a draft or not."""

    survey: Survey
    target: SurveyTarget
    definition: SurveyDef


@dataclass(frozen=True)
class Saved:
    """What a page's submission came to: the next page to fill in, or the sent answer (with every answer)."""

    next_page: Form | None = None
    answers: Answers | None = None
    edited: bool = False


class SurveyService:
    """Surveys for every platform (`services.features["surveys"]`)."""

    def __init__(self, engine: Any, *, members: MemberService, cities: CityDirectory, clusters: ClusterService,
                 audiences: AudienceService, clock: Clock, time_zone: str, folders: Sequence[Path] = ()) -> None:
        self.engine = engine
        self.store = SurveyStore(engine)
        self.members = members
        self.cities = cities
        self.clusters = clusters
        self.audiences = audiences
        self.clock = clock
        self.zone = ZoneInfo(time_zone)
        self.folders = (PACKAGED, *folders)
        self.choice_sources: dict[str, ChoiceSource] = {"clusters": self._cluster_choices}

    # ------------------------------------------------------------ definitions

    def catalogue(self) -> Catalogue:
        """Every definition, read again (a file edited since is taken as it is now)."""
        root = PACKAGED.parents[2]

        def shown(path: Path) -> str:
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                return path.as_posix()

        return load_catalogue(*self.folders, shown=shown)

    def _cluster_choices(self) -> list[ChoiceDef]:
        return [ChoiceDef(id=cluster.slug, text=dict.fromkeys(SUPPORTED_LOCALES, cluster.name))
                for cluster in self.clusters.all()]

    def _filled(self, definition: SurveyDef) -> SurveyDef:
        """The definition with the choices it takes from the network (`choices_from`) written in."""
        questions = []
        for question in definition.questions:
            if question.choices_from is not None:
                source = self.choice_sources.get(question.choices_from)
                choices = source() if source is not None else []
                if not choices:
                    raise UserError("The question “{question}” takes its choices from {source}, and there are none "
                                    "yet.", question=question.id, source=question.choices_from)
                question = question.model_copy(update={"choices": choices, "choices_from": None})
            questions.append(question)
        return definition.model_copy(update={"questions": questions})

    # ------------------------------------------------------------ opening and closing

    def moment(self, day: date | datetime, *, end_of_day: bool = False) -> datetime:
        """A definition's date as a moment in the network's time zone (a closing date lasts the whole day)."""
        if isinstance(day, datetime):
            return day if day.tzinfo is not None else day.replace(tzinfo=self.zone)
        return datetime.combine(day, time(23, 59) if end_of_day else time(0, 0), tzinfo=self.zone)

    def open(self, definition_id: str, *, by: Member, locale: str, opens: date | None = None,
             closes: date | None = None, now_requested: bool = False) -> Survey:
        """Open the survey `definition_id` (now, or on its opening date), write its targets; `UserError` otherwise.

        The prompts go out when it opens (`SurveyReminders.run_due`, or at once by the caller).
        """
        catalogue = self.catalogue()
        definition = catalogue.surveys.get(definition_id.strip().lower())
        if definition is None:
            broken = next((error for name, error in catalogue.broken.items() if definition_id in name), None)
            if broken is not None:
                raise UserError("The definition of this survey has problems:\n{problems}",
                                problems=broken.describe(locale))
            known = ", ".join(sorted(catalogue.surveys)) or "-"
            raise UserError("There is no survey called “{value}”. Surveys: {choices}.", value=definition_id[:60],
                            choices=known)
        running = self.store.running(definition.id)
        if running is not None:
            raise UserError("“{value}” is already open (#{id}). Close it first: /survey close {id}",
                            value=definition.id, id=running.id)
        audience = self.audiences.parse(definition.audience)
        now = self.clock.now()
        closes_at = self.moment(closes or definition.closes, end_of_day=True)
        if now_requested or (opens is None and definition.opens is None):
            opens_at = now
        else:
            opens_at = max(now, self.moment(opens or definition.opens, end_of_day=False))  # type: ignore[arg-type]
        if closes_at <= opens_at:
            raise UserError("It would close on {date}, before it opens: give another closing date, such as "
                            "closes:{example}.", date=self.day(closes_at, locale),
                            example=(opens_at + timedelta(days=30)).date().isoformat())
        filled = self._filled(definition)
        if filled.per == "city":
            cities = self.audiences.cities(audience)
            targets = [SurveyTarget(survey_id=0, target_key=city_key(c.id), city_id=c.id)
                       for c in cities if c.id is not None]
        else:
            people = self.audiences.people(audience)
            targets = [SurveyTarget(survey_id=0, target_key=member_key(m.id), member_id=m.id, city_id=m.city_id)
                       for m in people if m.id is not None]
        if not targets:
            raise UserError("Nobody is in this survey's audience ({audience}): nothing was opened.",
                            audience=str(audience))
        survey = Survey(
            definition_id=filled.id, title=text_in(filled.title, "en")[:200],
            definition=filled.model_dump_json(by_alias=True), audience=str(audience), per=filled.per,
            anonymous=filled.anonymous, state=SurveyState.scheduled, opens_at=opens_at.astimezone(UTC),
            closes_at=closes_at.astimezone(UTC),
            opened_by=by.id, created_at=now,
        )
        survey = self.store.add(survey, targets)
        log.info("survey #%s (%s) opened for %d targets, closing %s", survey.id, survey.definition_id, len(targets),
                 closes_at.isoformat())
        return survey

    def get(self, reference: str) -> Survey:
        """The survey a person named (a number or a definition id); `UserError` when there is none."""
        survey = self.store.find(reference)
        if survey is None:
            raise UserError("There is no survey “{value}”. See /survey status.", value=reference[:60])
        return survey

    def definition(self, survey: Survey) -> SurveyDef:
        return definition_of(survey)

    # ------------------------------------------------------------ who answers

    def respondent(self, member: Member) -> Member:
        """The person as a survey knows them: on Discord a direct message comes from outside any server, so the
        same account in a server (with its city and role) answers instead."""
        if member.city_id is not None or member.role != Role.member:
            return member
        with session_scope(self.engine) as session:
            others = list(session.exec(select(Member).where(
                Member.platform == member.platform, Member.user_id == member.user_id, col(Member.id) != member.id,
            )))
        known = [other for other in others if other.city_id is not None or other.role != Role.member]
        return known[0] if len(known) == 1 else member

    def target_for(self, survey: Survey, member: Member) -> SurveyTarget:
        """The target `member` answers for (their city, or themselves); `UserError` saying why when none."""
        assert survey.id is not None
        if survey.per == "city":
            if member.city_id is None:
                raise UserError("This survey is answered by city coordinators for their city. Set your city with "
                                "/profile city <name>.")
            target = self.store.target(survey.id, city_key(member.city_id))
            if target is None:
                raise UserError("Your city is not among those this survey asks.")
            if member.role == Role.member:
                raise UserError("Your city's coordinators answer this survey for the city. If that is you, ask the "
                                "ICC team to make you a coordinator.")
            return target
        target = self.store.target(survey.id, member_key(member.id or 0))
        if target is None:
            raise UserError("This survey was not sent to you.")
        return target

    def day(self, moment: datetime, locale: str) -> str:
        """A moment's date in the network's time zone, as `locale` writes it."""
        return format_date(locale, _aware(moment).astimezone(self.zone))

    def check_open(self, survey: Survey, locale: str) -> None:
        """`UserError` unless the survey takes answers now."""
        now = self.clock.now()
        if survey.state == SurveyState.scheduled or now < _aware(survey.opens_at):
            raise UserError("This survey opens on {date}.", date=self.day(survey.opens_at, locale))
        if survey.state == SurveyState.closed or now >= _aware(survey.closes_at):
            raise UserError("This survey closed on {date}: answers can no longer be given or changed.",
                            date=self.day(survey.closes_at, locale))

    def standings(self, member: Member) -> list[Standing]:
        """Every survey open to `member` (scheduled, open, or closed within 30 days), newest first."""
        keys = [member_key(member.id or 0)]
        if member.city_id is not None and member.role != Role.member:
            keys.append(city_key(member.city_id))
        found = []
        cutoff = self.clock.now() - timedelta(days=30)
        for target in self.store.targets_of(keys):
            survey = self.store.get(target.survey_id)
            if survey is None or survey.state == SurveyState.scheduled:
                continue
            if survey.state == SurveyState.closed and _aware(survey.closes_at) < cutoff:
                continue
            found.append(Standing(survey, target, definition_of(survey)))
        return sorted(found, key=lambda s: s.survey.id or 0, reverse=True)

    # ------------------------------------------------------------ answering, page by page

    def _answers_so_far(self, target: SurveyTarget, *, edit: bool) -> Answers:
        draft = answers_of(target.draft)
        if draft or not edit or target.response_id is None:
            return draft
        response = self.store.response(target.response_id)
        return answers_of(response.answers) if response is not None else {}

    def begin(self, survey: Survey, member: Member, *, per_page: int, locale: str, edit: bool = False) -> Form:
        """The page to fill in: where a draft stopped, or the first page (pre-filled with the answer, to edit).

        `UserError` when the person may not answer, the survey is not open, or it was answered (then `Answered`).
        """
        self.check_open(survey, locale)
        target = self.target_for(survey, member)
        if target.answered and not edit:
            raise Answered(target)
        answers = self._answers_so_far(target, edit=edit)
        definition = definition_of(survey)
        all_pages = pages(definition, answers, per_page)
        start = 0 if edit and not target.draft else first_unanswered(all_pages, answers)
        if edit and not target.draft and target.id is not None:
            self.store.save_draft(target.id, answers, by=member.id, at=self.clock.now())
        assert survey.id is not None
        return self.page_form(definition, all_pages, PageState(survey.id, start, edit), answers, locale)

    def page_form(self, definition: SurveyDef, all_pages: list[Page], state: PageState, answers: Answers,
                  locale: str) -> Form:
        """The form of page `state.page` in `locale`, pre-filled with `answers`."""
        index = min(state.page, len(all_pages) - 1)
        page = all_pages[index]
        title = text_in(definition.title, locale)
        if len(all_pages) > 1:
            title = f"{title} ({index + 1}/{len(all_pages)})"
        last = index == len(all_pages) - 1
        return Form(
            form_id=FORM_ID, title=title,
            submit_label=t(locale, "Send") if last else t(locale, "Save and continue"),
            fields=[field_for(q, locale, answers, inline_conditions=page.inline_conditions, survey=definition)
                    for q in page.questions],
            state=str(PageState(state.survey_id, index, state.edit)),
            on_stop=t(locale, "Stopped. The answers you gave so far are kept: /survey to go on."),
        )

    def build_page(self, state: PageState, member: Member, *, per_page: int, locale: str) -> Form:
        """The page a submission answers, rebuilt to check it (the dispatcher's form check)."""
        survey = self._survey(state.survey_id)
        target = self.target_for(survey, member)
        answers = self._answers_so_far(target, edit=state.edit)
        definition = definition_of(survey)
        return self.page_form(definition, pages(definition, answers, per_page), state, answers, locale)

    def save_page(self, state: PageState, member: Member, values: dict[str, str], *, per_page: int,
                  locale: str) -> Saved:
        """Keep a submitted page's answers in the draft; the next page, or (after the last) the answer sent.

        Raises `UserError` (nothing stored) when the survey is closed or the page's answers do not fit; a field's
        error comes back as `PageErrors`.
        """
        survey = self._survey(state.survey_id)
        self.check_open(survey, locale)
        target = self.target_for(survey, member)
        if target.answered and not state.edit:
            raise Answered(target)
        definition = definition_of(survey)
        answers = self._answers_so_far(target, edit=state.edit)
        all_pages = pages(definition, answers, per_page)
        page = all_pages[min(state.page, len(all_pages) - 1)]
        merged, errors = read_page(definition, page, values, answers, locale)
        if errors:
            raise PageErrors(errors)
        now = self.clock.now()
        assert target.id is not None and survey.id is not None
        following = pages(definition, merged, per_page)
        next_index = state.page + 1
        if next_index < len(following):
            self.store.save_draft(target.id, merged, by=member.id, at=now)
            form = self.page_form(definition, following, PageState(survey.id, next_index, state.edit), merged, locale)
            return Saved(next_page=form)
        merged = relevant(definition, merged)
        absent = missing(definition, merged)
        if absent:
            self.store.save_draft(target.id, merged, by=member.id, at=now)
            first = next(i for i, p in enumerate(following) if any(q.id == absent[0].id for q in p.questions))
            form = self.page_form(definition, following, PageState(survey.id, first, state.edit), merged, locale)
            return Saved(next_page=form)
        edited = target.response_id is not None
        self.store.record(survey, target, merged, member_id=member.id, city_id=target.city_id or member.city_id,
                          now=now, edit=edited)
        if survey.anonymous:
            log.info("survey #%s: an answer was recorded", survey.id)  # who and what stay unsaid
        else:
            log.info("survey #%s: %s answered (by member %s)", survey.id, target.target_key, member.id)
        return Saved(answers=merged, edited=edited)

    def _survey(self, survey_id: int) -> Survey:
        survey = self.store.get(survey_id)
        if survey is None:
            raise UserError("This form has expired or was never opened. Please start again.")
        return survey

    # ------------------------------------------------------------ the home's "Open surveys"

    def home_sections(self, member: Member, locale: str) -> list[Section]:
        """What is open for `member` and what they (or their city) answered."""
        lines = [standing_line(self, standing, locale) for standing in self.standings(self.respondent(member))]
        return [Section(text="\n".join(lines))] if lines else []

    def city(self, city_id: int | None) -> City | None:
        return self.cities.get(city_id) if city_id else None

    def member(self, member_id: int | None) -> Member | None:
        return self.members.get(member_id) if member_id else None

    def identity_of(self, member: Member) -> Identity:
        return Identity(member.platform, member.workspace_id, member.user_id)


class Answered(UserError):
    """The target has answered already: offered as an edit instead."""

    def __init__(self, target: SurveyTarget) -> None:
        super().__init__("This has been answered already. You can edit the answer until the survey closes.")
        self.target = target


class PageErrors(UserError):
    """Answers on a page that do not fit, by question id."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Please correct the answers marked.")
        self.errors = errors


def standing_line(service: SurveyService, standing: Standing, locale: str) -> str:
    """One line on a survey for a person: its title, its deadline, and where they are with it."""
    survey, target = standing.survey, standing.target
    title = text_in(standing.definition.title, locale)
    deadline = service.day(survey.closes_at, locale)
    if survey.state == SurveyState.closed:
        return t(locale, "#{id} {title}: closed on {date}.", id=survey.id, title=title, date=deadline)
    if target.answered:
        # Who answered for the city (an answer of one's own, or an anonymous one, needs no name).
        who = service.member(target.answered_by) if survey.per == "city" and not survey.anonymous else None
        if who is not None:
            return t(locale, "#{id} {title}: answered by {name}; you can edit it until {date}.", id=survey.id,
                     title=title, name=who.display_name or who.user_id, date=deadline)
        return t(locale, "#{id} {title}: answered; you can edit it until {date}.", id=survey.id, title=title,
                 date=deadline)
    if target.draft:
        return t(locale, "#{id} {title}: started, not sent yet; finish it by {date}.", id=survey.id, title=title,
                 date=deadline)
    return t(locale, "#{id} {title}: open until {date}.", id=survey.id, title=title, date=deadline)


def _aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their time zone: they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

