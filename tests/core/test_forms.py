"""Form values are normalised and checked the same way on every platform."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.forms import looks_empty, normalise, split_choices, validate_field, validate_form
from bot.messages import Choice, FieldKind, Form, FormField

TITLE = FormField("title", "Title", max_length=20)
THEMES = FormField("themes", "Themes", kind=FieldKind.multi_choice,
                   choices=[Choice("education", "Education"), Choice("sport", "Sport")])
NOTES = FormField("notes", "Notes", kind=FieldKind.long_text, required=False)

#: Characters that show nothing: zero-width space, non-joiner, joiner, word joiner, byte order mark,
#: soft hyphen, a variation selector, a Hangul filler, a tag character.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0f\u3164\U000e0041"
#: Bidi embeddings, overrides and isolates: they can make a text display as another one.
BIDI_REORDERING = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_blank_and_whitespace_are_missing() -> None:
    for raw in ("", "   ", "\n\t \n", "\x00\x00"):
        value, error = validate_field(TITLE, raw, "en")
        assert value == "" and error == "Title is required."


@pytest.mark.parametrize("raw", [*INVISIBLE, INVISIBLE, " \u200b \u200b ", "\u200e\u200f", "\ufe0f\ufe0f",
                                 "\u202e\u200b", "\ud83d"])
def test_text_that_shows_nothing_is_missing(raw: str) -> None:
    for form_field in (TITLE, NOTES):
        value, error = validate_field(form_field, raw, "en")
        assert value == ""
        assert error == ("Title is required." if form_field.required else None)
    _, error = validate_field(THEMES, raw, "fr")
    assert error == "Themes est obligatoire."


def test_invisible_characters_around_a_value_go_and_those_inside_a_word_or_emoji_stay() -> None:
    assert normalise("\u200b\ufeffLisboa\u2060\u200b") == "Lisboa"
    assert normalise("\ufe0fLove ❤\ufe0f") == "Love ❤\ufe0f"  # the selector makes the heart an emoji
    assert normalise("👩\u200d💻 coders") == "👩\u200d💻 coders"
    assert normalise("می\u200cخواهم") == "می\u200cخواهم"  # the non-joiner is spelling in Persian
    assert normalise("\u200b\n\nfirst line\n\u200b", FieldKind.long_text) == "first line"


def test_bidi_controls_that_reorder_text_are_removed_and_direction_marks_kept() -> None:
    assert normalise("Plan\u202e gnitirw \u202cfor all") == "Plan gnitirw for all"
    assert normalise("\u2067שלום\u2069 ICC") == "שלום ICC"
    assert normalise("ICC\u200f (مدن)") == "ICC\u200f (مدن)"  # a right-to-left mark only places punctuation
    for raw in BIDI_REORDERING:
        assert validate_field(TITLE, raw + "x", "en") == ("x", None)


def test_separators_alone_are_no_choice() -> None:
    for raw in (";", ",", " ; , ;", "\n;\n", ";\u200b;"):
        assert split_choices(raw) == []
        assert validate_field(THEMES, raw, "en") == ("", "Themes is required.")
    assert validate_field(THEMES, ";sport;", "en") == ("sport", None)


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


#: Text as people (and attackers) type it: anything, plus the characters this module must take care of.
TRICKY = st.lists(st.sampled_from([*INVISIBLE, *BIDI_REORDERING, "\u200e", " ", ";", ",", "\n", "\x00", "\ud800",
                                   "a", "é", "sport", "❤\ufe0f"]), max_size=12).map("".join)


@given(st.text(max_size=500) | TRICKY, st.sampled_from([TITLE, THEMES, NOTES]), st.sampled_from(["en", "uk", "pt"]))
@example(";", THEMES, "en")  # found in CI: a required multi-choice accepted ";" and stored no choice
@example("\u200b", TITLE, "en")
@example("\u202e", THEMES, "en")
@example("\ud800", NOTES, "pt")
def test_any_input_is_either_accepted_clean_or_refused_with_a_message(raw: str, field: FormField,
                                                                      locale: str) -> None:
    value, error = validate_field(field, raw, locale)
    assert "\x00" not in value
    value.encode("utf-8")  # storable: no lone surrogate
    assert not set(value) & set(BIDI_REORDERING)
    if error is None:
        assert normalise(value, field.kind) == value
        assert field.max_length is None or len(value) <= field.max_length
        assert not looks_empty(value) or not field.required
        if field.kind is FieldKind.multi_choice and value:
            assert set(value.split(",")) <= {choice.value for choice in field.choices}
    else:
        assert isinstance(error, str) and error


def test_ci_runs_the_property_tests_reproducibly() -> None:
    root = Path(__file__).resolve().parents[2]
    probe = ("import tests.conftest; from hypothesis import settings as s; d = s.default; "
             "print(d.derandomize, d.database, d.print_blob, d.deadline)")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    for extra, expected in (({"CI": "true"}, "True None True None"),
                            ({"HYPOTHESIS_PROFILE": "ci"}, "True None True None")):
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=root,
                                env=env | extra, timeout=120)
        assert result.stdout.strip() == expected, result.stderr
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=root, env=env,
                            timeout=120)
    assert result.stdout.split()[0] == "False", result.stderr  # at a desk: new examples every run
