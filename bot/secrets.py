"""Secrets kept at rest in the database: sealed with Fernet under `ICC_SECRET_KEY`, found and re-sealed wherever a
table declares them.

How a feature keeps a secret (an OAuth token, a webhook token, a sign-in secret):

1. Declare the column: `Column(String, info=secret_column())` for a column that is one secret, or
   `Column(JSON, info=secret_column("token", "refresh_token"))` for a JSON object whose values at those keys
   are secrets. `python -m bot secrets encrypt` and the start-up check find them there.
2. Write `box.seal(value)` and read `box.open(value)` with the process's `SecretBox` (`SecretBox.required`).

A sealed value is `fernet:v1:` followed by a Fernet token, so it is told apart from a value still in clear (which
`open` returns as it is: rows written before a key was set stay readable until `secrets encrypt` seals them).
Several keys, comma-separated, make a rotation: the first seals, every one opens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Column, MetaData, Table, select, update
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from bot.settings import Settings

#: Marks a sealed value; the version names the scheme, so another one could be told apart later.
SEALED_PREFIX = "fernet:v1:"
#: A Fernet token: url-safe base64 of a version byte 0x80 and a timestamp whose high bytes are zero ("gAAAAA").
_FERNET_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_\-]+={0,2}")
#: The key of `Column.info` that marks a column holding secrets.
SECRET_INFO = "icc_secret"

KEY_SETTING = "ICC_SECRET_KEY"
NEW_KEY_COMMAND = "python -m bot secrets new-key"
ENCRYPT_COMMAND = "python -m bot secrets encrypt"


class SecretKeyError(Exception):
    """The key is missing, malformed, or cannot open what is stored. The message is one line naming
    ICC_SECRET_KEY and what to do; it never holds a key or a secret."""


class SecretState(StrEnum):
    """Where a stored value stands with the keys at hand."""

    clear = "clear"
    current = "current"  # sealed under the first key
    older = "older"  # sealed under another key of the list: `secrets encrypt` moves it to the first
    unreadable = "unreadable"  # sealed under none of the keys


def new_key() -> str:
    """A fresh random key, as `ICC_SECRET_KEY` takes it."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str) -> list[str]:
    """The keys of a comma-separated `ICC_SECRET_KEY` (blanks ignored).

    Raises:
        ValueError: a part is not a key made by `new_key`; the message never repeats the text.
    """
    keys = [part.strip() for part in text.split(",") if part.strip()]
    if not keys:
        raise ValueError(f"is empty: make a key with `{NEW_KEY_COMMAND}`")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError(
                f"has a malformed key (number {position} of {len(keys)}): each key is 44 characters made by "
                f"`{NEW_KEY_COMMAND}`, several separated by commas"
            ) from None
    return keys


def is_sealed(value: object) -> bool:
    """Whether a stored value is sealed (a clear value never starts with the prefix and a Fernet token)."""
    return isinstance(value, str) and value.startswith(SEALED_PREFIX) and bool(
        _FERNET_TOKEN.fullmatch(value, len(SEALED_PREFIX))
    )


class SecretBox:
    """Seals and opens secrets under a list of keys: the first seals, every key opens."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("a SecretBox needs at least one key")
        self._first = Fernet(keys[0])
        self._all = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox | None:
        """The box for `ICC_SECRET_KEY`, or None when it is not set."""
        keys = settings.secret_keys
        return cls(keys) if keys else None

    @classmethod
    def required(cls, settings: Settings) -> SecretBox:
        """The box for `ICC_SECRET_KEY`, for a feature that stores secrets; `SecretKeyError` when it is not set."""
        box = cls.from_settings(settings)
        if box is None:
            raise SecretKeyError(_missing_key(_needing(settings)))
        return box

    def seal(self, value: str) -> str:
        """`value` encrypted under the first key, marked as sealed."""
        return SEALED_PREFIX + self._all.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, value: str) -> str:
        """The clear text of a sealed value (a value still in clear comes back as it is).

        Raises:
            SecretKeyError: none of the keys opens it.
        """
        if not is_sealed(value):
            return value
        try:
            return self._all.decrypt(value[len(SEALED_PREFIX):]).decode("utf-8")
        except InvalidToken:
            raise SecretKeyError(_wrong_key("the secrets stored in the database")) from None

    def state(self, value: str) -> SecretState:
        """Whether `value` is in clear, sealed under the first key, under another key, or under none."""
        if not is_sealed(value):
            return SecretState.clear
        token = value[len(SEALED_PREFIX):].encode("ascii")
        try:
            self._first.decrypt(token)
            return SecretState.current
        except InvalidToken:
            pass
        try:
            self._all.decrypt(token)
            return SecretState.older
        except InvalidToken:
            return SecretState.unreadable

    def reseal(self, value: str) -> str:
        """`value` sealed under the first key, whether it was in clear or under another key."""
        return self.seal(self.open(value))


def open_with(box: SecretBox | None, value: str) -> str:
    """`box.open(value)`, also without a key for a value in clear; a sealed one then raises `SecretKeyError`."""
    if box is not None:
        return box.open(value)
    if is_sealed(value):
        raise SecretKeyError(f"{KEY_SETTING} is not set, but the database holds encrypted secrets: set it to the key "
                             f"they were encrypted with")
    return value


def _needing(settings: Settings) -> str:
    needing = settings.settings_storing_secrets or ["a feature"]
    return f"{' and '.join(needing)} keeps secrets in the database"


def _missing_key(why: str) -> str:
    return (f"{KEY_SETTING} is not set, but {why}: set it to the key the secrets were encrypted with, or, for a "
            f"first key, to one made by `{NEW_KEY_COMMAND}`")


def _missing_key_for_sealed(count: int, where: str) -> str:
    return (f"{KEY_SETTING} is not set, but the database holds {count} encrypted secrets ({where}): set it to the "
            f"key they were encrypted with")


def _wrong_key(what: str) -> str:
    return (f"{KEY_SETTING} cannot decrypt {what}: set it to the key they were encrypted with (while rotating, "
            f"the new key first, then the old one: new,old)")


# ---------------------------------------------------------------- declared secret columns


def secret_column(*json_keys: str) -> dict[str, Any]:
    """`Column(info=…)` for a column of secrets: the whole value, or the values at `json_keys` of a JSON object."""
    return {SECRET_INFO: tuple(json_keys)}


@dataclass(frozen=True)
class SecretColumn:
    """A column that holds secrets, and where in it (`keys` of a JSON object, or the whole value when empty)."""

    table: Table
    column: Column[Any]
    keys: tuple[str, ...]

    def values(self, stored: Any) -> Iterator[str]:
        """The secrets in one stored value (empty ones skipped)."""
        if not self.keys:
            if isinstance(stored, str) and stored:
                yield stored
            return
        if isinstance(stored, dict):
            for key in self.keys:
                value = stored.get(key)
                if isinstance(value, str) and value:
                    yield value

    def rewrite(self, stored: Any, change: Any) -> Any:
        """The stored value with `change` applied to each of its secrets."""
        if not self.keys:
            return change(stored) if isinstance(stored, str) and stored else stored
        if not isinstance(stored, dict):
            return stored
        rewritten = dict(stored)
        for key in self.keys:
            value = rewritten.get(key)
            if isinstance(value, str) and value:
                rewritten[key] = change(value)
        return rewritten


def secret_columns(metadata: MetaData | None = None) -> list[SecretColumn]:
    """Every column declared with `secret_column()` in the application's tables."""
    if metadata is None:
        from sqlmodel import SQLModel

        import bot.models  # noqa: F401  (registers every table)

        metadata = SQLModel.metadata
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if SECRET_INFO in column.info:
                found.append(SecretColumn(table, column, tuple(column.info[SECRET_INFO])))
    return found


@dataclass
class SecretCounts:
    """How many stored secrets stand where, and in which tables."""

    clear: int = 0
    current: int = 0
    older: int = 0
    unreadable: int = 0
    sealed_without_key: int = 0
    tables: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.clear + self.current + self.older + self.unreadable + self.sealed_without_key

    @property
    def where(self) -> str:
        return ", ".join(sorted(self.tables))

    def add(self, state: SecretState) -> None:
        setattr(self, state.value, getattr(self, state.value) + 1)


def _rows(connection: Connection, secret: SecretColumn, *, lock: bool) -> list[Any]:
    query = select(*secret.table.primary_key.columns, secret.column)
    if lock:
        query = query.with_for_update()  # a web process saving an installation meanwhile waits for this one
    return list(connection.execute(query))


def _unreadable(counts: SecretCounts) -> str:
    return f"{counts.unreadable} of the {counts.total - counts.clear} encrypted secrets in {counts.where}"


def count_secrets(engine: Engine, box: SecretBox | None, columns: list[SecretColumn] | None = None) -> SecretCounts:
    """Count the stored secrets by state (without a key, sealed ones are `sealed_without_key`). Reads only."""
    counts = SecretCounts()
    with engine.connect() as connection:
        for secret in columns if columns is not None else secret_columns():
            for row in _rows(connection, secret, lock=False):
                for value in secret.values(row[-1]):
                    counts.tables.add(secret.table.name)
                    if box is None:
                        if is_sealed(value):
                            counts.sealed_without_key += 1
                        else:
                            counts.clear += 1
                    else:
                        counts.add(box.state(value))
    return counts


def encrypt_stored(engine: Engine, box: SecretBox, columns: list[SecretColumn] | None = None) -> SecretCounts:
    """Seal every stored secret under the first key: those in clear, and those under another key of the list.

    Returns the counts as they were before (`clear` and `older` are what was changed). Idempotent: a second run
    changes nothing. Nothing is changed when any secret is sealed under none of the keys.

    Raises:
        SecretKeyError: some stored secret opens with none of the keys.
    """
    columns = columns if columns is not None else secret_columns()
    counts = count_secrets(engine, box, columns)
    if counts.unreadable:
        raise SecretKeyError(_wrong_key(_unreadable(counts)) + "; nothing was changed")

    def change(value: str) -> str:
        return value if box.state(value) is SecretState.current else box.reseal(value)

    for secret in columns:
        with engine.begin() as connection:
            keys = list(secret.table.primary_key.columns)
            for row in _rows(connection, secret, lock=True):
                stored = row[-1]
                rewritten = secret.rewrite(stored, change)
                if rewritten != stored:
                    where = [column == row[position] for position, column in enumerate(keys)]
                    connection.execute(update(secret.table).where(*where).values({secret.column.name: rewritten}))
    return counts


def check_settings(settings: Settings) -> None:
    """Refuse a feature that stores secrets (`settings_storing_secrets`) without `ICC_SECRET_KEY`.

    Raises:
        SecretKeyError: one line naming ICC_SECRET_KEY and what to do.
    """
    if not settings.secret_keys and settings.settings_storing_secrets:
        raise SecretKeyError(_missing_key(_needing(settings)))


def check_at_start(settings: Settings, engine: Engine) -> SecretCounts:
    """Refuse to start when secrets need a key that is missing, or that cannot open what is stored.

    A missing key is refused when the settings switch on a feature that stores secrets (`settings_storing_secrets`)
    or when the database already holds secrets (in clear or sealed); a single-workspace token from the
    environment needs no key. Returns the counts, so the caller can say what is left to encrypt.

    Raises:
        SecretKeyError: one line naming ICC_SECRET_KEY and what to do.
    """
    check_settings(settings)
    box = SecretBox.from_settings(settings)
    counts = count_secrets(engine, box)
    if box is None and counts.sealed_without_key:
        raise SecretKeyError(_missing_key_for_sealed(counts.sealed_without_key, counts.where))
    if box is None and counts.clear:
        raise SecretKeyError(
            f"{KEY_SETTING} is not set, but the database holds {counts.clear} secrets in clear ({counts.where}): "
            f"make a key with `{NEW_KEY_COMMAND}`, set {KEY_SETTING} to it, then run `{ENCRYPT_COMMAND}`")
    if counts.unreadable:
        raise SecretKeyError(_wrong_key(_unreadable(counts)))
    return counts
