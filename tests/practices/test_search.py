"""Full-text search: ranking, filters, translations, and any text whatsoever as search words."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.db import session_scope
from bot.errors import UserError
from bot.models import City, Role
from bot.models.practices import PracticeStatus, ReviewAction, new_uid
from bot.services import Services
from bot.services import search as search_module
from bot.services.search import RANGE_BITS, SearchIndex, query_terms, range_tokens
from tests.practices.conftest import add_city, add_member, practice


class Library:
    """A few published practices in several languages."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.lisbon = add_city(services, "Lisbon", "PT", "pt")
        self.odesa = add_city(services, "Odesa", "UA", "uk")
        self.barcelona = add_city(services, "Barcelona", "ES", "es,ca")
        self.boss = add_member(services, "boss", role=Role.icc_team)
        self.ids: dict[str, int] = {}

    def add(self, key: str, city: City, *, publish: bool = True, **fields: object) -> int:
        recorded = self.services.practices.submit(author=self.boss, data=practice(city, **fields))
        assert recorded.id is not None
        if publish:
            for action in (ReviewAction.approve, ReviewAction.publish):
                self.services.practices.review(reviewer=self.boss, practice_id=recorded.id, action=action)
        self.ids[key] = recorded.id
        return recorded.id


@pytest.fixture
def library(services: Services) -> Library:
    lib = Library(services)
    lib.add("title", lib.lisbon, title="Housing cooperatives for newcomers", summary="Shared homes.",
            description="A programme in the old town.", themes=["housing"])
    lib.add("summary", lib.barcelona, title="Neighbourhood project", summary="Cooperative housing with migrants.",
            description="Barcelona builds together.", themes=["housing", "participation"], language="es")
    lib.add("body", lib.odesa, title="Міський форум", summary="Форум громад.",
            description="Мешканці обговорюють housing та інтеграцію.", themes=["participation"], language="uk")
    lib.add("accent", lib.barcelona, title="Educació intercultural a l'escola", summary="Escoles obertes.",
            description="Programa d'educació.", themes=["education"], language="es")
    lib.add("draft", lib.lisbon, publish=False, title="Housing draft", summary="Not yet public.",
            description="Waiting.", themes=["housing"])
    return lib


def ids(services: Services, words: str, **filters: object) -> list[int]:
    return [hit.id for hit in services.practices.search(words=words, **filters).hits]  # type: ignore[arg-type]


def test_title_ranks_above_summary_above_body(services: Services, library: Library) -> None:
    assert ids(services, "housing") == [library.ids["title"], library.ids["summary"], library.ids["body"]]


def test_unpublished_practices_are_not_found_by_default(services: Services, library: Library) -> None:
    assert library.ids["draft"] not in ids(services, "housing")
    assert library.ids["draft"] in ids(services, "housing", status=None)
    assert ids(services, "housing", status=PracticeStatus.submitted) == [library.ids["draft"]]


def test_filters(services: Services, library: Library) -> None:
    assert ids(services, "housing", theme="participation") == [library.ids["summary"], library.ids["body"]]
    assert ids(services, "housing", city="odesa") == [library.ids["body"]]
    assert ids(services, "housing", city=library.barcelona.id, theme="participation") == [library.ids["summary"]]
    assert ids(services, "housing", theme="youth") == []
    with pytest.raises(UserError):
        ids(services, "housing", theme="gardening")
    with pytest.raises(UserError) as caught:
        ids(services, "housing", city="Atlantis")
    assert caught.value.field == "city"


def test_all_words_must_match_and_prefixes_count(services: Services, library: Library) -> None:
    assert ids(services, "housing newcomers") == [library.ids["title"]]
    assert ids(services, "hous") == ids(services, "housing")
    assert ids(services, "cooperativ") == [library.ids["title"], library.ids["summary"]]


def test_accents_case_and_scripts(services: Services, library: Library) -> None:
    assert ids(services, "EDUCACIO") == [library.ids["accent"]]
    assert ids(services, "educació") == [library.ids["accent"]]
    assert ids(services, "форум") == [library.ids["body"]]
    assert ids(services, "ФОРУМ громад") == [library.ids["body"]]


def test_without_words_the_newest_practices_fit_the_filters(services: Services, library: Library) -> None:
    assert ids(services, "", theme="housing") == [library.ids["summary"], library.ids["title"]]
    assert ids(services, "   ") == sorted(
        (library.ids[key] for key in ("title", "summary", "body", "accent")), reverse=True
    )


def test_translations_are_searched_and_shown(services: Services, library: Library) -> None:
    target = library.ids["body"]
    services.practices.add_translation(practice_id=target, language="fr", title="Forum de la ville",
                                       summary="Les habitants débattent du logement.")
    assert ids(services, "logement") == [target]
    hit = services.practices.search(words="débattent", language="fr").hits[0]
    assert hit.translated and hit.title == "Forum de la ville"
    original = services.practices.search(words="débattent", language="de").hits[0]
    assert not original.translated and original.title == "Міський форум"
    # Replacing a translation replaces its search document.
    services.practices.add_translation(practice_id=target, language="fr", title="Forum", summary="Autre.")
    assert ids(services, "logement") == []
    with pytest.raises(UserError):
        services.practices.add_translation(practice_id=target, language="uk", title="x", summary="y")


def test_paging(services: Services, library: Library) -> None:
    for number in range(7):
        library.add(f"extra{number}", library.lisbon, title=f"Sport club {number}", themes=["sport"])
    first = services.practices.search(words="sport club", limit=3)
    second = services.practices.search(words="sport club", limit=3, offset=3)
    third = services.practices.search(words="sport club", limit=3, offset=6)
    assert first.has_more and second.has_more and not third.has_more
    seen = [hit.id for page in (first, second, third) for hit in page.hits]
    assert sorted(seen) == sorted(library.ids[f"extra{n}"] for n in range(7))


def test_a_practice_with_many_matching_translations_counts_once(services: Services, library: Library) -> None:
    target = library.ids["title"]
    for language in ("fr", "de", "it", "es", "nl"):
        services.practices.add_translation(practice_id=target, language=language, title="Housing together",
                                           summary="Housing")
    found = ids(services, "housing")
    assert found.count(target) == 1 and found[0] == target
    assert ids(services, "housing", limit=1, offset=1) == [library.ids["summary"]]


NASTY = [
    '"', '""', '"housing', 'housing"', "*", "housing*", "NEAR", "NEAR(housing newcomers)", "OR", "AND", "NOT",
    "housing OR newcomers", "housing AND", "NOT housing", "(", ")", "(housing", "housing)", "'", "';--",
    "'; DROP TABLE practice; --", "%", "_", "\\", "housing\\", "{title}: x", "title:housing", "^housing",
    "housing -newcomers", "+housing", "&", "|", "!", ":*", "a:* & b", "<->", "🏠", "🏠 housing", "مدينة",
    "שלום housing", "\u202ehousing", "\x00", "housing\x00newcomers", "\ud7ff", " ", "\t\n", "é" * 5000,
]


@pytest.mark.parametrize("words", NASTY)
def test_nasty_words_give_results_or_none_never_an_error(
    services: Services, library: Library, words: str
) -> None:
    page = services.practices.search(words=words)
    assert isinstance(page.hits, list)
    assert all(hit.status is PracticeStatus.published for hit in page.hits)


def test_operators_are_plain_words(services: Services, library: Library) -> None:
    assert ids(services, "housing OR nothing") == []  # OR is a word to find, not an operator
    assert ids(services, '"housing newcomers"') == [library.ids["title"]]
    assert ids(services, "housing*") == ids(services, "housing")
    assert ids(services, "🏠 housing") == ids(services, "housing")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.text(max_size=200))
def test_any_text_as_search_words(services: Services, library: Library, words: str) -> None:
    page = services.practices.search(words=words, status=None)
    assert isinstance(page.hits, list)


@given(words=st.text(max_size=300))
def test_query_terms_are_safe(words: str) -> None:
    for term in query_terms(words):
        assert term and all(ch.isalnum() for ch in term)
    fts = SearchIndex.fts5_query(query_terms(words) or ["x"], "published", 1, "anti-rumours")
    assert fts.count('"') % 2 == 0
    tsquery = SearchIndex.tsquery(query_terms(words))
    assert tsquery == "" or all(re.fullmatch(r"'[^\W_]+'(:\*)?", part) for part in tsquery.split(" & "))
    # The PostgreSQL index tokens go between quotes in a tsquery: letters and digits only, 1 to 8 of them.
    tokens = SearchIndex.pg_tokens(query_terms(words))
    assert all(re.fullmatch(r"[^\W_]{1,8}", token) for token in tokens)
    assert len(tokens) == len(set(tokens)) and bool(tokens) == bool(tsquery)


def test_index_tokens_of_terms() -> None:
    assert SearchIndex.pg_tokens(["Éducation", "la", "intercultural", "interculturale", "ΜΕΤΑΝΆΣΤΕΣ"]) == [
        "educatio", "la", "intercul", "μεταναστ",
    ]


@given(low=st.integers(0, 300_000), length=st.integers(0, 300_000))
def test_id_ranges_cover_exactly_from_low_to_high(low: int, length: int) -> None:
    high = low + length
    smallest = 1 << RANGE_BITS[0]
    covered = []
    for token in range_tokens(low, high):
        bits, number = (int(part) for part in token.removeprefix("_r").split("_"))
        assert bits in RANGE_BITS
        covered.append((number << bits, (number + 1) << bits))
    # Contiguous, from `low` rounded down to the smallest range, to `high` or less than a small range past it.
    assert covered[0][0] == low // smallest * smallest
    assert all(end == start for (_, end), (start, _) in zip(covered, covered[1:], strict=False))
    assert high < covered[-1][1] <= high + smallest
    # Few tokens: at each end at most 15 ranges of each smaller size, and the largest in between.
    assert len(covered) <= 2 * 15 * (len(RANGE_BITS) - 1) + (high >> RANGE_BITS[-1]) + 2


def test_short_terms_match_whole_words_and_longer_ones_beginnings(services: Services) -> None:
    """The same on both databases: FTS5 prefix queries there, prefix tokens of the GIN index here."""
    lisbon = add_city(services, "Lisbon")
    boss = add_member(services, "boss", role=Role.icc_team)
    found = services.practices.submit(author=boss, data=practice(
        lisbon, title="Interculturalidade ab x", summary="Só.", description="Nada.", themes=["youth"]))
    word = "interculturalidades"
    for size in range(1, len(word) + 1):
        expected = [found.id] if size >= 3 else []
        assert ids(services, word[:size], status=None) == expected, word[:size]
    assert ids(services, "ab", status=None) == ids(services, "x", status=None) == [found.id]
    assert ids(services, "a", status=None) == ids(services, "abc", status=None) == []


def spread_practices(services: Services, count: int, step: int) -> list[int]:
    """`count` published practices whose ids are `step` apart (far more ids than one look covers).

    All say "harbour" in their body; the five oldest say it in their title too, which ranks them first.
    Every third is filed under "sport". Written with SQL, as an import would, then indexed.
    """
    city = add_city(services, "Lisbon")
    made = [3 + number * step for number in range(count)]
    with session_scope(services.engine) as session:
        for position, practice_id in enumerate(made):
            session.execute(text(
                "INSERT INTO practice (id, uid, title, city_id, summary, description, results, contact, links, "
                "language, status, reject_reason) VALUES (:id, :uid, :title, :city, 'Boats.', 'A harbour walk.', "
                "'', '', '', 'en', 'published', '')"),
                {"id": practice_id, "uid": new_uid(), "city": city.id,
                 "title": "Harbour tours" if position < 5 else f"Walks number {position}"})
            session.execute(text("INSERT INTO practicetheme (practice_id, theme) VALUES (:id, :theme)"),
                            {"id": practice_id, "theme": "sport" if position % 3 == 0 else "youth"})
        services.practices.index.refresh(session, made)
    return made


def test_the_newest_matches_are_found_however_far_apart(services: Services) -> None:
    made = spread_practices(services, 45, 1500)
    titled, others = made[:5], made[5:]
    expected = sorted(titled, reverse=True) + sorted(others, reverse=True)
    assert ids(services, "harbour", limit=50) == expected
    page = services.practices.search(words="harbour", limit=10, offset=40)
    assert [hit.id for hit in page.hits] == expected[40:] and not page.has_more
    sport = [pid for position, pid in enumerate(made) if position % 3 == 0]
    expected_sport = sorted(set(sport) & set(titled), reverse=True) + sorted(set(sport) - set(titled), reverse=True)
    assert ids(services, "harbour", theme="sport", limit=50) == expected_sport
    assert ids(services, "harbour tours", limit=50) == sorted(titled, reverse=True)


def test_only_the_newest_matches_are_ranked(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """With room to rank 20 documents, the 20 newest of 45 matches compete; the titled (oldest) do not."""
    made = spread_practices(services, 45, 1500)
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 20)
    rounds: list[list[str] | None] = []
    original = SearchIndex._round_postgres

    def spy(self: SearchIndex, session: object, terms: object, tokens: object, ranges: list[str] | None,
            *rest: object) -> object:
        rounds.append(ranges)
        return original(self, session, terms, tokens, ranges, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(SearchIndex, "_round_postgres", spy)
    page = services.practices.search(words="harbour", limit=5)
    assert [hit.id for hit in page.hits] == sorted(made, reverse=True)[:5] and page.has_more
    if services.engine.dialect.name == "postgresql":
        # A first look at the newest ids found too few; the second, wider, found enough without the rest.
        assert len(rounds) == 2 and rounds[-1] is not None and len(rounds[-1]) > len(rounds[0] or [])


def test_postgres_queries_use_the_token_index(services: Services) -> None:
    if services.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with services.engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(
            f"EXPLAIN SELECT practice_id FROM practice_search WHERE {search_module._TOKENS} @@ CAST('x' AS tsquery)"
        )))
    assert "ix_practice_search_tokens" in plan
