"""`/city`: a city's profile (mission, mayor, coordinators and how to reach them, languages, time zone, clusters,
practices, ICC Index); `/city edit`: its coordinators and the ICC team change it; and the welcome's "Choose my
city"."""

from __future__ import annotations

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_, language_name
from bot.messages import Button, ButtonStyle, Choice, FieldKind, Form, FormField, Reply, Response, Section
from bot.models import City, Member
from bot.models.practices import THEMES
from bot.regions import region_name
from bot.registry import Args, Command, FormSpec, Option, Registry, Subcommand
from bot.services.cities import (
    CONTACT_LIMIT,
    DESCRIPTION_LIMIT,
    MAYOR_LIMIT,
    MISSION_LIMIT,
    URL_LIMIT,
    clean_index_score,
    clean_index_year,
    clean_time_zone,
    clean_url,
)
from bot.services.clusters.channels import platform_label
from bot.services.clusters.service import clean_languages, clean_themes
from bot.services.onboarding import CITY_ACTION
from bot.services.practice_rules import THEME_LABELS
from commands.cluster import checked, joined

EDIT_FORM = "city-edit"
CHOOSE_FORM = "city-choose"
#: The button under a profile that opens the edit form (value: the city's id).
EDIT_ACTION = "city-edit"


def city_named(ctx: Context, named: str) -> City:
    """The city named, else the person's own; a clear message when there is neither."""
    if named.strip():
        return ctx.services.cities.resolve(named)
    own = ctx.services.cities.get(ctx.member.city_id) if ctx.member.city_id is not None else None
    if own is None:
        raise UserError("Which city? Give its name: /city <name>. Set your own with /profile city <name>.",
                        field="city")
    return own


def _person(member: Member) -> str:
    return f"{member.display_name or member.user_id} ({platform_label(member.platform)})"


async def show(ctx: Context, args: Args) -> Response:
    """A city's profile (the person's own city when none is named)."""
    services = ctx.services
    city = city_named(ctx, args.text("city"))
    profile = services.profiles.profile(city)
    no = ctx.t("not given yet")
    index = (ctx.t("{year}: {score}/100", year=city.index_year, score=city.index_score)
             if city.index_year and city.index_score is not None else ctx.t("not taken yet"))
    lines = [
        ctx.t("Mayor: {name}", name=city.mayor or no),
        ctx.t("Coordinators: {people}", people=joined(_person(m) for m in profile.coordinators)),
        ctx.t("Contact: {contact}", contact=city.contact or no),
        ctx.t("Languages: {languages}", languages=joined(language_name(c, ctx.locale) for c in city.language_list)),
        ctx.t("Time zone: {zone}", zone=city.time_zone),
        ctx.t("Region: {region}", region=region_name(city.region, ctx.locale) if city.region else no),
        ctx.t("Themes: {themes}", themes=joined(ctx.t(THEME_LABELS[t]) for t in city.theme_list if t in THEME_LABELS)),
        ctx.t("Clusters: {clusters}", clusters=joined(c.name for c in profile.clusters)),
        ctx.t("ICC Index: {index}", index=index),
        ctx.t("Intercultural profile: {link}", link=city.profile_url or no),
    ]
    sections = []
    if city.profile:
        sections.append(Section(text=city.profile))
    if city.mission:
        sections.append(Section(text=city.mission, title=ctx.t("Mission")))
    sections.append(Section(text="\n".join(lines), title=city.name))
    if profile.coordinators:
        sections.append(Section(text=ctx.t("Write to its coordinators directly on their platform.")))
    practices = "\n".join(f"• {p.title}" for p in profile.practices) or ctx.t(
        "None yet. Its coordinators share one with /share-practice.")
    sections.append(Section(text=practices, title=ctx.tn("{n} practice shared", "{n} practices shared",
                                                         profile.practice_count)))
    buttons = []
    if services.profiles.may_edit(ctx.member, city):
        buttons.append(Button(EDIT_ACTION, ctx.t("Edit the profile"), str(city.id), ButtonStyle.primary))
    country = f" ({city.country})" if city.country else ""
    return Response(replies=[Reply(text=city.name + country, sections=sections, buttons=buttons)])


# ---------------------------------------------------------------- editing


def build_edit_form(ctx: Context, state: str = "") -> Form:
    city = ctx.services.cities.get(int(state)) if state.isdigit() else None
    if city is None:
        raise UserError("This city no longer exists.")
    ctx.services.profiles.check_may_edit(ctx.member, city)
    now = ctx.services.clock.now()
    fields = [
        FormField(name="profile", label=ctx.t("Description"), kind=FieldKind.long_text, required=False,
                  max_length=DESCRIPTION_LIMIT, initial=city.profile),
        FormField(name="mission", label=ctx.t("Mission statement"), kind=FieldKind.long_text, required=False,
                  max_length=MISSION_LIMIT, initial=city.mission),
        FormField(name="mayor", label=ctx.t("Mayor"), required=False, max_length=MAYOR_LIMIT, initial=city.mayor),
        FormField(name="contact", label=ctx.t("How to reach the city's intercultural office"), required=False,
                  max_length=CONTACT_LIMIT, initial=city.contact,
                  hint=ctx.t("A public address or page of the office, not a person's own.")),
        FormField(name="languages", label=ctx.t("Languages"), initial=", ".join(city.language_list),
                  hint=ctx.t("Language codes separated by commas, like pt, es, uk."),
                  validate=checked(ctx, clean_languages)),
        FormField(name="time_zone", label=ctx.t("Time zone"), initial=city.time_zone,
                  hint=ctx.t("Like Europe/Lisbon."), validate=checked(ctx, clean_time_zone)),
        FormField(name="themes", label=ctx.t("Themes the city works on"), kind=FieldKind.multi_choice,
                  required=False, choices=[Choice(theme, ctx.t(THEME_LABELS[theme])) for theme in THEMES],
                  initial=",".join(city.theme_list), validate=checked(ctx, clean_themes)),
        FormField(name="index_year", label=ctx.t("Year of the latest ICC Index"), required=False, max_length=4,
                  initial=str(city.index_year or ""),
                  validate=checked(ctx, lambda value: clean_index_year(value, now=now))),
        FormField(name="index_score", label=ctx.t("ICC Index score (0-100)"), required=False, max_length=3,
                  initial="" if city.index_score is None else str(city.index_score),
                  validate=checked(ctx, clean_index_score)),
        FormField(name="profile_url", label=ctx.t("Intercultural profile (link)"), required=False,
                  max_length=URL_LIMIT, initial=city.profile_url, validate=checked(ctx, clean_url)),
    ]
    return Form(form_id=EDIT_FORM, title=ctx.t("Profile of {city}", city=city.name)[:60],
                submit_label=ctx.t("Save"), state=str(city.id), fields=fields)


async def open_edit(ctx: Context, args: Args) -> Response:
    city = city_named(ctx, args.text("city"))
    ctx.services.profiles.check_may_edit(ctx.member, city)
    return Response(form=build_edit_form(ctx, str(city.id)))


async def edit_button(ctx: Context, value: str) -> Response:
    return Response(form=build_edit_form(ctx, value))


async def submit_edit(ctx: Context, values: dict[str, str], state: str) -> Response:
    city = ctx.services.cities.get(int(state)) if state.isdigit() else None
    if city is None:
        raise UserError("This city no longer exists.")
    saved = ctx.services.profiles.update(city, values, by=ctx.member)
    return Response.text(ctx.t("The profile of {city} is saved. /city {city} shows it.", city=saved.name))


# ---------------------------------------------------------------- the welcome's "Choose my city"


def build_choose_form(ctx: Context, state: str = "") -> Form:
    own = ctx.services.cities.get(ctx.member.city_id) if ctx.member.city_id is not None else None
    return Form(form_id=CHOOSE_FORM, title=ctx.t("Your city"), submit_label=ctx.t("Save"), fields=[
        FormField(name="city", label=ctx.t("The city you work for"), max_length=120, initial=own.name if own else "",
                  validate=checked(ctx, ctx.services.cities.resolve)),
    ])


async def choose_button(ctx: Context, value: str) -> Response:
    return Response(form=build_choose_form(ctx))


async def submit_choose(ctx: Context, values: dict[str, str], state: str) -> Response:
    member = ctx.services.members.set_city(ctx.actor, values.get("city", ""))
    city = ctx.services.cities.get(member.city_id or 0)
    name = city.name if city else values.get("city", "")
    return Response.text(ctx.t("Your city is now {city}. /city shows its profile; if you coordinate its "
                               "intercultural work, /request-role coordinator asks the ICC team for the role.",
                               city=name))


def _named() -> Option:
    return Option("city", N_("A city (yours when not given)"), rest=True)


def register(registry: Registry) -> None:
    registry.add(Command(
        name="city",
        description=N_("A city's profile: mission, mayor, coordinators, languages, clusters, practices, ICC Index."),
        default_sub="show",
        default_takes_words=True,
        subcommands=(
            Subcommand("show", N_("See a city's profile."), handler=show, options=(_named(),)),
            Subcommand("edit", N_("Change a city's profile (its coordinators and the ICC team)."), handler=open_edit,
                       options=(_named(),)),
        ),
    ))
    registry.add_form(FormSpec(EDIT_FORM, build=build_edit_form, submit=submit_edit))
    registry.add_form(FormSpec(CHOOSE_FORM, build=build_choose_form, submit=submit_choose))
    registry.add_action(EDIT_ACTION, edit_button)
    registry.add_action(CITY_ACTION, choose_button)
