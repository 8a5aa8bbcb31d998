"""The layers hold: the import contracts of `pyproject.toml` (run by lint-imports, here and in CI), and no module
outside the tests and the migrations is longer than a newcomer can read (600 lines)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 600

def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def test_the_contracts_cover_the_layers_the_adapters_and_the_web_host() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    kinds = {(contract["type"], tuple(contract.get("source_modules", contract.get("modules", contract.get(
        "layers", []))))) for contract in config["contracts"]}
    assert ("layers", ("integrations | schedules", "commands", "bot")) in kinds
    assert ("forbidden", ("bot",)) in kinds  # the core never imports the commands
    assert ("forbidden", ("integrations", "schedules", "commands")) in kinds  # nobody reaches back for the wiring
    assert ("forbidden", ("integrations.web",)) in kinds  # the web host knows no platform
    assert any(kind == "independence" for kind, _ in kinds)


def test_no_module_outside_tests_and_migrations_is_over_600_lines() -> None:
    long = {}
    for path in sorted(ROOT.glob("**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        hidden = any(part.startswith(".") for part in path.relative_to(ROOT).parts)  # .venv, .mutation's copies
        if hidden or relative.startswith(("tests/", "build/")) or "/migrations/" in relative:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long[relative] = lines
    assert long == {}, f"split these modules by job (at most {MAX_LINES} lines each): {long}"
