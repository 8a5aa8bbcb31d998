"""Fixtures of the survey tests: the core on a clock moved by hand, the network of twelve cities, test definitions.

The database comes from `tests/conftest.py` (a SQLite file, or a PostgreSQL schema per test).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.services.surveys import Surveys
from bot.settings import Settings
from bot.wiring import Core, build_core
from tests.delivery.conftest import MovableClock
from tests.surveys.helpers import build_network, check_definition, every_language, use_definitions, write_definition


@pytest.fixture
def clock() -> MovableClock:
    clock = MovableClock()
    clock.moment = datetime(2030, 1, 2, 8, 0, tzinfo=UTC)  # a survey closing on 31 January is open
    return clock


@pytest.fixture
def core(settings: Settings, engine: Engine, clock: MovableClock) -> Core:
    return build_core(settings, engine=engine, clock=clock, migrate=False)


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
