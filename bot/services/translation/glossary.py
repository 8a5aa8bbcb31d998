"""The ICC glossary: the network's own terms in every language, shipped as data and synced to DeepL.

The file is a CSV whose header names the languages (`en,fr,es,…`) and whose rows give one term in each;
every ordered pair of columns becomes one dictionary of a DeepL multilingual glossary. A file with an
empty cell or a term that appears twice in one language is refused with a message naming the line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import UserError
from bot.i18n import N_

GLOSSARY_FILE = Path(__file__).resolve().parents[2] / "glossary" / "icc_glossary.csv"
GLOSSARY_NAME = "icc-glossary"


class GlossaryError(UserError):
    """The glossary file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Glossary:
    """Terms by language, and the hash that says whether DeepL's copy is up to date."""

    languages: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    content_hash: str = field(default="")

    def dictionaries(self) -> dict[tuple[str, str], dict[str, str]]:
        """`{(source, target): {term: translation}}` for every ordered pair of languages."""
        found: dict[tuple[str, str], dict[str, str]] = {}
        for i, source in enumerate(self.languages):
            for j, target in enumerate(self.languages):
                if i != j:
                    found[(source, target)] = {row[i]: row[j] for row in self.rows}
        return found

    def covers(self, source: str | None, target: str) -> bool:
        """Whether a dictionary exists from `source` into `target` (base codes: `pt-br` is `pt`)."""
        if not source:
            return False
        base_source, base_target = source.lower().split("-")[0], target.lower().split("-")[0]
        return base_source != base_target and base_source in self.languages and base_target in self.languages

    def __len__(self) -> int:
        return len(self.rows)


def parse_glossary(content: str, *, name: str = "glossary") -> Glossary:
    """Read and check a glossary CSV.

    Raises:
        GlossaryError: an empty term, a term twice in one language, a malformed header or row.
    """
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        raise GlossaryError(N_("The glossary {name} is empty."), name=name)
    header = tuple(cell.strip().lower() for cell in rows[0])
    if len(header) < 2 or any(not code for code in header) or len(set(header)) != len(header):
        raise GlossaryError(
            N_("The first line of the glossary {name} must name two or more different languages, like en,fr,de."),
            name=name,
        )
    seen: list[dict[str, int]] = [{} for _ in header]
    terms: list[tuple[str, ...]] = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise GlossaryError(
                N_("Line {line} of the glossary {name} has {count} terms; the first line names {expected} languages."),
                name=name, line=line, count=len(row), expected=len(header),
            )
        cleaned = tuple(" ".join(cell.split()) for cell in row)
        for column, term in enumerate(cleaned):
            if not term:
                raise GlossaryError(
                    N_("Line {line} of the glossary {name} has an empty term for {language}."),
                    name=name, line=line, language=header[column],
                )
            folded = term.casefold()
            if folded in seen[column]:
                raise GlossaryError(
                    N_("The {language} term “{term}” is on lines {first} and {line} of the glossary {name}."),
                    name=name, language=header[column], term=term, first=seen[column][folded], line=line,
                )
            seen[column][folded] = line
        terms.append(cleaned)
    digest = hashlib.sha256(json.dumps([header, terms], ensure_ascii=False).encode("utf-8")).hexdigest()
    return Glossary(languages=header, rows=tuple(terms), content_hash=digest)


def load_glossary(path: Path = GLOSSARY_FILE) -> Glossary:
    """The glossary shipped with the bot (or another file, for tests)."""
    return parse_glossary(path.read_text(encoding="utf-8"), name=path.name)
