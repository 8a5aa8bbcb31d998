"""A survey's questions as form pages, and answers checked, stored and shown.

Every platform asks the same questions through the core's `Form`: one modal with every question where a modal
holds them all (Slack), pages of at most five where it holds five (Discord), one question at a time where there is
no modal (the console). A question shown only after a given answer goes on a later page than the question it
depends on, so that it is asked only when that answer was given; on a single page it carries a hint saying when to
answer it, and an answer it should not have is dropped.

Answers are stored by question id: a choice id (single, yes/no), a list of choice ids (multiple), an integer
(scale), a number, or a text. A question not answered has no entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import UserError
from bot.forms import split_choices
from bot.i18n import N_, format_number, t
from bot.messages import Choice, FieldKind, FormField
from bot.services.surveys.definitions import QuestionDef, SurveyDef, text_in

Answers = dict[str, Any]

YES_NO = {"yes": N_("Yes"), "no": N_("No")}
_NUMBER = re.compile(r"^[+-]?\d{1,12}([.,]\d{1,6})?$")


def condition_met(question: QuestionDef, answers: Mapping[str, Any]) -> bool:
    """Whether `question` is to be asked given `answers` (always, without a condition)."""
    condition = question.when
    if condition is None:
        return True
    given = answers.get(condition.question)
    if given is None:
        return False
    picked = {str(item) for item in given} if isinstance(given, list) else {str(given)}
    return bool(picked & set(condition.is_))


def asked(survey: SurveyDef, answers: Mapping[str, Any]) -> list[QuestionDef]:
    """The questions this respondent is asked, given their answers (conditions followed in order)."""
    shown: list[QuestionDef] = []
    kept: dict[str, Any] = {}
    for question in survey.questions:
        if condition_met(question, kept):
            shown.append(question)
            if question.id in answers:
                kept[question.id] = answers[question.id]
    return shown


def relevant(survey: SurveyDef, answers: Mapping[str, Any]) -> Answers:
    """`answers` without those to questions no longer asked (an earlier answer changed) or unknown."""
    ids = {question.id for question in asked(survey, answers)}
    return {key: value for key, value in answers.items() if key in ids}


# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class Page:
    """The questions of one form page, and whether conditions are checked on submission (a single page)."""

    questions: tuple[QuestionDef, ...]
    inline_conditions: bool = False


def pages(survey: SurveyDef, answers: Mapping[str, Any], per_page: int) -> list[Page]:
    """The form's pages for a platform showing `per_page` questions at once (0: one at a time), given `answers`.

    When every question fits, they are one page (conditions checked on submission). Otherwise a question that
    depends on a question of the current page starts the next page, and is left out if its condition is not met.
    """
    per_page = max(1, per_page)
    if len(survey.questions) <= per_page:
        return [Page(tuple(survey.questions), inline_conditions=True)]
    result: list[Page] = []
    current: list[QuestionDef] = []
    for question in survey.questions:
        if question.when is not None:
            if any(q.id == question.when.question for q in current):
                result.append(Page(tuple(current)))
                current = []
            if not condition_met(question, relevant(survey, answers)):
                continue
        if len(current) == per_page:
            result.append(Page(tuple(current)))
            current = []
        current.append(question)
    if current:
        result.append(Page(tuple(current)))
    return result


def first_unanswered(all_pages: list[Page], answers: Mapping[str, Any]) -> int:
    """The page to resume at: the first with a question not answered yet (the last page when all are)."""
    for index, page in enumerate(all_pages):
        if any(question.id not in answers for question in page.questions):
            return index
    return max(0, len(all_pages) - 1)


# ---------------------------------------------------------------- questions as form fields


def choice_label(question: QuestionDef, value: str, locale: str) -> str:
    """The text of the answer `value` to `question`, in `locale`."""
    if question.kind == "yes_no":
        return t(locale, YES_NO.get(value, value))
    if question.kind == "scale":
        if question.labels is not None and value == str(question.scale_min):
            return f"{value} — {text_in(question.labels.min, locale)}"
        if question.labels is not None and value == str(question.scale_max):
            return f"{value} — {text_in(question.labels.max, locale)}"
        return value
    for choice in question.choices or []:
        if choice.id == value:
            return text_in(choice.text, locale)
    return value


def _field_kind(question: QuestionDef) -> FieldKind:
    if question.kind in ("single", "scale", "yes_no"):
        return FieldKind.choice
    if question.kind == "multiple":
        return FieldKind.multi_choice
    if question.kind == "text":
        return FieldKind.long_text
    return FieldKind.text


def as_field_value(question: QuestionDef, value: Any) -> str:
    """An stored answer as a form value (pre-filled when resuming or editing)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if question.kind == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def field_for(question: QuestionDef, locale: str, answers: Mapping[str, Any], *, inline_conditions: bool,
              survey: SurveyDef) -> FormField:
    """`question` as a form field in `locale`, pre-filled with its answer so far."""
    hints: list[str] = []
    if question.help:
        hints.append(text_in(question.help, locale))
    required = question.required
    if inline_conditions and question.when is not None:
        trigger = survey.question(question.when.question)
        if trigger is not None:
            wanted = " / ".join(choice_label(trigger, value, locale) for value in question.when.is_)
            hints.append(t(locale, "Only if you answered “{answer}” above.", answer=wanted))
        required = False  # checked on submission, once the answer it depends on is known
    if question.kind == "multiple" and question.max_choices:
        hints.append(t(locale, "At most {n}.", n=question.max_choices))
    if question.kind == "number":
        if question.min is not None and question.max is not None:
            hints.append(t(locale, "A number from {low} to {high}.", low=question.min, high=question.max))
        else:
            hints.append(t(locale, "A number."))
    choices = [Choice(value, choice_label(question, value, locale)) for value in question.choice_ids()]
    return FormField(
        name=question.id,
        label=text_in(question.text, locale),
        kind=_field_kind(question),
        required=required,
        max_length=question.text_limit if question.kind == "text" else None,
        choices=choices,
        hint=" ".join(hints),
        initial=as_field_value(question, answers.get(question.id)),
        validate=_validator(question, locale),
    )


def _validator(question: QuestionDef, locale: str) -> Callable[[str], str | None]:
    return lambda value: _check_value(question, value, locale)


def _check_value(question: QuestionDef, value: str, locale: str) -> str | None:
    try:
        parse_value(question, value)
    except UserError as error:
        return _refusal(question, error, locale)
    return None


def _refusal(question: QuestionDef, error: UserError, locale: str) -> str:
    """`error` in `locale`; a message about "{field}" names the question (a `UserError`'s field is its id)."""
    return t(locale, error.msgid, **{"field": text_in(question.text, locale), **error.params})


def parse_value(question: QuestionDef, value: str) -> Any:
    """The stored form of a (normalised, non-empty) form value; `UserError` when it does not fit the question."""
    label = question.id
    if question.kind == "multiple":
        picked = list(dict.fromkeys(split_choices(value)))
        unknown = [item for item in picked if item not in question.choice_ids()]
        if unknown:
            raise UserError("“{value}” is not one of the choices.", field=question.id, value=unknown[0][:60])
        if question.max_choices and len(picked) > question.max_choices:
            raise UserError("Choose at most {n}.", field=question.id, n=question.max_choices)
        return picked
    if question.kind in ("single", "yes_no", "scale"):
        if value not in question.choice_ids():
            if question.kind == "scale":
                raise UserError("Give a whole number from {low} to {high}.", field=question.id,
                                low=question.scale_min, high=question.scale_max)
            raise UserError("“{value}” is not one of the choices.", field=question.id, value=value[:60])
        return int(value) if question.kind == "scale" else value
    if question.kind == "number":
        raw = value.strip().replace(" ", "")
        if not _NUMBER.match(raw):
            raise UserError("“{value}” is not a number.", field=label, value=value[:40])
        number = float(raw.replace(",", "."))
        if (question.min is not None and number < question.min) or (question.max is not None and number > question.max):
            raise UserError("Give a number from {low} to {high}.", field=question.id,
                            low=question.min if question.min is not None else "…",
                            high=question.max if question.max is not None else "…")
        return int(number) if number.is_integer() else number
    if len(value) > question.text_limit:
        raise UserError("{field} is too long: {length} characters, at most {limit}.", field=question.id,
                        length=len(value), limit=question.text_limit)
    return value


def read_page(survey: SurveyDef, page: Page, values: Mapping[str, str], answers: Mapping[str, Any],
              locale: str) -> tuple[Answers, dict[str, str]]:
    """The answers a submitted page gives (merged into `answers`), and errors by question id.

    `values` come checked by the form (choices, lengths); what only the whole page can tell is checked here: on a
    single page, a required question whose condition is met must be answered, and one whose condition is not is
    dropped.
    """
    merged: Answers = dict(answers)
    errors: dict[str, str] = {}
    for question in page.questions:
        raw = (values.get(question.id) or "").strip()
        if not raw:
            merged.pop(question.id, None)
            continue
        try:
            merged[question.id] = parse_value(question, raw)
        except UserError as error:
            errors[question.id] = _refusal(question, error, locale)
    merged = relevant(survey, merged)
    if page.inline_conditions:
        for question in page.questions:
            if question.when is not None and question.required and condition_met(question, merged) \
                    and question.id not in merged and question.id not in errors:
                errors[question.id] = t(locale, "{field} is required.", field=text_in(question.text, locale))
    return merged, errors


def missing(survey: SurveyDef, answers: Mapping[str, Any]) -> list[QuestionDef]:
    """Required questions asked of this respondent and not answered."""
    return [question for question in asked(survey, answers) if question.required and question.id not in answers]


def shown_answer(question: QuestionDef, value: Any, locale: str) -> str:
    """An answer as a person reads it, in `locale` ("Regularly", "Anti-rumours, Education", "2015")."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(choice_label(question, str(item), locale) for item in value) or "—"
    if question.kind in ("single", "yes_no", "scale"):
        return choice_label(question, str(value), locale)
    if question.kind == "number":
        return format_number(locale, value)
    return str(value)
