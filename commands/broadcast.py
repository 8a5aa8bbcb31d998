"""`/broadcast`: the ICC team's message to every city's channel, a cluster, a region or the coordinators — previewed
in each language and confirmed first; `/broadcast status` shows past broadcasts and their reports."""

from __future__ import annotations

from collections import Counter

from bot.context import Context
from bot.errors import UserError
from bot.i18n import N_, language_name
from bot.messages import Button, ButtonStyle, Choice, FieldKind, Form, FormField, Reply, Response, Section
from bot.models import Role
from bot.registry import Args, Command, FormSpec, Option, Registry, Subcommand
from bot.services.calendar.broadcasts import TEXT_LIMIT, VIA, Preview

FORM_ID = "broadcast"
CONFIRM = "broadcast-confirm"
CANCEL = "broadcast-cancel"


def build_form(ctx: Context, state: str = "") -> Form:
    return Form(
        form_id=FORM_ID,
        title=ctx.t("Broadcast"),
        submit_label=ctx.t("Preview"),
        state=state,
        fields=[
            FormField("to", ctx.t("To"), initial="all",
                      hint=ctx.t("all, cluster:<name>, region:<name>, country:<code>, or coordinators.")),
            FormField("via", ctx.t("How"), kind=FieldKind.choice, initial="channels", choices=[
                Choice("channels", ctx.t("The cities' channels")),
                Choice("people", ctx.t("The coordinators, by direct message")),
                Choice("both", ctx.t("Both")),
            ]),
            FormField("text", ctx.t("Message"), kind=FieldKind.long_text, max_length=TEXT_LIMIT,
                      hint=ctx.t("Written in your language: each target reads it in theirs.")),
        ],
    )


def preview_reply(ctx: Context, preview: Preview) -> Reply:
    broadcast = preview.broadcast
    targets = preview.targets
    audience = ctx.services.audiences.describe(ctx.services.audiences.parse(broadcast.audience), ctx.locale)
    platforms = Counter(target.platform for target in [*targets.channels, *targets.people])
    lines = [
        ctx.t("To: {audience}", audience=audience),
        ctx.tn("{n} channel", "{n} channels", len(targets.channels)) + " · "
        + ctx.tn("{n} person by direct message", "{n} people by direct message", len(targets.people)),
        " · ".join(f"{platform}: {count}" for platform, count in sorted(platforms.items())),
    ]
    if preview.untranslated:
        names = ", ".join(language_name(code, ctx.locale) for code in preview.untranslated)
        lines.append(ctx.t("Not translated (translation unavailable): the original goes to the readers of {languages}.",
                           languages=names))
    per_language = Counter([*targets.channels.values(), *targets.people.values()])
    sections = [Section(text="\n".join(lines))]
    for code in targets.locales():
        sections.append(Section(title=f"{language_name(code, ctx.locale)} ({per_language[code]})",
                                text=preview.texts.get(code, broadcast.text)))
    return Reply(
        text=ctx.t("Broadcast #{id}: check it in each language, then send it.", id=broadcast.id),
        sections=sections,
        buttons=[Button(f"{CONFIRM}:{broadcast.id}", ctx.t("Send it"), value=str(broadcast.id),
                        style=ButtonStyle.primary),
                 Button(f"{CANCEL}:{broadcast.id}", ctx.t("Cancel"), value=str(broadcast.id),
                        style=ButtonStyle.danger)],
    )


async def _prepare(ctx: Context, text: str, to: str, via: str) -> Response:
    preview = await ctx.services.calendar.broadcasts.prepare(ctx.member, text, to=to, via=via, language=ctx.locale)
    reply = preview_reply(ctx, preview)
    if not ctx.capabilities.buttons:
        reply.text += "\n" + ctx.t("Send it with /broadcast confirm {id}, or drop it with /broadcast cancel {id}.",
                                   id=preview.broadcast.id)
    return Response(replies=[reply])


async def send(ctx: Context, args: Args) -> Response:
    text = args.text("text")
    if not text.strip():
        form = build_form(ctx)
        form.field("to").initial = args.text("to") or "all"
        return Response(form=form)
    return await _prepare(ctx, text, args.text("to"), args.text("via"))


async def submit(ctx: Context, values: dict[str, str], state: str) -> Response:
    return await _prepare(ctx, values.get("text", ""), values.get("to", ""), values.get("via", ""))


def _number(value: str) -> int:
    raw = value.strip().lstrip("#")
    if not raw.isascii() or not raw.isdigit() or not 0 < len(raw) < 10:
        raise UserError("“{value}” is not a broadcast number (such as 3).", value=value[:40])
    return int(raw)


async def confirm(ctx: Context, value: str) -> Response:
    broadcasts = ctx.services.calendar.broadcasts
    broadcast = broadcasts.confirm(_number(value), ctx.member)
    assert broadcast.id is not None
    await broadcasts.start_report(broadcast.id, ctx.channel, ctx.locale)
    return Response.text(ctx.tn("Broadcast #{id} is on its way to {n} target. The report follows it.",
                                "Broadcast #{id} is on its way to {n} targets. The report follows it.",
                                broadcast.targets, id=broadcast.id))


async def cancel(ctx: Context, value: str) -> Response:
    number = _number(value)
    ctx.services.calendar.broadcasts.cancel(number, ctx.member)
    return Response.text(ctx.t("Broadcast #{id} is cancelled: nothing was sent.", id=number))


async def confirm_command(ctx: Context, args: Args) -> Response:
    return await confirm(ctx, args.text("id"))


async def cancel_command(ctx: Context, args: Args) -> Response:
    return await cancel(ctx, args.text("id"))


async def status(ctx: Context, args: Args) -> Response:
    broadcasts = ctx.services.calendar.broadcasts
    # A broadcast whose deliveries have all ended is finished now, not at the report's next update.
    await broadcasts.refresh_all()
    if args.text("id").strip():
        broadcast = broadcasts.get(_number(args.text("id")))
        if broadcast is None:
            raise UserError("There is no broadcast #{id}.", id=args.text("id")[:12])
        return Response(replies=[broadcasts.report_reply(broadcast, ctx.locale)])
    past = broadcasts.history()
    if not past:
        return Response.text(ctx.t("No broadcast yet."))
    sections = []
    for broadcast in past:
        report = broadcasts.report(broadcast.id or 0)
        failed = report.counts["failed"] + report.counts["given_up"]
        excerpt = broadcast.text if len(broadcast.text) <= 80 else broadcast.text[:79] + "…"
        sections.append(Section(
            title=f"#{broadcast.id} · {broadcast.audience} · {broadcast.state.value}",
            text=excerpt + "\n" + ctx.t("Delivered: {sent} · Pending: {pending} · Failed: {failed} (of {total})",
                                        sent=report.counts["sent"], failed=failed, total=broadcast.targets,
                                        pending=report.counts["pending"] + report.counts["sending"])))
    return Response(replies=[Reply(text=ctx.t("Past broadcasts (the newest first):"), sections=sections),
                             Reply(text=ctx.t("/broadcast status <number> for one report."))])


def register(registry: Registry) -> None:
    number = Option("id", N_("The broadcast's number"), required=True)
    registry.add(Command(
        name="broadcast",
        description=N_("Send a message to every city, a cluster, a region or the coordinators (ICC team)."),
        min_role=Role.icc_team,
        default_sub="status",
        subcommands=(
            Subcommand("send", N_("Preview a message in each language, then send it."), handler=send, options=(
                Option("to", N_("all, cluster:<name>, region:<name>, country:<code>, or coordinators")),
                Option("via", N_("channels, people or both"), choices=VIA),
                Option("text", N_("The message"), rest=True),
            )),
            Subcommand("status", N_("Past broadcasts and their reports."), handler=status,
                       options=(Option("id", N_("One broadcast's number (optional)")),)),
            Subcommand("confirm", N_("Send a previewed broadcast."), handler=confirm_command, options=(number,)),
            Subcommand("cancel", N_("Drop a previewed broadcast."), handler=cancel_command, options=(number,)),
        ),
    ))
    registry.add_form(FormSpec(form_id=FORM_ID, build=build_form, submit=submit, min_role=Role.icc_team))
    registry.add_action(CONFIRM, confirm)
    registry.add_action(CANCEL, cancel)
