"""Survey definitions: the YAML files of `bot/data/surveys/`, checked on load with the file, line and problem.

A definition names its questions (single or multiple choice, scale, yes/no, number, free text), which are
required, which are shown only after a given answer to an earlier one, the text of everything in every
catalogue language, the audience, the opening and closing dates, whether it is anonymous, and whether each city
answers once (any of its coordinators, for the city) or each person does. See `bot/data/surveys/README.md`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from bot.i18n import N_, t
from bot.services.audience import AudienceKind
from bot.settings import SUPPORTED_LOCALES

#: Where the shipped definitions live (declared as package data).
PACKAGED = Path(__file__).resolve().parents[2] / "data" / "surveys"

QuestionKind = Literal["single", "multiple", "scale", "yes_no", "number", "text"]
KINDS: tuple[str, ...] = ("single", "multiple", "scale", "yes_no", "number", "text")
#: Free text is kept to what a chat input holds (Slack: 3,000 characters per input).
TEXT_LIMIT = 3000
DEFAULT_TEXT_LENGTH = 2000
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
#: Choices a survey may take from the network instead of listing them (filled in when the survey opens).
CHOICE_SOURCES = ("clusters", "campaign-days")

Text = dict[str, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChoiceDef(_Strict):
    """One answer offered by a choice question: a stable id and its text in every language."""

    id: str
    text: Text


class ConditionDef(_Strict):
    """Show a question only when the earlier question `question` was answered with one of `is`."""

    question: str
    is_: list[str] = Field(alias="is", min_length=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("is_", mode="before")
    @classmethod
    def _as_answers(cls, value: object) -> object:
        """`is: yes` or `is: [yes, 3]` as answer ids: YAML reads yes/no as booleans and 3 as a number."""
        values = value if isinstance(value, list) else [value]
        return [("yes" if item else "no") if isinstance(item, bool) else str(item) if isinstance(item, int | float)
                else item for item in values]


class ScaleLabels(_Strict):
    min: Text
    max: Text


class QuestionDef(_Strict):
    """A question as the file states it (choices given by a set's name are resolved when the file loads)."""

    id: str
    kind: QuestionKind
    text: Text
    help: Text | None = None
    required: bool = True
    choices: list[ChoiceDef] | None = None
    #: The name of one of the survey's `choice_sets`, instead of `choices`.
    choice_set: str | None = None
    choices_from: Literal["clusters", "campaign-days"] | None = None
    min: int | None = None
    max: int | None = None
    labels: ScaleLabels | None = None
    max_length: int | None = Field(default=None, ge=1)
    max_choices: int | None = Field(default=None, ge=1)
    when: ConditionDef | None = None

    def choice_ids(self) -> list[str]:
        if self.kind == "yes_no":
            return ["yes", "no"]
        if self.kind == "scale":
            return [str(n) for n in range(self.scale_min, self.scale_max + 1)]
        return [choice.id for choice in self.choices or []]

    @property
    def scale_min(self) -> int:
        return self.min if self.min is not None else 1

    @property
    def scale_max(self) -> int:
        return self.max if self.max is not None else 5

    @property
    def text_limit(self) -> int:
        return min(self.max_length or DEFAULT_TEXT_LENGTH, TEXT_LIMIT)


class SurveyDef(_Strict):
    """A whole survey definition, checked."""

    id: str
    title: Text
    intro: Text | None = None
    audience: str = "all"
    per: Literal["city", "person"] = "city"
    anonymous: bool = False
    opens: date | datetime | None = None
    closes: date | datetime
    #: Days before the closing date on which those who have not answered are reminded (09:00 their time).
    chase: list[int] = Field(default_factory=lambda: [7, 2])
    choice_sets: dict[str, list[ChoiceDef]] = Field(default_factory=dict)
    questions: list[QuestionDef] = Field(min_length=1)
    #: What closing the survey does: `campaign-days` makes the chosen days the network's campaign days.
    outcome: Literal["campaign-days"] | None = None
    #: For `outcome: campaign-days`: the question whose choices are the days, and the share of answers a day
    #: needs to be chosen.
    outcome_question: str | None = None
    outcome_share: float = Field(default=0.5, gt=0, le=1)

    def question(self, question_id: str) -> QuestionDef | None:
        return next((q for q in self.questions if q.id == question_id), None)


def text_in(text: Text | None, locale: str) -> str:
    """`text` in `locale`, else in English (definitions have every language; this only guards old snapshots)."""
    if not text:
        return ""
    return text.get(locale) or text.get("en") or next(iter(text.values()))


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a definition file: where, and what (a msgid and its parameters)."""

    file: str
    line: int
    msgid: str
    params: tuple[tuple[str, object], ...] = ()

    def describe(self, locale: str) -> str:
        where = t(locale, "{file}, line {line}:", file=self.file, line=self.line)
        return f"{where} {t(locale, self.msgid, **dict(self.params))}"


class DefinitionError(Exception):
    """A definition file that cannot be used; `problems` say each thing wrong, with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        problems = sorted(dict.fromkeys(problems), key=lambda p: p.line)
        super().__init__("; ".join(p.describe("en") for p in problems))
        self.problems = problems

    def describe(self, locale: str) -> str:
        return "\n".join(problem.describe(locale) for problem in self.problems)


# ---------------------------------------------------------------- YAML with line numbers

Path_ = tuple[str | int, ...]


def _lines(node: yaml.Node, path: Path_, found: dict[Path_, int], duplicates: list[tuple[int, str]]) -> None:
    """Record the line of every value (and mapping key) under `node`, by its path; note keys given twice."""
    found.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                duplicates.append((key_node.start_mark.line + 1, key))
            seen.add(key)
            found[(*path, key)] = key_node.start_mark.line + 1
            _lines(value_node, (*path, key), found, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), found, duplicates)


class _Located:
    """A definition's data with the line of each part (the deepest known line for any path)."""

    def __init__(self, file: str, lines: dict[Path_, int]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def line(self, path: Path_) -> int:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1

    def add(self, path: Path_, msgid: str, **params: object) -> None:
        # A value quoted back is shown on one line: a line break or a control character in it reads as a space.
        shown = {name: "".join(ch if ch.isprintable() else " " for ch in value) if isinstance(value, str) else value
                 for name, value in params.items()}
        self.problems.append(Problem(self.file, self.line(path), msgid, tuple(shown.items())))


def _field_path(loc: tuple[Any, ...]) -> Path_:
    """A pydantic error location as a data path (aliases as written; union branches left out)."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(part, int):
            path.append(part)
        elif part in ("date", "datetime") or (isinstance(part, str) and "[" in part):
            continue
        else:
            path.append("is" if part == "is_" else str(part))
    return tuple(path)


def _schema_problem(located: _Located, error: ErrorDetails) -> None:
    path = _field_path(tuple(error["loc"]))
    name = str(path[-1]) if path else "?"
    kind = error["type"]
    value = error["input"]
    if kind == "missing":
        located.add(path[:-1] or path, N_("“{field}” is missing."), field=name)
    elif kind == "extra_forbidden":
        located.add(path, N_("“{field}” is not something a definition can say."), field=name)
    elif kind == "literal_error" and name == "kind":
        located.add(path, N_("“{value}” is not a kind of question. Kinds: {choices}."), value=str(value)[:40],
                    choices=", ".join(KINDS))
    elif kind == "literal_error":
        expected = str(error.get("ctx", {})["expected"])
        located.add(path, N_("“{value}” is not allowed for “{field}”. Allowed: {choices}."), value=str(value)[:40],
                    field=name, choices=expected.replace("'", ""))
    elif kind.startswith("date"):  # date_parsing, datetime_from_date_parsing…
        located.add(path, N_("“{value}” is not a date (write it as 2027-03-21)."), value=str(value)[:40])
    else:  # a wrong type, or a value out of its bounds: pydantic's own words say which
        located.add(path, N_("“{field}” has a value that does not fit: {detail}."), field=name,
                    detail=error["msg"][:120])


# ---------------------------------------------------------------- checks beyond the schema


def _check_text(located: _Located, path: Path_, text: Text | None) -> None:
    if text is None:
        return
    for locale in SUPPORTED_LOCALES:
        if not str(text.get(locale) or "").strip():
            located.add(path, N_("The text has no “{language}” version: every catalogue language is needed."),
                        language=locale)
    for locale in text:
        if locale not in SUPPORTED_LOCALES:
            located.add((*path, locale), N_("“{language}” is not a catalogue language. Languages: {choices}."),
                        language=locale, choices=", ".join(SUPPORTED_LOCALES))


def _check_choices(located: _Located, path: Path_, choices: list[ChoiceDef]) -> None:
    seen: set[str] = set()
    for index, choice in enumerate(choices):
        if not _ID.match(choice.id):
            located.add((*path, index, "id"), N_("“{value}” is not a valid id (lower-case letters, digits, - and _)."),
                        value=choice.id[:60])
        if choice.id in seen:
            located.add((*path, index, "id"), N_("The id “{value}” is used twice."), value=choice.id)
        seen.add(choice.id)
        _check_text(located, (*path, index, "text"), choice.text)


def _check_question(located: _Located, survey: SurveyDef, index: int, question: QuestionDef,
                    earlier: dict[str, QuestionDef]) -> None:
    path: Path_ = ("questions", index)
    if not _ID.match(question.id):
        located.add((*path, "id"), N_("“{value}” is not a valid id (lower-case letters, digits, - and _)."),
                    value=question.id[:60])
    if question.id in earlier:
        located.add((*path, "id"), N_("The id “{value}” is used twice."), value=question.id)
    _check_text(located, (*path, "text"), question.text)
    _check_text(located, (*path, "help"), question.help)
    choosing = question.kind in ("single", "multiple")
    given = [name for name in ("choices", "choice_set", "choices_from") if getattr(question, name) is not None]
    if choosing and len(given) != 1:
        located.add(path, N_("A choice question needs one of “choices”, “choice_set” or “choices_from”."))
    if not choosing and given:
        located.add((*path, given[0]), N_("Only choice questions have choices."))
    if question.choice_set is not None and question.choice_set not in survey.choice_sets:
        located.add((*path, "choice_set"), N_("There is no choice set called “{value}”."),
                    value=question.choice_set[:60])
    if question.choices is not None:
        if not question.choices:
            located.add((*path, "choices"), N_("A choice question needs at least one choice."))
        _check_choices(located, (*path, "choices"), question.choices)
    if question.kind == "scale":
        if question.scale_max - question.scale_min not in range(1, 11):
            located.add((*path, "max"), N_("A scale goes from “min” to “max”, with 2 to 11 steps."))
        if question.labels is not None:
            _check_text(located, (*path, "labels", "min"), question.labels.min)
            _check_text(located, (*path, "labels", "max"), question.labels.max)
    if question.kind == "number" and None not in (question.min, question.max) and question.min > question.max:  # type: ignore[operator]
        located.add((*path, "max"), N_("“max” is smaller than “min”."))
    if question.max_length is not None and question.kind != "text":
        located.add((*path, "max_length"), N_("Only free-text questions have “max_length”."))
    if question.max_length is not None and question.max_length > TEXT_LIMIT:
        located.add((*path, "max_length"), N_("“max_length” is at most {limit}."), limit=TEXT_LIMIT)
    if question.max_choices is not None and question.kind != "multiple":
        located.add((*path, "max_choices"), N_("Only multiple-choice questions have “max_choices”."))
    condition = question.when
    if condition is not None:
        target = earlier.get(condition.question)
        if target is None:
            later = survey.question(condition.question) is not None
            located.add((*path, "when", "question"),
                        N_("The condition names “{value}”, which comes later: a condition can only name an earlier "
                           "question.") if later else
                        N_("The condition names “{value}”, which is no question of this survey."),
                        value=condition.question[:60])
        elif target.kind in ("number", "text"):
            located.add((*path, "when", "question"),
                        N_("A condition can only name a choice, scale or yes/no question."))
        elif target.choices_from is None:
            allowed = target.choice_ids() if target.choice_set is None else [
                c.id for c in survey.choice_sets.get(target.choice_set, [])]
            for value in condition.is_:
                if str(value) not in allowed:
                    located.add((*path, "when", "is"),
                                N_("“{value}” is not an answer of “{field}”. Answers: {choices}."),
                                value=str(value)[:40], field=target.id, choices=", ".join(allowed))


def _check(located: _Located, survey: SurveyDef) -> None:
    if not _ID.match(survey.id):
        located.add(("id",), N_("“{value}” is not a valid id (lower-case letters, digits, - and _)."),
                    value=survey.id[:60])
    _check_text(located, ("title",), survey.title)
    _check_text(located, ("intro",), survey.intro)
    kind = survey.audience.partition(":")[0].strip().lower()
    if kind not in {k.value for k in AudienceKind} or (kind != "all" and not survey.audience.partition(":")[2]):
        located.add(("audience",), N_("“{value}” is not an audience. Try: all, cluster:<name>, region:<name>, "
                                      "country:<code>, role:<role>."), value=survey.audience[:60])
    if survey.opens is not None and _as_date(survey.opens) > _as_date(survey.closes):
        located.add(("closes",), N_("The survey closes before it opens."))
    if any(days < 0 or days > 365 for days in survey.chase):
        located.add(("chase",), N_("Reminders are given in days before the closing date, from 0 to 365."))
    for name, choices in survey.choice_sets.items():
        _check_choices(located, ("choice_sets", name), choices)
    earlier: dict[str, QuestionDef] = {}
    for index, question in enumerate(survey.questions):
        _check_question(located, survey, index, question, earlier)
        earlier.setdefault(question.id, question)
    if survey.outcome is not None:
        target = survey.question(survey.outcome_question or "")
        if target is None or target.kind != "multiple":
            located.add(("outcome_question",), N_("“outcome_question” must name a multiple-choice question."))


def _as_date(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _resolve_sets(survey: SurveyDef) -> SurveyDef:
    """The definition with every `choice_set: <name>` replaced by the set's choices."""
    questions = [
        q.model_copy(update={"choices": survey.choice_sets[q.choice_set], "choice_set": None})
        if q.choice_set is not None else q
        for q in survey.questions
    ]
    return survey.model_copy(update={"questions": questions})


# ---------------------------------------------------------------- loading


def parse_definition(text: str, file: str) -> SurveyDef:
    """Check the YAML `text` of the file `file` and return its survey; `DefinitionError` says what is wrong."""
    located = _Located(file, {})
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise DefinitionError([Problem(file, line, N_("This is not valid YAML: {detail}."),
                                       (("detail", str(exc.problem or exc)[:120]),))]) from None
    except yaml.YAMLError as exc:
        # A character YAML does not allow: the reader's error has no mark, only the character's position, and says
        # where on a second line (a problem is shown on one line).
        line = text.count("\n", 0, getattr(exc, "position", 0)) + 1
        raise DefinitionError([Problem(file, line, N_("This is not valid YAML: {detail}."),
                                       (("detail", str(exc).partition("\n")[0][:120]),))]) from None
    duplicates: list[tuple[int, str]] = []
    if node is not None:
        _lines(node, (), located.lines, duplicates)
    for line, key in duplicates:
        located.problems.append(Problem(file, line, N_("“{field}” is given twice."), (("field", key),)))
    if not isinstance(data, dict):
        located.add((), N_("A survey definition is a mapping of fields (id, title, questions…)."))
        raise DefinitionError(located.problems)
    try:
        survey = SurveyDef.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            _schema_problem(located, error)
        raise DefinitionError(sorted(located.problems, key=lambda p: p.line)) from None
    _check(located, survey)
    if located.problems:
        raise DefinitionError(sorted(located.problems, key=lambda p: p.line))
    return _resolve_sets(survey)


def load_definition(path: Path, *, name: str | None = None) -> SurveyDef:
    """The survey of the file at `path` (named `name` in errors, else its path)."""
    shown = name or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(shown, 1, N_("The file cannot be read: {detail}."),
                                       (("detail", type(exc).__name__),))]) from None
    return parse_definition(text, shown)


def definition_files(*folders: Path) -> Iterator[Path]:
    """The `.yaml` files of `folders`, by name (folders that do not exist are skipped)."""
    for folder in folders:
        if folder.is_dir():
            yield from sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


@dataclass
class Catalogue:
    """Every definition found, by id, and the files that could not be used (with their problems)."""

    surveys: dict[str, SurveyDef]
    broken: dict[str, DefinitionError]


def load_catalogue(*folders: Path, shown: Callable[[Path], str] | None = None) -> Catalogue:
    """Load every definition of `folders`; a broken file is reported, never stops the others."""
    surveys: dict[str, SurveyDef] = {}
    broken: dict[str, DefinitionError] = {}
    for path in definition_files(*folders):
        name = shown(path) if shown else path.as_posix()
        try:
            survey = load_definition(path, name=name)
        except DefinitionError as exc:
            broken[name] = exc
            continue
        if survey.id in surveys:
            broken[name] = DefinitionError([Problem(name, 1, N_("Another file already defines the survey "
                                                                "“{value}”."), (("value", survey.id),))])
            continue
        surveys[survey.id] = survey
    return Catalogue(surveys, broken)
