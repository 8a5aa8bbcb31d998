"""Mutation testing of one module of the core against the tests that exercise it (mutmut).

Usage:
    python bench/mutation.py forms                 # or markup, search, delivery, delivery_store, schedule,
                                                   # when, recurrence, definitions, questions
    python bench/mutation.py bot/forms.py --tests tests/core/test_forms.py    # any module, tests of your choice
    python bench/mutation.py search --diff         # also print each surviving mutant's diff
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/icc_me python bench/mutation.py search
    DATABASE_URL=… python bench/mutation.py search --rest   # only what the SQLite run did not kill
    python bench/mutation.py --list                # the modules it knows and their tests

mutmut mutates only the module named (the base settings are `[tool.mutmut]` in pyproject.toml) and runs, for each
mutant, only the tests among those given that reach the mutated function. Each module works in a folder of its
own (`.mutation/<module>/`, ignored by git), so runs of different modules never share results; a second run
of the same module re-tests only the mutants of functions or tests that changed. Printed at the end: killed
out of tested (a timeout counts as killed), the score, and the name of every survivor (`--diff` for the
mutated code). Known survivors, with why they are left, are listed in tests/mutation_survivors.md.

It is slow (each mutant runs its tests in a fresh fork): it runs one process (`--max-children 1`) at low
priority, by hand, before a change to the core's logic is called done; never in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
# What the mutated copy needs besides the packages (mutmut copies source_paths itself).
PACKAGES = ["bot", "commands", "integrations", "schedules"]
LINKED = [*PACKAGES, "tests", "locales"]

# Each module with the test files that exercise it.
MODULES: dict[str, tuple[str, list[str]]] = {
    "forms": ("bot/forms.py", ["tests/core/test_forms.py", "tests/core/test_forms_edges.py"]),
    "markup": (
        "bot/services/translation/markup.py",
        ["tests/translation/test_markup.py", "tests/translation/test_markup_edges.py"],
    ),
    "search": (
        "bot/services/search.py",
        ["tests/practices/test_search.py", "tests/practices/test_search_edges.py"],
    ),
    "delivery": (
        "bot/services/delivery.py",
        ["tests/delivery/test_outbox.py", "tests/delivery/test_outbox_rules.py", "tests/delivery/test_slack.py",
         "tests/delivery/test_discord.py", "tests/bridge/test_outage.py", "tests/delivery/test_sender_loop.py"],
    ),
    "delivery_store": (
        "bot/services/delivery_store.py",
        ["tests/delivery/test_outbox.py", "tests/delivery/test_outbox_rules.py"],
    ),
    "schedule": (
        "bot/services/calendar/schedule.py",
        ["tests/calendar/test_remind.py", "tests/calendar/test_reminders.py", "tests/calendar/test_reminder_times.py",
         "tests/calendar/test_schedule_rules.py"],
    ),
    "when": (
        "bot/services/calendar/when.py",
        ["tests/calendar/test_remind.py", "tests/calendar/test_reminder_times.py"],
    ),
    "recurrence": (
        "bot/services/calendar/recurrence.py",
        ["tests/calendar/test_recurrence.py", "tests/calendar/test_remind.py", "tests/calendar/test_reminder_times.py"],
    ),
    "definitions": (
        "bot/services/surveys/definitions.py",
        ["tests/surveys/test_definitions.py", "tests/surveys/test_definition_rules.py"],
    ),
    "questions": (
        "bot/services/surveys/questions.py",
        ["tests/surveys/test_definitions.py", "tests/surveys/test_definition_rules.py"],
    ),
}

# mutmut's exit codes for a tested mutant (mutmut.stats.status_by_exit_code).
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}  # failed, pytest error, timeout, caught by the type check
SKIPPED = {34}
NO_TESTS = {5, 33}


def _workdir(name: str, module: str, tests: list[str]) -> Path:
    """The module's own folder: links to the code and tests, and a pyproject.toml naming what to mutate."""
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    for entry in LINKED:
        link = work / entry
        if not link.is_symlink():
            link.symlink_to(ROOT / entry, target_is_directory=True)
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    if "[tool.mutmut]" not in text:
        sys.exit("pyproject.toml has no [tool.mutmut] section")
    chosen = "\n".join(
        [
            "[tool.mutmut]",
            f"only_mutate = {json.dumps([module])}",
            f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        ]
    )
    (work / "pyproject.toml").write_text(text.replace("[tool.mutmut]", chosen, 1), "utf-8")
    return work


def _sync(work: Path, module: str) -> None:
    """Bring the unmutated copies left by an earlier run up to date (mutmut copies a file only once)."""
    copies = work / "mutants"
    if not copies.is_dir():
        return
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            relative = source.relative_to(ROOT)
            copy = copies / relative
            if relative.as_posix() == module or "__pycache__" in relative.parts:
                continue
            if not copy.exists() or copy.read_bytes() != source.read_bytes():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)
        for copy in (copies / package).rglob("*.py"):
            if not (ROOT / copy.relative_to(copies)).exists():
                copy.unlink()


def _results(work: Path, module: str) -> dict[str, int | None]:
    meta = work / "mutants" / (module + ".meta")
    if not meta.exists():
        sys.exit(f"mutmut left no results for {module} (see the output above)")
    return json.loads(meta.read_text("utf-8"))["exit_code_by_key"]


def _readable(output: str) -> str:
    """mutmut's output without its spinner frames."""
    return re.sub(r"[\u2800-\u28ff][^\n\u2800-\u28ff]*(?=[\u2800-\u28ff])", "", output)


def _natural(key: str) -> tuple[str, int]:
    name, _, number = key.rpartition("_")
    return name, int(number) if number.isdigit() else 0


def _diff(work: Path, mutant: str) -> str:
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("mutmut")), "show", mutant], cwd=work, capture_output=True, text=True
    )
    return completed.stdout.strip()


def _other_database(name: str, module: str) -> dict[str, int | None] | None:
    """The results of the same module's run on the other database (SQLite or PostgreSQL), if there is one."""
    other = name.removesuffix("-postgresql") if name.endswith("-postgresql") else name + "-postgresql"
    meta = WORK / other / "mutants" / (module + ".meta")
    return json.loads(meta.read_text("utf-8"))["exit_code_by_key"] if meta.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="?", help="a name from --list, or a path such as bot/forms.py")
    parser.add_argument("--tests", nargs="+", help="test files to run (default: the module's own)")
    parser.add_argument("--diff", action="store_true", help="print the diff of each surviving mutant")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results of this module first")
    parser.add_argument("--list", action="store_true", help="list the modules and their test files")
    parser.add_argument("--budget", type=float, help="stop after this many minutes (run again to go on)")
    parser.add_argument("--again", action="store_true", help="check the last survivors again (after adding tests)")
    parser.add_argument("--report", action="store_true", help="print the last run's results without running again")
    parser.add_argument("--rest", action="store_true",
                        help="check only the mutants the module's run on the other database did not kill")
    args = parser.parse_args(argv)
    if args.list or not args.module:
        for name, (module, tests) in MODULES.items():
            print(f"{name:15} {module}\n{'':15} {' '.join(tests)}")
        return 0
    if args.module in MODULES:
        name, (module, tests) = args.module, MODULES[args.module]
    else:
        module, tests = args.module, []
        name = Path(module).stem
    if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        name += "-postgresql"  # results differ by database: kept apart
    tests = [test for test in (args.tests or tests) if (ROOT / test.split("::")[0]).exists()]
    if not (ROOT / module).is_file() or not tests:
        sys.exit(f"nothing to do: module {module}, tests {tests or 'none (give --tests)'}")
    if args.fresh:
        shutil.rmtree(WORK / name, ignore_errors=True)
    tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))  # fail early on a broken file
    work = _workdir(name, module, tests) if not args.report else WORK / name
    if not args.report:
        _sync(work, module)
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci"}
    database = env.get("DATABASE_URL", "") or "SQLite"
    if not args.report:
        print(f"Mutating {module} against {' '.join(tests)} on {database.split('@')[-1]}", flush=True)
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    command = ["nice", "-n", "15", mutmut, "run", "--max-children", "1"]
    if args.again and (work / "mutants" / (module + ".meta")).exists():
        # mutmut keeps each mutant's result; only mutants named on its command line are checked again.
        command += [key for key, code in _results(work, module).items() if code is None or code in {0, *NO_TESTS}]
    elif args.rest and (work / "mutants" / (module + ".meta")).exists():
        # CI runs the suite on both databases: what the other run killed is caught already.
        elsewhere = _other_database(name, module) or {}
        rest = [key for key, code in _results(work, module).items()
                if code is None and elsewhere.get(key) not in KILLED]
        if not rest:
            print("Every mutant is checked here or killed on the other database.")
            args.report = True
        command += rest
    log = work / "mutmut.log"
    if not args.report:
        with log.open("w", encoding="utf-8") as out:
            running = subprocess.Popen(
                command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                returncode = running.wait(timeout=args.budget * 60 if args.budget else None)
            except subprocess.TimeoutExpired:
                # Out of time: stop mutmut and its test process; what it checked is kept for the next run.
                os.killpg(running.pid, signal.SIGTERM)
                running.wait()
                returncode = 0
                print(f"Stopped after {args.budget} minutes.")
        if returncode:
            print(_readable(log.read_text("utf-8"))[-3000:])
            return returncode
    results = _results(work, module)
    unchecked = [key for key, code in results.items() if code is None]
    if unchecked:
        print(f"{len(unchecked)} mutants not checked yet (a run stopped early: run again to go on)")
    tested = {key: code for key, code in results.items() if code not in SKIPPED and code is not None}
    killed = [key for key, code in tested.items() if code in KILLED]
    survivors = sorted((key for key in tested if key not in killed), key=_natural)
    score = 100 * len(killed) / len(tested) if tested else 0.0
    print(f"\n{module}: {len(killed)}/{len(tested)} mutants killed, score {score:.1f}%")
    untested = [key for key in survivors if tested[key] in NO_TESTS]
    if untested:
        # Code no selected test reaches on this database (PostgreSQL-only code on SQLite): said apart.
        reached = len(tested) - len(untested)
        print(
            f"{len(untested)} mutants in code no test reaches here; among the {reached} others, "
            f"score {100 * len(killed) / reached if reached else 0.0:.1f}%"
        )
    other = _other_database(name, module)
    if other is not None:
        # CI runs the suite on both databases: a mutant either run kills is caught.
        both = {key for key, code in [*results.items(), *other.items()] if code is not None and code not in SKIPPED}
        either = [key for key in both if results.get(key) in KILLED or other.get(key) in KILLED]
        print(f"with the {'SQLite' if name.endswith('-postgresql') else 'PostgreSQL'} run's results too (CI runs "
              f"both): {len(either)}/{len(both)} killed, score {100 * len(either) / max(1, len(both)):.1f}%")
        survivors = [key for key in survivors if other.get(key) not in KILLED]
    for key in survivors:
        status = "survived" if tested[key] == 0 else ("no tests" if tested[key] in NO_TESTS else f"exit {tested[key]}")
        print(f"  {key}  ({status})")
        if args.diff:
            print("    " + _diff(work, key).replace("\n", "\n    "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
