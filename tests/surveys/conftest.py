"""Fixtures of the survey tests: the clock at a known date (the core of tests/conftest.py runs on it), the network
of twelve cities, test definitions.

The database comes from `tests/conftest.py` (a SQLite file, or a PostgreSQL schema per test).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services.surveys import Surveys
from bot.wiring import Core
from tests.support.clock import MovableClock
from tests.surveys.helpers import build_network, check_definition, every_language, use_definitions, write_definition


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2030, 1, 2, 8, 0, tzinfo=UTC))  # a survey closing on 31 January is open


@pytest.fixture
def network(core: Core) -> dict[str, int]:
    return build_network(core)


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    folder = tmp_path / "definitions"
    write_definition(folder, check_definition())
    write_definition(folder, check_definition(id="anonymous-check", anonymous=True,
                                              title=every_language("Anonymous check")))
    return folder


@pytest.fixture
def surveys(core: Core, network: dict[str, int], definitions: Path) -> Surveys:
    return use_definitions(core, definitions)
