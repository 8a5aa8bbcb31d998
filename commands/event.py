"""`/event add|edit|cancel|show`: the ICC team runs the calendar; a cluster's coordinators, their cluster's events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_, language_name
from bot.messages import Choice, FieldKind, Form, FormField, Reply, Response
from bot.models import Role
from bot.models.calendar import CalendarEvent, EventKind, EventStatus
from bot.registry import Args, Command, FormSpec, Option, Registry, Subcommand
from bot.services.calendar.events import (
    DESCRIPTION_LIMIT,
    KIND_LABELS,
    PLACE_LIMIT,
    TITLE_LIMIT,
    Happening,
    clean_description,
    clean_kind,
    clean_materials,
    clean_place,
    clean_title,
    clean_url,
    event_timing,
    parse_moment,
)
from bot.services.calendar.recurrence import zone
from bot.services.calendar.texts import event_section
from bot.settings import SUPPORTED_LOCALES
from commands.share_practice import checked

FORM_ID = "event"


def event_number(value: str | int) -> int:
    """An event id from "12" or "#12"; anything else is the person's mistake."""
    raw = str(value).strip().lstrip("#")
    if not raw.isascii() or not raw.isdigit() or not 0 < len(raw) < 10:
        raise UserError("“{value}” is not an event number (such as 12).", value=str(value)[:40])
    return int(raw)


def may_run_events(ctx: Context) -> None:
    """Stop here unless the person is on the ICC team or coordinates a cluster."""
    if Role(ctx.member.role) is Role.icc_team:
        return
    if ctx.member.id is not None and ctx.services.clusters.coordinated_by(ctx.member.id):
        return
    raise UserError("Only the ICC team, or a cluster's coordinators for their cluster's events, can do this. Ask "
                    "the ICC team if you coordinate a cluster.")


def _moment_text(event: CalendarEvent, end: bool = False) -> str:
    if end:
        if event.end_local is None:
            return ""
        if event.all_day:
            return (event.end_local - timedelta(days=1)).strftime("%Y-%m-%d")
        return event.end_local.strftime("%Y-%m-%d %H:%M")
    return event.start_local.strftime("%Y-%m-%d" if event.all_day else "%Y-%m-%d %H:%M")


def build_form(ctx: Context, state: str = "") -> Form:
    """The event form in the person's language; with `state` (an event id), filled with that event."""
    calendar = ctx.services.calendar
    event = calendar.events.get(int(state)) if state.isdigit() else None
    coordinated = ctx.services.clusters.coordinated_by(ctx.member.id) if ctx.member.id is not None else []
    audience = "all" if Role(ctx.member.role) is Role.icc_team or not coordinated else f"cluster:{coordinated[0].slug}"
    kinds = [kind for kind in EventKind if kind is not EventKind.campaign_day]
    form = Form(
        form_id=FORM_ID,
        title=ctx.t("Change an event") if event else ctx.t("Add an event"),
        submit_label=ctx.t("Save"),
        state=state,
        fields=[
            FormField("title", ctx.t("Title"), max_length=TITLE_LIMIT, validate=checked(ctx, clean_title)),
            FormField("kind", ctx.t("Kind"), kind=FieldKind.choice, initial=EventKind.meeting.value,
                      choices=[Choice(kind.value, ctx.t(KIND_LABELS[kind])) for kind in kinds],
                      validate=checked(ctx, clean_kind)),
            FormField("start", ctx.t("Start"), hint=ctx.t("2027-03-21 10:00, or 2027-03-21 for the whole day."),
                      validate=checked(ctx, parse_moment)),
            FormField("end", ctx.t("End"), required=False, hint=ctx.t("Optional: 2027-03-21 12:00, or the last day."),
                      validate=checked(ctx, lambda value: parse_moment(value, field="end"))),
            FormField("time_zone", ctx.t("Time zone"), initial=calendar.time_zone_of(ctx.member),
                      hint=ctx.t("Region/City, such as Europe/Lisbon."), validate=checked(ctx, zone)),
            FormField("audience", ctx.t("For whom"), initial=audience,
                      hint=ctx.t("all, cluster:<name>, region:<name>, country:<code> or role:<role>."),
                      validate=checked(ctx, ctx.services.audiences.parse)),
            FormField("place", ctx.t("Place"), required=False, max_length=PLACE_LIMIT,
                      validate=checked(ctx, clean_place)),
            FormField("link", ctx.t("Online link"), required=False, validate=checked(ctx, clean_url)),
            FormField("materials", ctx.t("Materials"), kind=FieldKind.url_list, required=False,
                      hint=ctx.t("Links to materials, one per line."), validate=checked(ctx, clean_materials)),
            FormField("rrule", ctx.t("Repeats"), required=False,
                      hint=ctx.t("Optional, as in calendars: FREQ=YEARLY, or FREQ=MONTHLY;BYDAY=1MO;COUNT=6.")),
            FormField("description", ctx.t("Description"), kind=FieldKind.long_text, required=False,
                      max_length=DESCRIPTION_LIMIT, validate=checked(ctx, clean_description)),
            FormField("language", ctx.t("Language of the text"), kind=FieldKind.choice, initial=ctx.locale,
                      choices=[Choice(code, language_name(code, ctx.locale)) for code in SUPPORTED_LOCALES]),
        ],
    )
    if event is not None:
        filled = {"title": event.title, "kind": event.kind.value, "start": _moment_text(event),
                  "end": _moment_text(event, end=True), "time_zone": event.time_zone, "audience": event.audience,
                  "place": event.place, "link": event.online_url, "materials": event.materials,
                  "rrule": event.rrule, "description": event.description, "language": event.language}
        for name, value in filled.items():
            form.field(name).initial = value
    return form


def event_reply(ctx: Context, event: CalendarEvent, headline: str) -> Reply:
    """An event as a reply: its next occurrence (or its first), what, when, where, for whom."""
    tz = zone(ctx.services.calendar.time_zone_of(ctx.member))
    now = ctx.services.clock.now()
    timing = event_timing(event)
    upcoming = next(iter(timing.between(now, now + timedelta(days=800), limit=1)), None)
    # Further than the look ahead (or past): its first occurrence. SQLite gives the stored UTC time back naive.
    starts = event.starts_at if event.starts_at.tzinfo else event.starts_at.replace(tzinfo=UTC)
    first = upcoming or next(iter(timing.between(starts, starts + timedelta(days=2), limit=1)))
    section = event_section(ctx.services.calendar.events, Happening(event, first), ctx.locale, tz,
                            with_description=True)
    facts = [section.text, ctx.t("For whom: {audience}",
                                 audience=ctx.services.audiences.describe(
                                     ctx.services.audiences.parse(event.audience), ctx.locale))]
    if event.rrule:
        facts.append(ctx.t("Repeats: {rule}", rule=event.rrule))
    section = replace(section, text="\n".join(facts))
    return Reply(text=headline, sections=[section])


async def add(ctx: Context, args: Args) -> Response:
    may_run_events(ctx)
    form = build_form(ctx)
    form.field("title").initial = args.text("title")[:TITLE_LIMIT]
    return Response(form=form)


async def edit(ctx: Context, args: Args) -> Response:
    may_run_events(ctx)
    number = event_number(args.text("id"))
    event = ctx.services.calendar.events.get(number)
    if event is None:
        raise UserError("There is no event #{id}.", id=number)
    calendar = ctx.services.calendar
    calendar.events.check_may_edit(ctx.member, ctx.services.audiences.parse(event.audience), event.kind)
    if event.status is EventStatus.cancelled:
        raise UserError("Event #{id} is cancelled.", id=number)
    return Response(form=build_form(ctx, str(number)))


async def submit(ctx: Context, values: dict[str, str], state: str) -> Response:
    """Record the event (every rule checked again by the service; a broken one writes nothing)."""
    calendar = ctx.services.calendar
    language = values.get("language") or ctx.locale
    if state.isdigit():
        change = calendar.edit_event(int(state), values, actor=ctx.member, language=language)
        headline = ctx.t("Event #{id} is changed.", id=change.event.id)
        if change.told:
            headline += " " + ctx.tn("{n} subscribed channel is told.", "{n} subscribed channels are told.",
                                     change.told)
        return Response(replies=[event_reply(ctx, change.event, headline)])
    event = calendar.add_event(values, actor=ctx.member, language=language)
    headline = ctx.t("Event #{id} is in the calendar.", id=event.id)
    if event.rrule and event.ends_at is None:
        headline += " " + ctx.t("It repeats without end: reminders and feeds show what is coming.")
    return Response(replies=[event_reply(ctx, event, headline)])


async def cancel(ctx: Context, args: Args) -> Response:
    may_run_events(ctx)
    number = event_number(args.text("id"))
    change = ctx.services.calendar.cancel_event(number, actor=ctx.member)
    text = ctx.t("Event #{id} “{title}” is cancelled.", id=number, title=change.event.title)
    if change.told:
        text += " " + ctx.tn("{n} subscribed channel is told.", "{n} subscribed channels are told.", change.told)
    return Response.text(text)


async def show(ctx: Context, args: Args) -> Response:
    number = event_number(args.text("id"))
    event = ctx.services.calendar.events.get(number)
    if event is None:
        raise UserError("There is no event #{id}.", id=number)
    title, _ = ctx.services.calendar.events.texts(event, ctx.locale)
    return Response(replies=[event_reply(ctx, event, title)])


def register(registry: Registry) -> None:
    event_id = Option("id", N_("The event's number"), required=True)
    registry.add(Command(
        name="event",
        description=N_("Add, change, cancel or see an event of the network's calendar."),
        default_sub="show",
        subcommands=(
            Subcommand("add", N_("Add an event (ICC team; cluster coordinators for their cluster)."), handler=add,
                       options=(Option("title", N_("The event's title (optional)"), rest=True),)),
            Subcommand("edit", N_("Change an event."), handler=edit, options=(event_id,)),
            Subcommand("cancel", N_("Cancel an event; subscribed channels are told."), handler=cancel,
                       options=(event_id,)),
            Subcommand("show", N_("See an event."), handler=show, options=(event_id,)),
        ),
    ))
    registry.add_form(FormSpec(form_id=FORM_ID, build=build_form, submit=submit))
