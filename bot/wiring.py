"""The wiring: builds the core (database, services, commands) and starts the platforms the settings ask for.

This is the one module of `bot/` allowed to import the integrations and the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from bot import db
from bot.core import Core
from bot.dispatch import Dispatcher
from bot.ports import Clock, Translator
from bot.services import Services
from bot.settings import Settings
from bot.shutdown import Shutdown
from bot.worker_lock import WorkerLock, worker_lock
from commands import build_registry

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.routing import BaseRoute

    from bot.services.surveys import Surveys
    from integrations.slack.app import SlackAdapter
    from integrations.web.pages import WebPages

log = logging.getLogger(__name__)


def build_core(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    translator: Translator | None = None,
    migrate: bool = True,
) -> Core:
    """Connect to the database (upgrading it if it is behind), build the services, the registry and the
    dispatcher."""
    engine = engine or db.make_engine(settings.effective_database_url)
    if migrate:
        db.upgrade_if_behind(engine)
    services = Services.build(settings, engine, clock=clock)
    if translator is None and settings.deepl_enabled:
        translator = deepl_translator(settings)
    services.translator = translator
    registry = build_registry()
    dispatcher = Dispatcher(services, registry)
    wire_translation(services, dispatcher)
    wire_surveys(services)
    wire_clusters(services, dispatcher)
    return Core(settings=settings, engine=engine, services=services, registry=registry, dispatcher=dispatcher)


def deepl_translator(settings: Settings) -> Translator:
    """The DeepL adapter for these settings (key, server); it retries itself, within each call's time."""
    from integrations.deepl.translator import DeepLTranslator, configure_retries

    configure_retries()
    return DeepLTranslator.from_settings(settings)


def wire_translation(services: Services, dispatcher: Dispatcher) -> None:
    """Build translation (its engine is `services.translation_engine`) and let it hear every channel message
    and reaction."""
    from bot.services.translation import Translation

    translation = Translation.build(
        settings=services.settings, database=services.engine, members=services.members, clock=services.clock,
        translator=services.translator, delivery=services.delivery, practices=services.practices,
    )
    services.translation = translation
    services.translation_engine = translation.engine
    # The calendar translates events and reads channels' languages through it.
    services.calendar.translation = translation
    wire_bridge(services, dispatcher)  # first: its copies' translations are asked for at once
    dispatcher.on_message(translation.listener.message_posted)
    dispatcher.on_edit(translation.listener.message_edited)
    dispatcher.on_delete(translation.listener.message_deleted)
    dispatcher.on_reaction(translation.on_demand.reaction_added)
    dispatcher.on_translation_request(translation.on_demand.requested)


def wire_bridge(services: Services, dispatcher: Dispatcher) -> None:
    """The bridge between clusters' channels on Slack and Discord (`services.features["bridge"]`)."""
    from bot.services.bridge import Bridge, BridgeStore

    translation = services.translation
    assert translation is not None
    bridge = Bridge(store=BridgeStore(services.engine), delivery=services.delivery, channels=translation.channels,
                    translation=translation.engine, cluster_channels=services.cluster_channels,
                    clock=services.clock, copiers={"slack": _slack_copies, "discord": _discord_copies})
    services.add_feature("bridge", bridge)
    dispatcher.on_message(bridge.message_posted)
    dispatcher.on_edit(bridge.message_edited)
    dispatcher.on_delete(bridge.message_deleted)
    dispatcher.on_reaction(bridge.reaction_added)


def _slack_copies(chat: Any) -> Any:
    from integrations.slack.bridge import SlackCopies

    return SlackCopies(chat)


def _discord_copies(chat: Any) -> Any:
    from integrations.discord.bridge import DiscordCopies

    return DiscordCopies(chat)


def wire_surveys(services: Services) -> None:
    """The surveys feature (`services.features["surveys"]`), which also fills the home's "Open surveys"."""
    from bot.services.surveys import Surveys

    surveys = Surveys.build(services)
    services.add_feature("surveys", surveys)
    wire_campaign_days_vote(services, surveys)


def wire_campaign_days_vote(services: Services, surveys: Surveys) -> None:
    """The campaign-days vote offers the calendar's campaign days, and when it closes, the days it chose become
    the ones the network celebrates (the calendar's events and reminders follow)."""
    from bot.services.surveys.definitions import ChoiceDef

    calendar = services.calendar
    surveys.service.choice_sources["campaign-days"] = lambda: [
        ChoiceDef(id=day.id, text=day.names) for day in calendar.campaign_days()]
    surveys.reminders.campaign_days_chosen = calendar.set_campaign_days


def wire_clusters(services: Services, dispatcher: Dispatcher) -> None:
    """Give clusters' channels their translation settings."""
    if services.translation is not None:
        services.cluster_channels.translation = services.translation.channels


async def start_translation(core: Core) -> None:
    """Get translation ready (language model, DeepL languages, glossary sync); never stops the bot."""
    if core.services.translation is None:
        return
    try:
        await core.services.translation.start()
    except Exception:
        log.exception("translation could not start; messages are delivered untranslated")


async def run_console(core: Core, *, shutdown: Shutdown | None = None, **options: object) -> int:
    """The local console chat on this database (no platform account needed), until its input ends or `shutdown`
    asks it to stop (then the answer under way is finished, and what is pending is written)."""
    from integrations.console.adapter import ConsoleSession

    # The prompt does not wait for translation to get ready (the language model, DeepL's languages).
    starting = asyncio.create_task(start_translation(core), name="translation-start")
    session = ConsoleSession(core.dispatcher, **options)  # type: ignore[arg-type]
    sender = start_delivery(core)
    chatting = asyncio.create_task(session.run(), name="console")
    stopping = shutdown.stopping(core.work) if shutdown is not None else asyncio.Event()
    waiting = asyncio.create_task(stopping.wait(), name="console-stopping")
    try:
        await asyncio.wait({chatting, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if chatting.done():
            return chatting.result()
        assert shutdown is not None
        # What was typed last is answered; the prompt reads nothing more.
        await core.work.idle(within=drain_time(shutdown))
        return 0
    finally:
        waiting.cancel()
        await stop_parts([chatting, starting], within=1.0)
        await finish_background_work(core, timeout=max(0.1, shutdown.remaining() - 0.5) if shutdown else 10.0)
        await asyncio.wait({sender}, timeout=1.0)


#: A part of a process: its name (in logs) and the coroutine function that runs it until cancelled.
Part = tuple[str, Callable[[], Awaitable[None]]]


@dataclass
class ProcessParts:
    """What a process runs: `everywhere` in each process of its type, `once_only` in one worker of the deployment
    (the scheduler, the Discord gateway, Slack Socket Mode), under the singleton lock."""

    everywhere: list[Part] = field(default_factory=list)
    once_only: list[Part] = field(default_factory=list)


async def run_platforms(core: Core, *, web: bool = True, worker: bool = True, lock: WorkerLock | None = None,
                        shutdown: Shutdown | None = None) -> None:
    """Start what the settings switch on, on one asyncio loop, until cancelled or until `shutdown` asks it to stop.

    The worker's parts must run once in the whole deployment: they run while this process holds the singleton
    lock (`lock`, by default the database's), so a second worker stands by instead of sending twice, and they
    stop as soon as the lock is lost. On a stopping signal, the process stops well (`stop_well`).
    """
    parts = process_parts(core, web=web, worker=worker)
    if not parts.everywhere and not parts.once_only:
        raise RuntimeError("nothing to start for this process type")
    # Nothing waits for translation to get ready (the language model, DeepL's languages, the glossary): until it
    # is, messages are translated with the built-in language list and no glossary.
    running = [("translation-start", lambda: start_translation(core)), *parts.everywhere]
    # Every process that has chats sends deliveries through them (the chats attach as the adapters start), and
    # keeps clusters' channels on its platforms.
    running.append(("delivery", core.services.delivery.run))
    running.append(("cluster-channels", core.services.cluster_channels.run))
    if parts.once_only:
        singleton = lock or worker_lock(core.engine)
        running.append(("worker", lambda: run_once_only(parts.once_only, singleton)))
    stopping = None
    if shutdown is not None:
        stopping = shutdown.stopping(core.work)
        if core.services.translation is not None:  # paid for: written even when the process must end at once
            shutdown.on_last_words(core.services.translation.engine.save)
    try:
        await run_together(running, until=stopping,
                           stop=None if shutdown is None else lambda tasks: stop_well(core, tasks, shutdown))
    finally:
        await finish_background_work(core, timeout=max(0.1, shutdown.remaining() - 0.5) if shutdown else 10.0)
        if shutdown is not None and shutdown.requested:
            work = core.work
            left = work.under_way()
            log.warning("stopped in %.1f s: %d finished%s, %d new refused%s",
                        shutdown.elapsed(), len(work.finished),
                        f" ({'; '.join(work.finished)})" if work.finished else "", work.refused,
                        f"; not finished: {'; '.join(left)}" if left else "")


def drain_time(shutdown: Shutdown) -> float:
    """How long the work under way may still take: the grace period left, less what closing needs (the
    connections, the last writes, the lock)."""
    closing = min(8.0, 0.35 * shutdown.grace)
    return max(0.0, shutdown.remaining() - closing)


async def stop_well(core: Core, tasks: Sequence[asyncio.Task[Any]], shutdown: Shutdown) -> None:
    """Stop within the grace period: take nothing new (refused by `core.work`, the web host answers 503, the
    sender claims no more), let what is under way finish, then close the parts (the web host, the Discord
    gateway, Socket Mode, the scheduler) and give the worker lock back."""
    work = core.work
    under_way = work.under_way()
    log.warning("stopping: %d under way%s; %d deliveries being sent", len(under_way),
                f": {'; '.join(under_way)}" if under_way else "", core.services.delivery.sending)
    within = drain_time(shutdown)
    loop = asyncio.get_running_loop()
    until = loop.time() + within
    sender = asyncio.create_task(core.services.delivery.stop(), name="delivery-stop")
    left = await work.idle(within=within)
    await asyncio.wait({sender}, timeout=max(0.0, until - loop.time()))
    if left or not sender.done():
        log.warning("stopping: the grace period leaves no more time for %s",
                    "; ".join(left + ([] if sender.done() else ["deliveries being sent"])))
    if not sender.done():  # a platform that does not answer: what was claimed goes back to pending now
        try:
            async with asyncio.timeout(max(0.1, shutdown.remaining() / 4)):
                await core.services.delivery.abandon()
        except Exception as exc:
            log.warning("could not put back the deliveries being sent: %r", exc)
    # The lock is given back only once the once-only parts have stopped (`run_once_only`): a standby starts then.
    unstopped = await stop_parts(list(tasks), within=max(0.5, shutdown.remaining() - 2.0))
    if unstopped:
        log.warning("stopping: %s did not stop in time", ", ".join(unstopped))


async def run_together(parts: Sequence[Part], *, until: asyncio.Event | None = None,
                       stop: Callable[[list[asyncio.Task[Any]]], Awaitable[None]] | None = None) -> None:
    """Run every part until all have returned, or until `until` is set (then `stop` them); the first failure stops
    the others and is raised."""
    tasks: list[asyncio.Task[Any]] = []
    for name, start in parts:
        log.info("starting %s", name)
        tasks.append(asyncio.create_task(start(), name=name))  # type: ignore[arg-type]
    asked = asyncio.create_task((until or asyncio.Event()).wait(), name="stopping")
    try:
        pending: set[asyncio.Task[Any]] = set(tasks)
        while pending and not asked.done():
            done, pending = await asyncio.wait(pending | {asked}, return_when=asyncio.FIRST_COMPLETED)
            pending.discard(asked)
            for task in done - {asked}:
                task.result()
        if asked.done() and stop is not None:
            await stop(tasks)
    finally:
        asked.cancel()
        await stop_parts(tasks, within=10.0)


async def run_once_only(parts: Sequence[Part], lock: WorkerLock) -> None:
    """Run `parts` while this process holds `lock`; when the lock is lost, stop them all, say so in one line,
    and compete for the lock again. Returns when every part has returned (the lock is then given back)."""
    names = ", ".join(name for name, _ in parts)
    loop = asyncio.get_running_loop()
    while True:
        holding = await lock.acquire()
        tasks: list[asyncio.Task[None]] = []
        for name, start in parts:
            log.info("starting %s (holding the lock %s)", name, lock.name)
            tasks.append(asyncio.create_task(start(), name=name))  # type: ignore[arg-type]
        lost: asyncio.Task[Any] = asyncio.create_task(holding.lost.wait(), name=f"{lock.name}-lost")
        try:
            pending: set[asyncio.Task[Any]] = set(tasks)
            while pending and not lost.done():
                done, pending = await asyncio.wait(pending | {lost}, return_when=asyncio.FIRST_COMPLETED)
                pending.discard(lost)
                for task in done - {lost}:
                    task.result()  # a part that failed stops the others (below) and the process
            if not lost.done():
                return
            began = loop.time()
            unstopped = await stop_parts(tasks, within=lock.timing.stop_within)
            log.error("worker lock %s lost: %s; stopped %s in %.1f s%s; standing by to take it again", lock.name,
                      holding.reason, names, loop.time() - began,
                      f" ({', '.join(unstopped)} did not stop in time)" if unstopped else "")
        finally:
            lost.cancel()
            await stop_parts(tasks, within=lock.timing.stop_within)
            # Only once the parts have stopped: a clean release lets a standby start at once.
            await holding.release()


async def stop_parts(tasks: Sequence[asyncio.Task[Any]], *, within: float) -> list[str]:
    """Cancel the tasks still running and wait up to `within` seconds; returns the names of those still running."""
    running = [task for task in tasks if not task.done()]
    for task in running:
        task.cancel()
    if running:
        await asyncio.wait(running, timeout=within)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.debug("%s ended with %r", task.get_name(), task.exception())
    return [task.get_name() for task in running if not task.done()]


def start_delivery(core: Core) -> asyncio.Task[None]:
    """Run the delivery sender of this process (every process with chats runs one; they share the outbox)."""
    return asyncio.create_task(core.services.delivery.run(), name="delivery")


async def finish_background_work(core: Core, *, timeout: float = 10.0) -> None:
    """At shutdown: finish the sends under way and translation bookkeeping (within `timeout`).

    Deliveries not yet sent stay in the outbox for the next process; those claimed but not sent in time go back
    to pending; the translations paid for and their cost are written whatever happened.
    """
    pending = [core.services.delivery.stop()]
    translation = core.services.translation
    if translation is not None:
        pending.append(translation.drain())
    try:
        async with asyncio.timeout(max(0.0, 0.7 * timeout)):
            await asyncio.gather(*pending, return_exceptions=True)
    except TimeoutError:
        log.warning("shutting down with background work unfinished")
    try:
        async with asyncio.timeout(max(0.1, 0.3 * timeout)):
            await core.services.delivery.abandon()
    except Exception as exc:  # the database does not answer: the rows' leases end, and another sender takes them
        log.warning("could not put back the deliveries being sent: %r", exc)
    if translation is not None:
        translation.engine.save()


def process_parts(core: Core, *, web: bool, worker: bool) -> ProcessParts:
    """What this process runs: the web host under `web`; Socket Mode, the Discord gateway and the scheduler,
    which must run once in the deployment, under `worker`. Only the libraries of what runs are imported."""
    settings = core.settings
    parts = ProcessParts()
    slack = slack_adapter(core)
    if web:
        parts.everywhere.append(("web", lambda: run_web(core, slack)))
    if worker and slack is not None and settings.slack_socket_mode_enabled:
        from integrations.slack.runner import run_socket_mode

        parts.once_only.append(("slack-socket-mode", lambda: run_socket_mode(slack)))
    if worker and settings.discord_enabled:
        # The Discord gateway connection is a singleton: it lives in the worker, next to the scheduler.
        from integrations.discord.bot import run_discord

        parts.once_only.append(("discord", lambda: run_discord(core)))
    if worker:
        from schedules.scheduler import run_scheduler

        parts.once_only.append(("scheduler", lambda: run_scheduler(core)))
    return parts


def slack_adapter(core: Core) -> SlackAdapter | None:
    """The process's one Slack adapter (the core's `slack` chat, shared by HTTP and Socket Mode), when Slack is
    configured."""
    settings = core.settings
    if not (settings.slack_http_enabled or settings.slack_socket_mode_enabled):
        return None
    from integrations.slack.app import SlackAdapter

    return SlackAdapter(core)


def web_routes(core: Core, slack: SlackAdapter | None = None) -> list[BaseRoute]:
    """Every route the web host mounts: `/healthz`, Slack's endpoints when a workspace is served over HTTP, and
    each feature's (a feature adds its line here)."""
    from integrations.web.calendar_feeds import calendar_routes
    from integrations.web.health import health_routes

    routes = health_routes(core.engine, core.settings.platforms)
    routes += calendar_routes(core.services.calendar)
    if slack is not None and core.settings.slack_http_enabled:
        from integrations.slack.http import slack_routes

        routes += slack_routes(slack)
    routes += web_pages(core).routes
    return routes


def web_pages(core: Core) -> WebPages:
    """The web pages (public pages, sign-in, the desk) on this core."""
    from integrations.web.pages import WebPages

    return WebPages(core.services, core.settings, dispatcher=core.dispatcher)


def web_app(core: Core, slack: SlackAdapter | None = None) -> Starlette:
    """The web host's ASGI app with every route of this configuration."""
    from integrations.web.app import build_web_app

    return build_web_app(web_routes(core, slack), not_found=web_pages(core).not_found, work=core.work)


async def run_web(core: Core, slack: SlackAdapter | None = None) -> None:
    """Serve the web host on the settings' host and port until cancelled."""
    from integrations.web.app import serve

    settings = core.settings
    try:
        await serve(web_app(core, slack), host=settings.host, port=settings.port, log_level=settings.log_level)
    finally:
        if slack is not None:
            await slack.close()


#: The integrations that add a command group to `python -m bot` (`integrations/<name>/cli.py`).
INTEGRATION_COMMANDS = ("slack", "discord", "deepl")


def integration_command_groups(names: Sequence[str] | None = None) -> list[tuple[str, Any]]:
    """The `python -m bot <platform> …` command groups that integrations provide (`integrations/*/cli.py`): those
    of `names` (None: all), imported only then."""
    import importlib

    groups = []
    for name in INTEGRATION_COMMANDS if names is None else [n for n in names if n in INTEGRATION_COMMANDS]:
        try:
            module = importlib.import_module(f"integrations.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"integrations.{name}.cli":
                raise
            continue
        groups.append((name, module.app))
    return groups
