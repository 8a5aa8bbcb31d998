"""`/subscribe`: this channel gets reminders of campaign days, of all events, or of one cluster's events."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.messages import Response
from bot.models import Role
from bot.registry import Args, Command, Option, Registry


async def subscribe(ctx: Context, args: Args) -> Response:
    calendar = ctx.services.calendar
    subscription = calendar.subscribe(ctx.channel, args.text("to"), args.text("days"), by=ctx.member)
    days = subscription.offsets.replace(",", ", ")
    place = calendar.place(ctx.channel)
    return Response.text(ctx.t(
        "This channel is subscribed to {scope}: reminders {days} days before (0: on the day), at 09:00 "
        "{zone} time, and a digest on the first working day of each month.",
        scope=subscription.scope, days=days, zone=place.tz.key))


def register(registry: Registry) -> None:
    registry.add(Command(
        name="subscribe",
        description=N_("Get reminders in this channel: campaign-days, all, or cluster:<name>."),
        handler=subscribe,
        min_role=Role.coordinator,
        guild_only=True,
        options=(
            Option("to", N_("campaign-days (the default), all, or cluster:<name>")),
            Option("days", N_("Days before each event, such as 14,2,0 (the default)")),
        ),
    ))
