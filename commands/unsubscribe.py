"""`/unsubscribe`: this channel no longer gets the reminders it subscribed to."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.messages import Response
from bot.models import Role
from bot.registry import Args, Command, Option, Registry


async def unsubscribe(ctx: Context, args: Args) -> Response:
    scope = ctx.services.calendar.unsubscribe(ctx.channel, args.text("to"))
    return Response.text(ctx.t("This channel no longer gets reminders of {scope}.", scope=scope))


def register(registry: Registry) -> None:
    registry.add(Command(
        name="unsubscribe",
        description=N_("Stop reminders in this channel: campaign-days, all, or cluster:<name>."),
        handler=unsubscribe,
        min_role=Role.coordinator,
        guild_only=True,
        options=(Option("to", N_("campaign-days (the default), all, or cluster:<name>")),),
    ))
