"""The rules a practice's fields must pass, checked once here for `/share-practice` (field by field), for
`PracticeService.submit` and for the CSV import: a broken rule raises `UserError(msgid, field=…)` before anything
is written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from bot.errors import ROLE_HINTS, UserError
from bot.forms import normalise, split_choices
from bot.i18n import N_
from bot.messages import FieldKind
from bot.models import City, Member, Role
from bot.models.practices import THEMES, PracticeCreate, PracticeStatus
from bot.settings import SUPPORTED_LOCALES

TITLE_LIMIT = 200
SUMMARY_LIMIT = 300
TEXT_LIMIT = 20_000
CONTACT_LIMIT = 200
REASON_LIMIT = 1000
LINK_LIMIT = 2000
MAX_LINKS = 10
MAX_PAGE_SIZE = 50

#: English labels of the themes, translated where they are shown.
THEME_LABELS: dict[str, str] = {
    "anti-rumours": N_("Anti-rumours"),
    "intercultural-competence": N_("Intercultural competence"),
    "intercultural-communication": N_("Intercultural communication"),
    "participation": N_("Participation"),
    "education": N_("Education"),
    "public-space": N_("Public space"),
    "business-and-diversity": N_("Business and diversity"),
    "refugees-and-migrants": N_("Refugees and migrants"),
    "anti-discrimination": N_("Anti-discrimination"),
    "language": N_("Language"),
    "culture-and-heritage": N_("Culture and heritage"),
    "community-policing": N_("Community policing"),
    "housing": N_("Housing"),
    "employment": N_("Employment"),
    "health": N_("Health"),
    "sport": N_("Sport"),
    "women-and-gender": N_("Women and gender"),
    "youth": N_("Youth"),
}
assert set(THEME_LABELS) == set(THEMES), "every theme needs a label"

STATUS_LABELS: dict[PracticeStatus, str] = {
    PracticeStatus.submitted: N_("waiting for review"),
    PracticeStatus.approved: N_("approved"),
    PracticeStatus.published: N_("published"),
    PracticeStatus.rejected: N_("rejected"),
}

#: Languages DeepL translates from (so a practice written in them can be read in every other language).
DEEPL_LANGUAGES = frozenset(
    "ar bg cs da de el en es et fi fr he hu id it ja ko lt lv nb nl pl pt ro ru sk sl sv th tr uk vi zh".split()
)
#: Languages offered in the form besides the bot's own, the most common in ICC cities.
OTHER_LANGUAGES = ("nl", "pl", "el", "sv", "nb", "da", "fi", "ro", "tr", "hu", "cs", "ar")


# ---------------------------------------------------------------- rules for each field


def _text(
    value: str,
    *,
    kind: FieldKind,
    name: str,
    limit: int,
    empty: str | None,
    too_long: str,
) -> str:
    clean = normalise(value or "", kind)
    if not clean and empty is not None:
        raise UserError(empty, field=name)
    if len(clean) > limit:
        raise UserError(too_long, field=name, length=len(clean), limit=limit)
    return clean


def clean_title(value: str) -> str:
    return _text(
        value, kind=FieldKind.text, name="title", limit=TITLE_LIMIT,
        empty=N_("The title cannot be empty."),
        too_long=N_("The title is too long: {length} characters, at most {limit}."),
    )


def clean_summary(value: str) -> str:
    return _text(
        value, kind=FieldKind.long_text, name="summary", limit=SUMMARY_LIMIT,
        empty=N_("The summary cannot be empty."),
        too_long=N_("The summary is too long: {length} characters, at most {limit}."),
    )


def clean_description(value: str) -> str:
    return _text(
        value, kind=FieldKind.long_text, name="description", limit=TEXT_LIMIT,
        empty=N_("The description cannot be empty."),
        too_long=N_(
            "The description is too long: {length} characters, at most {limit}. "
            "Put the full text on a web page and add its link."
        ),
    )


def clean_translated_summary(value: str) -> str:
    """A summary in another language: translations may run longer than the original's limit."""
    return _text(
        value, kind=FieldKind.long_text, name="summary", limit=TEXT_LIMIT,
        empty=N_("The summary cannot be empty."),
        too_long=N_("The summary is too long: {length} characters, at most {limit}."),
    )


def clean_results(value: str) -> str:
    return _text(
        value, kind=FieldKind.long_text, name="results", limit=TEXT_LIMIT, empty=None,
        too_long=N_("The results are too long: {length} characters, at most {limit}."),
    )


def clean_contact(value: str) -> str:
    return _text(
        value, kind=FieldKind.text, name="contact", limit=CONTACT_LIMIT, empty=None,
        too_long=N_("The contact is too long: {length} characters, at most {limit}."),
    )


def clean_reason(value: str) -> str:
    return _text(
        value, kind=FieldKind.long_text, name="reason", limit=REASON_LIMIT,
        empty=N_("Please give a reason: the author will read it."),
        too_long=N_("The reason is too long: {length} characters, at most {limit}."),
    )


def clean_links(value: str | Sequence[str]) -> list[str]:
    """Web links, one per line (or whitespace-separated); each must be an http(s) URL."""
    raw = value if isinstance(value, str) else "\n".join(value)
    links = list(dict.fromkeys(normalise(raw, FieldKind.url_list).split()))
    if len(links) > MAX_LINKS:
        raise UserError("Give at most {limit} links.", field="links", limit=MAX_LINKS)
    for link in links:
        if not _is_web_link(link):
            raise UserError(
                "“{value}” is not a web link: links start with http:// or https://.",
                field="links",
                value=link[:80],
            )
    return links


def _is_web_link(link: str) -> bool:
    if len(link) > LINK_LIMIT:
        return False
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not host:
        return False
    return "." in host or host == "localhost"


def clean_themes(value: str | Iterable[str]) -> list[str]:
    """Theme slugs (or their English names), at least one, each from the ICC theme list."""
    items = split_choices(value) if isinstance(value, str) else [str(item) for item in value]
    themes: list[str] = []
    for item in items:
        slug = "-".join(normalise(item).lower().split())
        if slug not in THEMES:
            raise UserError(
                "“{value}” is not an ICC theme. Choose from: {choices}.",
                field="themes",
                value=normalise(item)[:60],
                choices=", ".join(THEMES),
            )
        if slug not in themes:
            themes.append(slug)
    if not themes:
        raise UserError("Choose at least one theme.", field="themes")
    return themes


def clean_language(value: str) -> str:
    """A language code the bot speaks or DeepL translates ("pt-BR" -> "pt")."""
    code = normalise(value or "").replace("_", "-").lower().split("-")[0]
    if not code:
        raise UserError("Choose the language the practice is written in.", field="language")
    if code not in SUPPORTED_LOCALES and code not in DEEPL_LANGUAGES:
        raise UserError(
            "“{value}” is not a language code we know (for example en, fr, uk).",
            field="language",
            value=normalise(value)[:20],
        )
    return code


def clean_theme_filter(value: str | None) -> str | None:
    if value is None or not normalise(value):
        return None
    return clean_themes(value)[0]


def draft(
    *,
    title: str,
    city_id: int,
    summary: str,
    description: str,
    themes: str | Iterable[str],
    language: str,
    results: str = "",
    contact: str = "",
    links: str | Sequence[str] = "",
) -> PracticeCreate:
    """A practice checked field by field, ready for `PracticeService.submit` (raises `UserError`)."""
    return PracticeCreate(
        title=clean_title(title),
        city_id=city_id,
        summary=clean_summary(summary),
        description=clean_description(description),
        results=clean_results(results),
        contact=clean_contact(contact),
        links="\n".join(clean_links(links)),
        language=clean_language(language),
        themes=clean_themes(themes),
    )


def check_author_city(author: Member | None, city: City) -> None:
    """A coordinator speaks for their own city only; the ICC team (and imports, author None) for any."""
    if author is None or Role(author.role) is Role.icc_team:
        return
    if Role(author.role) is not Role.coordinator:
        raise UserError("Only city coordinators and the ICC team can share practices.",
                        hint=ROLE_HINTS["coordinator"])
    if author.city_id is None:
        raise UserError("Set your city first with /profile city <name>, then share your practice.", field="city")
    if author.city_id != city.id:
        raise UserError(
            "As a coordinator you can share practices of your own city only, not of {city}.",
            field="city",
            city=city.name,
        )
