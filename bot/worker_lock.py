"""The worker's singleton lock: one worker in the deployment runs what must run once, and stops when unsure.

PostgreSQL: a session advisory lock on a connection of its own. The holder confirms it every `check_every`
seconds on that connection: the lock still shows in `pg_locks` for that backend, and the lease row
(`worker_lease`) is stamped with the database's time. A holder that cannot confirm within its lease — the
connection dropped (a database restart, a failover, an idle timeout, `pg_terminate_backend`, a network blip)
or the database does not answer — counts the lock as lost; the wiring then stops the once-only parts within
`stop_within` and competes again. A standby that takes the lock waits until the previous holder, last seen at
`seen_at`, has certainly noticed and stopped (`seen_at + lease + stop_within`), unless it left cleanly
(`released`), so two workers never run the scheduler or a gateway at the same time.

SQLite: an exclusive `flock` on a file beside the database; it goes only with the process, so it is never lost.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import secrets
import socket
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy.engine import Engine, make_url

log = logging.getLogger(__name__)

#: The lock of the `worker` process type.
WORKER = "icc-bot-worker"


@dataclass(frozen=True)
class LockTiming:
    """How often the lock is confirmed and tried, and how long stopping may take (seconds)."""

    #: The holder confirms the lock this often…
    check_every: float = 1.0
    #: …and counts it lost when a confirmation is not back this long after it was due.
    check_timeout: float = 2.0
    #: After a loss, the once-only parts are stopped within this.
    stop_within: float = 3.0
    #: A standby tries the lock this often: after a clean release (the holder stopped on SIGTERM), it starts at
    #: most this long after.
    poll_every: float = 0.5

    @property
    def lease(self) -> float:
        """A holder knows it lost the lock at most this long after its last confirmation began."""
        return self.check_every + self.check_timeout

    @property
    def takeover_after(self) -> float:
        """After the previous holder was last seen, a standby waits this long before starting (lease + stop)."""
        return self.lease + self.stop_within


class Holding:
    """The lock, held. `lost` is set, with a `reason`, when this process can no longer be sure it holds it."""

    def __init__(self, release: Callable[[], Awaitable[None]]) -> None:
        self.lost = asyncio.Event()
        self.reason = ""
        self._release = release

    def lose(self, reason: str) -> None:
        if not self.lost.is_set():
            self.reason = reason
            self.lost.set()

    async def release(self) -> None:
        """Give the lock back, saying the once-only parts have stopped (call it only once they have)."""
        await self._release()


class WorkerLock(Protocol):
    """A lock only one process of the deployment holds at a time."""

    name: str
    timing: LockTiming

    async def acquire(self) -> Holding:
        """Wait until this process holds the lock and may start what must run once."""
        ...


def worker_lock(engine: Engine, name: str = WORKER, *, timing: LockTiming | None = None) -> WorkerLock:
    """The singleton lock `name` on this database: watched on PostgreSQL, a file lock beside a SQLite file."""
    timing = timing or LockTiming()
    if engine.dialect.name == "postgresql":
        return PostgresWorkerLock(engine, name, timing=timing)
    database = make_url(str(engine.url)).database or ":memory:"
    path = None if database == ":memory:" else Path(f"{database}.{name}.lock")
    return FileWorkerLock(path, name, timing=timing)


class FileWorkerLock:
    """An exclusive `flock` on a file (one machine, as SQLite itself); no file (in-memory database): always held."""

    def __init__(self, path: Path | None, name: str, *, timing: LockTiming) -> None:
        self.path = path
        self.name = name
        self.timing = timing

    async def acquire(self) -> Holding:
        if self.path is None:
            return Holding(_nothing)
        told = False
        while True:
            handle: IO[str] = self.path.open("a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                if not told:
                    log.warning("the lock %s is taken (%s); standing by", self.name, self.path)
                    told = True
                await asyncio.sleep(self.timing.poll_every)
                continue

            async def release(handle: IO[str] = handle) -> None:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
                log.info("released the lock %s", self.name)

            return Holding(release)


async def _nothing() -> None:
    return None


#: The lock still belongs to this backend, and the lease is stamped (one round trip, an index lookup).
_CONFIRM = """
UPDATE worker_lease SET seen_at = now()
 WHERE name = %(name)s AND holder = %(holder)s
   AND EXISTS (SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                  AND classid = 0 AND objid = %(key)s::bigint::oid AND objsubid = 1)
"""
_HELD = """
SELECT EXISTS (SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                  AND classid = 0 AND objid = %(key)s::bigint::oid AND objsubid = 1)
"""
_CLAIM = """
INSERT INTO worker_lease (name, holder, seen_at, released) VALUES (%(name)s, %(holder)s, now(), false)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, seen_at = excluded.seen_at, released = false
"""


class PostgresWorkerLock:
    """A session advisory lock on a dedicated, watched connection, with a lease row that times takeovers."""

    def __init__(self, engine: Engine, name: str, *, timing: LockTiming, holder: str | None = None) -> None:
        self.engine = engine
        self.name = name
        self.timing = timing
        #: The advisory lock's key (set on connecting: it depends on the schema, see `_key`).
        self.key = _key(name, "public")
        #: Who this process is, in the lease and the logs.
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"
        #: The lock connection's backend process id on the server (None while not connected).
        self.backend_pid: int | None = None
        self._conn: Any = None
        self._watch: asyncio.Task[None] | None = None
        self._holding: Holding | None = None
        #: After a loss, a standby gets the first chance: this worker's own connection may be what failed.
        self._compete_from = 0.0

    # ------------------------------------------------------------ the connection

    async def _open(self) -> Any:
        import psycopg

        args, params = self.engine.dialect.create_connect_args(self.engine.url)
        params.pop("context", None)
        params.update(
            autocommit=True,  # never idle in a transaction
            application_name=f"icc-bot {self.name} lock",
            connect_timeout=max(2, round(self.timing.check_timeout)),
            # A dead network is seen by the socket too, not only by the next confirmation.
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2,
            tcp_user_timeout=int(self.timing.lease * 1000),
        )
        conn = await psycopg.AsyncConnection.connect(*args, **params)
        [schema] = await (await conn.execute("SELECT current_schema()")).fetchone()  # type: ignore[misc]
        self.key = _key(self.name, schema)
        if conn.info.server_version >= 140000:
            # The confirmations keep it busy anyway; a server-wide idle timeout must not end the lock's session.
            await conn.execute("SET idle_session_timeout = 0")
        self._conn = conn
        self.backend_pid = conn.info.backend_pid
        return conn

    async def _drop(self) -> None:
        conn, self._conn, self.backend_pid = self._conn, None, None
        if conn is not None:
            try:
                async with asyncio.timeout(1):
                    await conn.close()
            except Exception:  # a dead connection closes as it can; the server ends the session anyway
                pass

    async def _query(self, sql: str, params: dict[str, Any], *, timeout: float) -> Any:
        """Run `sql`; its first row (None for a statement that returns none)."""
        async with asyncio.timeout(timeout):
            cursor = await self._conn.execute(sql, params)
            return await cursor.fetchone() if cursor.description is not None else None

    def _params(self) -> dict[str, Any]:
        return {"name": self.name, "holder": self.holder, "key": self.key}

    # ------------------------------------------------------------ standing by

    async def acquire(self) -> Holding:
        try:
            return await self._stand_by()
        except asyncio.CancelledError:
            await self._drop()
            raise

    async def _stand_by(self) -> Holding:
        import psycopg

        told: set[str] = set()
        timing = self.timing
        await asyncio.sleep(max(0.0, self._compete_from - asyncio.get_running_loop().time()))
        while True:
            try:
                if self._conn is None:
                    await self._open()
                [got] = await self._query("SELECT pg_try_advisory_lock(%(key)s)", self._params(),
                                          timeout=timing.check_timeout)
                if got and await self._wait_for_previous_holder(told):
                    return await self._claim()
                if not got and "standby" not in told:
                    log.warning("the lock %s is taken (%s); standing by", self.name, await self._last_seen())
                    told.add("standby")
                if got:  # our own lock vanished while we waited: start again on a new connection
                    await self._drop()
            except (psycopg.Error, OSError, TimeoutError) as exc:
                await self._drop()
                if "unreachable" not in told:
                    log.warning("the lock %s cannot be taken now (%s); trying again every "
                                "%.0f s", self.name, _first_line(exc), timing.poll_every)
                    told.add("unreachable")
            await asyncio.sleep(timing.poll_every)

    async def _last_seen(self) -> str:
        row = await self._query("SELECT holder, now() - seen_at FROM worker_lease WHERE name = %(name)s",
                                self._params(), timeout=self.timing.check_timeout)
        if row is None:
            return "by a worker of an earlier version"
        who = "this worker, before it lost it" if row[0] == self.holder else row[0]
        return f"last confirmed by {who} {row[1].total_seconds():.1f} s ago"

    async def _wait_for_previous_holder(self, told: set[str]) -> bool:
        """With the lock taken, wait until the previous holder has surely stopped; False if the lock went."""
        timing = self.timing
        while True:
            row = await self._query(
                "SELECT holder, released, seen_at + %(after)s - now(), now() - seen_at FROM worker_lease "
                "WHERE name = %(name)s", {**self._params(), "after": timedelta(seconds=timing.takeover_after)},
                timeout=timing.check_timeout)
            if row is None or row[0] == self.holder or row[1]:
                if row is not None and row[1] and row[0] != self.holder:
                    log.info("the previous holder of the lock %s (%s) stopped cleanly", self.name, row[0])
                return True
            wait = row[2].total_seconds()
            if wait <= 0:
                return True
            if "takeover" not in told:
                log.warning("took the lock %s; waiting %.1f s before starting, so its previous holder (%s, seen "
                            "%.1f s ago) has surely stopped", self.name, wait, row[0], row[3].total_seconds())
                told.add("takeover")
            await asyncio.sleep(min(wait, timing.check_every))
            [held] = await self._query(_HELD, self._params(), timeout=timing.check_timeout)
            if not held:
                return False

    async def _claim(self) -> Holding:
        loop = asyncio.get_running_loop()
        began = loop.time()
        await self._query(_CLAIM, self._params(), timeout=self.timing.check_timeout)
        holding = self._holding = Holding(self._release)
        self._watch = asyncio.create_task(self._keep(holding, began), name=f"{self.name}-lock-watch")
        log.info("holding the lock %s (database backend %s)", self.name, self.backend_pid)
        return holding

    # ------------------------------------------------------------ holding

    async def _keep(self, holding: Holding, last_ok: float) -> None:
        """Confirm the lock every `check_every`; each confirmation must be back before the lease runs out."""
        import psycopg

        timing = self.timing
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(max(0.0, last_ok + timing.check_every - loop.time()))
            began = loop.time()
            try:
                async with asyncio.timeout_at(last_ok + timing.lease):
                    confirmed = (await self._conn.execute(_CONFIRM, self._params())).rowcount == 1
            except TimeoutError:
                reason = f"the database did not confirm it within {timing.lease:.0f} s"
                break
            except (psycopg.Error, OSError) as exc:
                reason = f"its database connection dropped ({_first_line(exc)})"
                break
            if not confirmed:
                reason = "the database no longer shows this worker holding it"
                break
            last_ok = began
        self._compete_from = loop.time() + 2 * timing.poll_every
        holding.lose(reason)
        await self._drop()

    async def _release(self) -> None:
        watch, self._watch = self._watch, None
        holding, self._holding = self._holding, None
        if watch is not None and holding is not None and holding.lost.is_set():
            await watch  # lost: the watch closes the connection, and there is nothing to give back
            return
        if watch is not None:
            watch.cancel()
            try:
                await watch
            except asyncio.CancelledError:
                pass
        if self._conn is None:
            return
        try:
            # Stopped cleanly: a standby need not wait for this worker to notice anything.
            await self._query("UPDATE worker_lease SET released = true WHERE name = %(name)s AND holder = %(holder)s",
                              self._params(), timeout=self.timing.check_timeout)
            await self._query("SELECT pg_advisory_unlock(%(key)s)", self._params(), timeout=self.timing.check_timeout)
            log.info("released the lock %s", self.name)
        except Exception as exc:  # the session ends below; the lock goes with it
            log.warning("the lock %s was released by closing its connection (%s)", self.name, _first_line(exc))
        await self._drop()


def _key(name: str, schema: str) -> int:
    """Advisory locks are database-wide: two deployments in two schemas of one database hold different ones."""
    return zlib.crc32((name if schema == "public" else f"{name}@{schema}").encode()) & 0x7FFFFFFF


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
