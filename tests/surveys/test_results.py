"""Results, charts and exports checked cell by cell; an anonymous survey checked in the database, the exports,
the results and the logs."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot.messages import CommandInvoked
from bot.models import Delivery, FormSubmission, SurveyResponse, SurveyTarget
from bot.services.surveys import Surveys
from bot.services.surveys.export import export
from bot.services.surveys.results import results_reply
from bot.wiring import Core
from integrations.console.adapter import CAPABILITIES
from tests.support.clock import MovableClock
from tests.surveys.helpers import as_person, console, rows_of
from tests.surveys.test_answering import answer, open_check

ANSWERS = {
    "joan": ["often", "4", "a,b", "12", "yes", "Muy buena red", ""],
    "mireille": ["rarely", "2", "b", "3", "no", ""],
    "olena": ["never", "c", "0", "yes", ""],
    "katrin": ["often", "5", "a", "40", "yes", "Mehr Treffen, bitte", ""],
}


async def answered_by_four(core: Core, name: str) -> int:
    survey = await open_check(core, name)
    for who, answers in ANSWERS.items():
        out = await answer(core, who, answers)
        assert "is recorded" in out, out
    assert survey.id is not None
    return survey.id


async def test_results_and_export_cell_by_cell(core: Core, surveys: Surveys, tmp_path: Path) -> None:
    survey_id = await answered_by_four(core, "network-check")
    survey = surveys.service.get(str(survey_id))
    reply = await results_reply(surveys.service, survey, "en")
    assert reply.text == "Results of “Network check” (#1): 4 answers from 12 asked."
    sections = {section.title: section.text for section in reply.sections if section.title}
    assert sections["Do you use the Index?"] == "4 answers.\n• Often: 2 (50 %)\n• Rarely: 1 (25 %)\n• Never: 1 (25 %)"
    assert sections["How useful is it?"] == (
        "3 answers.\n• 1: 0 (0 %)\n• 2: 1 (33 %)\n• 3: 0 (0 %)\n• 4: 1 (33 %)\n• 5: 1 (33 %)\nAverage: 3.7")
    assert sections["How many partners?"] == "4 answers. Median 7.5, from 0 to 40."
    assert sections["Anything else?"] == "2 answers: fewer than 3, so not broken down."
    texts = [section.text for section in reply.sections if not section.title]
    assert texts == []  # two free texts only: not shown
    # Counted in each language's own plural forms.
    ukrainian = await results_reply(surveys.service, survey, "uk", charts=False)
    counted = [section.text.split("\n")[0] for section in ukrainian.sections if section.title]
    assert counted == ["4 відповіді.", "3 відповіді.", "4 відповіді.", "4 відповіді. Медіана 7,5, від 0 до 40.",
                       "4 відповіді.", "2 відповіді — менше 3, тому без розподілу."]
    assert [file.name for file in reply.files] == ["uses.png", "useful.png", "themes.png", "partners.png",
                                                   "strategy.png"]
    assert all(file.data.startswith(b"\x89PNG") and file.media_type == "image/png" for file in reply.files)
    themes = next(file for file in reply.files if file.name == "themes.png")
    assert themes.alt_text == "Theme a: 2; Theme b: 2; Theme c: 1"

    body, count = export(core.engine, survey, "csv")
    rows = list(csv.reader(io.StringIO(body)))
    assert count == 4 and rows[0] == ["response", "city", "country", "region", "clusters", "answered_by",
                                      "submitted_at", "updated_at", "uses", "useful", "themes", "partners",
                                      "strategy", "comment"]
    by_city = {row[1]: row for row in rows[1:]}
    assert by_city["Barcelona"][2:6] == ["ES", "southern-europe", "anti-rumours", "joan"]
    assert by_city["Barcelona"][8:] == ["often", "4", "a;b", "12", "yes", "Muy buena red"]
    assert by_city["Montréal"][2:5] == ["CA", "north-america", "intercultural-competence"]
    assert by_city["Montréal"][8:] == ["rarely", "2", "b", "3", "no", ""]
    assert by_city["Odesa"][8:] == ["never", "", "c", "0", "yes", ""]
    assert by_city["Stuttgart"][8:] == ["often", "5", "a", "40", "yes", "Mehr Treffen, bitte"]
    data = json.loads(export(core.engine, survey, "json")[0])
    stuttgart = next(row for row in data["responses"] if row["city"] == "Stuttgart")
    assert stuttgart["themes"] == ["a"] and stuttgart["partners"] == 40 and stuttgart["clusters"] == [
        "intercultural-competence"]

    # The ICC team in the console: the results with their charts saved, the export as a file.
    out = await as_person(core, "ivana", ["/survey results 1", "/survey export 1 format:json", "/survey status 1"])
    assert out.count("📎") == 6 and "4 answers exported." in out
    saved = sorted(path.name for path in (tmp_path / "files").iterdir())
    assert "themes.png" in saved and "survey-1-network-check.json" in saved
    assert "Answered: 4/12 (33 %)" in out and "Southern Europe: 1/5 (20 %)" in out


async def test_an_anonymous_survey_keeps_no_link_to_who_answered(
    core: Core, surveys: Surveys, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    survey_id = await answered_by_four(core, "anonymous-check")
    # Stuttgart changes its answer: still possible, through the link kept apart until the survey closes.
    out = await as_person(core, "katrin", ["/survey", "#1", "", "", "", "41", "", "", ""])
    assert "Your changes are saved." in out
    responses = rows_of(core, SurveyResponse)
    assert len(responses) == 4
    for response in responses:
        assert (response.city_id, response.member_id, response.submitted_at, response.updated_at) == (
            None, None, None, None)
    assert all(target.answered_by is None and target.answered_at is None for target in rows_of(core, SurveyTarget))
    # What was sent is never kept with who sent it (a form sent again gets a short notice).
    assert all("Mehr Treffen" not in json.dumps(row.answer) for row in rows_of(core, FormSubmission))

    survey = surveys.service.get(str(survey_id))
    assert surveys.reminders.close(survey)
    assert rows_of(core, SurveyTarget) == []  # the last link, gone at close
    # Who was prompted and reminded when (which says who had answered by then) is gone too; the ICC team's note
    # that it closed is what is left.
    assert [row.item for row in rows_of(core, Delivery) if row.item.startswith(f"survey:{survey_id}:")] == [
        f"survey:{survey_id}:closed"]
    with Session(core.engine) as session:
        stored = [row[0] for row in session.exec(text("SELECT answers FROM survey_response"))]  # type: ignore[call-overload]
    assert sorted(json.loads(answers)["partners"] for answers in stored) == [0, 3, 12, 41]
    body, count = export(core.engine, surveys.service.get(str(survey_id)), "csv")
    header, *lines = list(csv.reader(io.StringIO(body)))
    assert header == ["uses", "useful", "themes", "partners", "strategy", "comment"] and count == 4
    assert sorted(line[3] for line in lines) == ["0", "12", "3", "41"]
    reply = await results_reply(surveys.service, surveys.service.get(str(survey_id)), "en")
    shown = reply.text + "".join(s.title + s.text for s in reply.sections)
    for who in ("joan", "mireille", "olena", "katrin", "Barcelona", "Montréal", "Odesa", "Stuttgart"):
        assert who not in shown and who not in body
    # The logs say that answers came, never from whom nor what.
    survey_lines = [record.getMessage() for record in caplog.records
                    if "survey" in record.getMessage().lower() or record.name.startswith("bot.services.surveys")]
    assert any("an answer was recorded" in line for line in survey_lines)
    for line in survey_lines:
        for secret in ("joan", "mireille", "olena", "katrin", "Barcelona", "Stuttgart", "Mehr Treffen", "city:"):
            assert secret not in line, line
    status = await core.dispatcher.handle(CommandInvoked(console("ivana"), console("general"), "survey",
                                                         f"status {survey_id}"), CAPABILITIES)
    assert "Answered: 4/12 (33 %)" in status.replies[0].text  # the rates are kept, without the targets
