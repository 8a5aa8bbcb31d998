"""The rules a practice must pass: every mistake is refused with a clear message, and nothing is written."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import t
from bot.models import Role
from bot.models.practices import THEMES, Practice, PracticeCreate, PracticeStatus, PracticeTheme
from bot.services import Services
from bot.services.practice_rules import (
    clean_contact,
    clean_description,
    clean_language,
    clean_links,
    clean_reason,
    clean_results,
    clean_summary,
    clean_themes,
    clean_title,
    draft,
)
from tests.practices.conftest import add_city, add_member, practice


def count_practices(services: Services) -> int:
    with session_scope(services.engine) as session:
        return int(session.exec(select(func.count()).select_from(Practice)).one())


def english(error: UserError) -> str:
    return t("en", error.msgid, **error.params)


def test_a_coordinator_submits_a_practice_of_their_city(services: Services) -> None:
    lisbon = add_city(services, "Lisbon")
    ana = add_member(services, "ana", city=lisbon)
    recorded = services.practices.submit(
        author=ana, data=practice(lisbon, themes=["education", "anti-rumours"], links="https://example.org/a")
    )
    assert recorded.id is not None and recorded.status is PracticeStatus.submitted
    assert recorded.author_id == ana.id
    with session_scope(services.engine) as session:
        themes = set(session.exec(select(PracticeTheme.theme).where(PracticeTheme.practice_id == recorded.id)))
    assert themes == {"education", "anti-rumours"}
    assert services.practices.get(recorded.id) is not None
    assert [card.id for card in services.practices.mine(ana)] == [recorded.id]
    # Submitted practices are searchable by the ICC team (status=None), not by the public.
    assert services.practices.search(words="rumours", status=None).hits[0].id == recorded.id
    assert services.practices.search(words="rumours").hits == []


def test_text_is_normalised(services: Services) -> None:
    lisbon = add_city(services, "Lisbon")
    ana = add_member(services, "ana", city=lisbon)
    recorded = services.practices.submit(
        author=ana, data=practice(lisbon, title="  Anti\x00-rumours \n agents  ", summary=" Short.\x07 ")
    )
    assert recorded.title == "Anti-rumours agents"
    assert recorded.summary == "Short."


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"title": ""}, "title", "title cannot be empty"),
        ({"title": "   \n\t "}, "title", "title cannot be empty"),
        ({"title": "\x00\x00"}, "title", "title cannot be empty"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"summary": " "}, "summary", "summary cannot be empty"),
        ({"summary": "s" * 301}, "summary", "at most 300"),
        ({"description": "\n\n"}, "description", "description cannot be empty"),
        ({"description": "d" * 100_000}, "description", "100000 characters, at most 20000"),
        ({"results": "r" * 20_001}, "results", "at most 20000"),
        ({"contact": "c" * 201}, "contact", "at most 200"),
        ({"themes": []}, "themes", "at least one theme"),
        ({"themes": ["gardening"]}, "themes", "“gardening” is not an ICC theme"),
        ({"themes": "education, ,cooking"}, "themes", "“cooking” is not an ICC theme"),
        ({"links": "javascript:alert(1)"}, "links", "is not a web link"),
        ({"links": "ftp://example.org/x"}, "links", "is not a web link"),
        ({"links": "https://"}, "links", "is not a web link"),
        ({"links": "http://[::1"}, "links", "is not a web link"),
        ({"language": "klingon"}, "language", "not a language code"),
        ({"language": ""}, "language", "Choose the language"),
    ],
)
def test_each_mistake_is_refused_with_a_clear_message(
    services: Services, overrides: dict[str, object], field: str, words: str
) -> None:
    lisbon = add_city(services, "Lisbon")
    add_member(services, "ana", city=lisbon)
    with pytest.raises(UserError) as caught:
        practice(lisbon, **overrides)
    assert caught.value.field == field
    assert words in english(caught.value)
    assert count_practices(services) == 0


def test_a_100_kb_description_is_refused_by_the_service_too(services: Services) -> None:
    lisbon = add_city(services, "Lisbon")
    ana = add_member(services, "ana", city=lisbon)
    base = practice(lisbon)
    # Built without validation, as a careless caller might: the service still checks.
    data = PracticeCreate.model_construct(**(base.model_dump() | {"description": "é" * 100_000}))
    with pytest.raises(UserError) as caught:
        services.practices.submit(author=ana, data=data)
    assert caught.value.field == "description"
    assert "Put the full text on a web page" in english(caught.value)
    assert count_practices(services) == 0


def test_the_city_must_exist(services: Services) -> None:
    lisbon = add_city(services, "Lisbon")
    boss = add_member(services, "boss", role=Role.icc_team)
    with pytest.raises(UserError) as caught:
        services.practices.submit(author=boss, data=practice(lisbon, city_id=9999))
    assert caught.value.field == "city"
    assert count_practices(services) == 0


def test_a_coordinator_shares_for_their_own_city_only(services: Services) -> None:
    lisbon = add_city(services, "Lisbon")
    oslo = add_city(services, "Oslo", "NO", "nb")
    ana = add_member(services, "ana", city=lisbon)
    with pytest.raises(UserError) as caught:
        services.practices.submit(author=ana, data=practice(oslo))
    assert caught.value.field == "city" and "Oslo" in english(caught.value)
    homeless = add_member(services, "nobody")
    with pytest.raises(UserError) as caught:
        services.practices.submit(author=homeless, data=practice(lisbon))
    assert "/profile city" in english(caught.value)
    plain = add_member(services, "plain", role=Role.member, city=lisbon)
    with pytest.raises(UserError):
        services.practices.submit(author=plain, data=practice(lisbon))
    assert count_practices(services) == 0
    boss = add_member(services, "boss", role=Role.icc_team)
    assert services.practices.submit(author=boss, data=practice(oslo)).id is not None


def test_languages_accepted() -> None:
    assert clean_language("pt-BR") == "pt"
    assert clean_language("UK") == "uk"
    assert clean_language("nl") == "nl"  # DeepL translates it, the bot does not speak it
    with pytest.raises(UserError):
        clean_language("sr-Latn-x")  # not a DeepL language code


def test_links_and_themes_are_cleaned() -> None:
    assert clean_links("https://a.example/x\n\nhttp://b.example  https://a.example/x") == [
        "https://a.example/x",
        "http://b.example",
    ]
    assert clean_links("") == []
    assert clean_themes("Anti-rumours; public space, education,education") == [
        "anti-rumours", "public-space", "education",
    ]
    with pytest.raises(UserError):
        clean_links(" ".join(f"https://e.example/{n}" for n in range(11)))


RULES = [clean_title, clean_summary, clean_description, clean_results, clean_contact, clean_links,
         clean_themes, clean_language, clean_reason]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(rule=st.sampled_from(RULES), value=st.text(max_size=400))
def test_a_rule_answers_any_text_with_a_value_or_a_user_error(rule, value) -> None:  # type: ignore[no-untyped-def]
    try:
        result = rule(value)
    except UserError as error:
        assert english(error)
    else:
        assert "\x00" not in str(result)


@given(st.lists(st.sampled_from(THEMES), min_size=1))
def test_every_list_of_known_themes_is_accepted(themes: list[str]) -> None:
    assert clean_themes(",".join(themes)) == list(dict.fromkeys(themes))


@given(title=st.text(max_size=250))
def test_draft_never_writes_broken_text(title: str) -> None:
    try:
        data = draft(title=title, city_id=1, summary="s", description="d", themes="youth", language="en")
    except UserError as error:
        assert error.field == "title"
    else:
        assert data.title == data.title.strip() and "\n" not in data.title
