"""Suggesting partners: the cities and clusters that suit a city, from the themes it shares with them in its
practices, its profile, its clusters, its survey answers and clusters' priorities, each with its reasons in words
("both have practices on anti-rumours; Lisbon's practice “Anti-rumours agents” is close to yours")."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.db import session_scope
from bot.i18n import N_, t
from bot.models import City, Cluster, ClusterKind, Practice, PracticeTheme, SurveyResponse
from bot.models.practices import THEMES
from bot.regions import region_name
from bot.services.cities import SHARED
from bot.services.clusters.names import ascii_fold
from bot.services.clusters.service import ClusterService
from bot.services.practice_rules import THEME_LABELS

#: How many cities and clusters a match suggests.
SHOWN = 5

#: Words (folded, lower case, in the network's languages) that say which theme a free text is about: a
#: cluster's priorities are written in any language.
THEME_WORDS: dict[str, tuple[str, ...]] = {
    "anti-rumours": ("rumour", "rumor", "rumeur", "diceri", "geruecht", "gerucht", "чутк"),
    "intercultural-competence": ("competence", "competenc", "competenz", "kompetenz", "компетент"),
    "intercultural-communication": ("communicat", "comunica", "kommunikation", "комунікац"),
    "participation": ("participat", "partecipa", "teilhabe", "beteiligung", "участ"),
    "education": ("educat", "school", "ecole", "escuel", "scuol", "escola", "schule", "bildung", "освіт"),
    "public-space": ("public space", "espace public", "espacio public", "spazio pubblic", "espaco public",
                     "offentlich", "простір"),
    "business-and-diversity": ("business", "entrepreneur", "entreprise", "empresa", "impres", "unternehm",
                               "бізнес", "підприєм"),
    "refugees-and-migrants": ("migrant", "refugee", "refugie", "refugiad", "rifugiat", "fluchtl", "undocumented",
                              "sans-papiers", "newcomer", "arrival", "мігрант", "біженц"),
    "anti-discrimination": ("discrimin", "racism", "racisme", "racismo", "razzism", "rassism", "дискримін",
                            "расизм"),
    "language": ("language", "langue", "idioma", "lingua", "sprach", "мов"),
    "culture-and-heritage": ("cultur", "kultur", "heritage", "patrimoin", "patrimoni", "культур"),
    "community-policing": ("police", "policia", "polizia", "polizei", "поліц"),
    "housing": ("housing", "logement", "vivienda", "alloggi", "habitac", "wohn", "житл"),
    "employment": ("employ", " job", "emploi", "empleo", "lavoro", "emprego", "arbeit", "beschaftig",
                   "зайнят", "працевлашт"),
    "health": ("health", "sante", "salud", "salute", "saude", "gesundheit", "здоров"),
    "sport": ("sport", "deport", "esport"),
    "women-and-gender": ("women", "gender", "femme", "mujer", "genero", "donne", "mulher", "frauen",
                         "gleichstell", "жін", "гендер"),
    "youth": ("youth", "young", "jeune", "joven", "giovan", "jovem", "jugend", "молод"),
}
#: The annual survey's "priority themes" choices that are not practice themes themselves.
SURVEY_THEMES = {"welcoming": "refugees-and-migrants", "communication": "intercultural-communication"}
#: Survey questions /match reads (any survey that asks them, by question id).
PRIORITY_QUESTION = "priority_themes"
CLUSTERS_QUESTION = "clusters_to_join"
_WORD = re.compile(r"\w{4,}")


def themes_in(text: str) -> list[str]:
    """The practice themes a free text speaks of ("Train 200 anti-rumours agents" -> ["anti-rumours"])."""
    folded = f" {ascii_fold(text)} "
    return [theme for theme, words in THEME_WORDS.items() if any(word in folded for word in words)]


@dataclass(frozen=True)
class Reason:
    """One reason for a suggestion: a msgid with its parameters; `themes` and `region` are put in words in the
    reader's language."""

    msgid: str
    params: tuple[tuple[str, str], ...] = ()
    themes: tuple[str, ...] = ()
    region: str = ""

    def text(self, locale: str) -> str:
        themes = ", ".join(t(locale, THEME_LABELS[theme]) for theme in self.themes if theme in THEME_LABELS)
        return t(locale, self.msgid, themes=themes, region=region_name(self.region, locale), **dict(self.params))


def reasons_text(reasons: list[Reason], locale: str) -> str:
    """Reasons joined as one sentence ("both …; Lisbon's practice … is close to yours")."""
    return "; ".join(reason.text(locale) for reason in reasons)


@dataclass(frozen=True)
class CityMatch:
    city: City
    score: int
    reasons: list[Reason]


@dataclass(frozen=True)
class ClusterMatch:
    cluster: Cluster
    score: int
    reasons: list[Reason]


@dataclass(frozen=True)
class Matches:
    cities: list[CityMatch]
    clusters: list[ClusterMatch]


@dataclass
class Footprint:
    """What the network knows a city works on, by where it said so."""

    city: City
    declared: set[str] = field(default_factory=set)
    practices: dict[str, list[Practice]] = field(default_factory=lambda: defaultdict(list))
    clusters: set[int] = field(default_factory=set)
    cluster_themes: set[str] = field(default_factory=set)
    surveyed: set[str] = field(default_factory=set)
    wanted_clusters: set[str] = field(default_factory=set)

    @property
    def themes(self) -> set[str]:
        return self.declared | set(self.practices) | self.cluster_themes


def _sorted(themes: set[str]) -> tuple[str, ...]:
    return tuple(theme for theme in THEMES if theme in themes)


def _closeness(mine: Practice, theirs: Practice, shared: set[str]) -> int:
    words = set(_WORD.findall(ascii_fold(f"{mine.title} {mine.summary}")))
    other = set(_WORD.findall(ascii_fold(f"{theirs.title} {theirs.summary}")))
    return 3 * len(shared) + len(words & other)


class Matching:
    """Suggests cities and clusters for a city; reads the tables once per question (the network is small)."""

    def __init__(self, engine: Engine, *, clusters: ClusterService) -> None:
        self.engine = engine
        self.clusters = clusters

    # ------------------------------------------------------------ what each city works on

    def footprints(self) -> dict[int, Footprint]:
        with session_scope(self.engine) as session:
            cities = list(session.exec(select(City)))
            practices = list(session.exec(select(Practice).where(col(Practice.status).in_(SHARED))))
            themes = list(session.exec(select(PracticeTheme)))
            responses = list(session.exec(select(SurveyResponse).where(col(SurveyResponse.city_id).is_not(None))))
        found = {city.id: Footprint(city, declared=set(city.theme_list)) for city in cities if city.id is not None}
        by_id = {practice.id: practice for practice in practices}
        for row in themes:
            practice = by_id.get(row.practice_id)
            if practice is not None and practice.city_id in found:
                found[practice.city_id].practices[row.theme].append(practice)
        for cluster in self.clusters.all():
            for city in self.clusters.cities(cluster.id or 0):
                if city.id in found:
                    found[city.id].clusters.add(cluster.id or 0)
                    found[city.id].cluster_themes |= set(cluster.theme_list)
        for response in responses:
            footprint = found.get(response.city_id or 0)
            if footprint is None:
                continue
            answers = _answers(response.answers)
            for choice in _listed(answers.get(PRIORITY_QUESTION)):
                theme = SURVEY_THEMES.get(choice, choice)
                if theme in THEMES:
                    footprint.surveyed.add(theme)
            footprint.wanted_clusters |= set(_listed(answers.get(CLUSTERS_QUESTION)))
        return found

    # ------------------------------------------------------------ suggestions

    def for_city(self, city: City, *, limit: int = SHOWN) -> Matches:
        """The cities and clusters that suit `city`, best first, each with its reasons."""
        footprints = self.footprints()
        mine = footprints.get(city.id or 0) or Footprint(city)
        cities = [match for other in footprints.values() if other.city.id != city.id
                  for match in [self._city_match(mine, other)] if match.score > 0]
        cities.sort(key=lambda m: (-m.score, m.city.name))
        clusters = [match for cluster in self.clusters.all() if cluster.id not in mine.clusters
                    for match in [self._cluster_match(mine, cluster, footprints)] if match.score > 0]
        clusters.sort(key=lambda m: (-m.score, m.cluster.name))
        return Matches(cities=cities[:limit], clusters=clusters[:limit])

    def _city_match(self, mine: Footprint, other: Footprint) -> CityMatch:
        score = 0
        reasons: list[Reason] = []
        practiced = set(mine.practices) & set(other.practices)
        if practiced:
            score += 3 * len(practiced)
            reasons.append(Reason(N_("both have practices on {themes}"), themes=_sorted(practiced)))
            pair = max(((a, b, set(a_themes) & set(b_themes))
                        for a, a_themes in _themes_by_practice(mine).values()
                        for b, b_themes in _themes_by_practice(other).values()),
                       key=lambda found: _closeness(found[0], found[1], found[2]))
            reasons.append(Reason(N_("{city}'s practice “{theirs}” is close to yours, “{mine}”"),
                                  params=(("city", other.city.name), ("theirs", pair[1].title),
                                          ("mine", pair[0].title))))
        shared = (mine.themes & other.themes) - practiced
        if shared:
            score += 2 * len(shared)
            reasons.append(Reason(N_("both work on {themes}"), themes=_sorted(shared)))
        surveyed = mine.surveyed & other.surveyed
        if surveyed:
            score += len(surveyed)
            reasons.append(Reason(N_("both asked the network to give priority to {themes}"),
                                  themes=_sorted(surveyed)))
        if score and mine.city.region and mine.city.region == other.city.region:
            score += 1
            reasons.append(Reason(N_("both are in {region}"), region=mine.city.region))
        return CityMatch(other.city, score, reasons)

    def _cluster_match(self, mine: Footprint, cluster: Cluster, footprints: dict[int, Footprint]) -> ClusterMatch:
        score = 0
        reasons: list[Reason] = []
        themes = mine.themes | mine.surveyed
        common = set(cluster.theme_list) & themes
        if common:
            score += 3 * len(common)
            reasons.append(Reason(N_("it works on {themes}, like your city"), themes=_sorted(common)))
        for priority in self.clusters.priorities(cluster.id or 0):
            about = set(themes_in(priority)) & themes
            if about:
                score += 2
                reasons.append(Reason(N_("its priority “{priority}” is about {themes}, which your city works on"),
                                      params=(("priority", priority[:120]),), themes=_sorted(about)))
                break
        if cluster.slug in mine.wanted_clusters:
            score += 5
            reasons.append(Reason(N_("your city said in the survey it would like to join it")))
        if ClusterKind(cluster.kind) is ClusterKind.regional:
            near = sorted(f.city.name for f in footprints.values() if cluster.id in f.clusters and f.city.id !=
                          mine.city.id and _near(f.city, mine.city))
            if near:
                score += 2 + len(near)
                reasons.append(Reason(N_("cities near yours take part: {cities}"),
                                      params=(("cities", ", ".join(near[:5])),)))
        return ClusterMatch(cluster, score, reasons)


def _near(one: City, other: City) -> bool:
    return one.country == other.country or bool(one.region and one.region == other.region)


def _themes_by_practice(footprint: Footprint) -> dict[int, tuple[Practice, list[str]]]:
    """practice id -> (the practice, its themes)."""
    found: dict[int, tuple[Practice, list[str]]] = {}
    for theme, practices in footprint.practices.items():
        for practice in practices:
            found.setdefault(practice.id or 0, (practice, []))[1].append(theme)
    return found


def _answers(text: str | None) -> dict[str, object]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _listed(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, str) and value:
        return [part.strip() for part in value.split(",") if part.strip()]
    return []
