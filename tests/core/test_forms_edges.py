"""Edges of form checking that the main suite left open: exact limits, the field's own check, what each kind
of field keeps, and the refusal's wording and language (each test kills a mutant of bot/forms.py)."""

from __future__ import annotations

from bot.forms import normalise, split_choices, validate_field, validate_form
from bot.messages import Choice, FieldKind, Form, FormField

TITLE = FormField("title", "Title", max_length=5)
CITY = FormField("city", "City", kind=FieldKind.choice, choices=[Choice("Lisbon", "Lisbon"), Choice("Porto", "Porto")])
NOTES = FormField("notes", "Notes", kind=FieldKind.long_text, required=False)


def test_a_value_of_exactly_the_maximum_length_is_accepted() -> None:
    assert validate_field(TITLE, "abcde", "en") == ("abcde", None)
    assert validate_field(TITLE, "abcdef", "en") == ("abcdef", "Title is too long: 6 characters, at most 5.")


def test_the_refusal_names_the_field_in_the_person_s_language() -> None:
    assert validate_field(TITLE, "abcdef", "fr")[1] == "Title est trop long : 6 caractères, 5 au plus."
    assert validate_field(CITY, "Paris", "en")[1] == "“Paris” is not a valid choice for City."
    refusal = validate_field(CITY, "Paris", "fr")[1]
    assert refusal is not None and "Paris" in refusal and "City" in refusal
    assert refusal != "“Paris” is not a valid choice for City."


def test_an_unknown_choice_is_quoted_cut_to_sixty_characters() -> None:
    value = "x" * 59 + "yz"
    error = validate_field(CITY, value, "en")[1]
    assert error == f"“{'x' * 59}y” is not a valid choice for City."


def test_commas_in_a_single_choice_value_are_not_several_choices() -> None:
    assert validate_field(CITY, "Lisbon, Porto", "en")[1] == "“Lisbon, Porto” is not a valid choice for City."
    assert validate_field(CITY, " Porto ", "en") == ("Porto", None)


def test_a_one_line_field_gets_one_line_and_long_text_keeps_its_lines() -> None:
    assert validate_field(TITLE, "a\nb", "en") == ("a b", None)
    assert validate_field(CITY, "Lis\nbon", "en")[0] == "Lis bon"
    assert validate_field(NOTES, "first\n\nsecond", "en") == ("first\n\nsecond", None)


def test_long_text_keeps_indentation_and_drops_trailing_blanks() -> None:
    assert normalise("intro:\n    - one  \n    - two\t", FieldKind.long_text) == "intro:\n    - one\n    - two"
    assert validate_field(NOTES, "a\n  b  ", "en") == ("a\n  b", None)


def test_nothing_to_split_gives_no_choices() -> None:
    assert split_choices("") == []
    assert split_choices(None) == []  # type: ignore[arg-type]


def test_the_field_s_own_check_runs_on_the_clean_value() -> None:
    seen: list[str] = []

    def no_spaces(value: str) -> str | None:
        seen.append(value)
        return "No spaces, please." if " " in value else None

    handle = FormField("handle", "Handle", validate=no_spaces)
    assert validate_field(handle, "  a b  ", "en") == ("a b", "No spaces, please.")
    assert validate_field(handle, "ab", "en") == ("ab", None)
    assert seen == ["a b", "ab"]


def test_a_form_reports_each_refusal_under_its_field_in_the_person_s_language() -> None:
    form = Form("f", "F", "Send", [TITLE, CITY, NOTES])
    clean, errors = validate_form(form, {"title": "toolong", "city": "Porto"}, "fr")
    assert clean == {"title": "toolong", "city": "Porto", "notes": ""}
    assert errors == {"title": "Title est trop long : 7 caractères, 5 au plus."}
    clean, errors = validate_form(form, {}, "en")
    assert errors == {"title": "Title is required.", "city": "City is required."}
