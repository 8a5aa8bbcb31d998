"""The services of the core: each owns one part of the domain and is shared by every platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from bot.ports import Clock, SystemClock, Translator
from bot.services.members import CityDirectory, MemberService
from bot.services.practices import PracticeService
from bot.settings import Settings


@dataclass
class Services:
    """Everything a command handler or a scheduled job may call."""

    settings: Settings
    engine: Engine
    members: MemberService
    cities: CityDirectory
    practices: PracticeService
    clock: Clock = field(default_factory=SystemClock)
    translator: Translator | None = None
    #: Services added by features (practices, translation, …), by name.
    features: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, engine: Engine, *, clock: Clock | None = None) -> Services:
        return cls(
            settings=settings,
            engine=engine,
            members=MemberService(engine),
            cities=CityDirectory(engine),
            practices=PracticeService(engine, clock),
            clock=clock or SystemClock(),
        )
