"""A small, realistic sample of the network: a dozen ICC cities, the thematic clusters, a few people."""

from __future__ import annotations

from sqlmodel import select

from bot.db import session_scope
from bot.messages import Identity
from bot.models import City, Cluster, ClusterKind, ClusterMembership, ClusterPriority, Role
from bot.services import Services
from bot.services.members import fold

CITIES = [
    # name, country, languages, time zone, profile, region
    ("Lisbon", "PT", "pt", "Europe/Lisbon", "Capital of Portugal; municipal plan for migrant integration.",
     "southern-europe"),
    ("Barcelona", "ES", "es,ca", "Europe/Madrid", "Pioneer of the anti-rumours strategy since 2010.",
     "southern-europe"),
    ("Bilbao", "ES", "es,eu", "Europe/Madrid", "Basque city with an intercultural coexistence plan.",
     "southern-europe"),
    ("Montréal", "CA", "fr,en", "America/Toronto", "Bureau d'intégration des nouveaux arrivants.", "north-america"),
    ("Dudelange", "LU", "fr,de,lb", "Europe/Luxembourg", "Luxembourg's intercultural advisory council.",
     "western-europe"),
    ("Odesa", "UA", "uk", "Europe/Kyiv", "Port city with a long multicultural history.", "eastern-europe"),
    ("Reggio Emilia", "IT", "it", "Europe/Rome", "Intercultural centre Mondinsieme.", "southern-europe"),
    ("Stuttgart", "DE", "de", "Europe/Berlin", "Stuttgart Pact for Integration.", "western-europe"),
    ("Limassol", "CY", "el,en", "Asia/Nicosia", "Coastal city welcoming many newcomers.", "southern-europe"),
    ("Botkyrka", "SE", "sv", "Europe/Stockholm", "One of Sweden's most diverse municipalities.", "northern-europe"),
    ("Paris", "FR", "fr", "Europe/Paris", "Paris joined the network's intercultural cities index.",
     "western-europe"),
    ("Dublin", "IE", "en,ga", "Europe/Dublin", "Dublin City Intercultural Language Service.", "northern-europe"),
]

CLUSTERS = [
    ("anti-rumours", "Anti-rumours", ClusterKind.thematic, ["Barcelona", "Bilbao", "Lisbon", "Reggio Emilia"]),
    ("intercultural-competence", "Intercultural competence", ClusterKind.thematic,
     ["Stuttgart", "Dudelange", "Montréal", "Dublin"]),
    ("intercultural-communication", "Intercultural communication", ClusterKind.thematic,
     ["Lisbon", "Paris", "Odesa", "Limassol"]),
    ("business-and-diversity", "Business and diversity", ClusterKind.thematic, ["Stuttgart", "Botkyrka", "Dublin"]),
    ("undocumented-migrants", "Undocumented migrants", ClusterKind.thematic, ["Barcelona", "Paris", "Botkyrka"]),
    ("iberian-network", "Iberian network (RECI and Portuguese network)", ClusterKind.regional,
     ["Barcelona", "Bilbao", "Lisbon"]),
]

#: Each cluster's themes, working languages and priorities.
CLUSTER_DETAILS = {
    "anti-rumours": ("anti-rumours,anti-discrimination", "es,pt,it",
                     ["Train 200 new anti-rumours agents", "Share campaign materials in every language"]),
    "intercultural-competence": ("intercultural-competence,education", "de,fr,en",
                                 ["Intercultural competence training for front-line staff"]),
    "intercultural-communication": ("intercultural-communication,language", "pt,fr,uk,en",
                                    ["A shared guide to plain-language communication"]),
    "business-and-diversity": ("business-and-diversity,employment", "de,sv,en",
                               ["Mentoring for migrant entrepreneurs"]),
    "undocumented-migrants": ("refugees-and-migrants,health,housing", "es,fr,sv",
                              ["Access to health care whatever one's status"]),
    "iberian-network": ("participation,anti-rumours", "es,pt", ["A joint Iberian meeting in spring"]),
}

PEOPLE = [
    # console user id, city, role, language
    ("ana", "Lisbon", Role.coordinator, "pt"),
    ("joan", "Barcelona", Role.coordinator, "es"),
    ("mireille", "Montréal", Role.coordinator, "fr"),
    ("olena", "Odesa", Role.coordinator, "uk"),
    ("giulia", "Reggio Emilia", Role.member, "it"),
    ("katrin", "Stuttgart", Role.coordinator, "de"),
    ("ivana", None, Role.icc_team, "en"),
]

#: Who coordinates which cluster (console user ids).
CLUSTER_COORDINATORS = [
    ("joan", "anti-rumours"),
    ("katrin", "intercultural-competence"),
    ("olena", "intercultural-communication"),
]


def load_demo(services: Services) -> dict[str, int]:
    """Insert the sample (idempotent: what is already there is kept). Returns counts by kind."""
    counts = {"cities": 0, "clusters": 0, "people": 0}
    with session_scope(services.engine) as session:
        known = {city.name: city for city in session.exec(select(City))}
        for name, country, languages, zone, profile, region in CITIES:
            if name not in known:
                session.add(City(name=name, country=country, languages=languages, time_zone=zone, profile=profile,
                                 region=region))
                counts["cities"] += 1
            elif not known[name].region:  # a database loaded before cities had regions
                known[name].region = region
                session.add(known[name])
        session.flush()
        cities = {city.name: city for city in session.exec(select(City))}
        known_clusters = {cluster.slug for cluster in session.exec(select(Cluster))}
        for slug, name, kind, members in CLUSTERS:
            if slug in known_clusters:
                continue
            themes, languages, priorities = CLUSTER_DETAILS.get(slug, ("", "", []))
            cluster = Cluster(slug=slug, name=name, kind=kind, themes=themes, languages=languages)
            session.add(cluster)
            session.flush()
            assert cluster.id is not None
            for position, text in enumerate(priorities):
                session.add(ClusterPriority(cluster_id=cluster.id, position=position, text=text))
            for city_name in members:
                city_id = cities[city_name].id
                assert city_id is not None
                session.add(ClusterMembership(cluster_id=cluster.id, city_id=city_id))
            counts["clusters"] += 1
    for user, city, role, language in PEOPLE:
        identity = Identity("console", "local", user)
        existed = services.members.find(identity) is not None
        services.members.get_or_create(identity, display_name=user.capitalize(), platform_locale=language)
        services.members.set_role(identity, role)
        if city:
            services.members.set_city(identity, city)
        counts["people"] += 0 if existed else 1
    for known_city in services.cities.all():
        # Each city's own conversation in the console, where reminders and broadcasts to every city go.
        assert known_city.id is not None
        slug = fold(known_city.name).replace(" ", "-")
        services.cities.link_channel(known_city.id, Identity("console", "local", f"city-{slug}"), f"city-{slug}")
    for user, slug in CLUSTER_COORDINATORS:
        coordinator = services.members.find(Identity("console", "local", user))
        coordinated = services.clusters.find(slug)
        if coordinator and coordinator.id is not None and coordinated and coordinated.id is not None:
            services.clusters.add_coordinator(coordinated.id, coordinator.id)
    from bot.demo_practices import load_demo_practices

    counts["practices"] = load_demo_practices(services)
    added, _ = services.calendar.load_campaign_days()
    counts["campaign days"] = added
    return counts
