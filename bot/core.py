"""The assembled core: what every adapter and job is given (built by `bot.wiring.build_core`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.dispatch import Dispatcher
from bot.registry import Registry
from bot.services import Services
from bot.settings import Settings
from bot.shutdown import WorkInFlight


@dataclass
class Core:
    """Everything platform-neutral, ready for adapters to plug into."""

    settings: Settings
    engine: Engine
    services: Services
    registry: Registry
    dispatcher: Dispatcher

    @property
    def work(self) -> WorkInFlight:
        """What this process is doing now (events, web requests, scheduled jobs): what a shutdown waits for."""
        return self.dispatcher.work
