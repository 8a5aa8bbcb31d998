"""The full-text index of practices: one search document per practice and language, FTS5 or tsvector.

Every dialect-specific statement of practice search lives here. The index holds, for each practice, a
document for its original text (title, summary, and a body made of description, results and city name)
and one per `PracticeTranslation` (title and summary). Filters (city, themes) are indexed too, so that a
filtered search never ranks rows it will throw away.

- SQLite: FTS5 tables (unicode61 tokenizer, diacritics removed, prefix indexes of 3 to 8 characters),
  ranked with bm25 (title above summary above body). Published practices, what nearly every search asks
  for, have a table of their own, `practice_search`; the others are in `practice_search_unpublished`.
  The rowid is `practice_id * 1000 + slot` (slot 0 is the original, 1… the translations), so the documents
  of one practice are a rowid range.
- PostgreSQL: a table `practice_search` with a weighted `tsvector` (A title, B summary, D body), built
  with the 'simple' configuration so that every language is treated alike; text is folded (lower case, no
  accents) in Python first, as FTS5 does on SQLite. Ranked with `ts_rank`. Matching does not read the
  documents: a GIN index over `practice_search_tokens(…)` (an SQL function of the row, migration 0002;
  the tokens exist in the index only) holds for each document the 3- to 8-letter prefixes of its words
  (a shorter word itself), filter tokens (`_published`, `_c12`, `_t_anti_rumours`, as on SQLite) and
  the tokens of the aligned ranges of practice ids it falls in (`_r8_<id >> 8>`, `_r12_…`, `_r16_…`).
  Every term is one exact lookup, like the FTS5 prefix indexes, and so is every filter.
  The newest matches: a common word matches most documents, and visiting each of them in the table to
  learn its practice id is what would make a search slow. So a search first asks for the matches among
  the newest practice ids only (`FIRST_SPAN`, a few ranges ORed), and if they are fewer than the
  documents to rank, asks again for the range that the density of matches seen there predicts will hold
  enough, up to the whole index (what a rare word needs, and it has few matches to visit). Only the
  newest `RANKED_CANDIDATES` matches are read again and ranked.

Matching: every term of three letters or more matches the words it begins ("migra" finds "migrants");
a term longer than eight letters matches by its first eight ("intercultural" finds "interculturale"), a
crude stemmer that works alike in every language and that the prefix indexes answer quickly. Ranking:
a word found in most practices would make every search rank all of them, so only the newest
`RANKED_CANDIDATES` matching documents are ranked (all of them when fewer match, as most searches do).

People's words never reach MATCH or to_tsquery as they were typed: `query_terms` keeps only runs of
letters and digits, and each term is quoted, so operators, quotes and SQL metacharacters are plain text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

#: Documents per practice that the SQLite rowid scheme leaves room for (the original + translations).
SLOTS = 1000
#: At most this many words of a query are used; more only slow the search without narrowing it further.
MAX_TERMS = 8
#: Longer "words" are not words (a pasted hash, a URL); they are cut to this length.
MAX_TERM_LENGTH = 40
#: Terms this long or longer also match words they begin ("migra" finds "migrants", "migration").
PREFIX_FROM = 3
#: Longer terms match by their first this many letters (the longest prefix the SQLite index holds).
STEM_LENGTH = 8
#: When more documents match, only this many (the newest) are ranked.
RANKED_CANDIDATES = 1000
#: bm25 weights of the FTS5 columns title, summary, body, status, city, themes.
BM25_WEIGHTS = (10.0, 4.0, 1.0, 0.0, 0.0, 0.0)
#: PostgreSQL: practice ids fall in aligned ranges of 2**bits ids, each with an index token, at these sizes.
RANGE_BITS = (8, 12, 16)
#: PostgreSQL: the first look for the newest matches covers about this many practice ids.
FIRST_SPAN = 1536
#: PostgreSQL: the indexed expression, spelt as in migration 0002 (queries must use it verbatim).
_TOKENS = "practice_search_tokens(document, status, city_id, themes, practice_id)"

#: A search's city filter: one city id, any of several (a cluster's cities), or none.
CityFilter = int | tuple[int, ...] | None

_WORD = re.compile(r"[^\W_]+")
_TABLE = "practice_search"
#: SQLite: documents of practices not published (submitted, approved, rejected).
_UNPUBLISHED = "practice_search_unpublished"
_PUBLISHED = "published"


def fold(value: str) -> str:
    """Lower case without accents ("Éducation" -> "education"); what PostgreSQL documents are built from."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_terms(words: str) -> list[str]:
    """The search terms in `words`: lower-case runs of letters and digits, without duplicates.

    Anything else (quotes, `*`, parentheses, SQL, emoji, control characters) separates terms and is dropped,
    which is what makes a query safe to hand to FTS5 or to_tsquery.
    """
    normalised = unicodedata.normalize("NFC", words[:2000]).lower()
    found: list[str] = []
    for match in _WORD.finditer(normalised):
        term = match.group(0)[:MAX_TERM_LENGTH]
        if term not in found:
            found.append(term)
        if len(found) == MAX_TERMS:
            break
    return found


# Filter tokens (SQLite) start with "_": a token character of the FTS5 tables, and never part of a term
# from `query_terms`, so that no search words can match a filter.


def theme_token(theme: str) -> str:
    """The index token of a theme ("anti-rumours" -> "_t_anti_rumours")."""
    return "_t_" + "_".join(_WORD.findall(theme))


def city_token(city_id: int) -> str:
    return f"_c{int(city_id)}"


def status_token(status: str) -> str:
    return "_" + "".join(_WORD.findall(status))


def range_tokens(low: int, high: int) -> list[str]:
    """PostgreSQL index tokens of aligned id ranges that together cover the ids `low`..`high`, in id order.

    `low` is rounded down to the smallest range; each range is as large as its alignment allows.
    """
    smallest = RANGE_BITS[0]
    position = max(0, low) >> smallest << smallest
    tokens: list[str] = []
    while position <= high:
        for bits in reversed(RANGE_BITS):
            size = 1 << bits
            if bits == smallest or (position % size == 0 and position + size - 1 <= high):
                tokens.append(f"_r{bits}_{position >> bits}")
                position += size
                break
    return tokens


@dataclass(frozen=True)
class Document:
    """One search document: a practice in one language."""

    practice_id: int
    slot: int
    language: str
    title: str
    summary: str
    body: str
    status: str
    city_id: int
    themes: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    practice_id: int
    score: float
    language: str


class SearchIndex:
    """Reads and writes the `practice_search` index inside the caller's session (so, its transaction)."""

    def __init__(self, dialect: str) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"practice search does not support the {dialect} database")
        self.dialect = dialect

    # ------------------------------------------------------------ writing

    def refresh(self, session: Session | Connection, practice_ids: Iterable[int]) -> None:
        """Rebuild the documents of these practices from the tables (call after every write to them)."""
        ids = sorted(set(practice_ids))
        if not ids:
            return
        self.delete(session, ids)
        self.insert(session, load_documents(session, ids))

    def delete(self, session: Session | Connection, practice_ids: Sequence[int]) -> None:
        for practice_id in practice_ids:
            if self.dialect == "sqlite":
                for table in (_TABLE, _UNPUBLISHED):
                    session.execute(
                        text(f"DELETE FROM {table} WHERE rowid BETWEEN :low AND :high"),
                        {"low": practice_id * SLOTS, "high": practice_id * SLOTS + SLOTS - 1},
                    )
            else:
                session.execute(text(f"DELETE FROM {_TABLE} WHERE practice_id = :id"), {"id": practice_id})

    def insert(self, session: Session | Connection, documents: Sequence[Document]) -> None:
        """Add documents (several statements' worth of rows in one executemany)."""
        if not documents:
            return
        if self.dialect == "sqlite":
            for table, status_wanted in ((_TABLE, True), (_UNPUBLISHED, False)):
                rows = [
                    {
                        "rowid": doc.practice_id * SLOTS + doc.slot,
                        "title": doc.title,
                        "summary": doc.summary,
                        "body": doc.body,
                        "status": status_token(doc.status),
                        "city": city_token(doc.city_id),
                        "themes": " ".join(theme_token(theme) for theme in doc.themes),
                        "language": doc.language,
                    }
                    for doc in documents
                    if (doc.status == _PUBLISHED) is status_wanted
                ]
                if rows:
                    session.execute(
                        text(
                            f"INSERT INTO {table} (rowid, title, summary, body, status, city, themes, language) "
                            "VALUES (:rowid, :title, :summary, :body, :status, :city, :themes, :language)"
                        ),
                        rows,
                    )
            return
        statement = text(
            f"INSERT INTO {_TABLE} (practice_id, language, status, city_id, themes, document) VALUES "
            "(:practice_id, :language, :status, :city_id, :themes, "
            "setweight(to_tsvector('simple', :title), 'A') || "
            "setweight(to_tsvector('simple', :summary), 'B') || "
            "setweight(to_tsvector('simple', :body), 'D'))"
        )
        pg_rows = [
            {
                "practice_id": doc.practice_id,
                "language": doc.language,
                "status": doc.status,
                "city_id": doc.city_id,
                "themes": list(doc.themes),
                "title": _pg_text(doc.title),
                "summary": _pg_text(doc.summary),
                "body": _pg_text(doc.body),
            }
            for doc in documents
        ]
        session.execute(statement, pg_rows)

    def clear(self, session: Session | Connection) -> None:
        for table in (_TABLE, _UNPUBLISHED) if self.dialect == "sqlite" else (_TABLE,):
            session.execute(text(f"DELETE FROM {table}"))

    def rebuild(self, session: Session | Connection, *, batch: int = 500) -> int:
        """Index every practice again from the tables; returns how many practices were indexed."""
        self.clear(session)
        ids = [row[0] for row in session.execute(text("SELECT id FROM practice ORDER BY id"))]
        for start in range(0, len(ids), batch):
            self.insert(session, load_documents(session, ids[start : start + batch]))
        return len(ids)

    # ------------------------------------------------------------ searching

    def search(
        self,
        session: Session | Connection,
        *,
        terms: Sequence[str],
        status: str | None,
        city_id: CityFilter,
        theme: str | None,
        limit: int,
        offset: int,
    ) -> list[Match]:
        """The best-ranked practices matching every term (and the filters), one match per practice.

        Documents are ranked, then folded into practices (a practice's best document wins); the window of
        documents grows until it holds enough distinct practices or every match.
        """
        if not terms:
            return []
        wanted = offset + limit
        window = max(wanted * 2, 20)
        while True:
            rows = self._ranked_documents(session, terms, status, city_id, theme, window)
            best: dict[int, Match] = {}
            for match in rows:
                best.setdefault(match.practice_id, match)
            if len(best) >= wanted or len(rows) < window:
                return list(best.values())[offset:wanted]
            window *= 4

    def _ranked_documents(
        self,
        session: Session | Connection,
        terms: Sequence[str],
        status: str | None,
        city_id: CityFilter,
        theme: str | None,
        window: int,
    ) -> list[Match]:
        if self.dialect == "sqlite":
            return self._documents_sqlite(session, terms, status, city_id, theme, window)
        return self._documents_postgres(session, terms, status, city_id, theme, window)

    @staticmethod
    def fts5_query(terms: Sequence[str], status: str | None, city_id: CityFilter, theme: str | None) -> str:
        """An FTS5 MATCH expression in which every term is a quoted string (never an operator)."""
        parts = [f'"{stem}"*' if prefix else f'"{stem}"' for stem, prefix in map(_pattern, terms)]
        if status is not None:
            parts.append(f'"{status_token(status)}"')
        if isinstance(city_id, int):
            parts.append(f'"{city_token(city_id)}"')
        elif city_id is not None:
            parts.append("(" + " OR ".join(f'"{city_token(one)}"' for one in city_id) + ")")
        if theme is not None:
            parts.append(f'"{theme_token(theme)}"')
        return " AND ".join(parts)

    @staticmethod
    def pg_tokens(terms: Sequence[str]) -> list[str]:
        """The index tokens a document must hold to match every term (PostgreSQL): plain letters and digits."""
        tokens: list[str] = []
        for term in terms:
            folded = _token(fold(term))
            if folded:
                stem, _ = _pattern(folded)
                if stem not in tokens:
                    tokens.append(stem)
        return tokens

    @staticmethod
    def tsquery(terms: Sequence[str]) -> str:
        """A to_tsquery expression in which every term is a quoted lexeme (never an operator)."""
        lexemes = []
        for term in terms:
            folded = _token(fold(term))
            if not folded:
                continue
            stem, prefix = _pattern(folded)
            lexemes.append(f"'{stem}':*" if prefix else f"'{stem}'")
        return " & ".join(lexemes)

    def _documents_sqlite(
        self,
        session: Session | Connection,
        terms: Sequence[str],
        status: str | None,
        city_id: CityFilter,
        theme: str | None,
        window: int,
    ) -> list[Match]:
        if status == _PUBLISHED:
            tables: list[tuple[str, str | None]] = [(_TABLE, None)]
        elif status is not None:
            tables = [(_UNPUBLISHED, status)]
        else:
            tables = [(_TABLE, None), (_UNPUBLISHED, None)]
        weights = ", ".join(str(weight) for weight in BM25_WEIGHTS)
        found: list[Match] = []
        for table, status_filter in tables:
            # The inner query walks the newest matches only; bm25 is computed for those alone.
            statement = text(
                f"SELECT practice_id, score, language FROM ("
                f" SELECT rowid / {SLOTS} AS practice_id, bm25({table}, {weights}) AS score, language"
                f" FROM {table} WHERE {table} MATCH :query ORDER BY rowid DESC LIMIT :candidates"
                ") ORDER BY score LIMIT :window"
            )
            query = self.fts5_query(terms, status_filter, city_id, theme)
            rows = session.execute(
                statement,
                {"query": query, "candidates": max(RANKED_CANDIDATES, window), "window": window},
            )
            # bm25 is negative, better when lower; report it as a positive score.
            found += [Match(int(row[0]), -float(row[1]), str(row[2])) for row in rows]
        found.sort(key=lambda match: (-match.score, -match.practice_id))
        return found[:window]

    def _documents_postgres(
        self,
        session: Session | Connection,
        terms: Sequence[str],
        status: str | None,
        city_id: CityFilter,
        theme: str | None,
        window: int,
    ) -> list[Match]:
        tokens = self.pg_tokens(terms)
        if not tokens:
            return []
        if status is not None:
            tokens.append(status_token(status))
        if theme is not None:
            tokens.append(theme_token(theme))
        quoted = [f"'{token}'" for token in tokens]
        if isinstance(city_id, int):
            quoted.append(f"'{city_token(city_id)}'")
        elif city_id is not None:
            quoted.append("(" + " | ".join(f"'{city_token(one)}'" for one in city_id) + ")")
        candidates = max(RANKED_CANDIDATES, window)
        top = session.execute(text(f"SELECT max(practice_id) FROM {_TABLE}")).scalar()
        if top is None:
            return []
        top = int(top)
        span = FIRST_SPAN
        while True:
            # The ranges from `top - span + 1` up, and one more beyond `top` (a practice added meanwhile).
            low = max(0, top - span + 1) >> RANGE_BITS[0] << RANGE_BITS[0]
            ranges = range_tokens(low, top + (1 << RANGE_BITS[0])) if low > 0 else None
            total, found = self._round_postgres(session, terms, quoted, ranges, candidates, window)
            if ranges is None or total >= candidates:
                return found
            # Too few there: predict, from the density of matches among those ids, where enough would be.
            # A pessimistic density (two standard deviations less), so that one more round nearly always
            # does; never less than twice the span, so that rounds are few even when nothing matched.
            pessimistic = max(total - 2 * math.sqrt(total), total / 2)
            covered = top + 1 - low
            predicted = candidates * covered / pessimistic if pessimistic else math.inf
            span = int(min(max(predicted, span * 2), top + 1))
            if span * 3 > top * 2:
                span = top + 1  # most of the ids: simpler to take them all

    def _round_postgres(
        self,
        session: Session | Connection,
        terms: Sequence[str],
        quoted: list[str],
        ranges: list[str] | None,
        candidates: int,
        window: int,
    ) -> tuple[int, list[Match]]:
        """How many documents match in these id ranges (None: anywhere) and, if that is at least
        `candidates` or the ranges are everything, the best-ranked `window` of the newest `candidates`.

        Matching reads the GIN index, then visits the heap for each match to learn its practice id; only
        the newest `candidates` are read again (by ctid) and ranked, and only when this round is the last.
        """
        # Every token is letters, digits and "_" (quoted by the caller): a plain lexeme, never an operator.
        params: dict[str, object] = {
            "query": self.tsquery(terms), "tokens": " & ".join(quoted),
            "candidates": candidates, "window": window, "enough": candidates if ranges is not None else 0,
        }
        conditions = [f"{_TOKENS} @@ CAST(:tokens AS tsquery)"]
        if ranges is not None:
            # A condition of its own: GIN then skips through the ranges' entries to the terms' few
            # (in one tsquery, `a & (r1 | r2 …)`, it reads them all).
            conditions.append(f"{_TOKENS} @@ CAST(:ranges AS tsquery)")
            params["ranges"] = " | ".join(f"'{token}'" for token in ranges)
        statement = text(
            "WITH matches AS MATERIALIZED ("
            f" SELECT practice_id, ctid FROM {_TABLE} WHERE {' AND '.join(conditions)}),"
            " counted AS (SELECT count(*) AS total FROM matches)"
            " SELECT counted.total, ranked.practice_id, ranked.score, ranked.language"
            " FROM counted LEFT JOIN LATERAL ("
            "  SELECT document.practice_id, document.language,"
            "  ts_rank(document.document, (SELECT CAST(:query AS tsquery))) AS score"
            "  FROM (SELECT ctid FROM matches ORDER BY practice_id DESC LIMIT :candidates) AS newest"
            f"  JOIN {_TABLE} AS document ON document.ctid = newest.ctid"
            "  WHERE counted.total >= :enough"
            "  ORDER BY score DESC, document.practice_id DESC LIMIT :window"
            ") AS ranked ON true"
        )
        rows = session.execute(statement, params).all()
        total = int(rows[0][0]) if rows else 0
        return total, [Match(int(row[1]), float(row[2]), str(row[3])) for row in rows if row[1] is not None]


def _pattern(term: str) -> tuple[str, bool]:
    """What a term matches: (text, whether words beginning with it match too)."""
    if len(term) < PREFIX_FROM:
        return term, False
    return term[:STEM_LENGTH], True


def _token(value: str) -> str:
    """Only letters and digits: what may stand inside a quoted FTS5 string or tsquery lexeme."""
    return "".join(_WORD.findall(value))


def _pg_text(value: str) -> str:
    """Text as the PostgreSQL document is built from it: folded, and split into plain words."""
    return " ".join(word[:MAX_TERM_LENGTH] for word in _WORD.findall(fold(value)))


def load_documents(session: Session | Connection, practice_ids: Sequence[int]) -> list[Document]:
    """The search documents of these practices, read with plain SQL (so migrations can use it too)."""
    if not practice_ids:
        return []
    ids = list(practice_ids)
    practices = session.execute(
        text(
            "SELECT p.id, p.title, p.summary, p.description, p.results, p.language, p.status, p.city_id, "
            "c.name FROM practice p JOIN city c ON c.id = p.city_id WHERE p.id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": ids},
    ).all()
    themes: dict[int, list[str]] = {}
    for practice_id, theme in session.execute(
        text("SELECT practice_id, theme FROM practicetheme WHERE practice_id IN :ids ORDER BY theme").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    ):
        themes.setdefault(int(practice_id), []).append(str(theme))
    translations: dict[int, list[tuple[str, str, str]]] = {}
    for practice_id, language, title, summary in session.execute(
        text(
            "SELECT practice_id, language, title, summary FROM practicetranslation "
            "WHERE practice_id IN :ids ORDER BY practice_id, language"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": ids},
    ):
        translations.setdefault(int(practice_id), []).append((str(language), str(title), str(summary)))
    documents: list[Document] = []
    for pid, title, summary, description, results, language, status, city_id, city_name in practices:
        practice_id = int(pid)
        filed = tuple(themes.get(practice_id, ()))
        body = "\n".join(part for part in (description, results, city_name) if part)
        documents.append(
            Document(practice_id, 0, language, title, summary, body, str(status), int(city_id), filed)
        )
        others = [entry for entry in translations.get(practice_id, []) if entry[0] != language]
        for slot, (other, other_title, other_summary) in enumerate(others[: SLOTS - 1], start=1):
            documents.append(
                Document(practice_id, slot, other, other_title, other_summary, "", str(status), int(city_id),
                         filed)
            )
    return documents
