"""A practice as a file holds it: every field, in the same shape for CSV and JSON, read from the database."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.models import City, Member
from bot.models.practices import (
    THEMES,
    Practice,
    PracticeReview,
    PracticeStatus,
    PracticeTheme,
    PracticeTranslation,
    ReviewAction,
)

#: The columns of a CSV file, in the order the export writes them; a JSON entry has the same keys.
CSV_COLUMNS = (
    "uid", "title", "city", "country", "themes", "summary", "description", "results", "contact", "links",
    "language", "status", "reject_reason", "author", "author_name", "created_at", "updated_at", "reviews",
    "translations",
)
CSV_HEADER = ",".join(CSV_COLUMNS)
#: What a hand-written file must give; every other column may be left out.
REQUIRED_COLUMNS = ("title", "city", "themes", "summary", "description", "language")
#: A CSV cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: str) -> str:
    """`value` as a CSV cell that no spreadsheet runs: an apostrophe first if it would start a formula.

    Apostrophes that lead up to a formula character count as part of the cell's start (`'=x` -> `''=x`),
    so that `unguard_cell` is its exact inverse.
    """
    return "'" + value if value.lstrip("'").startswith(FORMULA_STARTS) else value


def unguard_cell(value: str) -> str:
    """The text of a CSV cell that `guard_cell` may have guarded: one apostrophe less, if it has that shape."""
    return value[1:] if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS) else value


def timestamp(value: datetime | None) -> str:
    """A stored time as ISO 8601 in UTC, to the microsecond ("" when unknown); SQLite gives it back naive."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def person(member: Member | None) -> tuple[str, str]:
    """(identity as `platform:workspace:user`, display name) of a member, or empty strings."""
    if member is None:
        return "", ""
    return f"{member.platform}:{member.workspace_id}:{member.user_id}", member.display_name


@dataclass(frozen=True)
class PracticeRecord:
    """Everything a practice has, as exported: structured values as lists and dictionaries."""

    values: dict[str, Any]

    def json_object(self) -> dict[str, Any]:
        """The entry of a JSON file (keys in `CSV_COLUMNS` order)."""
        return {column: self.values[column] for column in CSV_COLUMNS}

    def csv_row(self) -> list[str]:
        """The cells of a CSV row, guarded against spreadsheet formulas.

        Themes are separated by `;`, links by line breaks; reviews and translations are JSON in their cell
        (empty when there are none).
        """
        cells = []
        for column in CSV_COLUMNS:
            value = self.values[column]
            if column == "themes":
                value = ";".join(value)
            elif column == "links":
                value = "\n".join(value)
            elif column in ("reviews", "translations"):
                value = json.dumps(value, ensure_ascii=False) if value else ""
            cells.append(guard_cell(value))
        return cells


def records(session: Session, practices: Sequence[Practice]) -> list[PracticeRecord]:
    """The records of `practices` (a batch: their themes, reviews, translations and people in a few queries)."""
    ids = [p.id for p in practices if p.id is not None]
    themes: dict[int, list[str]] = {}
    for row in session.exec(select(PracticeTheme).where(col(PracticeTheme.practice_id).in_(ids))):
        themes.setdefault(row.practice_id, []).append(row.theme)
    translations: dict[int, list[PracticeTranslation]] = {}
    for tr in session.exec(select(PracticeTranslation).where(col(PracticeTranslation.practice_id).in_(ids))):
        translations.setdefault(tr.practice_id, []).append(tr)
    reviews: dict[int, list[PracticeReview]] = {}
    query = select(PracticeReview).where(col(PracticeReview.practice_id).in_(ids)).order_by(col(PracticeReview.id))
    for review in session.exec(query):
        reviews.setdefault(review.practice_id, []).append(review)
    member_ids = {p.author_id for p in practices} | {r.reviewer_id for rs in reviews.values() for r in rs}
    members = {m.id: m for m in session.exec(select(Member).where(col(Member.id).in_(member_ids - {None})))}
    city_ids = {p.city_id for p in practices}
    cities = {c.id: c for c in session.exec(select(City).where(col(City.id).in_(city_ids)))}
    found = []
    for practice in practices:
        assert practice.id is not None
        city = cities.get(practice.city_id)
        author, author_name = person(members.get(practice.author_id))
        found.append(PracticeRecord({
            "uid": practice.uid,
            "title": practice.title,
            "city": city.name if city else "",
            "country": city.country if city else "",
            "themes": sorted(themes.get(practice.id, []), key=THEMES.index),
            "summary": practice.summary,
            "description": practice.description,
            "results": practice.results,
            "contact": practice.contact,
            "links": practice.links.split(),
            "language": practice.language,
            "status": PracticeStatus(practice.status).value,
            "reject_reason": practice.reject_reason,
            "author": author,
            "author_name": author_name,
            "created_at": timestamp(practice.created_at),
            "updated_at": timestamp(practice.updated_at),
            "reviews": [_review(review, members) for review in reviews.get(practice.id, [])],
            "translations": {
                tr.language: {"title": tr.title, "summary": tr.summary, "machine": tr.machine,
                              "created_at": timestamp(tr.created_at)}
                for tr in sorted(translations.get(practice.id, []), key=lambda tr: tr.language)
            },
        }))
    return found


def _review(review: PracticeReview, members: dict[int | None, Member]) -> dict[str, str]:
    reviewer, reviewer_name = person(members.get(review.reviewer_id))
    return {"action": ReviewAction(review.action).value, "reason": review.reason, "reviewer": reviewer,
            "reviewer_name": reviewer_name, "at": timestamp(review.created_at)}
