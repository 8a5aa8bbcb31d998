"""Edges of practice search the main suite left open: every status at once, each unpublished status alone, the
window that widens when one practice fills it, the query text built for each database, which language a match
reports, and the documents of neighbouring practices. Tests marked PostgreSQL run when DATABASE_URL points at it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.db import session_scope
from bot.models import Role
from bot.models.practices import PracticeStatus, ReviewAction
from bot.services import Services
from bot.services import search as search_module
from bot.services.search import (
    Document,
    Match,
    SearchIndex,
    city_token,
    fold,
    load_documents,
    query_terms,
    range_tokens,
    status_token,
    theme_token,
)
from tests.practices.conftest import add_city, add_member, practice


def postgres_only(services: Services) -> None:
    if services.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL=postgresql+psycopg://…)")


class Shelf:
    """One practice in each status, all about "harbour"."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.city = add_city(services, "Lisbon", "PT", "pt")
        self.boss = add_member(services, "boss", role=Role.icc_team)
        self.ids: dict[str, int] = {}
        steps = {
            "submitted": [],
            "approved": [ReviewAction.approve],
            "published": [ReviewAction.approve, ReviewAction.publish],
            "rejected": [ReviewAction.reject],
        }
        for status, actions in steps.items():
            recorded = services.practices.submit(
                author=self.boss,
                data=practice(self.city, title=f"Harbour {status}", summary="Boats.", description="A walk."),
            )
            assert recorded.id is not None
            for action in actions:
                services.practices.review(
                    reviewer=self.boss, practice_id=recorded.id, action=action, reason="Not about cities at all."
                )
            self.ids[status] = recorded.id

    def find(self, words: str = "harbour", **filters: object) -> list[int]:
        page = self.services.practices.search(words=words, limit=20, **filters)  # type: ignore[arg-type]
        return [hit.id for hit in page.hits]


@pytest.fixture
def shelf(services: Services) -> Shelf:
    return Shelf(services)


def index_search(services: Services, terms: list[str], **filters: object) -> list[Match]:
    arguments: dict[str, object] = {"status": "published", "city_id": None, "theme": None, "limit": 10, "offset": 0}
    arguments.update(filters)
    with session_scope(services.engine) as session:
        return services.practices.index.search(session, terms=terms, **arguments)  # type: ignore[arg-type]


def test_a_search_across_every_status_keeps_the_published_matches(shelf: Shelf) -> None:
    assert sorted(shelf.find(status=None)) == sorted(shelf.ids.values())
    assert shelf.find() == [shelf.ids["published"]]


@pytest.mark.parametrize("status", ["submitted", "approved", "rejected"])
def test_each_unpublished_status_alone(shelf: Shelf, status: str) -> None:
    assert shelf.find(status=PracticeStatus(status)) == [shelf.ids[status]]


def test_a_city_or_theme_filter_applies_to_every_status(shelf: Shelf, services: Services) -> None:
    other = add_city(services, "Porto", "PT", "pt")
    assert shelf.find(status=None, city=other.id) == []
    assert sorted(shelf.find(status=None, city=shelf.city.id)) == sorted(shelf.ids.values())
    assert shelf.find(status=None, theme="sport") == []
    assert len(shelf.find(status=None, theme="anti-rumours")) == 4


def many_documents(services: Services, practice_id: int, count: int, words: str) -> None:
    """`count` more search documents of one practice, as `count` translations would make."""
    with session_scope(services.engine) as session:
        services.practices.index.insert(
            session,
            [
                Document(practice_id, slot, f"l{slot}", words, words, "", "published", 1, ())
                for slot in range(1, count + 1)
            ],
        )


def test_the_window_widens_when_one_practice_fills_it(shelf: Shelf, services: Services,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """21 documents of one practice outrank the other: the first window (20 documents) holds one practice only."""
    first = shelf.ids["published"]
    second = shelf.services.practices.submit(author=shelf.boss, data=practice(shelf.city, title="Harbour two"))
    assert second.id is not None
    for action in (ReviewAction.approve, ReviewAction.publish):
        services.practices.review(reviewer=shelf.boss, practice_id=second.id, action=action)
    many_documents(services, first, 20, "harbour harbour harbour")
    windows: list[int] = []
    original = SearchIndex._ranked_documents

    def spy(self: SearchIndex, *args: object) -> list[Match]:
        windows.append(args[-1])  # type: ignore[arg-type]
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SearchIndex, "_ranked_documents", spy)
    found = index_search(services, ["harbour"], limit=2)
    assert [match.practice_id for match in found] == [first, second.id]
    assert windows == [20, 80]  # twice the page, at least 20 documents; then four times as many
    windows.clear()
    index_search(services, ["harbour"], limit=11, offset=1)
    assert windows[0] == 24
    windows.clear()
    assert [m.practice_id for m in index_search(services, ["harbour"], limit=1)] == [first]
    assert windows == [20]  # one practice wanted, one found: no second look
    assert [match.practice_id for match in index_search(services, ["harbour"], limit=1, offset=1)] == [second.id]


def test_the_window_stops_growing_when_every_match_is_read(shelf: Shelf, services: Services) -> None:
    many_documents(services, shelf.ids["published"], 30, "harbour")
    assert [match.practice_id for match in index_search(services, ["harbour"], limit=3)] == [shelf.ids["published"]]
    assert index_search(services, []) == []


def test_a_match_reports_the_language_of_the_document_that_matched(shelf: Shelf, services: Services) -> None:
    target = shelf.ids["published"]
    services.practices.add_translation(practice_id=target, language="fr", title="Le port", summary="Bateaux.")
    assert [(m.practice_id, m.language) for m in index_search(services, ["port"])] == [(target, "fr")]
    assert [(m.practice_id, m.language) for m in index_search(services, ["harbour"])] == [(target, "en")]
    assert all(m.score > 0 for m in index_search(services, ["harbour"]))


def test_a_translation_in_the_original_language_is_left_out(shelf: Shelf, services: Services) -> None:
    target = shelf.ids["published"]
    services.practices.add_translation(practice_id=target, language="fr", title="Le port", summary="Bateaux.")
    with session_scope(services.engine) as session:
        session.execute(
            text(
                "INSERT INTO practicetranslation (practice_id, language, title, summary, machine) "
                "VALUES (:id, 'en', 'Stale copy', 'Stale', false)"
            ),
            {"id": target},
        )
        documents = load_documents(session, [target])
        assert load_documents(session, []) == []
    assert [(doc.slot, doc.language, doc.title) for doc in documents] == [
        (0, "en", "Harbour published"),
        (1, "fr", "Le port"),
    ]
    original = documents[0]
    assert original.body == "A walk.\nLisbon" and original.status == "published"
    assert original.themes == ("anti-rumours",)
    assert documents[1].body == "" and documents[1].city_id == shelf.city.id


def test_results_and_city_name_are_searched(shelf: Shelf, services: Services) -> None:
    made = services.practices.submit(
        author=shelf.boss, data=practice(shelf.city, title="Tram", results="Fewer quarrels.", themes=["housing"])
    )
    assert made.id is not None
    assert shelf.find("quarrels", status=None) == [made.id]
    assert made.id in shelf.find("lisbon", status=None)


def test_refreshing_one_practice_leaves_its_neighbours_alone(shelf: Shelf, services: Services) -> None:
    ids = sorted(shelf.ids.values())
    with session_scope(services.engine) as session:
        services.practices.index.refresh(session, [ids[0], ids[0]])
        services.practices.index.refresh(session, [])
        services.practices.index.delete(session, [ids[1]])
    assert sorted(shelf.find(status=None)) == [ids[0], *ids[2:]]


def test_rebuilding_in_batches_indexes_every_practice(shelf: Shelf, services: Services) -> None:
    with session_scope(services.engine) as session:
        services.practices.index.clear(session)
    assert shelf.find(status=None) == []
    with session_scope(services.engine) as session:
        assert services.practices.index.rebuild(session, batch=1) == 4
    assert sorted(shelf.find(status=None)) == sorted(shelf.ids.values())


def test_rebuilding_in_batches_that_do_not_divide_the_count_indexes_each_practice_once(
        shelf: Shelf, services: Services) -> None:
    tables = ["practice_search", "practice_search_unpublished"] if services.engine.dialect.name == "sqlite" \
        else ["practice_search"]
    with session_scope(services.engine) as session:
        before = sum(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in tables)
        assert services.practices.index.rebuild(session, batch=3) == 4
    with session_scope(services.engine) as session:
        after = sum(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in tables)
    assert after == before == 4  # one document each (no translations), none twice
    assert sorted(shelf.find(status=None)) == sorted(shelf.ids.values())


def test_a_search_among_several_cities_finds_theirs_and_only_theirs(shelf: Shelf, services: Services) -> None:
    porto, bergen = add_city(services, "Porto", "PT", "pt"), add_city(services, "Bergen", "NO", "no")
    found = {}
    for city in (porto, bergen):
        recorded = services.practices.submit(author=shelf.boss, data=practice(city, title=f"Harbour of {city.name}"))
        assert recorded.id is not None
        found[city.name] = recorded.id
    lisbon = shelf.city.id
    assert sorted(shelf.find(status=None, cities=[lisbon, porto.id])) == sorted(
        [*shelf.ids.values(), found["Porto"]])
    assert shelf.find(status=None, cities=[porto.id, bergen.id]) in (
        [found["Porto"], found["Bergen"]], [found["Bergen"], found["Porto"]])
    assert shelf.find(status=None, cities=[bergen.id], city=porto.id) == []
    assert SearchIndex.fts5_query(["harbour"], None, (3, 14), None) == '"harbour"* AND ("_c3" OR "_c14")'


def test_only_sqlite_and_postgresql_are_supported() -> None:
    with pytest.raises(ValueError, match="mysql"):
        SearchIndex("mysql")
    assert SearchIndex("sqlite").dialect == "sqlite" and SearchIndex("postgresql").dialect == "postgresql"


def test_query_text_for_each_database() -> None:
    assert SearchIndex.tsquery(["Éducation", "la", "intercultural"]) == "'educatio':* & 'la' & 'intercul':*"
    assert SearchIndex.tsquery(["·", "ab"]) == "'ab'"
    assert SearchIndex.tsquery([]) == ""
    assert SearchIndex.fts5_query(["la", "migrants"], "published", 3, "anti-rumours") == (
        '"la" AND "migrants"* AND "_published" AND "_c3" AND "_t_anti_rumours"'
    )
    assert SearchIndex.fts5_query(["abc"], None, None, None) == '"abc"*'
    assert SearchIndex.pg_tokens(["la", "LA", "·"]) == ["la"]
    assert SearchIndex.tsquery(["a½"]) == "'a12':*"  # "½" folds to "1⁄2": its digits stay, joined


def test_id_ranges_take_a_larger_range_only_when_it_fits_whole() -> None:
    assert range_tokens(0, 4095) == ["_r12_0"]
    assert range_tokens(0, 4094) == [f"_r8_{n}" for n in range(16)]
    assert range_tokens(0, 65535) == ["_r16_0"]
    assert range_tokens(256, 300) == ["_r8_1"]


def test_terms_and_tokens() -> None:
    assert query_terms("a b c d e f g h i j") == ["a", "b", "c", "d", "e", "f", "g", "h"]
    assert query_terms("Port port PORT harbour") == ["port", "harbour"]
    assert query_terms("x" * 50) == ["x" * 40]
    assert query_terms(" " * 2000 + "late") == []
    assert query_terms(" " * 1996 + "late") == ["late"]
    assert query_terms("e\u0301cole") == ["école"]
    assert fold("Éducation ÉCOLE") == "education ecole"
    assert theme_token("anti-rumours") == "_t_anti_rumours" and city_token(12) == "_c12"  # type: ignore[arg-type]
    assert status_token("published") == "_published"


def test_an_empty_index_finds_nothing(services: Services) -> None:
    assert index_search(services, ["harbour"], status=None) == []


def test_postgres_documents_are_folded_words_cut_to_the_longest_term(services: Services) -> None:
    postgres_only(services)
    city = add_city(services, "Lisbon")
    boss = add_member(services, "boss", role=Role.icc_team)
    long_word = "pneumonoultramicroscopicsilicovolcanoconiosisx" * 2
    made = services.practices.submit(
        author=boss, data=practice(city, title=f"Écoles {long_word}", summary="Ça va.", description="Ôte.")
    )
    with session_scope(services.engine) as session:
        document = session.execute(
            text("SELECT document::text FROM practice_search WHERE practice_id = :id"), {"id": made.id}
        ).scalar()
    assert "'ecoles':1A" in document and f"'{long_word[:40]}':2A" in document
    assert "'ca':3B" in document and "'va':4B" in document and "'ote':5" in document
    ids = [hit.id for hit in services.practices.search(words="ecole", status=None).hits]
    assert ids == [made.id]


class Look:
    """One look of a PostgreSQL search: its id ranges (None: the whole index), how many matched, how many ranked."""

    def __init__(self, ranges: list[str] | None, total: int, ranked: int) -> None:
        self.ranges, self.total, self.ranked = ranges, total, ranked


def watch_looks(monkeypatch: pytest.MonkeyPatch, candidates: int) -> list[Look]:
    """Record each look of the searches that follow, with `candidates` newest matches ranked at most."""
    looks: list[Look] = []
    original = SearchIndex._round_postgres

    def spy(self: SearchIndex, session: object, terms: object, tokens: object, ranges: list[str] | None,
            candidates: int, window: int) -> tuple[int, list[Match]]:
        total, found = original(self, session, terms, tokens, ranges, candidates, window)  # type: ignore[arg-type]
        looks.append(Look(ranges, total, len(found)))
        return total, found

    monkeypatch.setattr(SearchIndex, "_round_postgres", spy)
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", candidates)
    return looks


def test_postgres_a_first_look_that_finds_enough_is_the_only_one(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres_only(services)
    from tests.practices.test_search import spread_practices

    made = spread_practices(services, 12, 100)
    looks = watch_looks(monkeypatch, 3)
    ids = [hit.id for hit in services.practices.search(words="harbour", limit=2).hits]
    assert ids == sorted(made[:5], reverse=True)[:2]  # the five oldest say it in their title
    # The ids span 1100: the first look (about 1536 ids) already covers them all, so it is the whole index.
    assert [look.ranges for look in looks] == [None]
    assert looks[0].total == 12


def test_postgres_a_first_look_with_exactly_enough_matches_is_the_only_one(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres_only(services)
    from tests.practices.test_search import spread_practices

    made = spread_practices(services, 24, 80)  # ids 3 … 1843: the first look (from 256) holds the newest 20
    looks = watch_looks(monkeypatch, 4)
    ids = [hit.id for hit in services.practices.search(words="harbour walk", limit=3).hits]
    # 20 candidates are ranked (twice the page, at least 20): exactly what the first look found, so it is the last.
    assert len(looks) == 1 and looks[0].ranges is not None and looks[0].total == 20 and looks[0].ranked == 20
    assert ids == sorted(made[5:], reverse=True)[:3]  # "Walks number…" in their titles: the newest first


def test_postgres_the_look_widens_until_enough_match(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    postgres_only(services)
    from tests.practices.test_search import spread_practices

    made = spread_practices(services, 30, 1000)
    looks = watch_looks(monkeypatch, 4)
    top = max(made)
    ids = [hit.id for hit in services.practices.search(words="harbour walk", limit=3).hits]
    assert ids == sorted(made[5:], reverse=True)[:3]  # only the newest are ranked: not the titled oldest
    first = looks[0]
    assert first.ranges is not None and first.ranges[0] == f"_r8_{(top - search_module.FIRST_SPAN + 1) >> 8}"
    # …up to one range beyond the newest id, where a practice added meanwhile would be.
    assert first.ranges[-1] == f"_r8_{(top + 256) >> 8}"
    assert first.total == 2  # ids top-1000 and top within the first 1536 ids
    assert len(looks) == 2 and looks[1].total >= 4
    assert first.ranked == 0 and looks[1].ranked >= 3  # a look that finds too few ranks nothing
    # A search for a word nobody wrote asks the whole index once the looks cover most of it, and stops there.
    looks.clear()
    assert services.practices.search(words="zeppelin").hits == []
    assert looks[-1].ranges is None and all(look.total == 0 for look in looks)

