"""What the calendar says, in a reader's language: an occurrence's date, an event as a section, reminders, digests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from bot.i18n import negotiate, t, tn
from bot.messages import Button, Reply, Section
from bot.models.calendar import CalendarEvent, EventKind, EventStatus
from bot.services.calendar.events import KIND_LABELS, EventService, Happening

#: The button on a campaign day's reminder: opens /share-practice about the campaign.
SHARE_ACTION = "calendar-share"


def day_text(day: date, locale: str) -> str:
    """`Friday 18 December 2026`, in `locale`."""
    return format_date(day, format="full", locale=negotiate(locale))


def when_text(happening: Happening, locale: str, tz: ZoneInfo) -> str:
    """When an occurrence is, for a reader in `tz`: its day (all-day events), or its day and time there."""
    occurrence = happening.occurrence
    if occurrence.all_day:
        return day_text(occurrence.day, locale)
    local = occurrence.start.astimezone(tz)
    return t(locale, "{day}, {time} ({zone})", day=day_text(local.date(), locale),
             time=format_time(local.time(), format="short", locale=negotiate(locale)), zone=tz.key)


def event_section(events: EventService, happening: Happening, locale: str, tz: ZoneInfo, *,
                  with_id: bool = True, with_description: bool = False) -> Section:
    """One occurrence as a titled section: what, when, where, the materials."""
    event = happening.event
    title, description = events.texts(event, locale)
    lines = [f"{t(locale, KIND_LABELS[event.kind])} · {when_text(happening, locale, tz)}"]
    if event.place:
        lines.append(t(locale, "Place: {place}", place=event.place))
    if event.online_url:
        lines.append(t(locale, "Online: {link}", link=event.online_url))
    if with_description and description:
        lines.append(description)
    if event.materials:
        lines.append(t(locale, "Materials: {links}", links=", ".join(event.materials.split())))
    if event.status is EventStatus.cancelled:
        lines.insert(0, t(locale, "Cancelled."))
    prefix = f"#{event.id} · " if with_id else ""
    return Section(title=prefix + title, text="\n".join(lines))


def reminder_reply(events: EventService, happening: Happening, offset_days: int, locales: Sequence[str],
                   tz: ZoneInfo, *, late: bool) -> Reply:
    """A reminder of an occurrence `offset_days` before it, in each of `locales` (a channel's languages)."""
    sections = []
    for locale in locales:
        title, _ = events.texts(happening.event, locale)
        if offset_days == 0:
            head = t(locale, "Today: {title}", title=title)
        else:
            head = tn(locale, "In {n} day: {title}", "In {n} days: {title}", offset_days, title=title)
        if late:
            head = t(locale, "(Late: the bot was offline at the planned time.) {text}", text=head)
        section = event_section(events, happening, locale, tz, with_id=False)
        sections.append(Section(title=head, text=section.text))
    first = locales[0]
    buttons: list[Button] = []
    if happening.event.kind is EventKind.campaign_day:
        buttons.append(Button(f"{SHARE_ACTION}:{happening.event.campaign_day}",
                              t(first, "Share what your city is doing"), value=happening.event.campaign_day))
    return Reply(text=sections[0].title, sections=sections, buttons=buttons, ephemeral=False)


def digest_reply(events: EventService, happenings: Sequence[Happening], month: date, locales: Sequence[str],
                 tz: ZoneInfo, *, late: bool) -> Reply:
    """The month's events, in each of `locales`."""
    sections = []
    for locale in locales:
        month_name = format_date(month, format="LLLL y", locale=negotiate(locale))
        head = t(locale, "The network's calendar for {month}", month=month_name)
        if late:
            head = t(locale, "(Late: the bot was offline at the planned time.) {text}", text=head)
        lines = []
        for happening in happenings:
            title, _ = events.texts(happening.event, locale)
            lines.append(f"• {title} — {when_text(happening, locale, tz)}")
        sections.append(Section(title=head, text="\n".join(lines) or t(locale, "No events this month.")))
    return Reply(text=sections[0].title, sections=sections, ephemeral=False)


def change_reply(events: EventService, event: CalendarEvent, happening: Happening | None, locales: Sequence[str],
                 tz: ZoneInfo) -> Reply:
    """Subscribers told once that an event was moved or cancelled."""
    sections = []
    for locale in locales:
        title, _ = events.texts(event, locale)
        if event.status is EventStatus.cancelled or happening is None:
            sections.append(Section(title=t(locale, "Cancelled: {title}", title=title),
                                    text=t(locale, "This event will not take place. Its reminders are cancelled.")))
        else:
            section = event_section(events, happening, locale, tz, with_id=False)
            sections.append(Section(title=t(locale, "Changed: {title}", title=title), text=section.text))
    return Reply(text=sections[0].title, sections=sections, ephemeral=False)


def personal_reply(text: str, locale: str, due: datetime, *, late: bool) -> Reply:
    """A reminder someone asked for with /remind."""
    head = t(locale, "Reminder: {text}", text=text)
    if late:
        head = t(locale, "(Late: the bot was offline at the planned time.) {text}", text=head)
    return Reply(text=head, ephemeral=False)
