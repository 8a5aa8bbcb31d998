"""Practices in and out of files: export as CSV, JSON or Markdown; import from CSV, all rows or none.

The CSV file has one header line, exactly `CSV_HEADER`, then one practice per row:

    title,city,themes,summary,description,results,contact,links,language,status

- `city`: the city's name as the bot knows it (case and accents do not matter);
- `themes`: theme slugs (`anti-rumours`, `public-space`…) separated by `;`;
- `links`: http(s) URLs separated by spaces or line breaks;
- `language`: a language code (`en`, `fr`, `uk`…);
- `status`: `submitted`, `approved`, `published` or `rejected`; empty means `published` (an import is
  the ICC team's own list).

Export writes exactly these columns, so an export can be imported into another database. Rows are
numbered as in a spreadsheet: the header is row 1, the first practice row 2.

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
(OWASP "CSV injection"), so the CSV export puts an apostrophe before such a cell, as OWASP advises:
`=HYPERLINK(…)` is written `'=HYPERLINK(…)`, which a spreadsheet shows as text. To tell that apostrophe
from one that is part of the text, a cell whose leading apostrophes are followed by one of those
characters gets one apostrophe more (`'=x` is written `''=x`). So the import removes exactly one
apostrophe, and only from a cell of that shape: every exported value comes back as it was, and a leading
apostrophe before anything else is text. (A spreadsheet saving a cell typed `'=x` writes `=x`: an
apostrophe before a formula character in a CSV file is a guard, whoever put it there.)
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import DEFAULT_LOCALE, t
from bot.models import City
from bot.models.practices import THEMES, Practice, PracticeStatus, PracticeTheme, PracticeTranslation
from bot.services.members import fold
from bot.services.practices import FileMessage, PracticeService, draft, duplicate_key

CSV_COLUMNS = (
    "title", "city", "themes", "summary", "description", "results", "contact", "links", "language", "status",
)
CSV_HEADER = ",".join(CSV_COLUMNS)
BATCH = 500
#: A CSV cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Format = Literal["csv", "json", "markdown"]


@dataclass(frozen=True)
class RejectedRow:
    """A row left out of an import: its number (header = row 1) and why, in words for people."""

    row: int
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


class ImportRefused(UserError):
    """The whole file is refused (wrong header, not UTF-8, not CSV); nothing was written."""

    def __str__(self) -> str:
        return t(DEFAULT_LOCALE, self.msgid, **self.params)


# ---------------------------------------------------------------- export


def guard_cell(value: str) -> str:
    """`value` as a CSV cell that no spreadsheet runs: an apostrophe first if it would start a formula.

    Apostrophes that lead up to a formula character count as part of the cell's start (`'=x` -> `''=x`),
    so that `unguard_cell` is its exact inverse.
    """
    return "'" + value if value.lstrip("'").startswith(FORMULA_STARTS) else value


def unguard_cell(value: str) -> str:
    """The text of a CSV cell that `guard_cell` may have guarded: one apostrophe less, if it has that shape."""
    return value[1:] if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class _Exported:
    practice: Practice
    city: str
    country: str
    themes: list[str]
    translations: dict[str, dict[str, str]]


def _practices(engine: Engine, status: str | None) -> Iterator[_Exported]:
    """Every practice (in id order), fetched in batches so that a big database is never held in memory."""
    last_id = 0
    with session_scope(engine) as session:
        cities = {city.id: city for city in session.exec(select(City))}
        while True:
            query = select(Practice).where(col(Practice.id) > last_id)
            if status is not None:
                query = query.where(Practice.status == status)
            batch = list(session.exec(query.order_by(col(Practice.id)).limit(BATCH)))
            if not batch:
                return
            ids = [p.id for p in batch]
            themes: dict[int, list[str]] = {}
            for row in session.exec(select(PracticeTheme).where(col(PracticeTheme.practice_id).in_(ids))):
                themes.setdefault(row.practice_id, []).append(row.theme)
            translations: dict[int, dict[str, dict[str, str]]] = {}
            for tr in session.exec(
                select(PracticeTranslation).where(col(PracticeTranslation.practice_id).in_(ids))
            ):
                translations.setdefault(tr.practice_id, {})[tr.language] = {"title": tr.title, "summary": tr.summary}
            for practice in batch:
                assert practice.id is not None
                city = cities.get(practice.city_id)
                yield _Exported(
                    practice=practice,
                    city=city.name if city else "",
                    country=city.country if city else "",
                    themes=sorted(themes.get(practice.id, []), key=THEMES.index),
                    translations=dict(sorted(translations.get(practice.id, {}).items())),
                )
            last_id = batch[-1].id or last_id
            session.expunge_all()


def export_practices(
    engine: Engine, fmt: Format, out: TextIO, *, status: PracticeStatus | str | None = None
) -> int:
    """Write every practice (or those in `status`) to `out`; returns how many were written.

    Args:
        engine: the database.
        fmt: "csv" (the import's columns), "json" (a list of objects, translations included) or "markdown".
        out: an open text stream (open files with `newline=""` for CSV).
        status: only practices in this status.
    """
    if fmt not in ("csv", "json", "markdown"):
        raise ValueError(f"unknown export format {fmt!r}")
    wanted = PracticeStatus(status).value if status else None
    writers: dict[str, type[_Writer]] = {"csv": _CsvWriter, "json": _JsonWriter, "markdown": _MarkdownWriter}
    writer = writers[fmt](out)
    count = 0
    for item in _practices(engine, wanted):
        writer.write(item)
        count += 1
    writer.close()
    return count


class _Writer(Protocol):
    def __init__(self, out: TextIO) -> None: ...

    def write(self, item: _Exported) -> None: ...

    def close(self) -> None: ...


class _CsvWriter:
    def __init__(self, out: TextIO) -> None:
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.writer.writerow(CSV_COLUMNS)

    def write(self, item: _Exported) -> None:
        p = item.practice
        self.writer.writerow([
            guard_cell(cell)
            for cell in (
                p.title, item.city, ";".join(item.themes), p.summary, p.description, p.results, p.contact,
                p.links, p.language, PracticeStatus(p.status).value,
            )
        ])

    def close(self) -> None:
        pass


class _JsonWriter:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.first = True
        out.write("[")

    def write(self, item: _Exported) -> None:
        p = item.practice
        record = {
            "id": p.id,
            "title": p.title,
            "city": item.city,
            "country": item.country,
            "themes": item.themes,
            "summary": p.summary,
            "description": p.description,
            "results": p.results,
            "contact": p.contact,
            "links": p.links.split(),
            "language": p.language,
            "status": PracticeStatus(p.status).value,
            "created_at": p.created_at.isoformat() if p.created_at else None,
            "translations": item.translations,
        }
        self.out.write(("\n  " if self.first else ",\n  ") + json.dumps(record, ensure_ascii=False))
        self.first = False

    def close(self) -> None:
        self.out.write("\n]\n" if not self.first else "]\n")


class _MarkdownWriter:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        out.write("# ICC good practices\n")

    def write(self, item: _Exported) -> None:
        p = item.practice
        title = " ".join(p.title.split())
        lines = [
            "",
            f"## #{p.id} {title}",
            "",
            f"*{item.city} ({item.country}) · {', '.join(item.themes)} · {p.language} · "
            f"{PracticeStatus(p.status).value}*",
            "",
            p.summary,
            "",
            p.description,
        ]
        if p.results:
            lines += ["", "**Results and impact**", "", p.results]
        if p.contact:
            lines += ["", f"**Contact:** {p.contact}"]
        if p.links:
            lines += ["", *(f"- <{link}>" for link in p.links.split())]
        self.out.write("\n".join(lines) + "\n")

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- import


def _read_rows(path: Path) -> list[list[str]]:
    """The rows of a UTF-8 CSV file (with or without BOM), header first; refuses a file that is neither."""
    data = path.read_bytes()
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(FileMessage.not_utf8, position=error.start) from None
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as error:
        raise ImportRefused(FileMessage.malformed, row=len(rows) + 1, problem=str(error)) from None
    if not rows:
        raise ImportRefused(FileMessage.empty, expected=CSV_HEADER)
    found = [cell.strip() for cell in rows[0]]
    if tuple(found) != CSV_COLUMNS:
        raise ImportRefused(FileMessage.wrong_header, expected=CSV_HEADER, found=",".join(rows[0])[:300])
    return rows


def import_practices(
    engine: Engine,
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    locale: str = DEFAULT_LOCALE,
) -> ImportReport:
    """Import the practices of a CSV file (see the module's documentation for its columns).

    Every row goes through the same rules as `/share-practice`. Rows that break one, and duplicates (same
    title and city, in the file or already in the database), are left out and reported. All accepted rows
    are written in one transaction: if anything unexpected fails, nothing is written.

    Args:
        engine: the database.
        path: the CSV file.
        progress: called with (rows done, rows in the file) as the import goes.
        locale: the language of the reasons in the report.

    Raises:
        ImportRefused: the file is not UTF-8, not CSV, or its header is not `CSV_HEADER`; nothing written.
    """
    rows = _read_rows(path)[1:]
    total = len(rows)
    report = ImportReport()
    service = PracticeService(engine)
    if progress:
        progress(0, total)
    with session_scope(engine) as session:
        cities = _city_names(session)
        seen = service.existing_keys(session)
        in_file: dict[tuple[str, int], int] = {}
        for number, row in enumerate(rows, start=2):
            try:
                practice = _import_row(session, service, row, cities, seen, in_file, number)
            except UserError as error:
                report.rejected.append(RejectedRow(number, t(locale, error.msgid, **error.params)))
            else:
                if practice is not None:
                    report.imported += 1
            if progress:
                progress(number - 1, total)
    return report


def _city_names(session: Session) -> dict[str, City]:
    return {fold(city.name): city for city in session.exec(select(City))}


def _import_row(
    session: Session,
    service: PracticeService,
    row: list[str],
    cities: dict[str, City],
    seen: dict[tuple[str, int], int],
    in_file: dict[tuple[str, int], int],
    number: int,
) -> Practice | None:
    if not any(cell.strip() for cell in row):
        return None  # a blank line: nothing to import, nothing to report
    if len(row) != len(CSV_COLUMNS):
        raise UserError(FileMessage.columns, found=len(row), expected=len(CSV_COLUMNS))
    values = dict(zip(CSV_COLUMNS, (unguard_cell(cell) for cell in row), strict=True))
    city = cities.get(fold(values["city"]))
    if city is None or city.id is None:
        raise UserError(FileMessage.no_city, value=values["city"].strip()[:80])
    status_text = values["status"].strip().lower() or PracticeStatus.published.value
    if status_text not in {status.value for status in PracticeStatus}:
        raise UserError(FileMessage.status, value=values["status"].strip()[:30],
                        choices=", ".join(status.value for status in PracticeStatus))
    data = draft(
        title=values["title"], city_id=city.id, summary=values["summary"], description=values["description"],
        themes=values["themes"], language=values["language"], results=values["results"],
        contact=values["contact"], links=values["links"],
    )
    key = duplicate_key(data.title, city.id)
    if key in in_file:
        raise UserError(FileMessage.duplicate_in_file, row=in_file[key])
    if key in seen:
        raise UserError(FileMessage.duplicate_in_database, id=seen[key])
    practice = service.create(session=session, author=None, data=data, status=PracticeStatus(status_text))
    in_file[key] = number
    return practice
