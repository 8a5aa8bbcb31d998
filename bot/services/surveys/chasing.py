"""Prompts and reminders of surveys, and their opening and closing on their dates, through the delivery service.

Each target's people get one prompt when the survey opens (the city's coordinators for a city's answer), and a
reminder on each of the definition's `chase` days before the closing date, at 09:00 in their city's time zone,
while their city (or they) have not answered. Every message is a delivery keyed by survey, kind and person, so
it goes once whatever runs twice; a reminder due while the worker was down goes when it comes back (only the
latest one, never two at once) and none after the deadline. Answering withdraws what was not sent yet.
`run_due` is what the scheduler calls; it keeps no state of its own (everything is in the tables).
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, select

from bot.db import session_scope
from bot.i18n import t
from bot.messages import Button, ButtonStyle, Identity, Reply
from bot.models import City, Member, Role, Survey, SurveyState, SurveyTarget
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.surveys.definitions import SurveyDef, text_in
from bot.services.surveys.service import SurveyService, _aware
from bot.services.surveys.store import definition_of

log = logging.getLogger(__name__)

#: Local time of day at which reminders go out.
CHASE_AT = time(9, 0)
ANSWER_ACTION = "survey-answer"


def prompt_key(survey_id: int) -> str:
    return f"survey:{survey_id}:prompt"


def chase_key(survey_id: int, days: int) -> str:
    return f"survey:{survey_id}:chase:{days}"


class SurveyReminders:
    """Sends what a survey needs sent, when it is due."""

    def __init__(self, surveys: SurveyService, delivery: DeliveryService) -> None:
        self.surveys = surveys
        self.store = surveys.store
        self.delivery = delivery
        #: Told with the ids of the chosen campaign days when a campaign-days vote closes (the calendar's).
        self.campaign_days_chosen: Any = None

    # ------------------------------------------------------------ who is asked

    def people_of(self, survey: Survey, targets: Iterable[SurveyTarget]) -> dict[int, list[Member]]:
        """The people to write to for each target (by target id): a city's coordinators, or the person."""
        targets = list(targets)
        found: dict[int, list[Member]] = defaultdict(list)
        with session_scope(self.surveys.engine) as session:
            if survey.per == "city":
                city_ids = [target.city_id for target in targets if target.city_id is not None]
                by_city: dict[int, list[Member]] = defaultdict(list)
                for start in range(0, len(city_ids), 500):
                    for member in session.exec(select(Member).where(
                        col(Member.city_id).in_(city_ids[start:start + 500]), Member.role == Role.coordinator,
                    ).order_by(col(Member.id))):
                        by_city[member.city_id or 0].append(member)
                for target in targets:
                    found[target.id or 0] = by_city.get(target.city_id or 0, [])
            else:
                ids = [target.member_id for target in targets if target.member_id is not None]
                members = {m.id: m for m in session.exec(select(Member).where(col(Member.id).in_(ids)))}
                for target in targets:
                    if target.member_id in members:
                        found[target.id or 0] = [members[target.member_id]]
        return found

    def _zones(self, targets: Iterable[SurveyTarget]) -> dict[int, ZoneInfo]:
        """Each target's time zone: its city's, else the network's."""
        city_ids = {target.city_id for target in targets if target.city_id is not None}
        zones: dict[int, ZoneInfo] = {}
        with session_scope(self.surveys.engine) as session:
            for city in session.exec(select(City).where(col(City.id).in_(list(city_ids)))):
                try:
                    zones[city.id or 0] = ZoneInfo(city.time_zone)
                except (ZoneInfoNotFoundError, ValueError):
                    zones[city.id or 0] = self.surveys.zone
        return zones

    # ------------------------------------------------------------ the messages

    def _message(self, survey: Survey, definition: SurveyDef, city: City | None, locale: str, *,
                 reminder: bool) -> Reply:
        title = text_in(definition.title, locale)
        deadline = self.surveys.day(survey.closes_at, locale)
        if reminder and city is not None:
            text = t(locale, "Reminder: {city} has not answered “{title}” yet. It closes on {date}.",
                     city=city.name, title=title, date=deadline)
        elif reminder:
            text = t(locale, "Reminder: you have not answered “{title}” yet. It closes on {date}.", title=title,
                     date=deadline)
        elif city is not None:
            text = t(locale, "The ICC team asks {city} to answer “{title}” by {date}. Any coordinator of the city "
                             "may answer for it; your answers are kept as you go and can be changed until then.",
                     city=city.name, title=title, date=deadline)
        else:
            text = t(locale, "The ICC team asks you to answer “{title}” by {date}. Your answers are kept as you go "
                             "and can be changed until then.", title=title, date=deadline)
        if definition.intro:
            text += "\n" + text_in(definition.intro, locale)
        if survey.anonymous:
            text += "\n" + t(locale, "This survey is anonymous: nobody, the ICC team included, can see who "
                                     "answered what.")
        button = Button(f"{ANSWER_ACTION}:{survey.id}", t(locale, "Answer"), value=str(survey.id),
                        style=ButtonStyle.primary)
        return Reply(text=text, buttons=[button], ephemeral=False)

    def _send(self, survey: Survey, targets: list[SurveyTarget], *, key: str, reminder: bool) -> int:
        """Enqueue one message per person of `targets` under `key`, in one go; returns how many were new.

        A survey opened to 140 cities writes 280 prompts: each text is composed once per city and language, and
        the rows are written in one transaction."""
        people = self.people_of(survey, targets)
        definition = definition_of(survey)
        cities = self._cities(targets) if survey.per == "city" else {}
        expires = _aware(survey.closes_at)
        made: dict[tuple[int, str], Reply] = {}
        outgoing = []
        for target in targets:
            city = cities.get(target.city_id or 0)
            for member in people.get(target.id or 0, []):
                locale = self.surveys.members.locale_for(member)
                text_key = (target.city_id or 0, locale)
                reply = made.get(text_key)
                if reply is None:
                    reply = made[text_key] = self._message(survey, definition, city, locale, reminder=reminder)
                outgoing.append(Outgoing(item=key, target=Identity(member.platform, member.workspace_id,
                                                                   member.user_id),
                                         reply=reply, locale=locale, direct=True, expires_at=expires))
        added = self.delivery.enqueue(outgoing) if outgoing else 0
        if added:
            self.delivery.kick()
        return added

    def _cities(self, targets: Iterable[SurveyTarget]) -> dict[int, City]:
        ids = list({target.city_id for target in targets if target.city_id is not None})
        with session_scope(self.surveys.engine) as session:
            return {city.id or 0: city for start in range(0, len(ids), 500)
                    for city in session.exec(select(City).where(col(City.id).in_(ids[start:start + 500])))}

    def prompt(self, survey: Survey) -> int:
        """Ask every target not answered yet (their people who were not asked already); returns how many new."""
        assert survey.id is not None
        targets = self.store.targets(survey.id, answered=False)
        return self._send(survey, targets, key=prompt_key(survey.id), reminder=False)

    def remind(self, survey: Survey) -> int:
        """A reminder now (the ICC team's `/survey remind`) to the targets not answered: once a day at most."""
        assert survey.id is not None
        day = self.surveys.clock.now().astimezone(self.surveys.zone).date().isoformat()
        targets = self.store.targets(survey.id, answered=False)
        return self._send(survey, targets, key=f"survey:{survey.id}:remind:{day}", reminder=True)

    def withdraw_for(self, survey: Survey, target: SurveyTarget) -> int:
        """The target answered: what was still to be sent to its people is not sent."""
        people = self.people_of(survey, [target]).get(target.id or 0, [])
        identities = [Identity(m.platform, m.workspace_id, m.user_id) for m in people]
        return self.delivery.withdraw(f"survey:{survey.id}:", identities, reason="answered")

    # ------------------------------------------------------------ on their dates

    def chase_moment(self, survey: Survey, days: int, zone: ZoneInfo) -> datetime:
        """When the reminder `days` before the closing date is due in `zone` (09:00 there)."""
        closing_day = _aware(survey.closes_at).astimezone(zone).date()
        return datetime.combine(closing_day - timedelta(days=days), CHASE_AT, tzinfo=zone)

    def chase(self, survey: Survey, now: datetime) -> int:
        """Enqueue the reminders due now to targets not answered (the latest due one each); returns how many."""
        assert survey.id is not None
        if now >= _aware(survey.closes_at):
            return 0
        definition = definition_of(survey)
        targets = self.store.targets(survey.id, answered=False)
        zones = self._zones(targets)
        due: dict[int, list[SurveyTarget]] = defaultdict(list)
        for target in targets:
            zone = zones.get(target.city_id or 0, self.surveys.zone)
            moments = [(self.chase_moment(survey, days, zone), days) for days in definition.chase]
            passed = [(moment, days) for moment, days in moments
                      if _aware(survey.opens_at) < moment <= now]
            if not passed:
                continue
            _, days = max(passed)
            if target.chased_for is not None and target.chased_for <= days:
                continue  # this one (or a later one) was sent already
            due[days].append(target)
        added = 0
        for days, chased in due.items():
            added += self._send(survey, chased, key=chase_key(survey.id, days), reminder=True)
            self.store.mark_chased([target.id for target in chased if target.id is not None], days)
        return added

    def open_due(self, now: datetime) -> list[Survey]:
        """Open the scheduled surveys whose date has come, and prompt their targets."""
        opened = []
        for survey in self.store.in_state(SurveyState.scheduled):
            if _aware(survey.opens_at) <= now and survey.id is not None:
                if self.store.set_state(survey.id, SurveyState.open, when=SurveyState.scheduled):
                    survey.state = SurveyState.open
                    self.prompt(survey)
                    opened.append(survey)
        return opened

    def close(self, survey: Survey, *, now: datetime | None = None) -> bool:
        """Close `survey`: no more answers, nothing more sent; an anonymous one forgets who answered. Returns
        False when it was closed already."""
        assert survey.id is not None
        now = now or self.surveys.clock.now()
        rates = response_rates(self.surveys, survey)
        if not self.store.set_state(survey.id, SurveyState.closed, when=SurveyState.open, closed_at=now) and \
                not self.store.set_state(survey.id, SurveyState.closed, when=SurveyState.scheduled, closed_at=now):
            return False
        self.delivery.withdraw(f"survey:{survey.id}:", reason="closed")
        if survey.anonymous:
            self.store.update_survey(survey.id, final_rates=json.dumps(rates.as_json(), sort_keys=True))
            self.store.forget_targets(survey.id)
            self.store.forget_deliveries(survey.id)
            self.store.shuffle_responses(survey.id, seed=os.urandom(16))
        definition = definition_of(survey)
        chosen = self._campaign_days_outcome(survey) if definition.outcome == "campaign-days" else None
        log.info("survey #%s closed: %d of %d answered", survey.id, rates.answered, rates.targets)
        title = definition.title
        names = {choice.id: choice.text for question in definition.questions for choice in question.choices or []}

        def closed_note(locale: str) -> Reply:
            text = t(locale, "“{title}” (#{id}) is closed: {answered} of {targets} answered. See /survey results "
                             "{id}.", title=text_in(title, locale), id=survey.id, answered=rates.answered,
                     targets=rates.targets)
            if chosen is not None:
                days = ", ".join(text_in(names.get(day), locale) or day for day in chosen) or "—"
                text += "\n" + t(locale, "The network's campaign days are now: {days}.", days=days)
            return Reply(text=text)

        self.delivery.to_icc_team(f"survey:{survey.id}:closed", closed_note)
        self.delivery.kick()
        return True

    def _campaign_days_outcome(self, survey: Survey) -> list[str] | None:
        """A closed campaign-days vote: the days it chose become the calendar's campaign days. Returns them, or
        None when nothing was changed (nobody voted, or the calendar refused)."""
        from bot.services.surveys.results import chosen_choices

        assert survey.id is not None
        if not self.store.responses(survey.id):
            log.info("survey #%s: nobody voted, the campaign days stay as they are", survey.id)
            return None
        chosen = chosen_choices(self.surveys, survey)
        self.store.update_survey(survey.id, outcome=json.dumps({"campaign_days": chosen}))
        if self.campaign_days_chosen is None:
            return None
        try:
            self.campaign_days_chosen(chosen)
        except Exception:
            log.exception("survey #%s: the chosen campaign days could not be given to the calendar", survey.id)
            return None
        return chosen

    def run_due(self, now: datetime | None = None) -> dict[str, int]:
        """Open, chase and close what is due now (the scheduler's job; safe to run twice or in two workers)."""
        now = now or self.surveys.clock.now()
        opened = self.open_due(now)
        chased = closed = 0
        for survey in self.store.in_state(SurveyState.open):
            if now >= _aware(survey.closes_at):
                closed += self.close(survey, now=now)
            else:
                chased += self.chase(survey, now)
        return {"opened": len(opened), "reminders": chased, "closed": closed}


# ---------------------------------------------------------------- response rates


class Rates:
    """Targets and answers in all, by region and by cluster (of the targets' cities)."""

    def __init__(self) -> None:
        self.targets = 0
        self.answered = 0
        self.by_region: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.by_cluster: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def as_json(self) -> dict[str, Any]:
        return {"targets": self.targets, "answered": self.answered, "by_region": dict(self.by_region),
                "by_cluster": dict(self.by_cluster)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rates:
        rates = cls()
        rates.targets, rates.answered = int(data.get("targets", 0)), int(data.get("answered", 0))
        rates.by_region.update({k: list(v) for k, v in (data.get("by_region") or {}).items()})
        rates.by_cluster.update({k: list(v) for k, v in (data.get("by_cluster") or {}).items()})
        return rates


def response_rates(surveys: SurveyService, survey: Survey) -> Rates:
    """How many targets answered, in all and by region and cluster (live; kept at close when anonymous)."""
    assert survey.id is not None
    if survey.final_rates:
        return Rates.from_json(json.loads(survey.final_rates))
    rates = Rates()
    targets = surveys.store.targets(survey.id)
    city_ids = {target.city_id for target in targets if target.city_id is not None}
    regions: dict[int, str] = {}
    clusters: dict[int, list[str]] = defaultdict(list)
    with session_scope(surveys.engine) as session:
        for city in session.exec(select(City).where(col(City.id).in_(list(city_ids)))):
            regions[city.id or 0] = city.region
    for cluster in surveys.clusters.all():
        if cluster.id is None:
            continue
        for city in surveys.clusters.cities(cluster.id):
            if city.id in city_ids:
                clusters[city.id or 0].append(cluster.slug)
    for target in targets:
        rates.targets += 1
        rates.answered += target.answered
        city_id = target.city_id or 0
        groups = [(rates.by_region, regions.get(city_id) or "")] + [(rates.by_cluster, slug)
                                                                    for slug in clusters[city_id]]
        for table, name in groups:
            table[name][0] += 1
            table[name][1] += target.answered
    return rates

