"""Bad input and the wrong people: a clear message, and nothing stored half-way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.i18n import t
from bot.messages import ButtonPressed, FormSubmitted
from bot.models import Member, Survey, SurveyResponse, SurveyTarget
from bot.services.surveys import Surveys
from bot.services.surveys.store import answers_of
from bot.wiring import Core
from integrations.console.adapter import CAPABILITIES
from tests.support.clock import MovableClock
from tests.surveys.helpers import as_person, check_definition, console, member, rows_of, write_definition
from tests.surveys.test_answering import FULL, answer, open_check

SLACK_LIKE = CAPABILITIES.__class__(modals=True, max_modal_fields=100, buttons=True)


async def submit(core: Core, who: str, survey_id: int, values: dict[str, str], *, edit: bool = False):  # type: ignore[no-untyped-def]
    """The whole form at once, as Slack sends a modal."""
    event = FormSubmitted(actor=console(who), channel=console("general"), form_id="survey",
                          values=values, state=f"{survey_id}:0:{'e' if edit else 'n'}")
    return await core.dispatcher.handle(event, SLACK_LIKE)


@pytest.fixture(autouse=True)
def in_english(core: Core, surveys: Surveys) -> None:
    for who in ("ana", "lucas"):
        core.services.members.set_language(console(who), "en")


GOOD = {"uses": "often", "useful": "3", "themes": "a", "partners": "5", "strategy": "yes", "comment": ""}


async def test_each_bad_answer_gets_a_clear_message_and_nothing_is_stored(core: Core, surveys: Surveys) -> None:
    survey = await open_check(core)
    assert survey.id is not None
    cases = {
        "uses": ({"uses": "sometimes"}, "“sometimes” is not a valid choice"),
        "useful": ({"useful": "9"}, "“9” is not a valid choice"),
        "themes": ({"themes": "a,b,c"}, "Choose at most 2."),
        "partners": ({"partners": "lots"}, "“lots” is not a number."),
        "strategy": ({"strategy": ""}, "is required"),
        "comment": ({"comment": "x" * 50_000}, "is too long: 50000 characters, at most 500."),
    }
    for name, (change, message) in cases.items():
        response = await submit(core, "ana", survey.id, {**GOOD, **change})
        assert name in response.errors and message in response.errors[name], (name, response.errors)
    # A required question whose condition is met, left empty.
    response = await submit(core, "ana", survey.id, {**GOOD, "useful": ""})
    assert response.errors == {"useful": "How useful is it? is required."}
    # The condition is not met: its answer is dropped.
    response = await submit(core, "ana", survey.id, {**GOOD, "uses": "never", "useful": "5"})
    assert not response.errors
    [stored] = rows_of(core, SurveyResponse)
    assert "useful" not in answers_of(stored.answers)
    assert all(not target.draft for target in rows_of(core, SurveyTarget))


async def test_a_second_answer_for_a_city_is_offered_as_an_edit(core: Core, surveys: Surveys) -> None:
    survey = await open_check(core)
    assert survey.id is not None
    await answer(core, "ana", FULL)
    core.services.members.get_or_create(console("rui"), display_name="Rui", platform_locale="en")
    core.services.members.set_city(console("rui"), "Lisbon")
    from bot.models import Role

    core.services.members.set_role(console("rui"), Role.coordinator)
    out = await as_person(core, "rui", ["/survey"])
    assert "answered by ana; you can edit it until" in out and "[#1 Edit the answer]" in out
    pressed = await core.dispatcher.handle(ButtonPressed(console("rui"), console("general"), "survey-answer:1",
                                                         str(survey.id)), CAPABILITIES)
    assert "Lisbon has answered already (ana). You can edit the answer until the survey closes." in \
        pressed.replies[0].text
    assert pressed.form is None and pressed.replies[0].buttons[0].action_id.startswith("survey-edit")
    # A whole form sent for Lisbon as a new answer: refused, nothing changed.
    response = await submit(core, "rui", survey.id, GOOD)
    assert "Lisbon has answered already" in response.replies[0].text
    assert len(rows_of(core, SurveyResponse)) == 1


async def test_after_the_deadline_nothing_is_taken(core: Core, surveys: Surveys, clock: MovableClock) -> None:
    survey = await open_check(core)
    assert survey.id is not None
    clock.moment = surveys.service.moment(surveys.service.definition(survey).closes, end_of_day=True) + timedelta(
        minutes=1)
    response = await submit(core, "ana", survey.id, GOOD)
    assert "This survey closed on January 31, 2030: answers can no longer be given or changed." in \
        response.replies[0].text
    assert rows_of(core, SurveyResponse) == []


async def test_members_strangers_and_coordinators_of_other_places(core: Core, surveys: Surveys) -> None:
    survey = await open_check(core)
    out = await as_person(core, "lucas", ["/survey", "/survey open network-check", "/survey results 1"])
    assert "No survey is open for you at the moment." in out
    assert out.count("Only the ICC team can do this.") == 2
    pressed = await core.dispatcher.handle(ButtonPressed(console("lucas"), console("general"), "survey-answer:1",
                                                         str(survey.id)), CAPABILITIES)
    assert "Your city's coordinators answer this survey for the city." in pressed.replies[0].text
    out = await as_person(core, "stranger", ["/survey", "/survey export 1"], role="member")
    assert "No survey is open for you at the moment." in out and "Only the ICC team can do this." in out
    pressed = await core.dispatcher.handle(ButtonPressed(console("stranger2"), console("general"), "survey-answer:1",
                                                         str(survey.id)), CAPABILITIES)
    assert "Set your city with /profile city <name>." in pressed.replies[0].text
    assert rows_of(core, SurveyResponse) == [] and all(not t.draft for t in rows_of(core, SurveyTarget))
    assert isinstance(member(core, "stranger"), Member)


async def test_the_team_gets_clear_messages_for_unknown_or_broken_surveys(core: Core, surveys: Surveys) -> None:
    out = await as_person(core, "ivana", ["/survey open nothing-like-it", "/survey close 99", "/survey results x",
                                          "/survey open network-check closes:2029-12-01",
                                          "/survey open network-check closes:31/01/2030"])
    assert "There is no survey called “nothing-like-it”. Surveys:" in out and "network-check" in out
    assert "There is no survey “99”. See /survey status." in out
    assert "before it opens: give another closing date" in out
    assert "“31/01/2030” is not a date (write it as 2027-03-21)." in out
    await open_check(core)
    out = await as_person(core, "ivana", ["/survey open network-check"])
    assert "“network-check” is already open (#1). Close it first: /survey close 1" in out


def _unknown_kind(definition: dict) -> None:  # type: ignore[type-arg]
    definition["questions"][3]["kind"] = "ranking"


def _duplicate_id(definition: dict) -> None:  # type: ignore[type-arg]
    definition["questions"][4]["id"] = "themes"


def _condition_on_a_later_question(definition: dict) -> None:  # type: ignore[type-arg]
    definition["questions"][0]["when"] = {"question": "strategy", "is": ["yes"]}


def _missing_language(definition: dict) -> None:  # type: ignore[type-arg]
    del definition["questions"][2]["text"]["uk"]


@pytest.mark.parametrize(("breaks", "expected"), [
    (_unknown_kind, "« ranking » n'est pas un type de question."),
    (_duplicate_id, "L'id « themes » est utilisé deux fois."),
    (_condition_on_a_later_question, "« strategy »"),
    (_missing_language, "« uk »"),
])
async def test_a_broken_definition_is_told_in_the_teams_language_with_its_line_and_nothing_opens(
    core: Core, surveys: Surveys, definitions: Path, breaks: Callable[[dict], None], expected: str,  # type: ignore[type-arg]
) -> None:
    broken = check_definition(id="broken-check")
    breaks(broken)
    path = write_definition(definitions, broken)
    core.services.members.set_language(console("ivana"), "fr")
    out = await as_person(core, "ivana", ["/survey open broken-check"], locale="fr")
    assert "La définition de cette enquête pose problème :" in out, out
    assert f"{path.as_posix()}, ligne " in out and expected in out, out
    assert rows_of(core, Survey) == [] and rows_of(core, SurveyTarget) == []


async def test_bad_answers_are_told_in_the_persons_language(core: Core, surveys: Surveys) -> None:
    survey = await open_check(core)
    assert survey.id is not None
    core.services.members.set_language(console("ana"), "fr")
    response = await submit(core, "ana", survey.id, {**GOOD, "uses": "sometimes", "comment": "x" * 50_000})
    assert response.errors["comment"] == t("fr", "{field} is too long: {length} characters, at most {limit}.",
                                           field=t("fr", "Anything else?"), length=50_000, limit=500)
    assert response.errors["comment"].startswith("Anything else? est trop long : 50")
    assert "« sometimes »" in response.errors["uses"]
    assert rows_of(core, SurveyResponse) == [] and all(not target.draft for target in rows_of(core, SurveyTarget))
