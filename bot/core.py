"""The assembled core: what every adapter and job is given (built by `bot.wiring.build_core`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.dispatch import Dispatcher
from bot.registry import Registry
from bot.services import Services
from bot.settings import Settings


@dataclass
class Core:
    """Everything platform-neutral, ready for adapters to plug into."""

    settings: Settings
    engine: Engine
    services: Services
    registry: Registry
    dispatcher: Dispatcher
