"""Publishing a practice through the review command translates it, so it is found in every language."""

from __future__ import annotations

from sqlmodel import select

from bot.db import session_scope
from bot.messages import ButtonPressed, CommandInvoked, Identity
from bot.models import City, PracticeTranslation, Role
from bot.models.practices import PracticeCreate
from bot.ports import Capabilities
from bot.wiring import Core
from tests.fakes.deepl import FakeDeepL


def person(user: str) -> Identity:
    return Identity("console", "local", user)


async def test_publishing_translates_title_and_summary_and_search_finds_it(tcore: Core, fake: FakeDeepL) -> None:
    services = tcore.services
    city = services.cities.add(City(name="Lisbon", country="PT", languages="pt"))
    services.members.get_or_create(person("ana"))
    services.members.set_city(person("ana"), "Lisbon")
    author = services.members.set_role(person("ana"), Role.coordinator)
    services.members.set_role(person("ivana"), Role.icc_team)
    assert city.id is not None
    practice = services.practices.submit(author=author, data=PracticeCreate(
        title="Mediadores interculturais", city_id=city.id,
        summary="Mediadores acompanham famílias recém-chegadas nos serviços municipais.",
        description="Doze mediadores trabalham em cinco freguesias.", language="pt", themes=["participation"]))
    channel = Identity("console", "local", "review")
    for step in ("approve", "publish"):
        response = await tcore.dispatcher.handle(
            ButtonPressed(actor=person("ivana"), channel=channel, action_id=f"practice-{step}:{practice.id}",
                          value=str(practice.id)),
            Capabilities(),
        )
        assert "#" in response.replies[0].text
    assert services.translation is not None
    await services.translation.drain()
    targets = sorted(call.target for call in fake.translate_calls)
    assert len(targets) == 6 and {t[:2] for t in targets} == {"EN", "FR", "ES", "IT", "DE", "UK"}
    with session_scope(tcore.engine) as session:
        rows = session.exec(select(PracticeTranslation).where(PracticeTranslation.practice_id == practice.id))
        translations = {row.language: row.title for row in rows}
    assert set(translations) == {"en", "fr", "es", "it", "de", "uk"}
    assert translations["fr"] == "[FR] Mediadores interculturais"  # the fake DeepL's mark
    found = await tcore.dispatcher.handle(
        CommandInvoked(actor=person("ivana"), channel=channel, name="practices", text="search interculturais"),
        Capabilities(),
    )
    assert "Mediadores interculturais" in found.replies[0].text + "".join(
        s.text + s.title for r in found.replies for s in r.sections)


async def test_a_practice_is_found_by_the_words_of_its_translations(tcore: Core, fake: FakeDeepL) -> None:
    """Translations are stored through the practices service, so the search index knows their words."""
    services = tcore.services
    city = services.cities.add(City(name="Dublin", country="IE", languages="en"))
    services.members.set_role(person("aoife"), Role.coordinator)
    author = services.members.set_city(person("aoife"), "Dublin")
    assert city.id is not None
    practice = services.practices.submit(author=author, data=PracticeCreate(
        title="Intercultural mediation in Dublin libraries", city_id=city.id,
        summary="Librarians trained in intercultural mediation welcome newcomers every week.",
        description="Twelve libraries take part.", language="en", themes=["participation"]))
    assert practice.id is not None and services.practices.translations is not None
    assert await services.practices.translations.translate(practice.id) == 6
    # "médiation interculturelle" is the glossary's French (the fake DeepL applies the glossary): only the French
    # translation has these words.
    page = services.practices.search(words="médiation interculturelle", language="fr", status=None)
    assert [card.id for card in page.hits] == [practice.id]
