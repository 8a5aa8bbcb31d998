"""What is wrong with the database, in one line an operator can act on: at start-up and while running.

Every entry point (`python -m bot db upgrade`, `web`, `worker`, `console`, `demo`, the other commands) and
the logs of a running bot describe a database failure with `explain`: the cause, the setting that points at
the database (`DATABASE_URL`, or `ICC_DATA_DIR` for the default SQLite file) and what to do. Never the SQL
statement: SQLAlchemy puts it (and its parameters, people's texts) into the exception's text, so the text
of a classified error is not printed at all.
"""

from __future__ import annotations

import errno
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from bot.settings import Settings

#: PostgreSQL's SQLSTATE codes (Appendix A of its manual) the bot can tell an operator about.
_PG_STATES = {
    "25006": "read_only",        # read_only_sql_transaction: a standby, or default_transaction_read_only
    "53100": "disk_full",
    "53200": "out_of_memory",
    "53300": "too_many_connections",
    "42501": "no_privilege",     # insufficient_privilege
    "3D000": "no_database",      # invalid_catalog_name
    "28000": "refused_user",     # invalid_authorization_specification
    "28P01": "refused_user",     # invalid_password
    "57P01": "connection_lost",  # admin_shutdown
    "57P02": "connection_lost",  # crash_shutdown
    "57P03": "starting",         # cannot_connect_now
    "08000": "connection_lost",
    "08003": "connection_lost",
    "08006": "connection_lost",
}
#: libpq's own words for failures that happen before the server answers (no SQLSTATE then).
_PG_CONNECT_WORDS = (
    ("refused", re.compile(r"Connection refused", re.IGNORECASE)),
    ("unknown_host", re.compile(r"failed to resolve host|could not translate host name|Name or service not known|"
                                r"nodename nor servname|No address associated with hostname", re.IGNORECASE)),
    ("no_database", re.compile(r'database "[^"]*" does not exist', re.IGNORECASE)),
    ("refused_user", re.compile(r'role "[^"]*" does not exist|password authentication failed|'
                                r"no password supplied|no pg_hba\.conf entry", re.IGNORECASE)),
    ("timeout", re.compile(r"timeout expired|timed out", re.IGNORECASE)),
    ("starting", re.compile(r"the database system is (starting up|shutting down|in recovery mode)", re.IGNORECASE)),
    ("connection_lost", re.compile(r"server closed the connection unexpectedly|terminating connection|"
                                   r"consuming input failed|the connection is (lost|closed)", re.IGNORECASE)),
    ("too_many_connections", re.compile(r"too many clients|remaining connection slots", re.IGNORECASE)),
)


@dataclass(frozen=True)
class DatabaseLocation:
    """Which database the settings point at, named as an operator knows it."""

    url: str
    setting: str

    @classmethod
    def of(cls, settings: Settings) -> DatabaseLocation:
        """`DATABASE_URL` when it is set, else the SQLite file in `ICC_DATA_DIR`."""
        return cls(settings.effective_database_url, "DATABASE_URL" if settings.database_url else "ICC_DATA_DIR")

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def file(self) -> str:
        """The SQLite file (without a `file:` URI's prefix and options)."""
        try:
            database = make_url(self.url).database or ""
        except ArgumentError:
            return self.url
        return database.removeprefix("file:").split("?", 1)[0]

    @property
    def server(self) -> str:
        """host:port of a PostgreSQL URL."""
        try:
            url = make_url(self.url)
        except ArgumentError:
            return "?"
        return f"{url.host or 'localhost'}:{url.port or 5432}"

    @property
    def name(self) -> str:
        try:
            return make_url(self.url).database or ""
        except ArgumentError:
            return ""

    @property
    def user(self) -> str:
        try:
            return make_url(self.url).username or ""
        except ArgumentError:
            return ""

    @property
    def host(self) -> str:
        try:
            return make_url(self.url).host or "localhost"
        except ArgumentError:
            return ""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from or while handling, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        # `raise … from None` hides the context: that exception was already dealt with.
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)


def explain(exc: BaseException, where: DatabaseLocation) -> str | None:
    """One line saying what is wrong with the database and what to do, or None if `exc` is not that.

    Args:
        exc: any exception; its causes are looked at too.
        where: the database the bot was using.
    """
    for cause in _chain(exc):
        line = _explain_one(cause, where)
        if line is not None:
            return line
    return None


def _explain_one(exc: BaseException, where: DatabaseLocation) -> str | None:
    if isinstance(exc, DBAPIError):
        return _explain_driver_error(exc.orig, where) if exc.orig is not None else None
    if isinstance(exc, NoSuchModuleError):
        return f"{where.setting} names a database driver that is not installed ({exc}): use sqlite:/// or " \
               "postgresql+psycopg://."
    if isinstance(exc, ArgumentError):
        return f"{where.setting} is not a database URL this bot can use ({exc})."
    if isinstance(exc, OSError) and _is_database_path(exc, where):
        return _explain_os_error(exc, where)
    if _from_alembic(exc) and "Can't locate revision" in str(exc):
        found = re.search(r"identified by '([^']+)'", str(exc))
        revision = found.group(1) if found else "?"
        return (f"the database of {where.setting} is at schema revision {revision}, which this version of ICC Bot "
                "does not know (a newer version upgraded it): run that version, or restore a backup.")
    return None


def _explain_driver_error(orig: BaseException, where: DatabaseLocation) -> str | None:
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        return _explain_sqlite(name, where)
    if type(orig).__module__.split(".")[0] == "psycopg":
        return _explain_postgres(orig, where)
    return None


def _explain_sqlite(name: str, where: DatabaseLocation) -> str | None:
    path, setting = where.file, where.setting
    if name == "SQLITE_FULL":
        return f"the disk holding the database {path} is full: free some space, or set {setting} to a disk with room."
    if name.startswith("SQLITE_READONLY"):
        return (f"the database {path} is read-only for this process: make the file and its folder writable, or set "
                f"{setting} to a writable place.")
    if name.startswith("SQLITE_CANTOPEN"):
        return (f"cannot open the database {path}: its folder must exist and be writable by this process (set "
                f"{setting} to such a folder).")
    if name == "SQLITE_NOTADB":
        return f"{path} is not a SQLite database: set {setting} to the bot's database file or an empty folder."
    if name.startswith("SQLITE_CORRUPT"):
        return f"the database {path} is damaged ({name}): restore it from a backup."
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return (f"the database {path} stayed locked by another process: let it finish (or stop it) and try again.")
    if name.startswith("SQLITE_IOERR"):
        # SQLite cannot tell why; a full disk is the common cause (the WAL's shared-memory file has no room).
        return (f"the disk holding the database {path} failed to read or write ({name}): check that it has free "
                f"space and works, or set {setting} to another disk.")
    if name in ("SQLITE_PERM", "SQLITE_AUTH"):
        return f"this process may not use the database {path} ({name}): check its permissions."
    return None


def _explain_postgres(orig: BaseException, where: DatabaseLocation) -> str | None:
    text = str(orig)
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(orig).__name__)
    state = getattr(orig, "sqlstate", None)
    kind = _PG_STATES.get(state) if isinstance(state, str) else None
    if kind is None:
        kind = next((kind for kind, words in _PG_CONNECT_WORDS if words.search(text)), None)
    server = where.server
    if kind == "refused":
        return (f"cannot reach PostgreSQL at {server} (connection refused): start the server, or correct the host "
                "and port in DATABASE_URL.")
    if kind == "unknown_host":
        return (f"the database host “{where.host}” in DATABASE_URL is unknown (its name does not resolve): check its "
                "spelling and the network.")
    if kind == "no_database":
        return (f"PostgreSQL at {server} has no database “{where.name}”: create it (createdb {where.name}) or "
                "correct DATABASE_URL.")
    if kind == "refused_user":
        return (f"PostgreSQL at {server} refused the user “{where.user}”: check the user name and password in "
                "DATABASE_URL.")
    if kind == "timeout":
        return f"PostgreSQL at {server} did not answer in time: check DATABASE_URL and the network."
    if kind == "starting":
        return f"PostgreSQL at {server} is not accepting connections yet (starting or stopping): try again shortly."
    if kind == "read_only":
        return (f"the database at {server} is read-only (a standby, or default_transaction_read_only is on): point "
                "DATABASE_URL at a writable (primary) server.")
    if kind == "disk_full":
        return f"the disk of the PostgreSQL server at {server} is full: free some space on it."
    if kind == "out_of_memory":
        return f"the PostgreSQL server at {server} is out of memory: try again, or give it more."
    if kind == "too_many_connections":
        return (f"PostgreSQL at {server} has no connection left (too many clients): close some, or raise "
                "max_connections.")
    if kind == "no_privilege":
        return (f"the user “{where.user}” may not do this in the database at {server} ({first}): grant it the "
                "rights, or use the database's owner in DATABASE_URL.")
    if kind == "connection_lost":
        return f"the connection to PostgreSQL at {server} was lost ({first}): check the server, then try again."
    if type(orig).__name__ == "OperationalError":
        return f"cannot use PostgreSQL at {server} ({first}): check DATABASE_URL and the server."
    return None


def _is_database_path(exc: OSError, where: DatabaseLocation) -> bool:
    """Whether `exc` is about the SQLite file, a file beside it or a folder on its way (not any file at all)."""
    if not where.is_sqlite or not exc.filename or not where.file:
        return False
    database = Path(where.file).absolute()
    failed = Path(str(exc.filename)).absolute()
    return failed in database.parents or failed.parent == database.parent


def _explain_os_error(exc: OSError, where: DatabaseLocation) -> str:
    target = exc.filename
    reason = exc.strerror or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        return f"the disk holding {target} is full: free some space, or set {where.setting} to a disk with room."
    return (f"cannot write to {target} ({reason}): set {where.setting} to a folder this process can create and "
            "write.")


def summary(exc: BaseException) -> str:
    """The first line of an unclassified error, without the SQL statement SQLAlchemy appends."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text = str(exc).split("\n[SQL:", 1)[0]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# ---------------------------------------------------------------- logs of a running bot


def one_line_records(where: DatabaseLocation) -> Callable[[], None]:
    """Make every log record that carries a database failure one line with its cause (not a traceback, no SQL).

    Applies to every logger, the web server's included, from now on. Returns what undoes it. Not used with
    `LOG_LEVEL=DEBUG`, where the traceback is wanted.
    """
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _rewrite(record, where)
        return record

    logging.setLogRecordFactory(factory)

    def undo() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return undo


def _rewrite(record: logging.LogRecord, where: DatabaseLocation) -> None:
    exc = record.exc_info[1] if record.exc_info else None
    line = explain(exc, where) if exc is not None else None
    if isinstance(record.args, tuple) and any(isinstance(arg, BaseException) for arg in record.args):
        # log.warning("… %s", exc): the exception's text would bring its SQL along.
        record.args = tuple(
            (explain(arg, where) or summary(arg)) if isinstance(arg, DBAPIError) else arg for arg in record.args
        )
    if line is not None:
        record.msg = f"{record.getMessage()}: database problem: {line}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None


def _from_alembic(exc: BaseException) -> bool:
    """An Alembic command error. Alembic is loaded only when migrations run (not at every start), and only then
    can its errors occur, so it is not imported here."""
    util = sys.modules.get("alembic.util")
    return util is not None and isinstance(exc, util.CommandError)
