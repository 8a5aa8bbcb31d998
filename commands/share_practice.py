"""`/share-practice`: a city coordinator records a good practice through a form, for the ICC team to review."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context, user_error_text
from bot.errors import UserError
from bot.i18n import N_, language_name
from bot.messages import Choice, FieldKind, Form, FormField, Reply, Response, Validator
from bot.models import Role
from bot.models.practices import THEMES
from bot.registry import Args, Command, FormSpec, Option, Registry
from bot.services.practice_rules import (
    CONTACT_LIMIT,
    OTHER_LANGUAGES,
    SUMMARY_LIMIT,
    TEXT_LIMIT,
    THEME_LABELS,
    TITLE_LIMIT,
    check_author_city,
    clean_contact,
    clean_description,
    clean_language,
    clean_links,
    clean_results,
    clean_summary,
    clean_themes,
    clean_title,
    draft,
)
from bot.settings import SUPPORTED_LOCALES

FORM_ID = "share-practice"


def checked(ctx: Context, rule: Callable[[str], object]) -> Validator:
    """A form validator from a service rule: the rule's `UserError`, in the person's language, or None."""

    def validate(value: str) -> str | None:
        try:
            rule(value)
        except UserError as error:
            return user_error_text(error, ctx.locale)
        return None

    return validate


def city_rule(ctx: Context) -> Callable[[str], object]:
    """The city must be an ICC city, and a coordinator's own."""

    def rule(value: str) -> None:
        check_author_city(ctx.member, ctx.services.cities.resolve(value))

    return rule


def language_choices(ctx: Context) -> list[Choice]:
    codes = list(SUPPORTED_LOCALES) + [code for code in OTHER_LANGUAGES if code not in SUPPORTED_LOCALES]
    return [Choice(code, language_name(code, ctx.locale)) for code in codes]


def build_form(ctx: Context, state: str = "") -> Form:
    """The form in the person's language, the city prefilled with theirs."""
    city = ctx.services.cities.get(ctx.member.city_id) if ctx.member.city_id else None
    return Form(
        form_id=FORM_ID,
        title=ctx.t("Share a good practice"),
        submit_label=ctx.t("Send for review"),
        state=state,
        fields=[
            FormField(name="title", label=ctx.t("Title"), max_length=TITLE_LIMIT,
                      validate=checked(ctx, clean_title)),
            FormField(name="city", label=ctx.t("City"), initial=city.name if city else "",
                      validate=checked(ctx, city_rule(ctx))),
            FormField(
                name="themes", label=ctx.t("Themes"), kind=FieldKind.multi_choice,
                choices=[Choice(theme, ctx.t(THEME_LABELS[theme])) for theme in THEMES],
                hint=ctx.t("One or more."), validate=checked(ctx, clean_themes),
            ),
            FormField(
                name="summary", label=ctx.t("Summary"), kind=FieldKind.long_text, max_length=SUMMARY_LIMIT,
                hint=ctx.t("Two or three sentences, at most {limit} characters.", limit=SUMMARY_LIMIT),
                validate=checked(ctx, clean_summary),
            ),
            FormField(
                name="description", label=ctx.t("Description"), kind=FieldKind.long_text, max_length=TEXT_LIMIT,
                hint=ctx.t("What was done, by whom, with whom, and how."),
                validate=checked(ctx, clean_description),
            ),
            FormField(
                name="results", label=ctx.t("Results and impact"), kind=FieldKind.long_text, required=False,
                max_length=TEXT_LIMIT, validate=checked(ctx, clean_results),
            ),
            FormField(
                name="contact", label=ctx.t("Contact"), required=False, max_length=CONTACT_LIMIT,
                hint=ctx.t("A name, an e-mail address or a phone number."), validate=checked(ctx, clean_contact),
            ),
            FormField(
                name="links", label=ctx.t("Links"), kind=FieldKind.url_list, required=False,
                hint=ctx.t("Web pages about the practice, one per line."), validate=checked(ctx, clean_links),
            ),
            FormField(
                name="language", label=ctx.t("Language of the text"), kind=FieldKind.choice,
                choices=language_choices(ctx), initial=ctx.locale, validate=checked(ctx, clean_language),
            ),
        ],
    )


async def open_form(ctx: Context, args: Args) -> Response:
    form = build_form(ctx)
    form.field("title").initial = args.text("title")[:TITLE_LIMIT]
    return Response(form=form)


async def submit(ctx: Context, values: dict[str, str], state: str) -> Response:
    """Record the practice (the service checks every rule again; a broken one writes nothing)."""
    city = ctx.services.cities.resolve(values.get("city", ""))
    assert city.id is not None
    data = draft(
        title=values.get("title", ""), city_id=city.id, summary=values.get("summary", ""),
        description=values.get("description", ""), themes=values.get("themes", ""),
        language=values.get("language", ""), results=values.get("results", ""),
        contact=values.get("contact", ""), links=values.get("links", ""),
    )
    practice = ctx.services.practices.submit(author=ctx.member, data=data)
    text = ctx.t(
        "Thank you! Your practice “{title}” is recorded as #{id}. It will be reviewed by the ICC team, "
        "and I will tell you when it is published.",
        title=practice.title,
        id=practice.id,
    )
    return Response(replies=[Reply(text=text)], direct_messages=[])


def register(registry: Registry) -> None:
    registry.add(
        Command(
            name="share-practice",
            description=N_("Record a good practice of your city for the ICC database."),
            handler=open_form,
            min_role=Role.coordinator,
            options=(Option("title", N_("The practice's title (optional)"), rest=True),),
        )
    )
    registry.add_form(FormSpec(form_id=FORM_ID, build=build_form, submit=submit, min_role=Role.coordinator))
