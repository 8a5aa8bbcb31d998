"""/match: the cities and clusters that suit a city, from shared themes in practices, profiles, clusters, survey
answers and clusters' priorities, each with its reasons in words."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.db import session_scope
from bot.models import ClusterKind, Survey, SurveyResponse
from bot.services.clusters import ClusterDraft
from tests.clusters.conftest import Network, person
from tests.clusters.test_city_profiles import share_practice


def answered_survey(network: Network, answers: dict[str, dict[str, object]]) -> None:
    """The annual survey answered by cities (name -> answers by question id)."""
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    with session_scope(network.core.engine) as session:
        survey = Survey(definition_id="annual-icc-survey", definition="{}", opens_at=moment, closes_at=moment)
        session.add(survey)
        session.flush()
        for city, given in answers.items():
            session.add(SurveyResponse(survey_id=survey.id or 0, city_id=network.city(city).id,
                                       answers=json.dumps(given), submitted_at=moment))


def build_network(network: Network) -> None:
    services = network.core.services
    ivana = services.members.find(person("ivana"))
    assert ivana is not None
    share_practice(network, "Lisbon", "Anti-rumours agents in schools", ["anti-rumours", "education"],
                   "Pupils trained as anti-rumours agents")
    share_practice(network, "Barcelona", "Barcelona anti-rumours network", ["anti-rumours"],
                   "A network of anti-rumours agents")
    share_practice(network, "Barcelona", "Neighbourhood festivals", ["culture-and-heritage"])
    share_practice(network, "Odesa", "Language cafés", ["language"])
    rumours = services.clusters.create(ClusterDraft(name="Anti-rumours", themes=["anti-rumours"]), by=ivana)
    services.clusters.join(rumours, network.city("Barcelona"))
    schools = services.clusters.create(ClusterDraft(name="Schools together",
                                                    priorities=["Intercultural education in every school"]), by=ivana)
    services.clusters.join(schools, network.city("Paris"))
    iberia = services.clusters.create(ClusterDraft(name="Iberian network", kind=ClusterKind.regional), by=ivana)
    services.clusters.join(iberia, network.city("Barcelona"))
    languages = services.clusters.create(ClusterDraft(name="Language learning", themes=["language"]), by=ivana)
    services.clusters.join(languages, network.city("Lisbon"))
    services.clusters.create(ClusterDraft(name="Sport for all", themes=["sport"]), by=ivana)
    answered_survey(network, {"Lisbon": {"priority_themes": ["housing", "welcoming"],
                                         "clusters_to_join": ["sport-for-all"]},
                              "Odesa": {"priority_themes": ["welcoming", "education"]}})


async def test_match_suggests_cities_and_clusters_with_their_reasons_in_words(network: Network) -> None:
    build_network(network)
    answer = await network.say("ana", "/match")
    assert "Suggestions for Lisbon" in answer
    assert ("• Barcelona — both have practices on Anti-rumours; Barcelona's practice “Barcelona anti-rumours "
            "network” is close to yours, “Anti-rumours agents in schools”; both are in Southern Europe") in answer
    assert ("• Odesa — both work on Language; both asked the network to give priority to Refugees and migrants"
            in answer)
    assert "• Anti-rumours (anti-rumours) — it works on Anti-rumours, like your city" in answer
    assert ("• Schools together (schools-together) — its priority “Intercultural education in every school” is "
            "about Education, which your city works on") in answer
    assert "• Iberian network (iberian-network) — cities near yours take part: Barcelona" in answer
    assert "• Sport for all (sport-for-all) — your city said in the survey it would like to join it" in answer
    # Not the city itself, nor a cluster it is in already.
    assert "Lisbon —" not in answer and "Language learning" not in answer
    # Anyone may ask about any city; the reasons are in the reader's language.
    network.core.services.members.set_language(person("giulia"), "fr")
    assert "Anti-rumeurs" in await network.say("giulia", "/match Barcelona")


async def test_a_city_the_network_knows_nothing_about_is_told_how_to_get_suggestions(network: Network) -> None:
    answer = await network.say("ivana", "/match Paris")
    assert answer.startswith("I have nothing to suggest for Paris yet.") and "/city edit" in answer
    # Once its profile says what it works on, the clusters on that theme are suggested.
    services = network.core.services
    ivana = services.members.find(person("ivana"))
    assert ivana is not None
    services.clusters.create(ClusterDraft(name="Anti-rumours", themes=["anti-rumours"]), by=ivana)
    services.profiles.update(network.city("Paris"), {"themes": "anti-rumours"}, by=ivana)
    found = services.matching.for_city(network.city("Paris"))
    assert [m.cluster.slug for m in found.clusters] == ["anti-rumours"]
