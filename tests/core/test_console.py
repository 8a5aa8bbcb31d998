"""The console through its real entry point (`python -m bot …`), with piped input, as a script would use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_bot(args: list[str], database_url: str, tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "DEEPL_"))}
    env.update({"DATABASE_URL": database_url, "ICC_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)


@pytest.fixture
def demo_db(database_url: str, tmp_path: Path) -> str:
    result = run_bot(["demo"], database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "12 cities" in result.stdout
    return database_url


def test_demo_is_idempotent(demo_db: str, tmp_path: Path) -> None:
    again = run_bot(["demo"], demo_db, tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("0 cities, 0 clusters, 0 people")


def test_a_coordinator_from_lisbon_uses_the_console_with_piped_input(demo_db: str, tmp_path: Path) -> None:
    script = "\n".join([
        "/help",
        "/profile",
        "/profile city Atlantis",
        "/profile city dudelange",
        "/role joan coordinator",
        "/profile show joan",
        "/profile show @Mireille",
        "/profile show nobody",
        "/nosuchcommand",
        "/language pt",
        "/profile",
        "/exit",
        "/help",  # after /exit: never read
    ]) + "\n"
    result = run_bot(["console", "--as", "ana", "--city", "Lisbon", "--role", "coordinator",
                      "--channel", "anti-rumours", "--locale", "en"], demo_db, tmp_path, script)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "You are ana in #anti-rumours" in out
    assert "/profile — See your city, role and language" in out
    assert "City: Lisbon" in out and "Role: city coordinator" in out
    assert "There is no ICC city called “Atlantis”." in out
    assert "Your city is now Dudelange." in out
    assert "Only the ICC team can do this." in out  # a coordinator cannot hand out roles
    # Someone else's profile, by their console name or display name; an unknown name is said so.
    assert "Profile of Joan" in out and "City: Barcelona" in out and "Profile of Mireille" in out
    assert "I do not know anyone called “nobody” here." in out
    assert "Unknown command /nosuchcommand" in out
    assert "A partir de agora vou falar-lhe em português." in out
    assert "Cidade: Dudelange" in out  # the profile now comes in Portuguese
    assert out.count("Here is what I can do for you:") == 1
    assert "Traceback" not in result.stderr


def test_the_console_asks_who_you_are_when_not_told(demo_db: str, tmp_path: Path) -> None:
    script = "ivana\n\nking\nicc_team\ncluster-a\n/role giulia coordinator Reggio Emilia\n"
    result = run_bot(["console"], demo_db, tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert "Welcome to ICC Bot" in result.stdout
    assert "“king” is not one of: member, coordinator, icc_team." in result.stdout
    assert "You are ivana in #cluster-a" in result.stdout
    assert "Giulia is now city coordinator." in result.stdout


def test_a_command_typed_while_being_asked_who_you_are_is_run_not_taken_for_a_city(
        demo_db: str, tmp_path: Path) -> None:
    result = run_bot(["console", "--as", "zoe"], demo_db, tmp_path, "/share-practice\n/profile\n")
    assert result.returncode == 0, result.stderr
    assert "no ICC city called" not in result.stdout  # the command was not looked up as a city
    assert "You are zoe in #general" in result.stdout  # every other set-up question took its default
    assert result.stdout.count("Your city") == 1
    # The command typed at the prompt ran, as the newcomer the person is (no city, no role yet)...
    assert "ask the ICC team for the role with /request-role coordinator" in result.stdout
    # ...and so did the next line.
    assert "Role: member" in result.stdout


def test_input_that_ends_early_leaves_cleanly(demo_db: str, tmp_path: Path) -> None:
    result = run_bot(["console"], demo_db, tmp_path, "someone\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_nasty_input_never_crashes_the_console(demo_db: str, tmp_path: Path) -> None:
    lines = ["/profile city \x00\x00", "/profile city ' OR 1=1; --", "/profile city مرحبا 👋", "/language \u200b",
             "/" + "x" * 5000, "/role", "/ ", "#99", "just chatting 🇺🇦 <@here>"]
    result = run_bot(["console", "--as", "m", "--role", "member", "--city", "", "--channel", "g"], demo_db,
                     tmp_path, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "something went wrong" not in result.stdout
    assert "There is no button #99." in result.stdout


def test_exit_while_being_asked_who_you_are_leaves_quietly(database_url: str, tmp_path: Path) -> None:
    result = run_bot(["console"], database_url, tmp_path, "me\n\n/exit\nnever read\n")
    assert result.returncode == 0 and "python -m bot demo" in result.stdout  # an empty network says how to fill it
    assert "never read" not in result.stdout


def test_a_title_that_shows_nothing_or_is_not_utf8_is_asked_again(demo_db: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "DEEPL_"))}
    # A UTF-8 locale that is not C: Python then reads standard input strictly unless told otherwise.
    env.update({"DATABASE_URL": demo_db, "ICC_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT),
                "LC_ALL": "C.UTF-8", "PYTHONUTF8": "0", "PYTHONIOENCODING": "utf-8:strict"})
    answers = [
        b"/share-practice",
        b"\xff\xfe Caf\xe9",                         # Latin-1 bytes, not UTF-8
        "\u200b\u2060\ufeff".encode(),               # only zero-width characters
        "\u202e\u200b".encode(),                     # a right-to-left override and nothing else
        "Mediadores \u202einterculturais".encode(),  # the override is dropped, the words kept
        b"", b"anti-rumours", b"Resumo.", b"", b"Descri\xc3\xa7\xc3\xa3o.", b"", b"", b"", b"", b"", b"pt",
        b"/practices mine",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--as", "ana", "--city", "Lisbon", "--role", "coordinator",
         "--channel", "general", "--locale", "en"],
        input=b"\n".join(answers) + b"\n", capture_output=True, env=env, cwd=tmp_path, timeout=120,
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert out.count("This line is not UTF-8 text, so it was not read.") == 1
    assert out.count("Title is required.") == 2
    assert "“Mediadores interculturais” is recorded as" in out
    assert "Traceback" not in result.stderr.decode() and "something went wrong" not in out
