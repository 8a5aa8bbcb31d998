"""The network's regions: a city belongs to one, and audiences (events, broadcasts, surveys) can name one."""

from __future__ import annotations

from bot.i18n import N_, t

#: Region slug -> its English name (a msgid, shown in the reader's language).
REGIONS: dict[str, str] = {
    "northern-europe": N_("Northern Europe"),
    "western-europe": N_("Western Europe"),
    "southern-europe": N_("Southern Europe"),
    "eastern-europe": N_("Central and Eastern Europe"),
    "north-america": N_("North America"),
    "latin-america": N_("Latin America"),
    "mediterranean-middle-east": N_("Southern Mediterranean and Middle East"),
    "asia-pacific": N_("Asia and the Pacific"),
}


def region_name(slug: str, locale: str) -> str:
    """The region's name in `locale` (the slug itself when it is not one of `REGIONS`)."""
    msgid = REGIONS.get(slug)
    return t(locale, msgid) if msgid else slug


def is_region(slug: str) -> bool:
    return slug in REGIONS
