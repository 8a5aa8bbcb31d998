"""Practices out to files: CSV and JSON with every field (what the import reads back), or Markdown to read."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Literal, Protocol, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.models.practices import Practice, PracticeStatus
from bot.practices_io.records import CSV_COLUMNS, PracticeRecord, records

BATCH = 500

Format = Literal["csv", "json", "markdown"]


def _records(engine: Engine, status: str | None) -> Iterator[tuple[Practice, PracticeRecord]]:
    """Every practice (in id order) with its record, fetched in batches: a big database is never held in memory."""
    last_id = 0
    with session_scope(engine) as session:
        while True:
            query = select(Practice).where(col(Practice.id) > last_id)
            if status is not None:
                query = query.where(Practice.status == status)
            batch = list(session.exec(query.order_by(col(Practice.id)).limit(BATCH)))
            if not batch:
                return
            yield from zip(batch, records(session, batch), strict=True)
            last_id = batch[-1].id or last_id
            session.expunge_all()


def export_practices(
    engine: Engine, fmt: Format, out: TextIO, *, status: PracticeStatus | str | None = None
) -> int:
    """Write every practice (or those in `status`) to `out`; returns how many were written.

    Args:
        engine: the database.
        fmt: "csv" or "json" (every field, read back by the import) or "markdown" (to read).
        out: an open text stream (open files with `newline=""` for CSV).
        status: only practices in this status.
    """
    if fmt not in ("csv", "json", "markdown"):
        raise ValueError(f"unknown export format {fmt!r}")
    wanted = PracticeStatus(status).value if status else None
    writers: dict[str, type[_Writer]] = {"csv": _CsvWriter, "json": _JsonWriter, "markdown": _MarkdownWriter}
    writer = writers[fmt](out)
    count = 0
    for practice, record in _records(engine, wanted):
        writer.write(practice, record)
        count += 1
    writer.close()
    return count


class _Writer(Protocol):
    def __init__(self, out: TextIO) -> None: ...

    def write(self, practice: Practice, record: PracticeRecord) -> None: ...

    def close(self) -> None: ...


class _CsvWriter:
    def __init__(self, out: TextIO) -> None:
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.writer.writerow(CSV_COLUMNS)

    def write(self, practice: Practice, record: PracticeRecord) -> None:
        self.writer.writerow(record.csv_row())

    def close(self) -> None:
        pass


class _JsonWriter:
    """A list with one practice per line (a file that diffs well and streams)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.first = True
        out.write("[")

    def write(self, practice: Practice, record: PracticeRecord) -> None:
        line = json.dumps(record.json_object(), ensure_ascii=False)
        self.out.write(("\n  " if self.first else ",\n  ") + line)
        self.first = False

    def close(self) -> None:
        self.out.write("\n]\n" if not self.first else "]\n")


class _MarkdownWriter:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        out.write("# ICC good practices\n")

    def write(self, practice: Practice, record: PracticeRecord) -> None:
        values = record.values
        title = " ".join(practice.title.split())
        lines = [
            "",
            f"## #{practice.id} {title}",
            "",
            f"*{values['city']} ({values['country']}) · {', '.join(values['themes'])} · {practice.language} · "
            f"{values['status']}*",
            "",
            practice.summary,
            "",
            practice.description,
        ]
        if practice.results:
            lines += ["", "**Results and impact**", "", practice.results]
        if practice.contact:
            lines += ["", f"**Contact:** {practice.contact}"]
        if values["links"]:
            lines += ["", *(f"- <{link}>" for link in values["links"])]
        self.out.write("\n".join(lines) + "\n")

    def close(self) -> None:
        pass
