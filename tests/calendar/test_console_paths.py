"""/event add and /broadcast in the console process itself (`python -m bot console`, input piped), on the demo."""

from __future__ import annotations

from pathlib import Path

from tests.core import test_console as console_tests
from tests.core.test_console import run_bot

# The console tests' fixture: a database with the demo loaded by `python -m bot demo`.
demo_db = console_tests.demo_db

EVENT = [
    "/event add Policy Lab",
    "",  # the title offered (Policy Lab)
    "meeting",
    "2027-03-28 02:30",  # Paris's clocks go from 02:00 to 03:00 that night
    "",
    "Europe/Paris",
    "all",
    "Strasbourg",
    "", "", "", "", "",  # link, materials (ended by an empty line), repeats, description (ended), language
    "2027-03-28 10:00",  # asked again for the start, with why
]
BROADCAST = [
    "/broadcast send to:region:southern-europe via:channels The campaign kit is ready.",
    "/broadcast confirm 1",
    "/broadcast confirm 1",  # twice: sent once
    "/broadcast status",
]


def test_the_icc_team_adds_an_event_and_broadcasts_from_the_console(demo_db: str, tmp_path: Path) -> None:
    script = "\n".join(["", *EVENT, *BROADCAST, "/exit"]) + "\n"
    result = run_bot(["console", "--as", "ivana", "--role", "icc_team", "--channel", "icc-team"], demo_db, tmp_path,
                     script)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "✗ 2027-03-28 02:30 does not exist in Europe/Paris: the clocks go forward then." in out
    assert "Event #10 is in the calendar." in out and "Sunday, March 28, 2027, 10:00" in out
    assert "Broadcast #1: check it in each language, then send it." in out and "5 channels" in out
    assert "Broadcast #1 is on its way to 5 targets." in out and "Broadcast #1 is already sending." in out
    posted = [line for line in out.splitlines() if line.endswith("· The campaign kit is ready.")]
    assert sorted(posted) == sorted(f"#city-{city} · The campaign kit is ready." for city in (
        "barcelona", "bilbao", "lisbon", "reggio-emilia", "limassol"))


def test_someone_without_the_role_cannot_from_the_console_either(demo_db: str, tmp_path: Path) -> None:
    script = "\n".join(["/event add Policy Lab", "/broadcast send to:all Ciao", "/exit"]) + "\n"
    result = run_bot(["console", "--as", "giulia", "--city", "Reggio Emilia", "--role", "member", "--channel",
                      "city-reggio-emilia"], demo_db, tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert "Solo il team ICC" in result.stdout and "== " not in result.stdout  # no form opened
    assert "Ciao" not in result.stdout.replace("/broadcast send to:all Ciao", "")
