"""A survey as its people use it in the console: opened by the ICC team, answered page by page by coordinators,
resumed, edited, chased politely, closed; what the others see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.models import Delivery, DeliveryState, Survey, SurveyResponse, SurveyState, SurveyTarget
from bot.services.surveys import Surveys
from bot.services.surveys.store import answers_of
from bot.wiring import Core
from tests.support.clock import MovableClock
from tests.surveys.helpers import CITIES, as_person, member, rows_of

FULL = ["often", "4", "a,b", "12", "yes", "Great network", ""]


async def open_check(core: Core, name: str = "network-check") -> Survey:
    out = await as_person(core, "ivana", [f"/survey open {name}"])
    assert "is open (#" in out, out
    [survey] = [s for s in rows_of(core, Survey) if s.definition_id == name]
    return survey


async def answer(core: Core, who: str, answers: list[str], *, button: str = "#1") -> str:
    return await as_person(core, who, ["/survey", button, *answers])


def prompts(core: Core, survey: Survey, kind: str = "prompt") -> list[Delivery]:
    return [row for row in rows_of(core, Delivery) if row.item.startswith(f"survey:{survey.id}:{kind}")]


async def test_a_survey_to_twelve_cities_answered_resumed_edited_and_chased(
    core: Core, surveys: Surveys, clock: MovableClock
) -> None:
    survey = await open_check(core)
    assert survey.state is SurveyState.open
    assert len(rows_of(core, SurveyTarget)) == 12
    assert sorted(row.target_id for row in prompts(core, survey)) == sorted(c[4] for c in CITIES)

    # Six cities answer in one go.
    for who in ("joan", "mireille", "olena", "katrin", "aoife", "claire"):
        out = await answer(core, who, FULL)
        assert "answer to “Network check” is recorded" in out, out
    # Lisbon's coordinator answers half, leaves, and comes back to the same place.
    out = await answer(core, "ana", ["never", "c"] + ["/cancel"])
    assert "The answers you gave so far are kept" in out
    [lisbon] = [t for t in rows_of(core, SurveyTarget) if t.city_id == member(core, "ana").city_id]
    assert answers_of(lisbon.draft) == {"uses": "never", "themes": ["c"]} and not lisbon.answered
    out = await as_person(core, "ana", ["/survey"])
    assert "started, not sent yet" in out and "[#1 Continue]" in out
    out = await answer(core, "ana", ["0", "no", ""])
    first_asked = out.split("== ")[2]
    assert "How many partners?" in first_asked and "Do you use the Index?" not in first_asked
    assert "Lisbon's answer to “Network check” is recorded" in out
    # Stuttgart edits its answer.
    out = await as_person(core, "katrin", ["/survey", "#1", "", "2", "", "", "no", "", ""])
    assert "Your changes are saved." in out
    responses = rows_of(core, SurveyResponse)
    assert len(responses) == 7
    stuttgart = next(r for r in responses if r.city_id == member(core, "katrin").city_id)
    assert answers_of(stuttgart.answers) == {"uses": "often", "useful": 2, "themes": ["a", "b"], "partners": 12,
                                             "strategy": "no", "comment": "Great network"}

    # Seven days before the closing date, 09:00 in each city: reminders to the five others only.
    reminders = surveys.reminders
    clock.moment = datetime(2030, 1, 24, 7, 59, tzinfo=UTC)  # 08:59 in Rome, Stockholm and Madrid
    assert reminders.run_due()["reminders"] == 0
    clock.moment = datetime(2030, 1, 24, 8, 0, tzinfo=UTC)
    reminders.run_due()
    assert sorted(row.target_id for row in prompts(core, survey, "chase")) == ["giulia", "itziar", "sara"]
    # Tokyo and Nicosia close on 1 February, their time: their reminder comes on 25 January, at 09:00 there.
    clock.moment = datetime(2030, 1, 25, 7, 0, tzinfo=UTC)
    reminders.run_due()
    chased = sorted(row.target_id for row in prompts(core, survey, "chase"))
    assert chased == sorted(["giulia", "yuki", "sara", "itziar", "eleni"])
    assert reminders.run_due()["reminders"] == 0  # twice is once
    # One more city answers: its reminder two days before is not sent, and the pending one is withdrawn.
    await answer(core, "giulia", FULL)
    clock.moment = datetime(2030, 1, 30, 12, 0, tzinfo=UTC)
    reminders.run_due()
    second = sorted(row.target_id for row in prompts(core, survey, "chase:2"))
    assert second == sorted(["yuki", "sara", "itziar", "eleni"])
    # After the deadline: closed, nothing more sent, no answer taken.
    clock.moment = surveys.service.moment(survey_date(surveys, survey)) + timedelta(days=1)
    assert reminders.run_due()["closed"] == 1
    chases = prompts(core, survey, "chase") + prompts(core, survey, "prompt")
    assert chases and all(row.state is not DeliveryState.pending for row in chases)
    assert [row.target_id for row in prompts(core, survey, "closed")] == ["ivana"]  # the ICC team is told
    out = await answer(core, "eleni", FULL)
    assert "closed on" in out and len(rows_of(core, SurveyResponse)) == 8


def survey_date(surveys: Surveys, survey: Survey) -> date | datetime:
    return surveys.service.definition(survey).closes
