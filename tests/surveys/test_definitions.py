"""Survey definitions: the shipped ones load; a broken file says which file, which line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.services.surveys.definitions import PACKAGED, DefinitionError, load_catalogue, parse_definition
from bot.services.surveys.questions import parse_value
from bot.settings import SUPPORTED_LOCALES
from tests.surveys.helpers import check_definition


def test_the_shipped_surveys_load_with_every_language() -> None:
    catalogue = load_catalogue(PACKAGED)
    assert catalogue.broken == {}
    annual = catalogue.surveys["annual-icc-survey"]
    ids = [question.id for question in annual.questions]
    for tool in ("index", "guide", "manuals", "academies", "website", "practices_database", "newsletter",
                 "priority_themes", "clusters_to_join", "feedback"):
        assert tool in ids
    assert annual.per == "city" and not annual.anonymous
    assert annual.question("index")  # a choice set, resolved
    assert [c.id for c in annual.question("index").choices or []] == ["regularly", "sometimes", "never"]
    vote = catalogue.surveys["campaign-days-vote"]
    assert vote.outcome == "campaign-days"
    assert vote.question("days").choices_from == "campaign-days"  # the calendar's days, by their stable ids
    for survey in catalogue.surveys.values():
        for question in survey.questions:
            assert set(question.text) == set(SUPPORTED_LOCALES)


def dump(definition: dict) -> str:  # type: ignore[type-arg]
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)


def problem(text: str) -> tuple[int, str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, "surveys/broken.yaml")
    first = caught.value.problems[0]
    described = caught.value.describe("en")
    assert described.startswith(f"surveys/broken.yaml, line {first.line}:")
    return first.line, described


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_an_unknown_question_kind_names_its_line() -> None:
    definition = check_definition()
    definition["questions"][3]["kind"] = "ranking"
    text = dump(definition)
    line, message = problem(text)
    assert line == line_of(text, "kind: ranking")
    assert "“ranking” is not a kind of question. Kinds: single, multiple, scale, yes_no, number, text." in message


def test_a_duplicate_question_id() -> None:
    definition = check_definition()
    definition["questions"][4]["id"] = "uses"
    text = dump(definition)
    line, message = problem(text)
    assert "The id “uses” is used twice." in message
    assert line == [n for n, row in enumerate(text.splitlines(), 1) if row.strip() == "- id: uses"][1]


def test_a_condition_on_a_later_question() -> None:
    definition = check_definition()
    definition["questions"][1]["when"] = {"question": "strategy", "is": ["yes"]}
    text = dump(definition)
    line, message = problem(text)
    assert "which comes later: a condition can only name an earlier question" in message
    assert line == line_of(text, "question: strategy")


def test_a_missing_language() -> None:
    definition = check_definition()
    del definition["questions"][2]["text"]["uk"]
    text = dump(definition)
    _line, message = problem(text)
    assert "The text has no “uk” version: every catalogue language is needed." in message


def test_a_choice_set_a_key_given_twice_and_yaml_that_is_not_yaml() -> None:
    text = dump(check_definition()) + "per: person\n"
    line, message = problem(text)
    assert "“per” is given twice." in message and line == len(text.splitlines())
    line, message = problem("id: x\ntitle: [unclosed\n")
    assert "This is not valid YAML" in message and line >= 2
    line, message = problem("- just\n- a list\n")
    assert "A survey definition is a mapping" in message


def test_a_missing_field_and_an_unknown_one() -> None:
    definition = check_definition()
    del definition["closes"]
    definition["colour"] = "blue"
    _line, message = problem(dump(definition))
    assert "“closes” is missing." in message and "“colour” is not something a definition can say." in message


def test_a_broken_file_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(dump(check_definition()), encoding="utf-8")
    broken = check_definition(id="other")
    broken["questions"][0]["kind"] = "ranking"
    (tmp_path / "bad.yaml").write_text(dump(broken), encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    assert list(catalogue.surveys) == ["network-check"]
    [(name, error)] = catalogue.broken.items()
    assert name.endswith("bad.yaml") and "ranking" in error.describe("fr")


@given(st.text(max_size=30))
def test_any_number_answer_is_a_number_in_range_or_refused(raw: str) -> None:
    from bot.services.surveys.definitions import QuestionDef

    question = QuestionDef(id="n", kind="number", text={}, min=0, max=1000)
    try:
        value = parse_value(question, raw.strip())
    except UserError:
        return
    assert isinstance(value, int | float) and 0 <= value <= 1000


@given(st.lists(st.sampled_from(["a", "b", "c", "z", ""]), max_size=5))
def test_any_multiple_choice_answer_is_known_choices_or_refused(picked: list[str]) -> None:
    from bot.services.surveys.definitions import ChoiceDef, QuestionDef

    question = QuestionDef(id="m", kind="multiple", text={}, max_choices=2,
                           choices=[ChoiceDef(id=c, text={}) for c in "abc"])
    try:
        value = parse_value(question, ",".join(picked))
    except UserError:
        assert "z" in picked or len({p for p in picked if p}) > 2
        return
    assert set(value) <= {"a", "b", "c"} and len(value) <= 2


#: Values a definition's fields might be given by mistake.
ODD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 2100), st.text(max_size=12),
                       st.lists(st.text(max_size=6), max_size=3), st.dictionaries(st.text(max_size=6),
                                                                                  st.text(max_size=6), max_size=3))


@given(st.data())
def test_any_broken_definition_is_refused_with_its_file_and_line_never_a_crash(data: st.DataObject) -> None:
    """A valid definition with one field changed to anything, or taken away: loaded, or refused with problems that
    each name the file and a line of it."""
    definition = check_definition()
    where = data.draw(st.sampled_from(["top", "question", "choice"]))
    target: dict = (definition if where == "top" else definition["questions"][data.draw(st.integers(0, 5))]  # type: ignore[type-arg]
                    if where == "question" else definition["questions"][0]["choices"][0])
    key = data.draw(st.sampled_from(sorted(target)))
    if data.draw(st.booleans()):
        del target[key]
    else:
        target[key] = data.draw(ODD_VALUES)
    text = dump(definition)
    try:
        parse_definition(text, "surveys/odd.yaml")
    except DefinitionError as error:
        lines = len(text.splitlines())
        assert error.problems and all(1 <= problem.line <= max(lines, 1) for problem in error.problems)
        assert all(line.startswith("surveys/odd.yaml, ") for line in error.describe("uk").splitlines())


@given(st.text(max_size=200))
def test_any_text_is_a_definition_or_refused_never_a_crash(text: str) -> None:
    try:
        parse_definition(text, "surveys/any.yaml")
    except DefinitionError as error:
        assert error.problems


def test_a_value_quoted_back_stays_on_its_line() -> None:
    """Found by the property above: an id holding a line break (U+0085) split the problem in two lines."""
    definition = check_definition()
    definition["questions"][0]["choices"][0]["id"] = " \x85"
    _line, message = problem(dump(definition))
    assert "“  ” is not a valid id" in message and all(line.startswith("surveys/broken.yaml, line ")
                                                         for line in message.splitlines())
