"""Survey validation rule by rule: each check of a definition file at its boundary, with its line, and each rule
of asking, paging, reading and showing answers (each test kills mutants of definitions.py or questions.py that
the scenario tests miss)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import UserError
from bot.i18n import t
from bot.messages import FieldKind
from bot.services.surveys.definitions import (
    ChoiceDef,
    ConditionDef,
    DefinitionError,
    Problem,
    QuestionDef,
    SurveyDef,
    definition_files,
    load_catalogue,
    load_definition,
    parse_definition,
    text_in,
)
from bot.services.surveys.questions import (
    Page,
    as_field_value,
    asked,
    choice_label,
    condition_met,
    field_for,
    first_unanswered,
    missing,
    pages,
    parse_value,
    read_page,
    relevant,
    shown_answer,
)
from tests.surveys.helpers import check_definition, every_language


def dump(definition: dict[str, Any]) -> str:
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)


def problems(definition: dict[str, Any] | str) -> list[str]:
    """Every problem of a definition, as "line: message" in English."""
    text = definition if isinstance(definition, str) else dump(definition)
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, "s.yaml")
    for problem in caught.value.problems:  # each is a catalogued message: its French is not its English
        params = dict(problem.params)
        assert t("fr", problem.msgid, **params) != t("en", problem.msgid, **params), problem.msgid
    return [problem.describe("en").removeprefix("s.yaml, line ") for problem in caught.value.problems]


def fine(definition: dict[str, Any]) -> SurveyDef:
    return parse_definition(dump(definition), "s.yaml")


def with_question(index: int, **changes: Any) -> dict[str, Any]:
    definition = check_definition()
    definition["questions"][index].update(changes)
    for key, value in list(changes.items()):
        if value is None:
            del definition["questions"][index][key]
    return definition


def only(found: list[str], words: str) -> None:
    assert len(found) == 1 and words in found[0], found


# ------------------------------------------------------------------ the definition file


def test_texts_fall_back_to_english_then_to_any_language() -> None:
    assert text_in({"en": "Yes", "fr": "Oui"}, "fr") == "Oui"
    assert text_in({"en": "Yes", "fr": ""}, "fr") == "Yes"
    assert text_in({"de": "Ja"}, "fr") == "Ja"
    assert text_in({"de": "Ja", "en": "Yes"}, "fr") == "Yes"  # English before the first language given
    assert text_in({"de": ""}, "fr") == ""
    assert text_in(None, "fr") == text_in({}, "fr") == ""


def test_choice_ids_and_limits_of_each_kind() -> None:
    assert QuestionDef(id="q", kind="yes_no", text={}).choice_ids() == ["yes", "no"]
    assert QuestionDef(id="q", kind="scale", text={}).choice_ids() == ["1", "2", "3", "4", "5"]
    assert QuestionDef(id="q", kind="scale", text={}, min=0, max=2).choice_ids() == ["0", "1", "2"]
    assert QuestionDef(id="q", kind="single", text={}).choice_ids() == []
    assert QuestionDef(id="q", kind="text", text={}).text_limit == 2000
    assert QuestionDef(id="q", kind="text", text={}, max_length=3500).text_limit == 3000
    assert QuestionDef(id="q", kind="text", text={}, max_length=10).text_limit == 10


def test_a_condition_reads_yaml_booleans_and_numbers_as_answer_ids() -> None:
    assert ConditionDef.model_validate({"question": "q", "is": True}).is_ == ["yes"]
    assert ConditionDef.model_validate({"question": "q", "is": [False, 3, 2.5, "x"]}).is_ == ["no", "3", "2.5", "x"]


def test_the_check_definition_is_fine_and_keeps_its_fields() -> None:
    survey = fine(check_definition())
    assert survey.id == "network-check" and survey.chase == [7, 2] and len(survey.questions) == 6
    assert survey.question("useful") is not None and survey.question("nothing") is None


@pytest.mark.parametrize(("changes", "words"), [
    ({"id": "Network Check"}, "“Network Check” is not a valid id"),
    ({"id": "x" * 49}, "is not a valid id"),
    ({"audience": "galaxy:far"}, "“galaxy:far” is not an audience"),
    ({"audience": "cluster:"}, "“cluster:” is not an audience"),
    ({"opens": "2030-02-01"}, "The survey closes before it opens."),
    ({"chase": [-1]}, "from 0 to 365"),
    ({"chase": [7, 366]}, "from 0 to 365"),
    ({"outcome": "campaign-days", "outcome_question": "uses"}, "“outcome_question” must name a multiple-choice"),
    ({"outcome": "campaign-days"}, "“outcome_question” must name a multiple-choice"),
    ({"per": "team"}, "“team” is not allowed for “per”. Allowed: city or person."),
    ({"per": "t" * 50}, f"“{'t' * 40}” is not allowed for “per”."),
    ({"colour": "blue"}, "“colour” is not something a definition can say."),
    ({"closes": "soon"}, "“soon” is not a date (write it as 2027-03-21)."),
    ({"outcome_share": 1.5}, "“outcome_share” has a value that does not fit"),
    ({"anonymous": "perhaps"}, "“anonymous” has a value that does not fit"),
    ({"title": {**every_language("T"), "la": "T"}}, "“la” is not a catalogue language. Languages: en,"),
    ({"intro": {"en": "Hello"}}, "The text has no “fr” version"),
    ({"choice_sets": {"often": [{"id": "A", "text": every_language("A")}]}}, "“A” is not a valid id"),
])
def test_survey_level_checks(changes: dict[str, Any], words: str) -> None:
    found = problems(check_definition(**changes))
    assert any(words in problem for problem in found), found


@pytest.mark.parametrize("changes", [
    {"id": "x" * 48},
    {"audience": "cluster:anti-rumours"},
    {"audience": "ALL"},
    {"opens": "2030-01-31"},
    {"opens": "2029-12-01T10:00:00", "closes": "2030-01-31T09:00:00"},
    {"chase": [0, 365]},
    {"outcome": "campaign-days", "outcome_question": "themes", "outcome_share": 1},
])
def test_survey_level_boundaries_are_allowed(changes: dict[str, Any]) -> None:
    fine(check_definition(**changes))


def test_a_survey_closing_on_the_day_it_opens_at_a_later_hour_is_refused() -> None:
    only(problems(check_definition(opens="2030-02-01T08:00:00", closes="2030-01-31")), "closes before it opens")


CHOICES = [{"id": c, "text": every_language(c)} for c in ("x", "y")]


@pytest.mark.parametrize(("index", "changes", "words"), [
    (0, {"choices": None}, "A choice question needs one of “choices”, “choice_set” or “choices_from”."),
    (0, {"choices_from": "clusters"}, "needs one of"),
    (0, {"choices": None, "choice_set": "levels"}, "There is no choice set called “levels”."),
    (0, {"choices": []}, "A choice question needs at least one choice."),
    (0, {"choices": [*CHOICES, CHOICES[0]]}, "The id “x” is used twice."),
    (0, {"choices": [{"id": "X y", "text": every_language("x")}]}, "“X y” is not a valid id"),
    (0, {"choices": [{"id": "x", "text": {"en": "x"}}]}, "The text has no “fr” version"),
    (0, {"help": {"en": "x"}}, "The text has no “fr” version"),
    (0, {"id": "Uses"}, "“Uses” is not a valid id"),
    (1, {"max": 1}, "A scale goes from “min” to “max”, with 2 to 11 steps."),
    (1, {"max": 12}, "with 2 to 11 steps"),
    (1, {"labels": {"min": {"en": "bad"}, "max": every_language("good")}}, "The text has no “fr” version"),
    (1, {"labels": {"min": every_language("bad"), "max": {"en": "good"}}}, "The text has no “fr” version"),
    (1, {"choices": CHOICES}, "Only choice questions have choices."),
    (1, {"when": {"question": "partners", "is": ["1"]}}, "which comes later"),
    (1, {"when": {"question": "nothing", "is": ["1"]}}, "“nothing”, which is no question of this survey"),
    (1, {"when": {"question": "uses", "is": ["always"]}}, "“always” is not an answer of “uses”. Answers: often, "
                                                          "rarely, never."),
    (2, {"max_choices": 0}, "“max_choices” has a value that does not fit"),
    (3, {"min": 10, "max": 9}, "“max” is smaller than “min”."),
    (3, {"max_choices": 2}, "Only multiple-choice questions have “max_choices”."),
    (3, {"max_length": 10}, "Only free-text questions have “max_length”."),
    (5, {"max_length": 3001}, "“max_length” is at most 3000."),
    (4, {"when": {"question": "partners", "is": ["1"]}}, "A condition can only name a choice, scale or yes/no"),
    (5, {"when": {"question": "strategy", "is": ["maybe"]}}, "“maybe” is not an answer of “strategy”. Answers: "
                                                             "yes, no."),
    (3, {"kind": "ranking"}, "“ranking” is not a kind of question."),
    (3, {"kind": "r" * 50}, f"“{'r' * 40}” is not a kind of question. Kinds: single, multiple, scale, yes_no, "
                            "number, text."),
    (3, {"min": "few"}, "“min” has a value that does not fit"),
    (3, {"id": None}, "“id” is missing."),
    (1, {"when": {"question": "uses", "is": []}}, "“is” has a value that does not fit"),
])
def test_question_level_checks(index: int, changes: dict[str, Any], words: str) -> None:
    found = problems(with_question(index, **changes))
    assert any(words in problem for problem in found), found


@pytest.mark.parametrize(("index", "changes"), [
    (1, {"max": 2}),
    (1, {"min": 0, "max": 10}),
    (1, {"labels": {"min": every_language("bad"), "max": every_language("good")}}),
    (3, {"min": 5, "max": 5}),
    (3, {"min": 5}),
    (5, {"max_length": 3000}),
    (1, {"when": {"question": "uses", "is": "never"}}),
    (5, {"when": {"question": "useful", "is": [5]}}),
    (5, {"when": {"question": "strategy", "is": True}}),
])
def test_question_level_boundaries_are_allowed(index: int, changes: dict[str, Any]) -> None:
    fine(with_question(index, **changes))


def test_choice_sets_are_resolved_and_conditions_checked_against_them() -> None:
    definition = check_definition(choice_sets={"levels": CHOICES})
    definition["questions"][0] = {"id": "uses", "kind": "single", "text": every_language("?"), "choice_set": "levels"}
    definition["questions"][1]["when"] = {"question": "uses", "is": ["y"]}
    survey = fine(definition)
    uses = survey.question("uses")
    assert uses is not None and uses.choice_set is None and [c.id for c in uses.choices or []] == ["x", "y"]
    definition["questions"][1]["when"] = {"question": "uses", "is": ["often"]}
    only(problems(definition), "“often” is not an answer of “uses”. Answers: x, y.")


def test_conditions_on_choices_taken_from_the_network_are_not_checked_on_load() -> None:
    definition = with_question(0, choices=None, choices_from="campaign-days")
    definition["questions"][1]["when"] = {"question": "uses", "is": ["any-day"]}
    fine(definition)


def test_every_problem_has_the_line_of_what_is_wrong_in_line_order() -> None:
    definition = check_definition(id="Bad Id")
    definition["questions"][3]["min"] = 10
    definition["questions"][3]["max"] = 9
    text = dump(definition)
    lines = text.splitlines()
    found = problems(text)
    assert found[0] == f"{lines.index('id: Bad Id') + 1}: “Bad Id” is not a valid id (lower-case letters, digits, " \
                       "- and _)."
    assert found[1] == f"{lines.index('  max: 9') + 1}: “max” is smaller than “min”."


def test_the_same_problem_is_reported_once() -> None:
    error = DefinitionError([Problem("f", 3, "b"), Problem("f", 1, "a"), Problem("f", 3, "b")])
    assert [(p.line, p.msgid) for p in error.problems] == [(1, "a"), (3, "b")]
    assert str(error) == "f, line 1: a; f, line 3: b"
    assert error.describe("fr").splitlines() == ["f, ligne 1 : a", "f, ligne 3 : b"]  # in the reader's language


def test_the_line_of_a_missing_field_is_its_parent_s() -> None:
    definition = check_definition()
    del definition["questions"][2]["text"]
    text = dump(definition)
    found = problems(text)
    assert found == [f"{text.splitlines().index('- id: themes') + 1}: “text” is missing."]


def test_yaml_that_is_not_a_mapping_or_not_yaml() -> None:
    assert problems("") == ["1: A survey definition is a mapping of fields (id, title, questions…)."]
    assert problems("just words") == ["1: A survey definition is a mapping of fields (id, title, questions…)."]
    [found] = problems("id: x\n  bad: [\n")
    assert found.startswith("2: This is not valid YAML:")


def test_files_are_read_by_name_and_every_broken_one_reported(tmp_path: Path) -> None:
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "b.yml").write_text(dump(check_definition()), encoding="utf-8")
    (folder / "a.yaml").write_text(dump(check_definition()), encoding="utf-8")
    (folder / "c.txt").write_text("not a definition", encoding="utf-8")
    (folder / "d.yaml").write_bytes(b"id: \xff\xfe")
    assert [p.name for p in definition_files(tmp_path / "nowhere", folder)] == ["a.yaml", "b.yml", "d.yaml"]
    catalogue = load_catalogue(folder, shown=lambda path: f"shown/{path.name}")
    assert list(catalogue.surveys) == ["network-check"]
    assert sorted(catalogue.broken) == ["shown/b.yml", "shown/d.yaml"]
    assert catalogue.broken["shown/b.yml"].describe("en") == \
        "shown/b.yml, line 1: Another file already defines the survey “network-check”."
    assert catalogue.broken["shown/d.yaml"].describe("en") == \
        "shown/d.yaml, line 1: The file cannot be read: UnicodeDecodeError."
    assert load_definition(folder / "a.yaml").id == "network-check"
    with pytest.raises(DefinitionError) as caught:
        load_definition(folder / "missing.yaml", name="gone.yaml")
    assert caught.value.describe("en") == "gone.yaml, line 1: The file cannot be read: FileNotFoundError."
    (folder / "e.yaml").write_text("- a list\n", encoding="utf-8")
    for name, shown in (("shown.yaml", "shown.yaml"), (None, (folder / "e.yaml").as_posix())):
        with pytest.raises(DefinitionError) as caught:
            load_definition(folder / "e.yaml", name=name)
        assert caught.value.describe("en").startswith(f"{shown}, line 1: A survey definition is a mapping")


def test_a_date_that_is_not_one_is_one_problem_quoted_in_part() -> None:
    only(problems(check_definition(closes="x" * 60)), f"“{'x' * 40}” is not a date (write it as 2027-03-21).")
    only(problems(check_definition(opens="2030-13-01")), "“2030-13-01” is not a date")


@pytest.mark.parametrize(("changes", "words"), [
    ({"anonymous": "perhaps"}, "“anonymous” has a value that does not fit: Input should be a valid boolean"),
    ({"chase": "weekly"}, "“chase” has a value that does not fit: Input should be a valid list."),
    ({"questions": []}, "“questions” has a value that does not fit: List should have at least 1 item"),
    ({"outcome_share": 0}, "“outcome_share” has a value that does not fit: Input should be greater than 0."),
    ({"title": "Network check"}, "“title” has a value that does not fit: Input should be a valid dictionary."),
])
def test_a_value_of_the_wrong_type_or_out_of_bounds_says_what_was_expected(changes: dict[str, Any],
                                                                          words: str) -> None:
    only(problems(check_definition(**changes)), words)


# ------------------------------------------------------------------ asking


def survey() -> SurveyDef:
    return fine(check_definition())


def question(survey_: SurveyDef, question_id: str) -> QuestionDef:
    found = survey_.question(question_id)
    assert found is not None
    return found


def test_a_question_is_asked_when_its_condition_is_met() -> None:
    s = survey()
    useful = question(s, "useful")
    assert condition_met(question(s, "uses"), {})
    assert not condition_met(useful, {}) and not condition_met(useful, {"uses": "never"})
    assert condition_met(useful, {"uses": "rarely"})
    assert condition_met(useful, {"uses": ["never", "often"]}) and not condition_met(useful, {"uses": ["never"]})
    assert [q.id for q in asked(s, {"uses": "never"})] == ["uses", "themes", "partners", "strategy", "comment"]
    assert [q.id for q in asked(s, {"uses": "often"})][:2] == ["uses", "useful"]
    assert relevant(s, {"uses": "never", "useful": 3, "ghost": 1, "partners": 2}) == {"uses": "never", "partners": 2}
    assert [q.id for q in missing(s, {"uses": "often", "themes": ["a"]})] == ["useful", "partners", "strategy"]


def test_pages_of_a_size_with_dependent_questions_on_a_later_page() -> None:
    s = survey()
    ids = [[q.id for q in page.questions] for page in pages(s, {"uses": "often"}, 2)]
    assert ids == [["uses"], ["useful", "themes"], ["partners", "strategy"], ["comment"]]
    ids = [[q.id for q in page.questions] for page in pages(s, {"uses": "never"}, 2)]
    assert ids == [["uses"], ["themes", "partners"], ["strategy", "comment"]]
    assert [len(page.questions) for page in pages(s, {}, 0)] == [1, 1, 1, 1, 1]
    [single] = pages(s, {}, 6)
    assert single.inline_conditions and len(single.questions) == 6
    assert not any(page.inline_conditions for page in pages(s, {"uses": "often"}, 5))
    assert [len(page.questions) for page in pages(s, {"uses": "often"}, 5)] == [1, 5]


def test_resuming_at_the_first_page_with_a_question_not_answered() -> None:
    s = survey()
    all_pages = pages(s, {"uses": "often"}, 2)
    assert first_unanswered(all_pages, {}) == 0
    assert first_unanswered(all_pages, {"uses": "often", "useful": 2}) == 1
    answered = {"uses": "often", "useful": 2, "themes": ["a"], "partners": 1, "strategy": "no", "comment": "x"}
    assert first_unanswered(all_pages, answered) == 3
    assert first_unanswered([], {}) == 0


# ------------------------------------------------------------------ questions as fields


def test_answers_as_people_read_them() -> None:
    s = fine(with_question(1, labels={"min": every_language("useless"), "max": every_language("vital")}))
    useful = question(s, "useful")
    assert choice_label(useful, "1", "en") == "1 — useless" and choice_label(useful, "5", "en") == "5 — vital"
    assert choice_label(useful, "3", "en") == "3"
    assert choice_label(question(s, "strategy"), "yes", "fr") == "Oui"
    assert choice_label(question(s, "strategy"), "maybe", "fr") == "maybe"
    assert choice_label(question(s, "uses"), "often", "en") == "Often"
    assert choice_label(question(s, "uses"), "always", "en") == "always"
    assert choice_label(question(survey(), "useful"), "1", "en") == "1"
    assert shown_answer(useful, None, "en") == "—" and shown_answer(question(s, "themes"), [], "en") == "—"
    assert shown_answer(question(s, "themes"), ["a", "c"], "en") == "Theme a, Theme c"
    assert shown_answer(useful, 5, "en") == "5 — vital"
    assert shown_answer(question(s, "partners"), 1234.5, "fr") == "1\u202f234,5"
    assert shown_answer(question(s, "comment"), "fine", "en") == "fine"


def test_stored_answers_as_form_values() -> None:
    s = survey()
    partners = question(s, "partners")
    assert as_field_value(partners, None) == ""
    assert as_field_value(question(s, "themes"), ["a", "b"]) == "a,b"
    assert as_field_value(partners, 3.0) == "3" and as_field_value(partners, 2.5) == "2.5"
    assert as_field_value(question(s, "comment"), 3.0) == "3.0"
    assert as_field_value(question(s, "useful"), 4) == "4"


def test_each_question_as_a_form_field() -> None:
    s = fine(with_question(0, help=every_language("Be honest.")))
    kinds = {q.id: field_for(q, "en", {}, inline_conditions=False, survey=s).kind for q in s.questions}
    assert kinds == {"uses": FieldKind.choice, "useful": FieldKind.choice, "themes": FieldKind.multi_choice,
                     "partners": FieldKind.text, "strategy": FieldKind.choice, "comment": FieldKind.long_text}
    uses = field_for(question(s, "uses"), "en", {"uses": "often"}, inline_conditions=False, survey=s)
    assert (uses.label, uses.hint, uses.initial, uses.required) == ("Do you use the Index?", "Be honest.", "often",
                                                                      True)
    assert [(c.value, c.label) for c in uses.choices] == [("often", "Often"), ("rarely", "Rarely"), ("never", "Never")]
    useful = field_for(question(s, "useful"), "en", {}, inline_conditions=True, survey=s)
    assert useful.hint == "Only if you answered “Often / Rarely” above." and not useful.required
    paged = field_for(question(s, "useful"), "en", {}, inline_conditions=False, survey=s)
    assert paged.hint == "" and paged.required
    themes = field_for(question(s, "themes"), "en", {"themes": ["a"]}, inline_conditions=True, survey=s)
    assert themes.hint == "At most 2." and themes.initial == "a" and themes.required
    partners = field_for(question(s, "partners"), "en", {}, inline_conditions=False, survey=s)
    assert partners.hint == "A number from 0 to 1000." and partners.max_length is None
    open_ended = fine(with_question(3, min=None, max=None))
    assert field_for(question(open_ended, "partners"), "en", {}, inline_conditions=False, survey=s).hint == "A number."
    comment = field_for(question(s, "comment"), "en", {}, inline_conditions=False, survey=s)
    assert comment.max_length == 500 and not comment.required
    assert partners.check("12") is None
    assert partners.check("lots") == "“lots” is not a number."
    french = field_for(question(s, "partners"), "fr", {}, inline_conditions=False, survey=s)
    refusal = french.check("2000")
    assert refusal is not None and "2000" not in refusal and "1000" in refusal and "Give a number" not in refusal


def test_a_condition_on_a_question_not_in_the_survey_gives_no_hint() -> None:
    s = survey()
    lone = QuestionDef(id="lone", kind="text", text={"en": "?"}, when=ConditionDef(question="ghost", is_=["x"]))
    assert field_for(lone, "en", {}, inline_conditions=True, survey=s).hint == ""


# ------------------------------------------------------------------ reading answers


def refused(question_: QuestionDef, value: str) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_value(question_, value)
    error = caught.value
    assert error.field == question_.id
    assert t("fr", error.msgid, **error.params) != t("en", error.msgid, **error.params), error.msgid
    return error


def test_choice_answers() -> None:
    s = survey()
    themes = question(s, "themes")
    assert parse_value(themes, "b, a, b") == ["b", "a"]
    assert refused(themes, "a,b,c").params == {"n": 2}
    assert refused(themes, "a,zz" + "z" * 70).params == {"value": "zz" + "z" * 58}
    assert parse_value(question(s, "uses"), "never") == "never"
    assert refused(question(s, "uses"), "always" * 20).params == {"value": ("always" * 20)[:60]}
    assert parse_value(question(s, "useful"), "5") == 5
    scale = refused(question(s, "useful"), "6")
    assert "whole number" in scale.msgid and scale.params == {"low": 1, "high": 5}
    assert parse_value(question(s, "strategy"), "yes") == "yes"
    unlimited = QuestionDef(id="m", kind="multiple", text={}, choices=[ChoiceDef(id=c, text={}) for c in "abc"])
    assert parse_value(unlimited, "a,b,c") == ["a", "b", "c"]


@pytest.mark.parametrize(("raw", "value"), [
    ("12", 12), ("+12", 12), ("1 000", 1000), ("2,5", 2.5), ("2.50", 2.5), ("0", 0), ("1000", 1000),
    ("999.999999", 999.999999),
])
def test_numbers_that_are_read(raw: str, value: float) -> None:
    result = parse_value(question(survey(), "partners"), raw)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize("raw", ["-1", "1000.5", "1e3", "1.2345678", "1,2,3", "12 apples", "0x10", "."])
def test_numbers_that_are_refused(raw: str) -> None:
    refused(question(survey(), "partners"), raw)


def test_a_number_out_of_a_one_sided_range() -> None:
    low_only = QuestionDef(id="n", kind="number", text={}, min=0)
    assert refused(low_only, "-3").params == {"low": 0, "high": "…"}
    assert parse_value(low_only, "123456789012") == 123456789012
    high_only = QuestionDef(id="n", kind="number", text={}, max=10)
    assert refused(high_only, "11").params == {"low": "…", "high": 10}
    assert parse_value(high_only, "-5") == -5
    assert refused(low_only, "1" * 13).msgid == "“{value}” is not a number."
    assert refused(low_only, "x" * 50).params == {"value": "x" * 40}


def test_text_answers_up_to_their_limit() -> None:
    comment = question(survey(), "comment")
    assert parse_value(comment, "x" * 500) == "x" * 500
    assert refused(comment, "x" * 501).params == {"length": 501, "limit": 500}
    # The refusal names the question (its text), not "{field}".
    long_text = field_for(comment, "en", {}, inline_conditions=False, survey=survey())
    assert long_text.check("x" * 501) == "Anything else? is too long: 501 characters, at most 500."
    [single] = pages(survey(), {}, 6)
    _, errors = read_page(survey(), single, {"comment": "x" * 501}, {}, "fr")
    assert errors["comment"] == "Anything else? est trop long : 501 caractères, 500 au plus."


def test_a_page_of_answers_is_read_merged_and_checked() -> None:
    s = survey()
    [single] = pages(s, {}, 6)
    values = {"uses": "often", "useful": "", "themes": "a", "partners": "lots", "strategy": " yes "}
    merged, errors = read_page(s, single, values, {"comment": "old", "useful": 4}, "en")
    assert merged == {"uses": "often", "themes": ["a"], "strategy": "yes"}
    assert errors == {"partners": "“lots” is not a number.", "useful": "How useful is it? is required."}
    merged, errors = read_page(s, single, {"uses": "never", "useful": "3", "comment": ""}, {"comment": "x"}, "en")
    assert merged == {"uses": "never"} and errors == {}
    paged = Page(single.questions[:2])
    merged, errors = read_page(s, paged, {"uses": "often"}, {}, "en")
    assert merged == {"uses": "often"} and errors == {}
    _, errors = read_page(s, single, {"uses": "often", "useful": "9"}, {}, "fr")
    assert list(errors) == ["useful"] and "9" not in errors["useful"] and "1" in errors["useful"]


def in_two_languages(text: str) -> dict[str, str]:
    return {**every_language(text), "fr": f"FR {text}"}


def test_everything_a_person_reads_is_in_their_language() -> None:
    definition = check_definition()
    for item in definition["questions"]:
        item["text"] = in_two_languages(item["id"])
        for choice in item.get("choices", []):
            choice["text"] = in_two_languages(choice["id"])
    definition["questions"][0]["help"] = in_two_languages("help")
    definition["questions"][1]["labels"] = {"min": in_two_languages("low"), "max": in_two_languages("high")}
    s = fine(definition)
    uses = field_for(question(s, "uses"), "fr", {}, inline_conditions=False, survey=s)
    assert (uses.name, uses.label, uses.hint) == ("uses", "FR uses", "FR help")
    assert [c.label for c in uses.choices] == ["FR often", "FR rarely", "FR never"]
    useful = field_for(question(s, "useful"), "fr", {}, inline_conditions=True, survey=s)
    assert "FR often / FR rarely" in useful.hint
    assert useful.hint != "Only if you answered “FR often / FR rarely” above." and useful.required is False
    assert [c.label for c in useful.choices][::4] == ["1 — FR low", "5 — FR high"]
    themes = field_for(question(s, "themes"), "fr", {}, inline_conditions=False, survey=s)
    assert themes.hint != "At most 2." and "2" in themes.hint
    partners = field_for(question(s, "partners"), "fr", {}, inline_conditions=False, survey=s)
    assert partners.hint != "A number from 0 to 1000." and "1000" in partners.hint
    open_ended = fine(with_question(3, min=None, max=10))
    hint = field_for(question(open_ended, "partners"), "fr", {}, inline_conditions=False, survey=s).hint
    assert hint != "A number." and "10" not in hint
    assert field_for(question(s, "comment"), "en", {}, inline_conditions=False, survey=s).hint == ""
    assert shown_answer(question(s, "themes"), ["a", "b"], "fr") == "FR a, FR b"
    assert shown_answer(question(s, "uses"), "never", "fr") == "FR never"
    assert shown_answer(question(s, "strategy"), "yes", "fr") == "Oui"
    assert shown_answer(question(s, "useful"), 1, "fr") == "1 — FR low"
    [single] = pages(s, {}, 6)
    _, errors = read_page(s, single, {"uses": "often"}, {}, "fr")
    assert errors["useful"].startswith("FR useful") and errors["useful"] != "FR useful is required."
    assert parse_value(question(s, "strategy"), "no") == "no"
    assert "“maybe”" in refused(question(s, "strategy"), "maybe").msgid.replace("{value}", "maybe")
    comment = field_for(question(s, "comment"), "fr", {}, inline_conditions=False, survey=s)
    assert comment.check("x" * 501) == "FR comment est trop long : 501 caractères, 500 au plus."
    helped = fine(with_question(2, help=in_two_languages("pick")))
    themes_hint = field_for(question(helped, "themes"), "en", {}, inline_conditions=False, survey=helped).hint
    assert themes_hint == "pick At most 2."
    assert field_for(question(s, "partners"), "fr", {}, inline_conditions=False, survey=s).check("x" * 3) != \
        "“xxx” is not a number."



def _keys_last(item: dict[str, Any], *last: str) -> dict[str, Any]:
    """`item` with the keys `last` moved to its end, each on a line of its own below the item's first line."""
    return {**{k: v for k, v in item.items() if k not in last}, **{k: item[k] for k in last}}


THEMES = [{"id": c, "text": every_language(f"Theme {c}")} for c in ("a", "b", "c")]


@pytest.mark.parametrize(("index", "question", "needle", "words"), [
    (2, {"choices": [THEMES[0], _keys_last({"id": "B b", "text": every_language("b")}, "id")]}, "id: B b",
     "“B b” is not a valid id"),
    (2, {"choices": [THEMES[0], _keys_last(THEMES[0], "id")]}, "id: a", "The id “a” is used twice."),
    (2, {"choices": [THEMES[0], {"id": "b", "text": {"en": "Theme b"}}]}, "text:", "The text has no “fr” version"),
    (3, {"id": "Partners"}, "id: Partners", "“Partners” is not a valid id"),
    (3, {"id": "uses"}, "id: uses", "The id “uses” is used twice."),
    (3, {"text": {"en": "How many?"}}, "text:", "The text has no “fr” version"),
    (3, {"help": {"en": "Roughly"}}, "help:", "The text has no “fr” version"),
    (2, {"choices": None, "choice_set": "levels"}, "choice_set: levels", "There is no choice set called “levels”."),
    (2, {"choices": []}, "choices: []", "A choice question needs at least one choice."),
    (1, {"max": 12}, "max: 12", "A scale goes from “min” to “max”, with 2 to 11 steps."),
    (1, {"labels": {"min": {"en": "bad"}, "max": every_language("good")}}, "min:", "The text has no “fr” version"),
    (1, {"labels": {"min": every_language("bad"), "max": {"en": "good"}}}, "max:", "The text has no “fr” version"),
    (3, {"max_length": 10}, "max_length: 10", "Only free-text questions have “max_length”."),
    (5, {"max_length": 3001}, "max_length: 3001", "“max_length” is at most 3000."),
    (3, {"max_choices": 2}, "max_choices: 2", "Only multiple-choice questions have “max_choices”."),
    (1, {"when": {"question": "partners", "is": ["1"]}}, "question: partners", "which comes later"),
    (4, {"when": {"question": "partners", "is": ["1"]}}, "question: partners", "A condition can only name a choice"),
    (1, {"when": {"question": "uses", "is": ["always"]}}, "is:", "“always” is not an answer of “uses”"),
])
def test_each_problem_is_on_the_line_of_what_is_wrong(index: int, question: dict[str, Any], needle: str,
                                                      words: str) -> None:
    """The line is the wrong key's own, not its question's or its list's (the keys changed are placed last)."""
    definition = with_question(index, **question)
    changed = definition["questions"][index]
    definition["questions"][index] = _keys_last(changed, *(key for key in question if key in changed))
    text = dump(definition)
    lines = text.splitlines()
    questions = lines.index("questions:")
    starts = [number for number, line in enumerate(lines, 1) if number > questions and line.startswith("- ")]
    starts.append(len(lines) + 1)
    wanted = max(number for number in range(starts[index] + 1, starts[index + 1]) if needle in lines[number - 1])
    found = problems(text)  # a text without its other languages: one problem per language, on one line
    assert all(problem.startswith(f"{wanted}: ") for problem in found) and words in found[0], (found, wanted)


def test_a_scale_without_its_max_is_refused_on_the_question_s_line() -> None:
    text = dump(with_question(1, min=5, max=None))
    only(problems(text), f"{text.splitlines().index('- id: useful') + 1}: A scale goes from “min” to “max”")

def test_a_long_id_or_set_name_is_quoted_in_part() -> None:
    long = "Q" * 70
    only(problems(with_question(3, id=long)), f"“{'Q' * 60}” is not a valid id")
    only(problems(with_question(2, choices=[{"id": long, "text": every_language("x")}])), f"“{'Q' * 60}” is not")
    only(problems(with_question(1, when={"question": long, "is": ["1"]})), f"names “{'Q' * 60}”, which is no")
    only(problems(with_question(1, when={"question": "uses", "is": [long]})), f"“{'Q' * 40}” is not an answer")
    only(problems(check_definition(id=long)), f"“{'Q' * 60}” is not a valid id")
    only(problems(check_definition(audience=f"galaxy:{long}")), f"“galaxy:{'Q' * 53}” is not an audience")
    only(problems(with_question(2, choices=None, choice_set=long.lower())),
         f"There is no choice set called “{'q' * 60}”.")


def test_a_file_that_is_not_a_mapping_is_refused_at_its_first_line() -> None:
    assert problems("# a survey\n\n- just\n- a list\n") == [
        "3: A survey definition is a mapping of fields (id, title, questions…)."]


def test_a_described_problem_is_in_the_reader_s_language() -> None:
    error = DefinitionError([Problem("f", 2, "“{field}” is given twice.", (("field", "per"),))])
    assert error.describe("fr") == "f, ligne 2 : « per » est donné deux fois."


def test_a_condition_cannot_name_a_free_text_question() -> None:
    definition = check_definition()
    definition["questions"].append({"id": "follow-up", "kind": "yes_no", "text": every_language("More?"),
                                    "when": {"question": "comment", "is": ["anything"]}})
    only(problems(definition), "A condition can only name a choice, scale or yes/no question.")


def test_yaml_that_is_not_yaml_says_why_on_one_line_at_its_line() -> None:
    assert problems("id: x\n  bad: [\n") == ["2: This is not valid YAML: mapping values are not allowed here."]
    # A character YAML does not allow (its reader's error has a position, not a line, and two lines of text).
    assert problems("id: x\ntitle: a\x07b\n") == [
        "2: This is not valid YAML: unacceptable character #x0007: special characters are not allowed."]
    assert [found.split(":")[0] for found in problems("\nid: x\ntitle: a\x07b\nper: city\nanonymous: no\n")] == ["3"]


def test_a_key_given_twice_inside_a_question_or_a_text_is_found_too() -> None:
    text = dump(check_definition())
    text = text.replace("  kind: number\n", "  kind: number\n  kind: text\n")
    text = text.replace("title:\n  en: Network check\n", "title:\n  en: Network check\n  en: Check\n", 1)
    lines = text.splitlines()
    assert problems(text) == [f"{lines.index('  en: Check') + 1}: “en” is given twice.",
                              f"{lines.index('  kind: text') + 1}: “kind” is given twice."]


@pytest.mark.parametrize(("changes", "needle", "words"), [
    ({"id": "Network Check"}, "id: Network Check", "is not a valid id"),
    ({"title": {"en": "Check"}}, "title:", "The text has no “fr” version"),
    ({"intro": {"en": "Hello"}}, "intro:", "The text has no “fr” version"),
    ({"audience": "galaxy:far"}, "audience: galaxy:far", "is not an audience"),
    ({"opens": "2030-02-01"}, "closes:", "The survey closes before it opens."),
    ({"chase": [400]}, "chase:", "from 0 to 365"),
    ({"choice_sets": {"levels": [{"id": "A", "text": every_language("A")}]}}, "- id: A", "“A” is not a valid id"),
    ({"outcome": "campaign-days", "outcome_question": "uses"}, "outcome_question: uses", "must name a multiple"),
])
def test_each_survey_level_problem_is_on_the_line_of_its_key(changes: dict[str, Any], needle: str,
                                                             words: str) -> None:
    """The changed keys are placed last, on lines of their own, below every line a fallback could point to."""
    definition = check_definition(**changes)
    moved = [*changes, "closes"] if "opens" in changes else list(changes)
    text = dump({**{k: v for k, v in definition.items() if k not in moved}, **{k: definition[k] for k in moved}})
    lines = text.splitlines()
    wanted = next(number for number, line in enumerate(lines, 1) if line.strip().startswith(needle))
    found = problems(text)
    assert wanted > 1 and all(problem.startswith(f"{wanted}: ") for problem in found), (found, wanted)
    assert words in found[0]
