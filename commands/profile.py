"""`/profile`: see your profile (or someone's), set your city; `/role`: the ICC team says who coordinates a city."""

from __future__ import annotations

from bot.context import ROLE_LABELS, Context
from bot.i18n import N_, language_name
from bot.messages import Reply, Response, Section
from bot.models import Member, Role
from bot.registry import Args, Command, Option, OptionKind, Registry, Subcommand


def describe(ctx: Context) -> Response:
    """The person's own city, role and language."""
    member = ctx.member
    language = member.preferred_language
    lines = [
        city_line(ctx, member),
        ctx.t("Role: {role}", role=ctx.t(ROLE_LABELS[Role(member.role)])),
        ctx.t(
            "Language: {language}",
            language=language_name(language, ctx.locale)
            if language
            else ctx.t("{language}, from your platform settings", language=language_name(ctx.locale, ctx.locale)),
        ),
    ]
    return Response(replies=[Reply(text=ctx.t("Your profile"), sections=[Section(text="\n".join(lines))])])


def city_line(ctx: Context, member: Member) -> str:
    city = ctx.services.cities.get(member.city_id) if member.city_id else None
    return ctx.t("City: {city}", city=city.name if city else ctx.t("not set (use /profile city <name>)"))


async def show(ctx: Context, args: Args) -> Response:
    """Your profile, or the profile of the person named: city, role, and the language they chose."""
    mention = args.named("person")
    if mention is None or mention.identity == ctx.actor:
        return describe(ctx)
    member = ctx.services.members.find(mention.identity)
    name = member.display_name if member is not None and member.display_name else str(mention)
    if member is None:
        return Response.text(ctx.t("{person} has not used ICC Bot yet: there is no profile to show.", person=name))
    city = ctx.services.cities.get(member.city_id) if member.city_id else None
    lines = [
        ctx.t("City: {city}", city=city.name if city else ctx.t("not set")),
        ctx.t("Role: {role}", role=ctx.t(ROLE_LABELS[Role(member.role)])),
    ]
    if member.preferred_language:
        lines.append(ctx.t("Language: {language}", language=language_name(member.preferred_language, ctx.locale)))
    return Response(replies=[Reply(text=ctx.t("Profile of {person}", person=name),
                                   sections=[Section(text="\n".join(lines))])])


async def set_city(ctx: Context, args: Args) -> Response:
    """Say which city you work for."""
    member = ctx.services.members.set_city(ctx.actor, args.text("name"))
    city = ctx.services.cities.get(member.city_id or 0)
    return Response.text(ctx.t("Your city is now {city}.", city=city.name if city else args.text("name")))


async def give_role(ctx: Context, args: Args) -> Response:
    """The ICC team gives someone a role (and, optionally, their city)."""
    target = args.person("person")
    new_role = Role(args.text("role"))
    ctx.services.members.set_role(target, new_role)
    if args.text("city"):
        ctx.services.members.set_city(target, args.text("city"))
    return Response.text(ctx.t("{person} is now {role}.", person=args.text("person"),
                               role=ctx.t(ROLE_LABELS[new_role])))


def register(registry: Registry) -> None:
    registry.add(
        Command(
            name="profile",
            description=N_("See your city, role and language, or set your city."),
            default_sub="show",
            subcommands=(
                Subcommand(
                    "show",
                    N_("See your city, role and language (or someone else's city and role)."),
                    handler=show,
                    options=(Option("person", N_("Someone else (optional)"), kind=OptionKind.person),),
                ),
                Subcommand(
                    "city",
                    N_("Set the city you work for."),
                    handler=set_city,
                    options=(Option("name", N_("The city's name"), required=True, rest=True),),
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="role",
            description=N_("Give someone a role: member, coordinator or ICC team."),
            handler=give_role,
            min_role=Role.icc_team,
            options=(
                Option("person", N_("The person"), kind=OptionKind.person, required=True),
                Option("role", N_("member, coordinator or icc_team"), kind=OptionKind.choice, required=True,
                       choices=tuple(r.value for r in Role)),
                Option("city", N_("Their city (optional)"), rest=True),
            ),
        )
    )
