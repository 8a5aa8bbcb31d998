"""Markup survives translation: mentions, channel links, URLs, emoji, code and formatting come out as they went in."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.markup import (
    AtomKind,
    Dialect,
    Segment,
    Wrap,
    atoms,
    decode,
    encode,
    has_words,
    parse,
    render,
    split_segments,
    split_text,
)

SLACK_TOKENS = st.sampled_from([
    "<@U12345>", "<@U999|ana>", "<#C42|anti-rumours>", "<!here>", "<!channel>", "<https://coe.int/icc|the ICC index>",
    "<https://example.org/a?b=1&amp;c=2>", ":flag-fr:", ":tada:", ":thumbsup::skin-tone-2:", "`python -m bot`",
    "```\ncode *not bold*\n```", "*bold*", "_italic_", "~struck~", "&gt; ", "&amp;", "\n", "\n\n",
    "https://www.coe.int/en/web/interculturalcities", "<!subteam^S1|@coordinators>",
])
DISCORD_TOKENS = st.sampled_from([
    "<@123456789>", "<@!42>", "<@&7>", "<#987654321>", "<:icc:1234>", "<a:wave:5678>", "@everyone", "@here",
    "**bold**", "*italic*", "__under__", "~~struck~~", "||spoiler||", "[label](https://coe.int/x)",
    "`code`", "```py\nprint('hi')\n```", "```half closed\nstill code", "<t:1700000000:R>", "\n", "🇫🇷", "👍",
])
WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=0, max_size=12
)
#: Slack escapes `&`, `<` and `>` in the text it delivers: they only appear as entities or markup.
SLACK_WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00<>&"), min_size=0, max_size=12
)
EXTRA = st.sampled_from([" ", "Merci ", "Дякую, ", "¡Hola! ", "\u200b", "\u202e"])


def mixes(tokens: st.SearchStrategy[str], words: st.SearchStrategy[str] = WORDS) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(tokens, words, EXTRA), max_size=14).map("".join)


@settings(max_examples=300, deadline=None)
@given(mixes(SLACK_TOKENS, SLACK_WORDS))
def test_slack_markup_round_trips(text: str) -> None:
    segments = parse(text)
    assert render(segments) == text
    for xml in (True, False):
        encoded = encode(segments, xml=xml, dialect=Dialect.slack)
        assert render(decode(encoded.text, encoded)) == text


@settings(max_examples=300, deadline=None)
@given(mixes(DISCORD_TOKENS))
def test_discord_markup_round_trips(text: str) -> None:
    segments = parse(text)
    assert render(segments) == text
    for xml in (True, False):
        encoded = encode(segments, xml=xml, dialect=Dialect.discord)
        assert render(decode(encoded.text, encoded)) == text


@settings(max_examples=200, deadline=None)
@given(mixes(DISCORD_TOKENS), st.text(max_size=40), st.lists(st.integers(0, 12), max_size=6))
def test_a_translation_never_adds_a_mention(text: str, noise: str, indices: list[int]) -> None:
    """Whatever the translator answers (tags repeated, invented, text with mentions), no mention is added."""
    segments = parse(text)
    encoded = encode(segments, xml=True, dialect=Dialect.discord)
    answer = encoded.text + "".join(f"<x{i}/>" for i in indices) + noise + " @everyone <@999> <!here>"
    restored = decode(answer, encoded)
    before = [a.raw for a in atoms(segments) if a.kind in (AtomKind.mention, AtomKind.broadcast)]
    after = [a.raw for a in atoms(restored) if a.kind in (AtomKind.mention, AtomKind.broadcast)]
    assert sorted(after) == sorted(before)
    # The translator's own text can mention nobody: what looks like a mention there is defused.
    for text_part in _texts(restored):
        assert not re.search(r"@(everyone|here)|<@!?\d+>|<!here>", text_part)


def _texts(segments: Sequence[Segment]) -> list[str]:
    found: list[str] = []
    for segment in segments:
        if isinstance(segment, str):
            found.append(segment)
        elif isinstance(segment, Wrap):
            found.extend(_texts(segment.children))
    return found


def test_lost_markup_comes_back_and_links_are_kept() -> None:
    encoded = encode(parse("See <https://coe.int|the index> and `code` <@U1>"), xml=True, dialect=Dialect.slack)
    restored = render(decode("Voir l'index", encoded))
    assert "<https://coe.int|the index>" in restored and "`code`" in restored and "<@U1>" in restored


def test_translated_text_is_escaped_for_slack() -> None:
    encoded = encode(parse("a &lt; b"), xml=True, dialect=Dialect.slack)
    assert encoded.text == "a &lt; b"
    assert render(decode("x &lt;!here&gt; y", encoded)) == "x &lt;!here&gt; y"


def test_half_closed_code_block_malformed_mention_and_invisible_characters() -> None:
    for text in ("```\nnot closed *x*", "<@U123 is not closed", "zero\u200bwidth \u202eRTL\u202c ok",
                 "שלום <@U1> مرحبا", "x\x00y"):
        segments = parse(text)
        assert render(segments) == text
        encoded = encode(segments, xml=True)
        assert "\x00" not in encoded.text
        assert render(decode(encoded.text, encoded)) == text


def test_nothing_to_translate() -> None:
    for text in ("", "   ", ":tada:", "👍", "🙏🏽", "+1", "ok", "OK!", "https://example.org/report.pdf",
                 "`python -m bot`", ":flag-pt: :flag-fr:", "<@U1> <#C2>"):
        assert not has_words(parse(text), Dialect.slack), text
    for text in ("Merci !", "Дякую!", "ok, see you tomorrow"):
        assert has_words(parse(text), Dialect.slack), text


def test_split_keeps_everything_and_never_cuts_markup() -> None:
    text = ("Paragraph with <@U1> and https://example.org/a-long-link. " * 300 + "\n\n") * 3
    pieces = split_segments(parse(text), 4500)
    assert "".join(render(p) for p in pieces) == text
    assert all(len(render(p)) <= 4500 for p in pieces)
    posts = split_text(text, 2000)
    assert "".join(posts) == text and all(len(p) <= 2000 for p in posts)
    assert all(p.count("<@U1") == p.count("<@U1>") for p in posts)
