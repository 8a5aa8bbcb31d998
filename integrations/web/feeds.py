"""The practice list for machines: an Atom feed for feed readers, CSV and JSON for open-data use."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from bot.services.practices import PracticeCard

COLUMNS = ("id", "url", "title", "summary", "city", "themes", "language", "translated")


def _row(card: PracticeCard, address: str) -> dict[str, object]:
    return {"id": card.id, "url": f"{address}/practices/{card.id}", "title": card.title, "summary": card.summary,
            "city": card.city, "themes": list(card.themes), "language": card.language,
            "translated": card.translated}


def atom(cards: Sequence[PracticeCard], *, address: str, language: str, title: str, self_path: str,
         updated: datetime) -> bytes:
    """An Atom 1.0 feed of `cards` (RFC 4287): one entry per practice, linking to its page."""
    stamp = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(language)}>',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(address)}/practices</id>",
        f"<link rel=\"self\" href={quoteattr(address + self_path)}/>",
        f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(address + '/practices')}/>",
        f"<updated>{stamp}</updated>",
        "<author><name>Intercultural Cities</name></author>",
    ]
    for card in cards:
        url = f"{address}/practices/{card.id}"
        lines += [
            "<entry>",
            f"<title>{escape(card.title)}</title>",
            f"<id>{escape(url)}</id>",
            f"<link rel=\"alternate\" href={quoteattr(url)}/>",
            f"<updated>{stamp}</updated>",
            f"<summary>{escape(card.summary)}</summary>",
            *(f"<category term={quoteattr(theme)}/>" for theme in card.themes),
            f"<author><name>{escape(card.city)}</name></author>",
            "</entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines).encode("utf-8")


def csv_list(cards: Sequence[PracticeCard], *, address: str) -> bytes:
    """CSV with a header row; themes joined by ";"; cells that a spreadsheet would run as a formula are
    prefixed with an apostrophe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for card in cards:
        row = _row(card, address)
        row["themes"] = ";".join(card.themes)
        writer.writerow({key: _safe_cell(value) for key, value in row.items()})
    return buffer.getvalue().encode("utf-8")


def _safe_cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def json_list(cards: Sequence[PracticeCard], *, address: str, page: int, has_more: bool) -> bytes:
    return json.dumps({"page": page, "has_more": has_more, "practices": [_row(card, address) for card in cards]},
                      ensure_ascii=False, indent=1).encode("utf-8")
