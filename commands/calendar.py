"""`/calendar`: what is next for me (my city's clusters, region and the whole network), a month, one cluster's."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date

from bot.context import ROLE_MESSAGES, Context, has_role
from bot.errors import UserError
from bot.i18n import N_, negotiate
from bot.messages import Reply, Response
from bot.models import Role
from bot.registry import Args, Command, Option, Registry, Subcommand
from bot.services.calendar import Happening
from bot.services.calendar.recurrence import zone
from bot.services.calendar.texts import SHARE_ACTION, event_section
from commands.share_practice import build_form as share_practice_form

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def listing(ctx: Context, happenings: list[Happening], headline: str, empty: str) -> Response:
    if not happenings:
        return Response.text(empty)
    tz = zone(ctx.services.calendar.time_zone_of(ctx.member))
    sections = [event_section(ctx.services.calendar.events, h, ctx.locale, tz) for h in happenings]
    return Response(replies=[Reply(text=headline, sections=sections),
                             Reply(text=ctx.t("/event show <number> for the details."))])


async def next_events(ctx: Context, args: Args) -> Response:
    happenings = ctx.services.calendar.upcoming_for(ctx.member)
    return listing(ctx, happenings, ctx.t("What is next for you:"),
                   ctx.t("Nothing in the calendar for you in the next three months."))


async def month(ctx: Context, args: Args) -> Response:
    raw = args.text("month").strip()
    now = ctx.services.clock.now()
    year, number = now.year, now.month
    if raw:
        match = _MONTH.match(raw)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise UserError("“{value}” is not a month. Write it as 2027-03.", value=raw[:20])
        year, number = int(match.group(1)), int(match.group(2))
    calendar = ctx.services.calendar
    happenings = calendar.month(year, number, member=ctx.member, tz_name=calendar.time_zone_of(ctx.member))
    name = format_date(date(year, number, 1), format="LLLL y", locale=negotiate(ctx.locale))
    return listing(ctx, happenings, ctx.t("The calendar for {month}:", month=name),
                   ctx.t("Nothing in the calendar for you in {month}.", month=name))


async def cluster(ctx: Context, args: Args) -> Response:
    slug = args.text("name").strip()
    found = ctx.services.clusters.find(slug)
    if found is None:
        raise UserError("There is no cluster called “{value}”.", value=slug[:60])
    happenings = ctx.services.calendar.cluster_events(found.slug)
    return listing(ctx, happenings, ctx.t("Coming events of {cluster}:", cluster=found.name),
                   ctx.t("{cluster} has no event in the calendar yet.", cluster=found.name))


async def share_campaign(ctx: Context, value: str) -> Response:
    """The button on a campaign day's reminder: /share-practice, its title about the campaign."""
    day = ctx.services.calendar.campaign.get(value)
    if day is None:
        return Response.text(ctx.t("This button is no longer in use."))
    if not has_role(ctx.member, Role.coordinator):
        return Response.text(ctx.t(ROLE_MESSAGES[Role.coordinator]))
    form = share_practice_form(ctx)
    form.field("title").initial = ctx.t("{campaign}: ", campaign=day.name(ctx.locale))
    return Response(form=form)


def register(registry: Registry) -> None:
    registry.add(Command(
        name="calendar",
        description=N_("The network's calendar: what is next for you, a month, a cluster's events."),
        default_sub="next",
        subcommands=(
            Subcommand("next", N_("What is next for you (your clusters, region and the whole network)."),
                       handler=next_events),
            Subcommand("month", N_("The events of a month."), handler=month,
                       options=(Option("month", N_("The month, such as 2027-03 (this month if left out)")),)),
            Subcommand("cluster", N_("One cluster's coming events."), handler=cluster,
                       options=(Option("name", N_("The cluster"), required=True),)),
        ),
    ))
    registry.add_action(SHARE_ACTION, share_campaign)
