"""Survey results: counts per answer, charts, free texts translated for the reader, and what a vote chose.

A question with fewer than `SMALLEST_GROUP` answers is not broken down (only its number of answers is given): with
so few, an answer could be traced back to whoever gave it.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.i18n import format_number, t, tn
from bot.messages import Attachment, Button, Reply, Section
from bot.models import Survey, SurveyResponse
from bot.services.surveys.charts import bar_chart
from bot.services.surveys.definitions import QuestionDef, SurveyDef, text_in
from bot.services.surveys.questions import choice_label
from bot.services.surveys.store import answers_of, definition_of

if TYPE_CHECKING:
    from bot.services.surveys.service import SurveyService
    from bot.services.translation import TranslationEngine

#: Fewer answers than this to a question, and it is not broken down.
SMALLEST_GROUP = 3
#: Free-text answers shown per question (the export has them all).
TEXTS_SHOWN = 20
ORIGINAL_ACTION = "survey-original"


@dataclass
class QuestionResult:
    """What the answers to one question add up to."""

    question: QuestionDef
    answered: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    numbers: list[float] = field(default_factory=list)
    texts: list[tuple[int, str]] = field(default_factory=list)  # (response id, text)

    @property
    def broken_down(self) -> bool:
        return self.answered >= SMALLEST_GROUP


def tally(definition: SurveyDef, responses: list[SurveyResponse]) -> list[QuestionResult]:
    """Every question's result from `responses`."""
    results = {question.id: QuestionResult(question) for question in definition.questions}
    for response in responses:
        answers = answers_of(response.answers)
        for question_id, value in answers.items():
            result = results.get(question_id)
            if result is None or value in (None, "", []):
                continue
            result.answered += 1
            if isinstance(value, list):
                result.counts.update(str(item) for item in value)
            elif result.question.kind == "number" and isinstance(value, int | float):
                result.numbers.append(float(value))
            elif result.question.kind == "text":
                result.texts.append((response.id or 0, str(value)))
            else:
                result.counts[str(value)] += 1
    return list(results.values())


def chosen_choices(service: SurveyService, survey: Survey) -> list[str]:
    """The choices of the survey's outcome question picked by at least its share of the answers (a vote)."""
    definition = definition_of(survey)
    assert survey.id is not None
    responses = service.store.responses(survey.id)
    question = definition.question(definition.outcome_question or "")
    if question is None or not responses:
        return []
    [result] = [r for r in tally(definition, responses) if r.question.id == question.id]
    needed = definition.outcome_share * len(responses)
    return [choice for choice in question.choice_ids() if result.counts[choice] >= needed]


def _chart(result: QuestionResult, locale: str) -> Attachment | None:
    """The question's chart, or None (free text; too few answers)."""
    question = result.question
    if not result.broken_down or question.kind == "text":
        return None
    title = text_in(question.text, locale)
    note = tn(locale, "{n} answer", "{n} answers", result.answered)
    if question.kind == "number":
        values = sorted(result.numbers)
        bins = _number_bins(values)
        labels = [f"{format_number(locale, low)}–{format_number(locale, high)}" if low != high
                  else format_number(locale, low) for low, high in bins]
        counts = [sum(1 for v in values if low <= v <= high and (i == len(bins) - 1 or v < bins[i + 1][0]))
                  for i, (low, high) in enumerate(bins)]
        data = bar_chart(title, labels, counts, note=note, horizontal=False)
    else:
        ids = question.choice_ids()
        labels = [choice_label(question, choice, locale) for choice in ids]
        counts = [result.counts[choice] for choice in ids]
        data = bar_chart(title, labels, counts, note=note, horizontal=question.kind != "scale")
    alt = "; ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=True))
    return Attachment(name=f"{question.id}.png", data=data, media_type="image/png", title=title[:200],
                      alt_text=alt[:1000])


def _number_bins(values: list[float]) -> list[tuple[float, float]]:
    """Up to six ranges covering `values` (one per value when there are few distinct ones)."""
    distinct = sorted(set(values))
    if len(distinct) <= 6:
        return [(v, v) for v in distinct]
    low, high = distinct[0], distinct[-1]
    step = (high - low) / 6
    return [(round(low + i * step, 2), round(low + (i + 1) * step, 2)) for i in range(6)]


def _summary_line(result: QuestionResult, locale: str) -> str:
    question = result.question
    if not result.broken_down:
        return tn(locale, "{n} answer: fewer than 3, so not broken down.",
                  "{n} answers: fewer than 3, so not broken down.", result.answered)
    if question.kind == "number":
        values = result.numbers
        return tn(locale, "{n} answer. Median {median}, from {low} to {high}.",
                  "{n} answers. Median {median}, from {low} to {high}.", result.answered,
                  median=format_number(locale, statistics.median(values)), low=format_number(locale, min(values)),
                  high=format_number(locale, max(values)))
    if question.kind == "text":
        return tn(locale, "{n} answer.", "{n} answers.", result.answered)
    lines = [tn(locale, "{n} answer.", "{n} answers.", result.answered)]
    for choice in question.choice_ids():
        count = result.counts[choice]
        lines.append(f"• {choice_label(question, choice, locale)}: {count} ({round(100 * count / result.answered)} %)")
    if question.kind == "scale":
        picked = [int(value) for value, n in result.counts.items() for _ in range(n)]
        lines.append(t(locale, "Average: {value}", value=format_number(locale, round(statistics.mean(picked), 1))))
    return "\n".join(lines)


async def _translated(engine: TranslationEngine | None, texts: list[str], locale: str) -> list[str | None]:
    """Each text in `locale` (None where it is already in it, or cannot be translated now)."""
    if engine is None or not texts:
        return [None] * len(texts)

    async def one(text: str) -> str | None:
        try:
            outcome = await engine.translate_text(text, targets=[locale], scope="surveys")
        except Exception:
            return None
        translated = outcome.plain(next(iter(outcome.texts), locale), text) if outcome.texts else None
        return translated if translated and translated != text else None

    return list(await asyncio.gather(*(one(text) for text in texts)))


async def results_reply(service: SurveyService, survey: Survey, locale: str, *,
                        engine: TranslationEngine | None = None, charts: bool = True) -> Reply:
    """The results of `survey` for a reader of `locale`: a summary per question, a chart per choice, scale and number
    question (as PNG files), the free texts in the reader's language with their original a click away."""
    from bot.services.surveys.chasing import response_rates

    assert survey.id is not None
    definition = definition_of(survey)
    responses = service.store.responses(survey.id)
    rates = response_rates(service, survey)
    results = await asyncio.to_thread(tally, definition, responses)
    head = t(locale, "Results of “{title}” (#{id}): {answers} answers from {targets} asked.",
             title=text_in(definition.title, locale), id=survey.id, answers=len(responses), targets=rates.targets)
    sections: list[Section] = []
    for result in results:
        title = text_in(result.question.text, locale)
        sections.append(Section(title=title, text=_summary_line(result, locale)))
        if result.question.kind == "text" and result.broken_down:
            texts = result.texts
            if survey.anonymous:  # in the order they came, to someone watching the rates rise, they say who wrote them
                texts = sorted(texts, key=lambda item: hashlib.sha256(item[1].encode()).hexdigest())
            shown = texts[:TEXTS_SHOWN]
            translations = await _translated(engine, [text for _, text in shown], locale)
            for (response_id, text), translated in zip(shown, translations, strict=True):
                body = translated if translated else text
                buttons: tuple[Button, ...] = ()
                if translated:
                    body += "\n" + t(locale, "(machine translation)")
                    buttons = (Button(f"{ORIGINAL_ACTION}:{survey.id}:{response_id}:{result.question.id}",
                                      t(locale, "Original"), value=f"{survey.id}:{response_id}:{result.question.id}"),)
                sections.append(Section(text=f"“{body}”" if not translated else body, buttons=buttons))
    files: list[Attachment] = []
    if charts:
        drawn = await asyncio.to_thread(lambda: [_chart(result, locale) for result in results])
        files = [chart for chart in drawn if chart is not None]
    return Reply(text=head, sections=sections, files=files, ephemeral=False)


def original_text(service: SurveyService, value: str) -> tuple[Survey, str] | None:
    """The original of a free-text answer named by an "Original" button (`survey:response:question`)."""
    try:
        survey_id, response_id, question_id = value.split(":", 2)
        survey = service.store.get(int(survey_id))
        response = service.store.response(int(response_id))
    except (ValueError, TypeError):
        return None
    if survey is None or response is None or response.survey_id != survey.id:
        return None
    answer: Any = answers_of(response.answers).get(question_id)
    return (survey, str(answer)) if isinstance(answer, str) else None
