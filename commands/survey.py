"""`/survey`: what is open for you and what you answered; the ICC team opens, closes, follows and reads surveys."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import replace
from datetime import date

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_
from bot.messages import Attachment, Button, ButtonStyle, DirectMessage, Form, Reply, Response, Section
from bot.models import Role, SurveyState
from bot.regions import region_name
from bot.registry import Args, Command, FormSpec, Option, Registry, Subcommand
from bot.services.surveys import Surveys
from bot.services.surveys.chasing import ANSWER_ACTION, response_rates
from bot.services.surveys.definitions import text_in
from bot.services.surveys.export import Format
from bot.services.surveys.export import export as export_answers
from bot.services.surveys.questions import shown_answer
from bot.services.surveys.results import ORIGINAL_ACTION, original_text, results_reply
from bot.services.surveys.service import FORM_ID, Answered, PageErrors, PageState, standing_line

EDIT_ACTION = "survey-edit"


def surveys(ctx: Context) -> Surveys:
    feature = ctx.services.features.get("surveys")
    if not isinstance(feature, Surveys):
        raise UserError("Surveys are not available here.")
    return feature


def per_page(ctx: Context) -> int:
    """Questions per form page on this platform: a modal's inputs, or one at a time without modals."""
    capabilities = ctx.capabilities
    return capabilities.max_modal_fields if capabilities.modals and capabilities.max_modal_fields else 1


def day_option(ctx: Context, args: Args, name: str) -> date | None:
    raw = args.text(name).strip()
    if not raw or raw.lower() in ("now", "today"):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise UserError("“{value}” is not a date (write it as 2027-03-21).", value=raw[:40]) from None


# ---------------------------------------------------------------- anyone: what is open for me


async def mine(ctx: Context, args: Args) -> Response:
    feature = surveys(ctx)
    member = feature.service.respondent(ctx.member)
    standings = feature.service.standings(member)
    if not standings:
        return Response.text(ctx.t("No survey is open for you at the moment."))
    sections = []
    for standing in standings:
        survey = standing.survey
        buttons: tuple[Button, ...] = ()
        if survey.state == SurveyState.open:
            if standing.target.answered:
                buttons = (Button(f"{EDIT_ACTION}:{survey.id}", ctx.t("Edit the answer"), value=str(survey.id)),)
            else:
                label = ctx.t("Continue") if standing.target.draft else ctx.t("Answer")
                buttons = (Button(f"{ANSWER_ACTION}:{survey.id}", label, value=str(survey.id),
                                  style=ButtonStyle.primary),)
        sections.append(Section(text=standing_line(feature.service, standing, ctx.locale), buttons=buttons))
    text = ctx.t("Your surveys:")
    if not ctx.capabilities.buttons:
        text += "\n" + ctx.t("To answer, use the buttons below.")
    return Response(replies=[Reply(text=text, sections=sections)])


# ---------------------------------------------------------------- answering


async def begin(ctx: Context, value: str, *, edit: bool) -> Response:
    feature = surveys(ctx)
    service = feature.service
    survey = service.get(value)
    member = service.respondent(ctx.member)
    try:
        form = service.begin(survey, member, per_page=per_page(ctx), locale=ctx.locale, edit=edit)
    except Answered as answered:
        return Response(replies=[answered_reply(ctx, feature, survey.id or 0, answered)])
    return Response(form=form)


def answered_reply(ctx: Context, feature: Surveys, survey_id: int, answered: Answered) -> Reply:
    """Someone starts a survey their city (or they) answered: offered as an edit instead."""
    target = answered.target
    who = feature.service.member(target.answered_by)
    city = feature.service.city(target.city_id)
    if who is not None and city is not None:
        text = ctx.t("{city} has answered already ({name}). You can edit the answer until the survey closes.",
                     city=city.name, name=who.display_name or who.user_id)
    else:
        text = ctx.t("This has been answered already. You can edit the answer until the survey closes.")
    button = Button(f"{EDIT_ACTION}:{survey_id}", ctx.t("Edit the answer"), value=str(survey_id),
                    style=ButtonStyle.primary)
    return Reply(text=text, buttons=[button])


async def answer_button(ctx: Context, value: str) -> Response:
    return await begin(ctx, value, edit=False)


async def edit_button(ctx: Context, value: str) -> Response:
    return await begin(ctx, value, edit=True)


def build_page(ctx: Context, state: str) -> Form:
    feature = surveys(ctx)
    member = feature.service.respondent(ctx.member)
    return feature.service.build_page(PageState.parse(state), member, per_page=per_page(ctx), locale=ctx.locale)


async def submit_page(ctx: Context, values: dict[str, str], state: str) -> Response:
    feature = surveys(ctx)
    service = feature.service
    page = PageState.parse(state)
    member = service.respondent(ctx.member)
    try:
        saved = service.save_page(page, member, values, per_page=per_page(ctx), locale=ctx.locale)
    except PageErrors as errors:
        return Response(errors=errors.errors)
    except Answered as answered:
        return Response(replies=[answered_reply(ctx, feature, page.survey_id, answered)])
    if saved.next_page is not None:
        return Response(form=saved.next_page)
    survey = service.get(str(page.survey_id))
    target = service.target_for(survey, member)
    feature.reminders.withdraw_for(survey, target)
    kept = receipt(ctx, feature, page.survey_id, saved.answers or {}, edited=saved.edited)
    if survey.anonymous:  # a copy kept in the outbox would tie the answers to the person
        return Response(replies=[kept], private=True)
    # The receipt shown now can vanish (an ephemeral message): a copy stays in the person's direct messages.
    # One copy per version of the answer, to the person as the survey knows them (their account in the server).
    version = hashlib.sha256(json.dumps(saved.answers, sort_keys=True, default=str).encode()).hexdigest()[:16]
    copy = DirectMessage(to=service.identity_of(member), reply=replace(kept, ephemeral=False),
                         key=f"survey-receipt:{survey.id}:{target.id}:{version}")
    return Response(replies=[kept], direct_messages=[copy])


def receipt(ctx: Context, feature: Surveys, survey_id: int, answers: dict[str, object], *, edited: bool) -> Reply:
    """What the person gets once the answer is sent: every answer, and how to change it."""
    service = feature.service
    survey = service.get(str(survey_id))
    definition = service.definition(survey)
    title = text_in(definition.title, ctx.locale)
    deadline = service.day(survey.closes_at, ctx.locale)
    city = service.city(service.respondent(ctx.member).city_id) if survey.per == "city" else None
    if city is not None:
        text = ctx.t("Thank you! {city}'s answer to “{title}” is recorded. It can be changed until {date}.",
                     city=city.name, title=title, date=deadline)
    else:
        text = ctx.t("Thank you! Your answer to “{title}” is recorded. It can be changed until {date}.",
                     title=title, date=deadline)
    if edited:
        text = ctx.t("Your changes are saved.") + " " + text
    if survey.anonymous:
        text += "\n" + ctx.t("This survey is anonymous: your answer is kept without your name or your city's.")
    sections = [Section(title=text_in(question.text, ctx.locale),
                        text=shown_answer(question, answers.get(question.id), ctx.locale))
                for question in definition.questions if question.id in answers]
    button = Button(f"{EDIT_ACTION}:{survey_id}", ctx.t("Edit the answer"), value=str(survey_id))
    return Reply(text=ctx.t("Your answers:") if not text else text, sections=sections, buttons=[button])


# ---------------------------------------------------------------- the ICC team


async def open_survey(ctx: Context, args: Args) -> Response:
    feature = surveys(ctx)
    opens = args.text("opens").strip().lower()
    survey = feature.service.open(args.text("survey"), by=ctx.member, locale=ctx.locale,
                                  opens=day_option(ctx, args, "opens"), closes=day_option(ctx, args, "closes"),
                                  now_requested=opens in ("now", "today"))
    opened = feature.reminders.open_due(ctx.services.clock.now())
    rates = response_rates(feature.service, survey)
    title = text_in(feature.service.definition(survey).title, ctx.locale)
    if any(s.id == survey.id for s in opened):
        text = ctx.t("“{title}” is open (#{id}) for {n} targets until {date}. The prompts are on their way.",
                     title=title, id=survey.id, n=rates.targets, date=feature.service.day(survey.closes_at, ctx.locale))
    else:
        text = ctx.t("“{title}” (#{id}) will open on {opens} for {n} targets, until {date}.", title=title,
                     id=survey.id, n=rates.targets, opens=feature.service.day(survey.opens_at, ctx.locale),
                     date=feature.service.day(survey.closes_at, ctx.locale))
    return Response.text(text)


async def close_survey(ctx: Context, args: Args) -> Response:
    feature = surveys(ctx)
    survey = feature.service.get(args.text("survey"))
    if not feature.reminders.close(survey):
        return Response.text(ctx.t("This survey is closed already."))
    rates = response_rates(feature.service, feature.service.get(str(survey.id)))
    return Response.text(ctx.t("Closed: {answered} of {targets} answered. See /survey results {id}.",
                               answered=rates.answered, targets=rates.targets, id=survey.id))


async def remind(ctx: Context, args: Args) -> Response:
    feature = surveys(ctx)
    survey = feature.service.get(args.text("survey"))
    feature.service.check_open(survey, ctx.locale)
    sent = feature.reminders.remind(survey)
    if not sent:
        return Response.text(ctx.t("Nobody to remind: everyone has answered, or was reminded today already."))
    return Response.text(ctx.tn("{n} reminder is on its way.", "{n} reminders are on their way.", sent))


def percent(answered: int, targets: int) -> str:
    return f"{answered}/{targets} ({round(100 * answered / targets) if targets else 0} %)"


async def status(ctx: Context, args: Args) -> Response:
    feature = surveys(ctx)
    service = feature.service
    if not args.text("survey"):
        rows = service.store.latest(10)
        if not rows:
            known = ", ".join(sorted(service.catalogue().surveys)) or "-"
            return Response.text(ctx.t("No survey has been opened yet. Surveys: {choices}.", choices=known))
        lines = []
        for survey in rows:
            rates = response_rates(service, survey)
            title = text_in(service.definition(survey).title, ctx.locale)
            lines.append(f"#{survey.id} {title} · {ctx.t(STATE_LABELS[SurveyState(survey.state)])} · "
                         f"{percent(rates.answered, rates.targets)}")
        return Response(replies=[Reply(text=ctx.t("Surveys:"), sections=[Section(text="\n".join(lines))])])
    survey = service.get(args.text("survey"))
    rates = response_rates(service, survey)
    title = text_in(service.definition(survey).title, ctx.locale)
    head = ctx.t("#{id} {title}: {state}, closes on {date}. Answered: {rate}.", id=survey.id, title=title,
                 state=ctx.t(STATE_LABELS[SurveyState(survey.state)]), date=service.day(survey.closes_at, ctx.locale),
                 rate=percent(rates.answered, rates.targets))
    regions = "\n".join(f"• {region_name(name, ctx.locale) if name else ctx.t('no region')}: {percent(a, n)}"
                        for name, (n, a) in sorted(rates.by_region.items()))
    clusters = {cluster.slug: cluster.name for cluster in ctx.services.clusters.all()}
    by_cluster = "\n".join(f"• {clusters.get(slug, slug)}: {percent(a, n)}"
                           for slug, (n, a) in sorted(rates.by_cluster.items()))
    sections = [Section(title=ctx.t("By region"), text=regions or "—")]
    if by_cluster:
        sections.append(Section(title=ctx.t("By cluster"), text=by_cluster))
    return Response(replies=[Reply(text=head, sections=sections)])


async def results(ctx: Context, args: Args) -> Response:
    feature = surveys(ctx)
    survey = feature.service.get(args.text("survey"))
    reply = await results_reply(feature.service, survey, ctx.locale, engine=ctx.services.translation_engine)
    return Response(replies=[reply])


async def export(ctx: Context, args: Args) -> Response:
    feature = surveys(ctx)
    survey = feature.service.get(args.text("survey"))
    fmt: Format = "json" if args.text("format").lower() == "json" else "csv"
    text, count = await asyncio.to_thread(export_answers, ctx.services.engine, survey, fmt)
    media = "application/json" if fmt == "json" else "text/csv"
    name = f"survey-{survey.id}-{survey.definition_id}.{fmt}"
    file = Attachment(name=name, data=text.encode("utf-8"), media_type=media, title=name)
    reply = Reply(text=ctx.tn("{n} answer exported.", "{n} answers exported.", count), files=[file])
    return Response(replies=[reply])


async def show_original(ctx: Context, value: str) -> Response:
    """The "Original" button of a translated free-text answer (the ICC team reads results)."""
    ctx.require(Role.icc_team)
    found = original_text(surveys(ctx).service, value)
    if found is None:
        return Response.text(ctx.t("This button is no longer in use."))
    return Response(replies=[Reply(text=ctx.t("Original:"), sections=[Section(text=found[1])])])


STATE_LABELS = {
    SurveyState.scheduled: N_("scheduled"),
    SurveyState.open: N_("open"),
    SurveyState.closed: N_("closed"),
}

SURVEY = Option("survey", N_("The survey's number or name"), required=True)


def register(registry: Registry) -> None:
    registry.add(Command(
        name="survey",
        description=N_("Surveys: what is open for you and what you answered."),
        default_sub="list",
        subcommands=(
            Subcommand("list", N_("The surveys open for you and what you answered"), mine),
            Subcommand("open", N_("Open a survey to its audience (ICC team)"), open_survey, min_role=Role.icc_team,
                       options=(Option("survey", N_("The survey's name (its file's id)"), required=True),
                                Option("closes", N_("Closing date, such as 2027-03-31 (else the file's)")),
                                Option("opens", N_("Opening date, or now (else the file's)")))),
            Subcommand("close", N_("Close a survey now (ICC team)"), close_survey, min_role=Role.icc_team,
                       options=(SURVEY,)),
            Subcommand("status", N_("Response rates by region and cluster (ICC team)"), status,
                       min_role=Role.icc_team,
                       options=(Option("survey", N_("The survey's number or name (else all)")),)),
            Subcommand("results", N_("Results with charts (ICC team)"), results, min_role=Role.icc_team,
                       options=(SURVEY,)),
            Subcommand("export", N_("The answers as CSV or JSON (ICC team)"), export, min_role=Role.icc_team,
                       options=(SURVEY, Option("format", N_("csv or json"), choices=("csv", "json")))),
            Subcommand("remind", N_("Remind those who have not answered, now (ICC team)"), remind,
                       min_role=Role.icc_team, options=(SURVEY,)),
        ),
    ))
    registry.add_form(FormSpec(form_id=FORM_ID, build=build_page, submit=submit_page))
    registry.add_action(ANSWER_ACTION, answer_button)
    registry.add_action(EDIT_ACTION, edit_button)
    registry.add_action(ORIGINAL_ACTION, show_original)
