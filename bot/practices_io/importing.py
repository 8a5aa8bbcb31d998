"""Practices in from files: CSV or JSON as the export writes them (or made by hand); every accepted row, or none.

A row is a practice when it passes the rules of `/share-practice`. Its identity is its `uid`; a row without
one gets a UUID derived from its content, so that the same file imported twice adds nothing the second
time. A row whose practice is already in the database (same uid) is left as it is and reported as such; a
row repeating an earlier row of the file is refused. The cities and people (authors, reviewers) a row
names are added when the database does not have them.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from babel import Locale
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db import session_scope
from bot.errors import UserError
from bot.forms import normalise
from bot.i18n import DEFAULT_LOCALE, t
from bot.messages import FieldKind
from bot.models import City, Member, Role
from bot.models.practices import (
    Practice,
    PracticeCreate,
    PracticeReview,
    PracticeStatus,
    PracticeTranslation,
    ReviewAction,
)
from bot.practices_io.records import CSV_COLUMNS, CSV_HEADER, REQUIRED_COLUMNS, timestamp, unguard_cell
from bot.services.members import fold
from bot.services.practice_files import FileMessage
from bot.services.practice_rules import REASON_LIMIT, clean_language, clean_title, clean_translated_summary, draft
from bot.services.practices import PracticeService

#: Names the UUIDs made from a row's content (uuid5), so that they differ from those of any other use.
CONTENT_NAMESPACE = uuid.UUID("5d0f3a5e-8c0b-4f4e-9a51-1c2a6b7e0c11")
#: Keys of an entry that older JSON exports wrote and that mean nothing to another database.
IGNORED_KEYS = frozenset({"id"})
_COUNTRIES = frozenset(str(code) for code in Locale("en").territories if len(str(code)) == 2 and str(code).isalpha())

Format = Literal["csv", "json"]


@dataclass(frozen=True)
class RejectedRow:
    """A row left out of an import: its number (CSV: header = row 1; JSON: first entry = 1) and why."""

    row: int
    reason: str


@dataclass(frozen=True)
class AlreadyThere:
    """A row whose practice the database already has (same uid): nothing written for it."""

    row: int
    id: int


@dataclass
class ImportReport:
    """What an import did. `accepted` rows are written only if `written` (nothing rejected, or `partial`)."""

    accepted: int = 0
    written: bool = False
    rejected: list[RejectedRow] = field(default_factory=list)
    already: list[AlreadyThere] = field(default_factory=list)

    @property
    def imported(self) -> int:
        """How many practices were added to the database."""
        return self.accepted if self.written else 0


class ImportRefused(UserError):
    """The whole file is refused (not UTF-8, not CSV or JSON, wrong header); nothing was written."""

    def __str__(self) -> str:
        return t(DEFAULT_LOCALE, self.msgid, **self.params)


# ---------------------------------------------------------------- reading a file


Entry = tuple[int, dict[str, Any] | UserError]


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(FileMessage.not_utf8, position=error.start) from None


def _format_of(path: Path, content: str, fmt: Format | None) -> Format:
    if fmt is not None:
        return fmt
    if path.suffix.lower() == ".json":
        return "json"
    return "json" if content.lstrip().startswith("[") else "csv"


def read_entries(path: Path, fmt: Format | None = None) -> list[Entry]:
    """The practices of a file as (number, raw values by column), or (number, why the row is unreadable)."""
    content = _decode(path)
    if _format_of(path, content, fmt) == "json":
        return _json_entries(content)
    return _csv_entries(content)


def _csv_entries(content: str) -> list[Entry]:
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as error:
        raise ImportRefused(FileMessage.malformed, row=len(rows) + 1, problem=str(error)) from None
    if not rows:
        raise ImportRefused(FileMessage.empty, expected=CSV_HEADER)
    header = [cell.strip() for cell in rows[0]]
    if not set(REQUIRED_COLUMNS) <= set(header) <= set(CSV_COLUMNS) or len(set(header)) != len(header):
        raise ImportRefused(
            FileMessage.header,
            required=", ".join(REQUIRED_COLUMNS),
            optional=", ".join(column for column in CSV_COLUMNS if column not in REQUIRED_COLUMNS),
            found=",".join(rows[0])[:300],
        )
    entries: list[Entry] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line: nothing to import, nothing to report
        if len(row) != len(header):
            entries.append((number, UserError(FileMessage.columns, found=len(row), expected=len(header))))
            continue
        entries.append((number, {column: unguard_cell(cell) for column, cell in zip(header, row, strict=True)}))
    return entries


def _json_entries(content: str) -> list[Entry]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise ImportRefused(FileMessage.not_json, line=error.lineno, problem=error.msg) from None
    if not isinstance(data, list):
        raise ImportRefused(FileMessage.not_a_list)
    entries: list[Entry] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            entries.append((number, UserError(FileMessage.not_an_object)))
            continue
        unknown = [key for key in item if key not in CSV_COLUMNS and key not in IGNORED_KEYS]
        if unknown:
            entries.append((number, UserError(FileMessage.unknown_field, column=str(unknown[0])[:60])))
            continue
        entries.append((number, {key: value for key, value in item.items() if key not in IGNORED_KEYS}))
    return entries


# ---------------------------------------------------------------- checking a row


@dataclass(frozen=True)
class _Person:
    platform: str
    workspace: str
    user: str
    name: str


@dataclass(frozen=True)
class _Review:
    action: ReviewAction
    reason: str
    reviewer: _Person | None
    at: datetime | None


@dataclass(frozen=True)
class _Translation:
    language: str
    title: str
    summary: str
    machine: bool
    created_at: datetime | None


@dataclass(frozen=True)
class _Incoming:
    """A row that passed every rule, ready to be written."""

    uid: str
    data: PracticeCreate
    city: str
    country: str
    status: PracticeStatus
    reject_reason: str
    author: _Person | None
    created_at: datetime | None
    updated_at: datetime | None
    reviews: list[_Review]
    translations: list[_Translation]


def _text(raw: dict[str, Any], column: str) -> str:
    value = raw.get(column)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UserError(FileMessage.not_text, column=column)
    return value


def _text_or_list(raw: dict[str, Any], column: str) -> str | list[str]:
    value = raw.get(column)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return _text(raw, column)


def _json_cell(raw: dict[str, Any], column: str, shape: type, problem: str) -> Any:
    """A structured value: as it is in a JSON file, or JSON text in a CSV cell ("" = none)."""
    value = raw.get(column)
    if value is None or value == "":
        return shape()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise UserError(problem) from None
    if not isinstance(value, shape):
        raise UserError(problem)
    return value


def _limited(value: str, column: str, limit: int, kind: FieldKind = FieldKind.text) -> str:
    clean = normalise(value, kind)
    if len(clean) > limit:
        raise UserError(FileMessage.too_long, column=column, length=len(clean), limit=limit)
    return clean


def _time(value: object, column: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise UserError(FileMessage.timestamp, value=str(value)[:40], column=column)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _person(identity: object, name: object, column: str) -> _Person | None:
    if identity is None or identity == "":
        return None
    parts = identity.split(":", 2) if isinstance(identity, str) else []
    limits = (16, 64, 64)
    if len(parts) != 3 or not all(parts) or any(len(part) > limit for part, limit in zip(parts, limits, strict=True)):
        raise UserError(FileMessage.person, value=str(identity)[:80], column=column)
    name_column = column + "_name"
    if name is not None and not isinstance(name, str):
        raise UserError(FileMessage.not_text, column=name_column)
    return _Person(parts[0], parts[1], parts[2], _limited(name or "", name_column, 120))


def _reviews(raw: dict[str, Any]) -> list[_Review]:
    reviews = []
    for item in _json_cell(raw, "reviews", list, FileMessage.reviews):
        if not isinstance(item, dict) or not isinstance(item.get("reason", ""), str):
            raise UserError(FileMessage.reviews)
        try:
            action = ReviewAction(str(item.get("action")))
        except ValueError:
            raise UserError(FileMessage.review_action, value=str(item.get("action"))[:30]) from None
        reviews.append(_Review(
            action=action,
            reason=_limited(item.get("reason", ""), "reason", REASON_LIMIT, FieldKind.long_text),
            reviewer=_person(item.get("reviewer"), item.get("reviewer_name"), "reviewer"),
            at=_time(item.get("at"), "at"),
        ))
    return reviews


def _translations(raw: dict[str, Any], language: str) -> list[_Translation]:
    translations = []
    for code, item in _json_cell(raw, "translations", dict, FileMessage.translations).items():
        if (not isinstance(item, dict) or not isinstance(item.get("title"), str)
                or not isinstance(item.get("summary"), str) or not isinstance(item.get("machine", True), bool)):
            raise UserError(FileMessage.translations)
        clean_code = clean_language(code)
        if clean_code == language:
            raise UserError(FileMessage.translation_language, language=clean_code)
        summary = clean_translated_summary(item["summary"])
        translations.append(_Translation(clean_code, clean_title(item["title"]), summary, item.get("machine", True),
                                         _time(item.get("created_at"), "created_at")))
    return translations


def _incoming(raw: dict[str, Any]) -> _Incoming:
    """Check a row against every rule (raises `UserError`); nothing is looked up or written here."""
    status_text = _text(raw, "status").strip().lower() or PracticeStatus.published.value
    if status_text not in {status.value for status in PracticeStatus}:
        raise UserError(FileMessage.status, value=status_text[:30],
                        choices=", ".join(status.value for status in PracticeStatus))
    data = draft(  # the city is looked up once the row is known to be good (city_id 0 until then)
        title=_text(raw, "title"), city_id=0, summary=_text(raw, "summary"), description=_text(raw, "description"),
        themes=_text_or_list(raw, "themes"), language=_text(raw, "language"), results=_text(raw, "results"),
        contact=_text(raw, "contact"), links=_text_or_list(raw, "links"),
    )
    city = _limited(_text(raw, "city"), "city", 120)
    country = _text(raw, "country").strip().upper()
    if country and country not in _COUNTRIES:
        raise UserError(FileMessage.country, value=country[:20])
    created_at = _time(raw.get("created_at"), "created_at")
    values = _Incoming(
        uid="",
        data=data,
        city=city,
        country=country,
        status=PracticeStatus(status_text),
        reject_reason=_limited(_text(raw, "reject_reason"), "reject_reason", REASON_LIMIT, FieldKind.long_text),
        author=_person(raw.get("author"), raw.get("author_name"), "author"),
        created_at=created_at,
        updated_at=_time(raw.get("updated_at"), "updated_at") or created_at,
        reviews=_reviews(raw),
        translations=_translations(raw, data.language),
    )
    uid_text = _text(raw, "uid").strip()
    if not uid_text:
        return _with_uid(values, str(uuid.uuid5(CONTENT_NAMESPACE, _content(values))))
    try:
        return _with_uid(values, str(uuid.UUID(uid_text)))
    except ValueError:
        raise UserError(FileMessage.uid, value=uid_text[:60]) from None


def _with_uid(values: _Incoming, uid: str) -> _Incoming:
    return replace(values, uid=uid)


def _content(values: _Incoming) -> str:
    """The row's content as canonical text, for a row without uid: equal content, equal identity."""
    content = {key: value for key, value in asdict(values).items() if key not in ("uid", "data")}
    content["data"] = values.data.model_dump(exclude={"city_id"})
    return json.dumps(content, ensure_ascii=False, sort_keys=True, default=timestamp)


# ---------------------------------------------------------------- writing


class _Writer:
    """Writes checked rows in one session, adding the cities and people they name when missing."""

    def __init__(self, session: Session, service: PracticeService) -> None:
        self.session = session
        self.service = service
        self.cities = {fold(city.name): city for city in session.exec(select(City))}
        self.members: dict[tuple[str, str, str], Member] = {}

    def check(self, row: _Incoming) -> None:
        """Refuse a row whose city is unknown and cannot be added (no country given)."""
        if fold(row.city) not in self.cities and not (row.city and row.country):
            raise UserError(FileMessage.no_city_country if row.city else FileMessage.no_city, value=row.city[:80])

    def city(self, name: str, country: str) -> City:
        found = self.cities.get(fold(name))
        if found is not None:
            return found
        city = City(name=name, country=country)
        self.session.add(city)
        self.session.flush()
        self.cities[fold(name)] = city
        return city

    def member(self, who: _Person | None) -> Member | None:
        if who is None:
            return None
        key = (who.platform, who.workspace, who.user)
        if key not in self.members:
            found = self.session.exec(select(Member).where(
                Member.platform == who.platform, Member.workspace_id == who.workspace, Member.user_id == who.user
            )).first()
            if found is None:
                found = Member(platform=who.platform, workspace_id=who.workspace, user_id=who.user,
                               display_name=who.name, role=Role.member)
                self.session.add(found)
                self.session.flush()
            self.members[key] = found
        return self.members[key]

    def write(self, row: _Incoming) -> Practice:
        city = self.city(row.city, row.country)
        assert city.id is not None
        author = self.member(row.author)
        practice = self.service.create(session=self.session, author=None,
                                       data=row.data.model_copy(update={"city_id": city.id}), status=row.status)
        assert practice.id is not None
        practice.uid = row.uid
        practice.author_id = author.id if author else None
        practice.reject_reason = row.reject_reason
        if row.created_at is not None:
            practice.created_at = row.created_at
        if row.updated_at is not None:
            practice.updated_at = row.updated_at
        self.session.add(practice)
        for review in row.reviews:
            reviewer = self.member(review.reviewer)
            self.session.add(PracticeReview(
                practice_id=practice.id, reviewer_id=reviewer.id if reviewer else None, action=review.action,
                reason=review.reason, created_at=review.at or practice.updated_at,
            ))
        for translation in row.translations:
            self.session.add(PracticeTranslation(
                practice_id=practice.id, language=translation.language, title=translation.title,
                summary=translation.summary, machine=translation.machine,
                created_at=translation.created_at or practice.updated_at,
            ))
        self.session.flush()
        if row.translations:
            self.service.index.refresh(self.session, [practice.id])
        return practice


def import_practices(
    engine: Engine,
    path: Path,
    *,
    partial: bool = False,
    fmt: Format | None = None,
    progress: Callable[[int, int], None] | None = None,
    locale: str = DEFAULT_LOCALE,
) -> ImportReport:
    """Import the practices of a CSV or JSON file (see `bot.practices_io` for its columns).

    Every row goes through the rules of `/share-practice`. Rows that break one are reported, and so are rows
    whose practice is already in the database (left as they are). Without `partial`, one rejected row means
    nothing is written; with it, the accepted rows are. Either way the writes are one transaction: if
    anything unexpected fails, nothing is written.

    Args:
        engine: the database.
        path: the file.
        partial: write the accepted rows even when others are rejected.
        fmt: "csv" or "json"; by default from the file's name, else from its first character.
        progress: called with (rows done, rows in the file) as the import goes.
        locale: the language of the reasons in the report.

    Raises:
        ImportRefused: the file is not UTF-8, not CSV or JSON, or its header is wrong; nothing written.
    """
    entries = read_entries(path, fmt)
    total = len(entries)
    report = ImportReport()
    service = PracticeService(engine)
    if progress:
        progress(0, total)
    with session_scope(engine) as session:
        known = {uid: pid for uid, pid in session.exec(select(Practice.uid, Practice.id)) if pid is not None}
        in_file: dict[str, int] = {}
        writer = _Writer(session, service)
        for done, (number, raw) in enumerate(entries, start=1):
            try:
                if isinstance(raw, UserError):
                    raise raw
                row = _incoming(raw)
                if row.uid in in_file:
                    raise UserError(FileMessage.duplicate_in_file, row=in_file[row.uid])
                in_file[row.uid] = number
                if row.uid in known:
                    report.already.append(AlreadyThere(number, known[row.uid]))
                else:
                    writer.check(row)
                    writer.write(row)
                    report.accepted += 1
            except UserError as error:
                report.rejected.append(RejectedRow(number, t(locale, error.msgid, **error.params)))
            if progress:
                progress(done, total)
        report.written = partial or not report.rejected
        if not report.written:
            session.rollback()
    return report
