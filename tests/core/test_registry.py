"""The command parser: options from free text, typed values, and no input that can make it raise anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.registry import (
    Args,
    ArgsError,
    Command,
    Option,
    OptionKind,
    Subcommand,
    check_values,
    parse_text,
)
from commands import build_registry


async def _noop(ctx, args):  # type: ignore[no-untyped-def]
    raise AssertionError("not called")


SEARCH = Command(
    name="practices",
    description="d",
    subcommands=(
        Subcommand("search", "s", handler=_noop, options=(
            Option("theme", "t"), Option("city", "c"),
            Option("page", "p", kind=OptionKind.integer, min_value=1, max_value=500),
            Option("words", "w", rest=True),
        )),
        Subcommand("show", "s", handler=_noop,
                   options=(Option("id", "i", kind=OptionKind.integer, required=True, min_value=1),)),
    ),
)


def test_key_value_options_and_free_words() -> None:
    args = parse_text(SEARCH, 'search city:Lisbon "public space" theme:education page:2 mediators')
    assert args.sub == "search"
    assert args.values == {"city": "Lisbon", "theme": "education", "page": 2, "words": "public space mediators"}


def test_quoted_option_values_keep_their_spaces() -> None:
    assert parse_text(SEARCH, 'search "city:Reggio Emilia"').values["city"] == "Reggio Emilia"


def test_unbalanced_quotes_are_kept_as_text() -> None:
    assert parse_text(SEARCH, 'search "anti rumours').values["words"] == '"anti rumours'


@pytest.mark.parametrize(
    ("text", "msgid"),
    [
        ("", "Which one? Try: {choices}."),
        ("delete 3", "Unknown subcommand “{value}”. Try: {choices}."),
        ("show", "{option} is missing."),
        ("show three", "“{value}” is not a whole number for {option}."),
        ("show 0", "{option} is out of range."),
        ("show 3 4", "Too many words: “{value}”."),
        ("search page:99999 x", "{option} is out of range."),
    ],
)
def test_mistakes_name_what_is_wrong(text: str, msgid: str) -> None:
    with pytest.raises(ArgsError) as caught:
        parse_text(SEARCH, text)
    assert caught.value.msgid == msgid


def test_typed_values_are_checked_like_text() -> None:
    assert check_values(SEARCH, Args(sub="show", values={"id": "7"})).values == {"id": 7}
    with pytest.raises(ArgsError):
        check_values(SEARCH, Args(sub="show", values={"id": -1}))
    with pytest.raises(ArgsError):
        check_values(SEARCH, Args(sub="show", values={"nope": 1, "id": 2}))


def test_choice_options_accept_any_case_and_refuse_others() -> None:
    role = build_registry().commands["role"]
    assert parse_text(role, "ana Coordinator").values["role"] == "coordinator"
    with pytest.raises(ArgsError):
        parse_text(role, "ana king")


@given(st.text(max_size=300))
def test_any_text_parses_or_gives_a_clear_error(text: str) -> None:
    registry = build_registry()
    for command in [*registry.commands.values(), SEARCH]:
        try:
            args = parse_text(command, text)
        except ArgsError as exc:
            assert exc.msgid
        else:
            assert all("\x00" not in str(value) for value in args.values.values())
