"""The wiring: builds the core (database, services, commands) and starts the platforms the settings ask for.

This is the one module of `bot/` allowed to import the integrations and the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.engine import Engine

from bot import db
from bot.core import Core
from bot.dispatch import Dispatcher
from bot.ports import Clock, Translator
from bot.services import Services
from bot.settings import Settings
from commands import build_registry

log = logging.getLogger(__name__)


def build_core(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    translator: Translator | None = None,
    migrate: bool = True,
) -> Core:
    """Connect to the database (upgrading it), build the services, the registry and the dispatcher."""
    engine = engine or db.make_engine(settings.effective_database_url)
    if migrate:
        db.upgrade(engine)
    services = Services.build(settings, engine, clock=clock)
    if translator is None and settings.deepl_enabled:
        translator = deepl_translator(settings)
    services.translator = translator
    registry = build_registry()
    dispatcher = Dispatcher(services, registry)
    wire_translation(services, dispatcher)
    return Core(settings=settings, engine=engine, services=services, registry=registry, dispatcher=dispatcher)


def deepl_translator(settings: Settings) -> Translator:
    """The DeepL adapter for these settings (key, server), with short library retries for live chat."""
    from integrations.deepl.translator import DeepLTranslator, configure_retries

    configure_retries()
    return DeepLTranslator.from_settings(settings)


def wire_translation(services: Services, dispatcher: Dispatcher) -> None:
    """Build the translation service and let it hear every channel message and reaction."""
    from bot.services.translation import TranslationService

    translation = TranslationService.build(
        settings=services.settings, engine=services.engine, members=services.members, clock=services.clock,
        translator=services.translator, practices=services.practices,
    )
    services.translation = translation
    dispatcher.on_message(translation.on_message)
    dispatcher.on_reaction(translation.on_reaction)


async def start_translation(core: Core) -> None:
    """Get translation ready (language model, DeepL languages, glossary sync); never stops the bot."""
    if core.services.translation is None:
        return
    try:
        await core.services.translation.start()
    except Exception:
        log.exception("translation could not start; messages are delivered untranslated")


async def run_console(core: Core, **options: object) -> int:
    """The local console chat on this database (no platform account needed)."""
    from integrations.console.adapter import ConsoleSession

    await start_translation(core)
    session = ConsoleSession(core.dispatcher, **options)  # type: ignore[arg-type]
    try:
        return await session.run()
    finally:
        await finish_background_work(core)


async def run_platforms(core: Core, *, web: bool = True, worker: bool = True) -> None:
    """Start what the settings switch on, on one asyncio loop, until cancelled.

    The worker part (gateway connections, Socket Mode, scheduler) must run once in the whole deployment:
    it waits for the database's singleton lock, so a second worker stands by instead of sending twice.
    """
    if not core.settings.platforms:
        raise RuntimeError("no platform is configured")
    if not worker:
        await _run_starters(core, web=web, worker=False)
        return
    while True:
        with db.singleton_lock(core.engine, "icc-bot-worker") as got:
            if got:
                await _run_starters(core, web=web, worker=True)
                return
        log.warning("another worker holds the lock; standing by")
        await asyncio.sleep(15)


async def _run_starters(core: Core, *, web: bool, worker: bool) -> None:
    starters = platform_starters(core, web=web, worker=worker)
    if not starters:
        raise RuntimeError("nothing to start for this process type")
    await start_translation(core)
    tasks = []
    for name, starter in starters:
        log.info("starting %s", name)
        tasks.append(asyncio.create_task(starter(), name=name))  # type: ignore[operator]
    try:
        await asyncio.gather(*tasks)
    finally:
        await finish_background_work(core)


async def finish_background_work(core: Core, *, timeout: float = 10.0) -> None:
    """At shutdown: let pending direct messages and translation bookkeeping finish (within `timeout`)."""
    pending = [core.dispatcher.drain()]
    if core.services.translation is not None:
        pending.append(core.services.translation.drain())
    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*pending, return_exceptions=True)
    except TimeoutError:
        log.warning("shutting down with background work unfinished")


def platform_starters(core: Core, *, web: bool, worker: bool) -> list[tuple[str, object]]:
    """(name, coroutine function) for every connection this process should hold."""
    from integrations.slack.runner import slack_starters

    starters: list[tuple[str, object]] = []
    # The web app (/healthz, Slack's HTTP events and OAuth) under `web`; Slack Socket Mode under `worker`.
    starters += slack_starters(core, web=web, worker=worker)
    if worker and core.settings.discord_enabled:
        # The Discord gateway connection is a singleton: it lives in the worker, next to the scheduler.
        from integrations.discord.bot import run_discord

        starters.append(("discord", lambda: run_discord(core)))
    if worker:
        from schedules.scheduler import run_scheduler

        starters.append(("scheduler", lambda: run_scheduler(core)))
    return starters


def integration_command_groups() -> list[tuple[str, Any]]:
    """The `python -m bot <platform> …` command groups that integrations provide (`integrations/*/cli.py`)."""
    import importlib

    groups = []
    for name in ("slack", "discord", "deepl"):
        try:
            module = importlib.import_module(f"integrations.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"integrations.{name}.cli":
                raise
            continue
        groups.append((name, module.app))
    return groups
