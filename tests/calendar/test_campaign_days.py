"""The campaign-days file: shipped with every name in every language, checked line by line, loaded by the demo and
by a command; the campaign-days vote (surveys) chooses which ones the network celebrates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import UserError
from bot.models.calendar import EventStatus
from bot.services.calendar.campaign_days import DEFAULT_FILE, CampaignDaysFileError, parse_campaign_days
from bot.settings import SUPPORTED_LOCALES
from bot.wiring import Core
from tests.core.test_console import run_bot

REQUIRED = {"02-21", "03-21", "04-08", "05-21", "06-20", "09-26", "11-16", "12-10", "12-18"}


def test_the_shipped_file_has_the_network_days_in_every_language() -> None:
    days = parse_campaign_days(DEFAULT_FILE.read_text(encoding="utf-8"))
    assert {f"{d.month:02d}-{d.day:02d}" for d in days} >= REQUIRED
    assert all(set(d.names) == set(SUPPORTED_LOCALES) for d in days)
    assert len({d.id for d in days}) == len(days)


def test_the_file_is_declared_as_package_data() -> None:
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert "data/*.yaml" in config["tool"]["setuptools"]["package-data"]["bot"]


GOOD_DAY = """campaign_days:
  - id: world-refugee-day
    date: "06-20"
    names: {en: A, fr: B, es: C, it: D, pt: E, de: F, uk: G}
"""


@pytest.mark.parametrize(("text", "line", "words"), [
    (GOOD_DAY.replace("uk: G", "xx: G"), 4, "not a language"),
    (GOOD_DAY.replace(", uk: G", ""), 4, "missing in uk"),
    (GOOD_DAY.replace('"06-20"', '"02-30"'), 3, "There is no 02-30"),
    (GOOD_DAY.replace('"06-20"', "June 20"), 3, "MM-DD"),
    (GOOD_DAY + GOOD_DAY.replace("campaign_days:\n", ""), 5, "already used on line 2"),
    (GOOD_DAY.replace("    date:", "    colour: red\n    date:"), 3, "Unknown key"),
    (GOOD_DAY.replace("world-refugee-day", "World Refugee Day"), 2, "lowercase"),
    ("campaign_days: [\n  - broken", 2, "not valid YAML"),
    ("- just a list\n", 1, "campaign_days"),
])
def test_a_broken_file_names_the_line_and_the_problem(text: str, line: int, words: str) -> None:
    with pytest.raises(CampaignDaysFileError) as refused:
        parse_campaign_days(text, "days.yaml")
    described = refused.value.describe("en")
    assert any(f"days.yaml:{line}:" in entry and words in entry for entry in described), described


def test_the_command_loads_the_file_and_refuses_a_broken_one(database_url: str, tmp_path: Path) -> None:
    loaded = run_bot(["calendar", "load-campaign-days"], database_url, tmp_path)
    assert loaded.returncode == 0 and "9 campaign days added" in loaded.stdout, loaded.stderr
    again = run_bot(["calendar", "load-campaign-days"], database_url, tmp_path)
    assert "0 campaign days added, 0 updated" in again.stdout
    broken = tmp_path / "days.yaml"
    broken.write_text(GOOD_DAY.replace(", uk: G", ""), encoding="utf-8")
    refused = run_bot(["calendar", "load-campaign-days", str(broken)], database_url, tmp_path)
    assert refused.returncode == 1 and f"{broken}:4: The name is missing in uk." in refused.stderr


async def test_the_vote_chooses_the_celebrated_days_and_the_calendar_follows(demo: Core) -> None:
    calendar = demo.services.calendar
    days = calendar.campaign_days()
    assert len(days) == 9 and all(day.celebrated for day in days)
    assert days[0].name("uk") == "Міжнародний день рідної мови"
    chosen = calendar.set_campaign_days(["international-migrants-day", "european-day-of-languages"])
    assert chosen == ["european-day-of-languages", "international-migrants-day"]
    statuses = {e.campaign_day: e.status for e in calendar.events.all_events() if e.campaign_day}
    assert statuses["international-migrants-day"] is EventStatus.confirmed
    assert statuses["world-refugee-day"] is EventStatus.cancelled
    with pytest.raises(UserError):
        calendar.set_campaign_days(["international-migrants-day", "no-such-day"])
    assert [day.id for day in calendar.campaign_days() if day.celebrated] == chosen
    # Loading the file again keeps the network's choice (the shipped file does not say `celebrated`).
    calendar.load_campaign_days()
    assert [day.id for day in calendar.campaign_days() if day.celebrated] == chosen


async def test_the_campaign_days_vote_offers_the_calendars_days_and_its_choice_becomes_the_calendars(
    demo: Core,
) -> None:
    surveys = demo.services.features["surveys"]
    offered = surveys.service.choice_sources["campaign-days"]()
    assert [choice.id for choice in offered][-1] == "international-migrants-day"
    assert offered[-1].text["uk"] == "Міжнародний день мігрантів"
    surveys.reminders.campaign_days_chosen(["world-refugee-day"])
    celebrated = [day.id for day in demo.services.calendar.campaign_days() if day.celebrated]
    assert celebrated == ["world-refugee-day"]
