"""`/profile`: see and set your city and language; `/role`: the ICC team says who coordinates a city."""

from __future__ import annotations

import re

from bot.errors import UserError
from bot.i18n import N_, language_name
from bot.messages import Identity, Reply, Response, Section
from bot.models import Role
from bot.settings import SUPPORTED_LOCALES
from commands.context import Context
from commands.registry import Args, Command, Option, OptionKind, Registry, Subcommand

ROLE_LABELS = {
    Role.member: N_("member"),
    Role.coordinator: N_("city coordinator"),
    Role.icc_team: N_("ICC team"),
}

# <@U123>, <@U123|name> (Slack), <@123>, <@!123> (Discord), or a bare id (console).
_MENTION = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$|^@?([A-Za-z0-9._-]+)$")


def mentioned_user(ctx: Context, text: str) -> Identity:
    """The person `text` mentions, in the same workspace as the actor."""
    match = _MENTION.match(text.strip())
    if not match:
        raise UserError("“{value}” is not a person. Mention them, like @name.", value=text.strip()[:60])
    return Identity(ctx.actor.platform, ctx.actor.workspace, match.group(1) or match.group(2))


def describe(ctx: Context) -> Response:
    member = ctx.member
    city = ctx.services.cities.get(member.city_id) if member.city_id else None
    language = member.preferred_language
    lines = [
        ctx.t("City: {city}", city=city.name if city else ctx.t("not set (use /profile city <name>)")),
        ctx.t("Role: {role}", role=ctx.t(ROLE_LABELS[Role(member.role)])),
        ctx.t(
            "Language: {language}",
            language=language_name(language, ctx.locale)
            if language
            else ctx.t("{language}, from your platform settings", language=language_name(ctx.locale, ctx.locale)),
        ),
    ]
    return Response(replies=[Reply(text=ctx.t("Your profile"), sections=[Section(text="\n".join(lines))])])


def register(registry: Registry) -> None:
    async def profile(ctx: Context, args: Args) -> Response:
        if args.sub == "city":
            member = ctx.services.members.set_city(ctx.actor, args.text("name"))
            city = ctx.services.cities.get(member.city_id or 0)
            return Response.text(ctx.t("Your city is now {city}.", city=city.name if city else args.text("name")))
        return describe(ctx)

    async def role(ctx: Context, args: Args) -> Response:
        target = mentioned_user(ctx, args.text("person"))
        new_role = Role(args.text("role"))
        ctx.services.members.set_role(target, new_role)
        if args.text("city"):
            ctx.services.members.set_city(target, args.text("city"))
        return Response.text(
            ctx.t("{person} is now {role}.", person=args.text("person"), role=ctx.t(ROLE_LABELS[new_role])),
            ephemeral=True,
        )

    registry.add(
        Command(
            name="profile",
            description=N_("See your city, role and language, or set your city."),
            handler=profile,
            default_sub="show",
            subcommands=(
                Subcommand("show", N_("See your city, role and language.")),
                Subcommand(
                    "city",
                    N_("Set the city you work for."),
                    options=(Option("name", N_("The city's name"), required=True, rest=True),),
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="role",
            description=N_("Give someone a role: member, coordinator or ICC team."),
            handler=role,
            min_role=Role.icc_team,
            options=(
                Option("person", N_("The person (mention them)"), required=True),
                Option("role", N_("member, coordinator or icc_team"), kind=OptionKind.choice, required=True,
                       choices=tuple(r.value for r in Role)),
                Option("city", N_("Their city (optional)"), rest=True),
            ),
        )
    )


__all__ = ["register", "mentioned_user", "SUPPORTED_LOCALES"]
