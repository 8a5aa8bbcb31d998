"""`/remind me|here <when> <what>`: a reminder for yourself (by direct message) or for this conversation."""

from __future__ import annotations

from babel.dates import format_time

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_, negotiate
from bot.messages import Response
from bot.registry import Args, Command, Option, Registry, Subcommand
from bot.services.calendar.recurrence import zone
from bot.services.calendar.texts import day_text


def _planned(ctx: Context, args: Args, *, direct: bool) -> Response:
    text = args.text("text")
    calendar = ctx.services.calendar
    when = calendar.read_when(text, ctx.member, ctx.locale)
    if not when.what:
        raise UserError("Say what to remind of after when: /remind me tomorrow 9:00 call Lisbon.")
    target = ctx.actor if direct else ctx.channel
    calendar.remind(ctx.member, target, direct=direct, when=when, locale=ctx.locale)
    tz = zone(calendar.time_zone_of(ctx.member))
    local = when.moment.astimezone(tz)
    moment = ctx.t("{day}, {time} ({zone})", day=day_text(local.date(), ctx.locale),
                   time=format_time(local.time(), format="short", locale=negotiate(ctx.locale)), zone=tz.key)
    if direct:
        return Response.text(ctx.t("I will remind you on {moment}: {what}", moment=moment, what=when.what))
    return Response.text(ctx.t("I will remind this conversation on {moment}: {what}", moment=moment,
                               what=when.what))


async def me(ctx: Context, args: Args) -> Response:
    return _planned(ctx, args, direct=True)


async def here(ctx: Context, args: Args) -> Response:
    return _planned(ctx, args, direct=False)


def register(registry: Registry) -> None:
    words = Option("text", N_("When, then what: tomorrow 9:00 call Lisbon"), required=True, rest=True)
    registry.add(Command(
        name="remind",
        description=N_("Set a reminder for yourself or for this conversation."),
        subcommands=(
            Subcommand("me", N_("Remind me by direct message: /remind me tomorrow 9:00 call Lisbon."), handler=me,
                       options=(words,)),
            Subcommand("here", N_("Remind this conversation: /remind here in 2 hours vote closes."),
                       handler=here, options=(words,)),
        ),
    ))
