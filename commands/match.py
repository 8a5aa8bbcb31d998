"""`/match`: the cities and clusters that suit a city (yours when none is named), each with its reasons in words."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.messages import Reply, Response, Section
from bot.registry import Args, Command, Option, Registry
from bot.services.matching import reasons_text
from commands.city import city_named


async def match(ctx: Context, args: Args) -> Response:
    """Suggestions for a city: other cities to talk to and clusters to join, best first."""
    city = city_named(ctx, args.text("city"))
    found = ctx.services.matching.for_city(city)
    if not found.cities and not found.clusters:
        return Response.text(ctx.t("I have nothing to suggest for {city} yet. Say what it works on with /city edit "
                                   "(its themes), share a practice with /share-practice, or browse /cluster list.",
                                   city=city.name))
    sections = []
    if found.cities:
        sections.append(Section(title=ctx.t("Cities to talk to"), text="\n".join(
            f"• {m.city.name} — {reasons_text(m.reasons, ctx.locale)}" for m in found.cities)))
    if found.clusters:
        sections.append(Section(title=ctx.t("Clusters to join"), text="\n".join(
            f"• {m.cluster.name} ({m.cluster.slug}) — {reasons_text(m.reasons, ctx.locale)}"
            for m in found.clusters)))
    return Response(replies=[Reply(text=ctx.t("Suggestions for {city}", city=city.name), sections=sections)])


def register(registry: Registry) -> None:
    registry.add(Command(
        name="match",
        description=N_("Cities and clusters that suit a city, from the themes they share, with the reasons."),
        handler=match,
        options=(Option("city", N_("A city (yours when not given)"), rest=True),),
    ))
