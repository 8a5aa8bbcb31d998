"""Form values are normalised and checked the same way on every platform."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.forms import normalise, validate_field, validate_form
from bot.messages import Choice, FieldKind, Form, FormField

TITLE = FormField("title", "Title", max_length=20)
THEMES = FormField("themes", "Themes", kind=FieldKind.multi_choice,
                   choices=[Choice("education", "Education"), Choice("sport", "Sport")])
NOTES = FormField("notes", "Notes", kind=FieldKind.long_text, required=False)


def test_blank_and_whitespace_are_missing() -> None:
    for raw in ("", "   ", "\n\t \n", "\x00\x00"):
        value, error = validate_field(TITLE, raw, "en")
        assert value == "" and error == "Title is required."


def test_too_long_is_refused_with_the_figures_in_the_person_language() -> None:
    _, error = validate_field(TITLE, "x" * 21, "fr")
    assert error is not None and "21" in error and "20" in error and "trop long" in error


def test_choices_are_checked_and_deduplicated() -> None:
    assert validate_field(THEMES, "education, sport,education", "en") == ("education,sport", None)
    _, error = validate_field(THEMES, "education, cooking", "de")
    assert error is not None and "cooking" in error


def test_long_text_keeps_its_lines_and_one_line_text_does_not() -> None:
    assert normalise("a\n\nb  \n", FieldKind.long_text) == "a\n\nb"
    assert normalise(" a \n b ", FieldKind.text) == "a b"


def test_a_whole_form_reports_each_field() -> None:
    form = Form("f", "F", "Send", [TITLE, THEMES, NOTES])
    clean, errors = validate_form(form, {"title": "  Hello  ", "themes": "sport"}, "en")
    assert clean == {"title": "Hello", "themes": "sport", "notes": ""} and errors == {}
    _, errors = validate_form(form, {}, "en")
    assert set(errors) == {"title", "themes"}


@given(st.text(max_size=500), st.sampled_from([TITLE, THEMES, NOTES]), st.sampled_from(["en", "uk", "pt"]))
def test_any_input_is_either_accepted_clean_or_refused_with_a_message(raw: str, field: FormField,
                                                                      locale: str) -> None:
    value, error = validate_field(field, raw, locale)
    assert "\x00" not in value
    if error is None:
        assert field.max_length is None or len(value) <= field.max_length
        assert value or not field.required
    else:
        assert isinstance(error, str) and error
