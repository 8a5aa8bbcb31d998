"""Stopping well: on SIGTERM, SIGINT or SIGHUP a process stops taking new work, finishes what is under way within a
grace period, writes what must be written and leaves with exit status 0; a second signal ends it at once.

Platforms that run a Procfile send SIGTERM at every deploy and restart, wait about 30 seconds, then SIGKILL. The
process's one `Shutdown` (`process_shutdown()`) catches the signals from the very start (before the database is
opened), so a signal during start-up or migrations lets the step under way finish and the process leave before
starting anything. Once the asyncio loop runs, the runner (`bot.wiring.run_platforms`, `run_console`) waits on
`stopping()` and stops its parts in order; the work under way (`WorkInFlight`: events being handled, web
requests, scheduled jobs) refuses anything new and is waited for. A watchdog thread ends the process when the
grace period runs out whatever it is waiting for (a database or DeepL that does not answer), so a process always
leaves before the platform's SIGKILL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The signals that ask a process to stop (SIGHUP: its terminal or supervisor went away).
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
#: The default grace period (seconds): what platforms give between SIGTERM and SIGKILL (30 s), less a margin.
GRACE = 25.0
#: Exit status when the grace period ran out before the process had stopped by itself.
GRACE_RAN_OUT = 1
#: How long the last writes (translation bookkeeping) may take when the process must end at once.
LAST_WORDS_WITHIN = 1.0


class WorkInFlight:
    """What the process is doing now (events being handled, web requests, scheduled jobs), by description.

    Once `stopping`, nothing new is admitted: `admit` says no and counts it, and what was under way is waited for
    (`idle`); each piece that finishes then is logged, so the log says what was in flight and what finished.
    """

    def __init__(self) -> None:
        self.stopping = False
        self.refused = 0
        #: What finished after stopping began, in order.
        self.finished: list[str] = []
        self._under_way: dict[int, str] = {}
        self._next = 0

    def admit(self, what: str) -> bool:
        """Whether new work `what` may start (False once stopping: it is refused, and counted)."""
        if self.stopping:
            self.refused += 1
            log.info("stopping: refused %s", what)
            return False
        return True

    @contextmanager
    def track(self, what: str) -> Iterator[None]:
        """Count `what` as under way while the block runs."""
        self._next += 1
        number = self._next
        self._under_way[number] = what
        try:
            yield
        finally:
            del self._under_way[number]
            if self.stopping:
                self.finished.append(what)
                log.info("stopping: finished %s", what)

    def under_way(self) -> list[str]:
        return list(self._under_way.values())

    async def idle(self, *, within: float) -> list[str]:
        """Wait until nothing is under way, at most `within` seconds; returns what is still under way."""
        loop = asyncio.get_running_loop()
        until = loop.time() + within
        while self._under_way and loop.time() < until:
            await asyncio.sleep(min(0.02, max(0.0, until - loop.time())))
        return self.under_way()


class Shutdown:
    """The process's signals, its grace period and its way out (one per process: `process_shutdown()`)."""

    def __init__(self, *, grace: float = GRACE) -> None:
        self.grace = grace
        #: The first stopping signal received (None: none yet).
        self.signal: int | None = None
        #: When it came (`time.monotonic()`).
        self.began: float | None = None
        self.work: list[WorkInFlight] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._last_words: list[Callable[[], None]] = []
        self._installed = False
        self._done = threading.Event()

    # ------------------------------------------------------------ signals

    def install(self) -> None:
        """Catch SIGTERM, SIGINT and SIGHUP (main thread only: elsewhere signals cannot be caught)."""
        if self._installed or threading.current_thread() is not threading.main_thread():
            return
        for number in SIGNALS:
            signal.signal(number, self._on_signal)
        self._installed = True

    def _on_signal(self, number: int, frame: object) -> None:
        if self.signal is not None:
            self._end_now(number)
            return
        self.request(number)
        threading.Thread(target=self._watch, name="shutdown-watchdog", daemon=True).start()

    def request(self, number: int = signal.SIGTERM) -> None:
        """Begin stopping, as on signal `number` (a test may call it instead of sending one)."""
        if self.signal is not None:
            return
        self.signal, self.began = number, time.monotonic()
        for work in self.work:
            work.stopping = True
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopping.set)
        # Logged from the loop when there is one: a signal handler may interrupt a log call.
        self._say(logging.WARNING, "%s received: stopping within %.0f s (a second signal ends at once)",
                  signal_name(number), self.grace)

    @property
    def requested(self) -> bool:
        return self.signal is not None

    def remaining(self) -> float:
        """Seconds left to stop in order: the grace period, less the time kept for the last words of a process the
        watchdog has to end (all of it while no signal came)."""
        left = self.grace - LAST_WORDS_WITHIN - 0.25
        if self.began is None:
            return left
        return max(0.0, self.began + left - time.monotonic())

    def elapsed(self) -> float:
        """Seconds since stopping began (0 while no signal came)."""
        return 0.0 if self.began is None else time.monotonic() - self.began

    def stopping(self, *work: WorkInFlight) -> asyncio.Event:
        """An event of the running loop, set when stopping begins; `work` stops taking anything new then."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        for one in work:
            if one not in self.work:
                self.work.append(one)
            one.stopping = one.stopping or self.requested
        if self.requested:
            self._stopping.set()
        return self._stopping

    def on_last_words(self, write: Callable[[], None]) -> None:
        """`write` (quick, synchronous: the translation bookkeeping) is called when the process must end at once."""
        self._last_words.append(write)

    # ------------------------------------------------------------ the way out

    def _watch(self) -> None:
        """The grace period is a promise: past it, the process ends whatever it is waiting for."""
        while not self._done.wait(0.05):
            if self.remaining() <= 0:  # the last words still fit in the grace period
                self._say(logging.ERROR, "the grace period (%.0f s) ran out: ending now", self.grace, now=True)
                self._leave_now(GRACE_RAN_OUT)

    def _end_now(self, number: int) -> None:
        self._say(logging.WARNING, "second signal (%s): ending at once", signal_name(number), now=True)
        self._leave_now(128 + number)

    def _leave_now(self, code: int) -> None:
        writer = threading.Thread(target=self._write_last_words, name="last-words", daemon=True)
        writer.start()
        writer.join(LAST_WORDS_WITHIN)
        _flush()
        os._exit(code)

    def _write_last_words(self) -> None:
        for write in self._last_words:
            try:
                write()
            except Exception:
                log.exception("could not write %s before ending", getattr(write, "__qualname__", write))

    def run(self, main: Coroutine[Any, Any, T]) -> T:
        """Run `main` on a new event loop, like `asyncio.run`, but never wait at the end for a thread that is
        stuck (a read of the terminal, a call to a database that does not answer): `leave` deals with those."""
        loop = asyncio.new_event_loop()
        threads = ThreadPoolExecutor(thread_name_prefix="asyncio")
        loop.set_default_executor(threads)
        try:
            asyncio.set_event_loop(loop)
            return loop.run_until_complete(main)
        finally:
            threads.shutdown(wait=False, cancel_futures=True)
            try:
                left = [task for task in asyncio.all_tasks(loop) if not task.done()]
                for task in left:
                    task.cancel()
                if left:
                    loop.run_until_complete(asyncio.wait(left, timeout=min(0.5, self.remaining())))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    def leave(self, code: int = 0) -> None:
        """The process is done and everything is written: exit with `code` at once. Neither a thread still stuck
        in a call (a read of the terminal, a database that does not answer) nor the interpreter's teardown of
        every loaded module (over a second) holds it back."""
        self._done.set()
        stuck = [thread.name for thread in threading.enumerate()
                 if thread is not threading.current_thread() and thread.is_alive() and not thread.daemon]
        if stuck:
            log.debug("leaving with %d threads still waiting (%s)", len(stuck), ", ".join(stuck))
        _flush()
        os._exit(code)

    def _say(self, level: int, message: str, *args: object, now: bool = False) -> None:
        loop = self._loop
        if now or loop is None or loop.is_closed() or not loop.is_running():
            log.log(level, message, *args)
        else:
            loop.call_soon_threadsafe(lambda: log.log(level, message, *args))


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


_PROCESS: Shutdown | None = None

#: The commands that run the bot (no command: the all-in-one process, or the console when nothing is configured).
RUNNING_COMMANDS = (None, "web", "worker", "console")


def process_shutdown() -> Shutdown:
    """The process's one `Shutdown`, catching the stopping signals from now on."""
    global _PROCESS
    if _PROCESS is None:
        _PROCESS = Shutdown()
    _PROCESS.install()
    return _PROCESS


def catch_signals_for(args: list[str]) -> None:
    """At the very start of `python -m bot …`: a command that runs the bot catches the stopping signals at once,
    before anything is imported or opened (the others keep the default: a signal ends them)."""
    named = next((arg for arg in args if not arg.startswith("-")), None)
    if named in RUNNING_COMMANDS and not {"--help", "-h"} & set(args):
        process_shutdown()
