"""What a closed survey leads to: the campaign-days vote sets the calendar's campaign days; exports on the command
line."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.models import Delivery, Survey
from bot.services.surveys import Surveys
from bot.services.surveys.export import export
from bot.wiring import Core
from tests.surveys.helpers import as_person, check_definition, rows_of, write_definition
from tests.surveys.test_answering import answer

VOTES = {
    "joan": "world-refugee-day,european-day-of-languages",
    "mireille": "european-day-of-languages,international-migrants-day",
    "olena": "european-day-of-languages,world-refugee-day",
    "katrin": "human-rights-day",
}


async def test_the_days_the_vote_chose_become_the_networks_campaign_days(core: Core, surveys: Surveys) -> None:
    calendar = core.services.calendar
    calendar.load_campaign_days()
    assert all(day.celebrated for day in calendar.campaign_days())
    out = await as_person(core, "ivana", ["/survey open campaign-days-vote closes:2030-01-31"])
    assert "is open (#1)" in out, out
    out = await as_person(core, "ana", ["/survey", "#1"], locale="pt")
    # The calendar's nine days are offered, by their stable ids, in the person's language.
    assert "elimination-of-racial-discrimination-day (Dia Internacional para a Eliminação" in out, out
    for who, days in VOTES.items():
        out = await answer(core, who, [days, ""])
        assert "is recorded" in out, out
    [survey] = rows_of(core, Survey)
    assert surveys.reminders.close(surveys.service.get("1"))
    # Chosen by at least half of the four cities that voted: the European Day of Languages (3) and World Refugee
    # Day (2); the others are cancelled in the calendar.
    celebrated = [day.id for day in calendar.campaign_days() if day.celebrated]
    assert celebrated == ["world-refugee-day", "european-day-of-languages"]
    assert json.loads(surveys.service.get("1").outcome or "{}") == {"campaign_days": celebrated}
    [note] = [row for row in rows_of(core, Delivery) if row.item == f"survey:{survey.id}:closed"]
    assert "The network's campaign days are now: World Refugee Day, European Day of Languages." in note.payload


async def test_a_vote_nobody_answered_changes_no_campaign_day(core: Core, surveys: Surveys) -> None:
    calendar = core.services.calendar
    calendar.load_campaign_days()
    await as_person(core, "ivana", ["/survey open campaign-days-vote closes:2030-01-31"])
    assert surveys.reminders.close(surveys.service.get("1"))
    assert all(day.celebrated for day in calendar.campaign_days())
    assert surveys.service.get("1").outcome is None


async def test_the_vote_cannot_open_before_the_calendar_has_campaign_days(core: Core, surveys: Surveys) -> None:
    out = await as_person(core, "ivana", ["/survey open campaign-days-vote closes:2030-01-31"])
    assert "The question “days” takes its choices from campaign-days, and there are none yet." in out
    assert rows_of(core, Survey) == []


async def test_the_export_on_the_command_line(core: Core, surveys: Surveys, database_url: str,
                                              tmp_path: Path) -> None:
    await as_person(core, "ivana", ["/survey open network-check"])
    await answer(core, "joan", ["often", "4", "a,b", "12", "yes", "Muy buena red", ""])
    await answer(core, "katrin", ["never", "c", "3", "no", "", ""])
    prefixes = ("SLACK_", "DISCORD_", "DEEPL_", "ICC_")
    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith(prefixes)}
    env.update({"DATABASE_URL": database_url, "ICC_DATA_DIR": str(tmp_path)})
    runner = CliRunner()
    done = runner.invoke(app, ["survey", "export", "1", "--format", "csv"], env=env)
    assert done.exit_code == 0, done.output
    header, *lines = list(csv.reader(io.StringIO(done.stdout)))
    assert header[:2] == ["response", "city"] and header[8:] == ["uses", "useful", "themes", "partners", "strategy",
                                                                 "comment"]
    assert [(line[1], line[5], line[8:]) for line in lines] == [
        ("Barcelona", "joan", ["often", "4", "a;b", "12", "yes", "Muy buena red"]),
        ("Stuttgart", "katrin", ["never", "", "c", "3", "no", ""]),
    ]
    assert "2 answers exported." in done.stderr
    written = tmp_path / "network-check.json"
    done = runner.invoke(app, ["survey", "export", "network-check", "-f", "json", "-o", str(written)], env=env)
    assert done.exit_code == 0, done.output
    data = json.loads(written.read_text(encoding="utf-8"))
    assert [row["themes"] for row in data["responses"]] == [["a", "b"], ["c"]]
    refused = runner.invoke(app, ["survey", "export", "7"], env=env)
    assert refused.exit_code == 1 and "There is no survey “7”. See /survey status." in refused.stderr
    refused = runner.invoke(app, ["survey", "export", "1", "--format", "xlsx"], env=env)
    assert refused.exit_code == 2 and "--format must be csv or json" in refused.stderr


async def test_a_survey_each_person_answers_for_themselves(core: Core, surveys: Surveys,
                                                           definitions: Path) -> None:
    definition = check_definition(id="people-check", per="person", audience="cluster:anti-rumours")
    write_definition(definitions, definition)
    out = await as_person(core, "ivana", ["/survey open people-check"])
    # Lisbon, Barcelona, Bilbao and Reggio Emilia: their four coordinators and Lisbon's member, each asked.
    assert "is open (#1) for 5 targets" in out, out
    prompted = sorted(row.target_id for row in rows_of(core, Delivery) if row.item == "survey:1:prompt")
    assert prompted == ["ana", "giulia", "itziar", "joan", "lucas"]
    out = await answer(core, "ana", ["often", "4", "a", "3", "yes", "", ""])
    assert "Your answer to “Network check” is recorded" in out, out
    # Lisbon's member answers too: her own answer, not an edit of Ana's.
    out = await answer(core, "lucas", ["never", "b", "1", "no", "", ""])
    assert "Your answer to “Network check” is recorded" in out and "Your changes" not in out, out
    out = await as_person(core, "ana", ["/survey"])
    assert "answered by" not in out and "#1 Network check: answered; you can edit it until" in out, out
    body, count = export(core.engine, surveys.service.get("1"), "csv")
    rows = {row[5]: row for row in list(csv.reader(io.StringIO(body)))[1:]}
    assert count == 2 and rows["ana"][1] == rows["lucas"][1] == "Lisbon"
    assert rows["ana"][8:] == ["often", "4", "a", "3", "yes", ""]
    assert rows["lucas"][8:] == ["never", "", "b", "1", "no", ""]
