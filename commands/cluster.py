"""`/cluster`: the network's clusters — list, see, join and leave them, propose or create one, edit its
priorities, link its channels, choose its coordinators and send its yearly report."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from bot.context import Context, user_error_text
from bot.errors import UserError
from bot.i18n import N_
from bot.messages import Button, ButtonStyle, Choice, FieldKind, Form, FormField, Reply, Response, Section, Validator
from bot.models import City, Cluster, ClusterChannel, ClusterKind, ClusterStatus, Role
from bot.models.practices import THEMES
from bot.registry import Args, Command, FormSpec, Option, OptionKind, Registry, Subcommand
from bot.services.clusters.channels import STATE_NOTES, ChannelNote, platform_label
from bot.services.clusters.proposals import DECIDE_ACTION
from bot.services.clusters.reports import ANSWER_LIMIT, QUESTIONS, REPORT_ACTION
from bot.services.clusters.service import (
    DESCRIPTION_LIMIT,
    KIND_LABELS,
    NAME_LIMIT,
    STATUS_LABELS,
    ClusterDraft,
    clean_channel,
    clean_description,
    clean_languages,
    clean_name,
    clean_priorities,
    clean_themes,
)
from bot.services.practice_rules import THEME_LABELS

CREATE_FORM = "cluster-create"
EDIT_FORM = "cluster-edit"
REPORT_FORM = "cluster-report"
#: The button under /cluster priorities that opens the edit form (value: the cluster's id).
EDIT_ACTION = "cluster-edit"


def checked(ctx: Context, rule: Callable[[str], object]) -> Validator:
    """A form validator from a service rule: its `UserError` in the person's language, or None."""

    def validate(value: str) -> str | None:
        try:
            rule(value)
        except UserError as error:
            return user_error_text(error, ctx.locale)
        return None

    return validate


def joined(items: Iterable[str]) -> str:
    """Names separated by commas, or a dash for none."""
    return ", ".join(items) or "—"


def channel_list(rows: Iterable[ClusterChannel]) -> str:
    return joined(f"#{row.name or row.channel_id} ({platform_label(row.platform)})" for row in rows)


def notes_text(ctx: Context, notes: list[ChannelNote]) -> list[str]:
    return [ctx.t(STATE_NOTES[note.state], channel=note.name, platform=platform_label(note.platform))
            for note in notes]


def cluster_line(ctx: Context, cluster: Cluster, cities: int) -> str:
    kind = ctx.t(KIND_LABELS[ClusterKind(cluster.kind)])
    line = ctx.tn("{name} ({slug}) — {kind}, {n} city", "{name} ({slug}) — {kind}, {n} cities", cities,
                  name=cluster.name, slug=cluster.slug, kind=kind)
    if ClusterStatus(cluster.status) is ClusterStatus.proposed:
        line += " — " + ctx.t(STATUS_LABELS[ClusterStatus.proposed])
    return line


# ---------------------------------------------------------------- reading


async def list_clusters(ctx: Context, args: Args) -> Response:
    """Every cluster (thematic or regional), with how many cities take part."""
    kind = args.text("kind")
    counts = ctx.services.clusters.city_counts()
    clusters = [c for c in ctx.services.clusters.all(include_waiting=True) if not kind or c.kind == kind]
    if not clusters:
        return Response.text(ctx.t("There are no clusters yet. A city coordinator can propose one with "
                                   "/cluster create."))
    lines = [f"• {cluster_line(ctx, c, counts.get(c.id or 0, 0))}" for c in clusters]
    return Response(replies=[Reply(text=ctx.t("Clusters of the network"), sections=[Section(text="\n".join(lines))])])


async def info(ctx: Context, args: Args) -> Response:
    """A cluster: what it is, its cities, coordinators, languages, priorities and channels."""
    services = ctx.services
    cluster = services.clusters.resolve(args.text("cluster"))
    assert cluster.id is not None
    cities = services.clusters.cities(cluster.id)
    coordinators = services.clusters.coordinators(cluster.id)
    lines = [
        ctx.t("Kind: {kind}", kind=ctx.t(KIND_LABELS[ClusterKind(cluster.kind)])),
        ctx.t("Status: {status}", status=ctx.t(STATUS_LABELS[ClusterStatus(cluster.status)])),
        ctx.t("Cities: {cities}", cities=joined(c.name for c in cities)),
        ctx.t("Cluster coordinators: {people}", people=joined(p.display_name or p.user_id for p in coordinators)),
        ctx.t("Languages: {languages}", languages=joined(cluster.language_list)),
        ctx.t("Themes: {themes}",
              themes=joined(ctx.t(THEME_LABELS[t]) for t in cluster.theme_list if t in THEME_LABELS)),
    ]
    channels = services.cluster_channels.channels(cluster.id)
    if channels:
        lines.append(ctx.t("Channels: {channels}", channels=channel_list(channels)))
    priorities = services.clusters.priorities(cluster.id)
    sections = [Section(text="\n".join(lines), title=cluster.name)]
    if cluster.description:
        sections.insert(0, Section(text=cluster.description))
    if priorities:
        sections.append(Section(text="\n".join(f"{n}. {p}" for n, p in enumerate(priorities, 1)),
                                title=ctx.t("Priorities")))
    notes = notes_text(ctx, services.cluster_channels.notes(cluster.id))
    if notes:
        sections.append(Section(text="\n".join(notes)))
    buttons = []
    if ClusterStatus(cluster.status) is ClusterStatus.proposed and ctx.member.role == Role.icc_team:
        buttons = [Button(DECIDE_ACTION, ctx.t("Approve"), f"approve:{cluster.id}", ButtonStyle.primary),
                   Button(DECIDE_ACTION, ctx.t("Decline"), f"decline:{cluster.id}", ButtonStyle.danger)]
    return Response(replies=[Reply(text=cluster.name, sections=sections, buttons=buttons)])


async def members(ctx: Context, args: Args) -> Response:
    """The cities of a cluster and, for each, the coordinators the bot knows."""
    services = ctx.services
    cluster = services.clusters.resolve(args.text("cluster"))
    assert cluster.id is not None
    people = services.clusters.people(cluster.id)
    lines = []
    for city in services.clusters.cities(cluster.id):
        names = [p.display_name or p.user_id for p in people if p.city_id == city.id and p.role == Role.coordinator]
        lines.append(f"• {city.name}" + (f" — {', '.join(names)}" if names else ""))
    if not lines:
        return Response.text(ctx.t("No city is in {name} yet. A coordinator can bring theirs with /cluster join "
                                   "{slug}.", name=cluster.name, slug=cluster.slug))
    coordinators = services.clusters.coordinators(cluster.id)
    text = ctx.t("Cities in {name}", name=cluster.name)
    sections = [Section(text="\n".join(lines))]
    if coordinators:
        sections.append(Section(text=", ".join(p.display_name or p.user_id for p in coordinators),
                                title=ctx.t("Cluster coordinators")))
    return Response(replies=[Reply(text=text, sections=sections)])


async def priorities(ctx: Context, args: Args) -> Response:
    """A cluster's priorities; its coordinators (and the ICC team) get a button to change them."""
    services = ctx.services
    cluster = services.clusters.resolve(args.text("cluster"))
    found = services.clusters.priorities(cluster.id or 0)
    text = "\n".join(f"{n}. {p}" for n, p in enumerate(found, 1)) or ctx.t("No priorities set yet.")
    buttons = []
    if services.clusters.may_edit(ctx.member, cluster):
        buttons.append(Button(EDIT_ACTION, ctx.t("Edit the cluster and its priorities"), str(cluster.id)))
    return Response(replies=[Reply(text=ctx.t("Priorities of {name}", name=cluster.name),
                                   sections=[Section(text=text)], buttons=buttons)])


# ---------------------------------------------------------------- joining and leaving


def _city_option(ctx: Context, args: Args) -> City:
    named = args.text("city")
    city = ctx.services.cities.resolve(named) if named else None
    return ctx.services.clusters.city_acting_for(ctx.member, city)


async def join(ctx: Context, args: Args) -> Response:
    """Bring your city (the ICC team: any city) into a cluster; its people are let into its channels."""
    services = ctx.services
    cluster = services.clusters.active(args.text("cluster"))
    city = _city_option(ctx, args)
    services.clusters.join(cluster, city)
    notes = await services.cluster_channels.provision(cluster)
    lines = [ctx.t("{city} joined {name}.", city=city.name, name=cluster.name)]
    channels = services.cluster_channels.channels(cluster.id or 0)
    if channels:
        lines.append(ctx.t("Its channels: {channels}.", channels=channel_list(channels)))
    return Response.text("\n".join(lines + notes_text(ctx, notes)))


async def leave(ctx: Context, args: Args) -> Response:
    """Take your city (the ICC team: any city) out of a cluster; its people leave its channels."""
    services = ctx.services
    cluster = services.clusters.resolve(args.text("cluster"))
    city = _city_option(ctx, args)
    services.clusters.leave(cluster, city)
    notes = await services.cluster_channels.provision(cluster)
    return Response.text("\n".join([ctx.t("{city} left {name}.", city=city.name, name=cluster.name)]
                                   + notes_text(ctx, notes)))


# ---------------------------------------------------------------- creating and editing


def _cluster_fields(ctx: Context, cluster: Cluster | None) -> list[FormField]:
    priorities = ctx.services.clusters.priorities(cluster.id or 0) if cluster is not None else []
    return [
        FormField(name="name", label=ctx.t("Name"), max_length=NAME_LIMIT, initial=cluster.name if cluster else "",
                  validate=checked(ctx, clean_name)),
        FormField(name="kind", label=ctx.t("Kind"), kind=FieldKind.choice,
                  choices=[Choice(k.value, ctx.t(KIND_LABELS[k])) for k in ClusterKind],
                  initial=cluster.kind if cluster else ClusterKind.thematic.value),
        FormField(name="description", label=ctx.t("Description"), kind=FieldKind.long_text, required=False,
                  max_length=DESCRIPTION_LIMIT, initial=cluster.description if cluster else "",
                  validate=checked(ctx, clean_description)),
        FormField(name="languages", label=ctx.t("Working languages"), required=False,
                  hint=ctx.t("Language codes separated by commas, like pt, es, uk."),
                  initial=", ".join(cluster.language_list) if cluster else "",
                  validate=checked(ctx, clean_languages)),
        FormField(name="themes", label=ctx.t("Themes"), kind=FieldKind.multi_choice, required=False,
                  choices=[Choice(theme, ctx.t(THEME_LABELS[theme])) for theme in THEMES],
                  initial=",".join(cluster.theme_list) if cluster else "", validate=checked(ctx, clean_themes)),
        FormField(name="priorities", label=ctx.t("Priorities"), kind=FieldKind.long_text, required=False,
                  hint=ctx.t("One per line."), initial="\n".join(priorities),
                  validate=checked(ctx, clean_priorities)),
    ]


def build_create_form(ctx: Context, state: str = "") -> Form:
    fields = _cluster_fields(ctx, None)
    fields.append(FormField(name="channel", label=ctx.t("Channel name"), required=False, max_length=80,
                            hint=ctx.t("Lower-case letters, digits, - and _; the cluster's short name when empty."),
                            validate=checked(ctx, clean_channel)))
    if ctx.member.role == Role.icc_team:
        fields.append(FormField(name="cities", label=ctx.t("Cities"), required=False,
                                hint=ctx.t("The cities taking part, separated by commas."),
                                validate=checked(ctx, lambda value: _cities(ctx, value))))
    title = ctx.t("New cluster") if ctx.member.role == Role.icc_team else ctx.t("Propose a cluster")
    return Form(form_id=CREATE_FORM, title=title, submit_label=ctx.t("Send"), state=state, fields=fields)


def _cities(ctx: Context, value: str) -> list[City]:
    return [ctx.services.cities.resolve(name) for name in value.split(",") if name.strip()]


def _draft(values: dict[str, str]) -> ClusterDraft:
    return ClusterDraft(
        name=clean_name(values.get("name", "")), kind=ClusterKind(values.get("kind") or ClusterKind.thematic),
        description=clean_description(values.get("description", "")),
        languages=clean_languages(values.get("languages", "")), themes=clean_themes(values.get("themes", "")),
        priorities=clean_priorities(values.get("priorities", "")),
        channel_name=clean_channel(values.get("channel", "")),
        mirror_reactions=values.get("reactions", "no") == "yes",
    )


async def open_create(ctx: Context, args: Args) -> Response:
    return Response(form=build_create_form(ctx))


async def submit_create(ctx: Context, values: dict[str, str], state: str) -> Response:
    """The ICC team's cluster works at once; a coordinator's waits for the ICC team."""
    cities = _cities(ctx, values.get("cities", "")) if ctx.member.role == Role.icc_team else []
    cluster, notes = await ctx.services.cluster_proposals.create(_draft(values), by=ctx.member, cities=cities)
    if ClusterStatus(cluster.status) is ClusterStatus.proposed:
        return Response.text(ctx.t("Thank you! Your cluster {name} is proposed; the ICC team will approve or decline "
                                   "it, and I will tell you.", name=cluster.name))
    lines = [ctx.t("The cluster {name} ({slug}) is created.", name=cluster.name, slug=cluster.slug)]
    return Response.text("\n".join(lines + notes_text(ctx, notes)))


def build_edit_form(ctx: Context, state: str = "") -> Form:
    cluster = ctx.services.clusters.get(int(state)) if state.isdigit() else None
    if cluster is None:
        raise UserError("This cluster no longer exists.")
    ctx.services.clusters.check_may_edit(ctx.member, cluster)
    fields = _cluster_fields(ctx, cluster)
    fields.append(FormField(name="reactions", label=ctx.t("Carry reactions across platforms"), kind=FieldKind.choice,
                            required=False,
                            choices=[Choice("yes", ctx.t("yes")), Choice("no", ctx.t("no"))],
                            initial="yes" if cluster.mirror_reactions else "no"))
    return Form(form_id=EDIT_FORM, title=ctx.t("Edit {name}", name=cluster.name)[:60], submit_label=ctx.t("Save"),
                state=str(cluster.id), fields=fields)


async def open_edit(ctx: Context, args: Args) -> Response:
    cluster = ctx.services.clusters.resolve(args.text("cluster"))
    ctx.services.clusters.check_may_edit(ctx.member, cluster)
    return Response(form=build_edit_form(ctx, str(cluster.id)))


async def edit_button(ctx: Context, value: str) -> Response:
    cluster = ctx.services.clusters.get(int(value)) if value.isdigit() else None
    if cluster is None:
        raise UserError("This cluster no longer exists.")
    ctx.services.clusters.check_may_edit(ctx.member, cluster)
    return Response(form=build_edit_form(ctx, str(cluster.id)))


async def submit_edit(ctx: Context, values: dict[str, str], state: str) -> Response:
    cluster = ctx.services.clusters.get(int(state)) if state.isdigit() else None
    if cluster is None:
        raise UserError("This cluster no longer exists.")
    updated = ctx.services.clusters.update(cluster, _draft(values), by=ctx.member)
    notes = await ctx.services.cluster_channels.provision(updated)
    return Response.text("\n".join([ctx.t("{name} is saved.", name=updated.name)] + notes_text(ctx, notes)))


# ---------------------------------------------------------------- the ICC team's decision


async def decide(ctx: Context, value: str) -> Response:
    """Approve or Decline under a proposal (value `approve:<id>` / `decline:<id>`)."""
    ctx.require(Role.icc_team)
    verdict, _, number = value.partition(":")
    if verdict not in ("approve", "decline") or not number.isdigit():
        return Response.text(ctx.t("This button is no longer in use."))
    cluster, decided, notes = await ctx.services.cluster_proposals.decide(int(number), approve=verdict == "approve",
                                                                          by=ctx.member)
    if not decided:
        return Response.text(ctx.t("{name} was already decided: it is {status}.", name=cluster.name,
                                   status=ctx.t(STATUS_LABELS[ClusterStatus(cluster.status)])))
    if verdict == "approve":
        lines = [ctx.t("{name} is approved; its proposer coordinates it and was told.", name=cluster.name)]
        return Response.text("\n".join(lines + notes_text(ctx, notes)))
    return Response.text(ctx.t("{name} is declined; its proposer was told.", name=cluster.name))


# ---------------------------------------------------------------- channels and coordinators


async def link(ctx: Context, args: Args) -> Response:
    """Make this channel (or the one named) the cluster's channel on this platform."""
    services = ctx.services
    cluster = services.clusters.resolve(args.text("cluster"))
    named = args.named("channel")
    channel = named.identity if named is not None else ctx.channel
    name = named.name if named is not None else ""
    await services.cluster_channels.link(cluster, channel, name, by=ctx.member)
    notes = services.cluster_channels.notes(cluster.id or 0)
    return Response.text("\n".join([ctx.t("This is now a channel of {name}: its members are let in, and it is one "
                                          "conversation with the cluster's channels on the other platforms.",
                                          name=cluster.name)] + notes_text(ctx, notes)))


async def coordinator(ctx: Context, args: Args) -> Response:
    """The ICC team makes someone a coordinator of a cluster (or, `remove`, no longer)."""
    services = ctx.services
    cluster = services.clusters.resolve(args.text("cluster"))
    person = services.members.get_or_create(args.person("person"))
    name = args.text("person")
    assert cluster.id is not None and person.id is not None
    if args.text("action") == "remove":
        if not services.clusters.remove_coordinator(cluster.id, person.id):
            raise UserError("{person} does not coordinate {name}.", person=name, name=cluster.name)
        return Response.text(ctx.t("{person} no longer coordinates {name}.", person=name, name=cluster.name))
    if not services.clusters.add_coordinator(cluster.id, person.id):
        raise UserError("{person} already coordinates {name}.", person=name, name=cluster.name)
    return Response.text(ctx.t("{person} now coordinates {name}.", person=name, name=cluster.name))


# ---------------------------------------------------------------- the yearly report


def build_report_form(ctx: Context, state: str = "") -> Form:
    cluster_id, _, year = state.partition(":")
    cluster = ctx.services.clusters.get(int(cluster_id)) if cluster_id.isdigit() else None
    if cluster is None or not year.isdigit():
        raise UserError("This cluster no longer exists.")
    ctx.services.clusters.check_may_edit(ctx.member, cluster)
    report = ctx.services.cluster_reports.get(cluster.id or 0, int(year))
    answers = {} if report is None else json.loads(report.answers)
    fields = [FormField(name=key, label=ctx.t(question), kind=FieldKind.long_text, required=required,
                        max_length=ANSWER_LIMIT, initial=answers.get(key, ""))
              for key, question, required in QUESTIONS]
    return Form(form_id=REPORT_FORM, title=ctx.t("Report {year}", year=year), submit_label=ctx.t("Send"),
                state=f"{cluster.id}:{year}", fields=fields)


async def open_report(ctx: Context, args: Args) -> Response:
    cluster = ctx.services.clusters.active(args.text("cluster"))
    ctx.services.clusters.check_may_edit(ctx.member, cluster)
    year = args.integer("year") or ctx.services.clock.now().year
    return Response(form=build_report_form(ctx, f"{cluster.id}:{year}"))


async def report_button(ctx: Context, value: str) -> Response:
    cluster_id, _, year = value.partition(":")
    cluster = ctx.services.clusters.get(int(cluster_id)) if cluster_id.isdigit() else None
    if cluster is None or not year.isdigit():
        return Response.text(ctx.t("This button is no longer in use."))
    ctx.services.clusters.check_may_edit(ctx.member, cluster)
    return Response(form=build_report_form(ctx, value))


async def submit_report(ctx: Context, values: dict[str, str], state: str) -> Response:
    cluster_id, _, year = state.partition(":")
    cluster = ctx.services.clusters.get(int(cluster_id)) if cluster_id.isdigit() else None
    if cluster is None or not year.isdigit():
        raise UserError("This cluster no longer exists.")
    ctx.services.cluster_reports.submit(cluster, int(year), values, by=ctx.member)
    return Response.text(ctx.t("Thank you! The report of {name} for {year} is with the ICC team.", name=cluster.name,
                               year=year))


async def reports(ctx: Context, args: Args) -> Response:
    """The ICC team reads every cluster's report of a year in one place (and sees which are missing)."""
    year = args.integer("year") or ctx.services.clock.now().year
    sections = []
    missing = []
    for found in ctx.services.cluster_reports.of_year(year):
        if found.report is None:
            missing.append(found.cluster.name)
            continue
        answers = found.answers()
        text = "\n".join(f"{ctx.t(question)}\n{answers.get(key) or '—'}" for key, question, _ in QUESTIONS)
        sections.append(Section(text=text, title=found.cluster.name))
    if missing:
        sections.append(Section(text=", ".join(missing), title=ctx.t("Not sent yet")))
    return Response(replies=[Reply(text=ctx.t("Cluster reports of {year}", year=year), sections=sections)])


# ---------------------------------------------------------------- declaring it


def _cluster(description: str = N_("The cluster (its short name or its name)")) -> Option:
    return Option("cluster", description, required=True, rest=True)


def register(registry: Registry) -> None:
    registry.add(Command(
        name="cluster",
        description=N_("The network's clusters: see, join, leave, propose, edit and report."),
        default_sub="list",
        subcommands=(
            Subcommand("list", N_("Every cluster, with its cities."), handler=list_clusters, options=(
                Option("kind", N_("thematic or regional"), kind=OptionKind.choice,
                       choices=tuple(k.value for k in ClusterKind)),)),
            Subcommand("info", N_("A cluster: its cities, coordinators, priorities and channels."), handler=info,
                       options=(_cluster(),)),
            Subcommand("members", N_("The cities of a cluster and their coordinators."), handler=members,
                       options=(_cluster(),)),
            Subcommand("priorities", N_("A cluster's priorities."), handler=priorities, options=(_cluster(),)),
            Subcommand("join", N_("Bring your city into a cluster."), handler=join, min_role=Role.coordinator,
                       options=(_cluster(), Option("city", N_("A city (the ICC team only)")))),
            Subcommand("leave", N_("Take your city out of a cluster."), handler=leave, min_role=Role.coordinator,
                       options=(_cluster(), Option("city", N_("A city (the ICC team only)")))),
            Subcommand("create", N_("Propose a cluster (the ICC team: create it)."), handler=open_create,
                       min_role=Role.coordinator),
            Subcommand("edit", N_("Change a cluster and its priorities (its coordinators)."), handler=open_edit,
                       options=(_cluster(),)),
            Subcommand("link", N_("Make this channel the cluster's channel on this platform."), handler=link,
                       options=(Option("cluster", N_("The cluster (its short name or its name)"), required=True),
                                Option("channel", N_("Another channel (optional)"), kind=OptionKind.channel))),
            Subcommand("coordinator", N_("Make someone a coordinator of a cluster (the ICC team)."),
                       handler=coordinator, min_role=Role.icc_team, options=(
                           Option("cluster", N_("The cluster (its short name or its name)"), required=True),
                           Option("person", N_("The person"), kind=OptionKind.person, required=True),
                           Option("action", N_("add or remove"), kind=OptionKind.choice,
                                  choices=("add", "remove")))),
            Subcommand("report", N_("Write a cluster's yearly report (its coordinators)."), handler=open_report,
                       options=(Option("cluster", N_("The cluster (its short name or its name)"), required=True),
                                Option("year", N_("The year (this year when not given)"), kind=OptionKind.integer,
                                       min_value=2000, max_value=2100))),
            Subcommand("reports", N_("Every cluster's yearly report (the ICC team)."), handler=reports,
                       min_role=Role.icc_team, options=(
                           Option("year", N_("The year (this year when not given)"), kind=OptionKind.integer,
                                  min_value=2000, max_value=2100),)),
        ),
    ))
    registry.add_form(FormSpec(CREATE_FORM, build=build_create_form, submit=submit_create, min_role=Role.coordinator))
    registry.add_form(FormSpec(EDIT_FORM, build=build_edit_form, submit=submit_edit))
    registry.add_form(FormSpec(REPORT_FORM, build=build_report_form, submit=submit_report))
    registry.add_action(DECIDE_ACTION, decide)
    registry.add_action(EDIT_ACTION, edit_button)
    registry.add_action(REPORT_ACTION, report_button)
