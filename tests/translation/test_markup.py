"""Markup survives translation: mentions, channel links, URLs, emoji, code and formatting come out as they went in.

Each platform's adapter parses its text into neutral rich text and renders it back; the core's markup module
makes rich text ready for DeepL (XML tags or placeholders) and puts it back together.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.richtext import Broadcast, Code, Link, Mention, MentionKind, RichText, Style, Styled, mentions
from bot.services.translation.markup import decode, encode, has_words, split_pieces
from integrations.discord import text as discord_text
from integrations.slack import text as slack_text

SLACK_TOKENS = st.sampled_from([
    "<@U12345>", "<@U999|ana>", "<#C42|anti-rumours>", "<!here>", "<!channel>", "<https://coe.int/icc|the ICC index>",
    "<https://example.org/a?b=1&amp;c=2>", ":flag-fr:", ":tada:", ":thumbsup::skin-tone-2:", "`python -m bot`",
    "```\ncode *not bold*\n```", "*bold*", "_italic_", "~struck~", "&gt; ", "&amp;", "&lt;", "\n", "\n\n",
    "<!subteam^S1|@coordinators>", "<!date^1392734382^{date_short}|Feb 18, 2014>", "`a &lt; b`", "Q&amp;A",
])
DISCORD_TOKENS = st.sampled_from([
    "<@123456789>", "<@!42>", "<@&7>", "<#987654321>", "<:icc:1234>", "<a:wave:5678>", "@everyone", "@here",
    "**bold**", "*italic*", "__under__", "~~struck~~", "||spoiler||", "[label](https://coe.int/x)",
    "`code`", "```py\nprint('hi')\n```", "```half closed\nstill code", "<t:1700000000:R>", "\n", "🇫🇷", "👍",
    "> ", "https://example.org/a?b=1&c=2", "Q&A", "a < b",
])
WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=0, max_size=12
)
#: Slack escapes `&`, `<` and `>` in the text it delivers: they only appear as entities or markup.
SLACK_WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00<>&@"), min_size=0, max_size=12
)
EXTRA = st.sampled_from([" ", "Merci ", "Дякую, ", "¡Hola! ", "\u200b", "\u202e"])


def mixes(tokens: st.SearchStrategy[str], words: st.SearchStrategy[str] = WORDS) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(tokens, words, EXTRA), max_size=14).map("".join)


def round_trips_through_the_translator(rich: RichText) -> None:
    for xml in (True, False):
        encoded = encode(rich, xml=xml)
        assert decode(encoded.text, encoded) == rich


@settings(max_examples=300, deadline=None)
@given(mixes(SLACK_TOKENS, SLACK_WORDS))
def test_slack_text_round_trips(text: str) -> None:
    rich = slack_text.parse(text)
    assert slack_text.render(rich, allow_broadcast=True) == text
    round_trips_through_the_translator(rich)


@settings(max_examples=300, deadline=None)
@given(mixes(DISCORD_TOKENS))
@example("`0```py\nprint('hi')\n```<@123456789>```py\nprint('hi')\n```")  # a span holding a line break
def test_discord_text_round_trips(text: str) -> None:
    rich = discord_text.parse(text)
    shown = discord_text.render(rich, allow_broadcast=True)
    assert discord_text.render(discord_text.parse(shown), allow_broadcast=True) == shown
    round_trips_through_the_translator(rich)


def test_slack_entities_are_decoded_once_in_and_encoded_once_out() -> None:
    delivered = ("&gt; Q&amp;A on <https://example.org/a?b=1&amp;c=2|the agenda &amp; notes>: "
                 "if a &lt; b &amp;&amp; c &gt; d, see `x &lt; y` and <@U1>")
    rich = slack_text.parse(delivered)
    assert rich.parts[0] == slack_text.Quote()
    assert "Q&A on " in rich.parts
    link = next(part for part in rich.parts if isinstance(part, Link))
    assert link.url == "https://example.org/a?b=1&c=2" and link.label == ("the agenda & notes",)
    assert Code("x < y") in rich.parts and ": if a < b && c > d, see " in rich.parts
    assert slack_text.render(rich) == delivered
    # Someone who typed an entity gets it back as typed, not decoded twice.
    assert slack_text.parse("&amp;lt;").parts == ("&lt;",)


@settings(max_examples=200, deadline=None)
@given(mixes(DISCORD_TOKENS), st.text(max_size=40), st.lists(st.integers(0, 12), max_size=6))
@example("```half closed\nstill code@everyone", "", [])  # an unclosed block is text: its mentions are parsed
@example("```half closed\nstill code<@123456789>`code`", "", [])
@example("`<@123456789>", "`", [])  # the translator's backtick shows the mention as code: none added
def test_a_translation_never_adds_a_mention(text: str, noise: str, indices: list[int]) -> None:
    """Whatever the translator answers (tags repeated, invented, text with mentions), no mention is added."""
    rich = discord_text.parse(text)
    encoded = encode(rich, xml=True)
    answer = encoded.text + "".join(f"<x{i}/>" for i in indices) + noise + " @everyone <@999> <!here>"
    restored = decode(answer, encoded)
    assert sorted(map(repr, mentions(restored.parts))) == sorted(map(repr, mentions(rich.parts)))
    before = [part for part in rich.parts if isinstance(part, Broadcast)]
    assert [part for part in restored.parts if isinstance(part, Broadcast)] == before
    # Rendered for Discord, the translator's own text can mention nobody: read back as Discord would, the
    # content mentions no one the original did not (a backtick it added may show one as code instead).
    shown = discord_text.parse(discord_text.render(restored))
    assert [part for part in shown.parts if isinstance(part, Broadcast)] == []
    people = Counter(m.id for m in mentions(rich.parts) if m.kind is not MentionKind.channel)
    assert Counter(m.id for m in mentions(shown.parts) if m.kind is not MentionKind.channel) <= people


def test_lost_markup_comes_back_and_links_are_kept() -> None:
    encoded = encode(slack_text.parse("See <https://coe.int|the index> and `code` <@U1>"), xml=True)
    restored = slack_text.render(decode("Voir l'index", encoded))
    assert "<https://coe.int|the index>" in restored and "`code`" in restored and "<@U1>" in restored


def test_text_sent_to_the_translator_is_xml_escaped_and_its_answer_unescaped() -> None:
    encoded = encode(slack_text.parse("a &lt; b &amp; c"), xml=True)
    assert encoded.text == "a &lt; b &amp; c"
    assert encode(slack_text.parse("a &lt; b"), xml=False).text == "a < b"
    answer = decode("x &lt;!here&gt; &amp; y", encoded)
    assert answer.parts == ("x <!here> & y",)
    assert slack_text.render(answer) == "x &lt;!here&gt; &amp; y"


def test_half_closed_code_block_malformed_mention_and_invisible_characters() -> None:
    for text in ("```\nnot closed *x*", "<@U123 is not closed", "zero\u200bwidth \u202eRTL\u202c ok",
                 "שלום <@U1> مرحبا", "x\x00y", "⟦0⟧ looks like a placeholder"):
        rich = discord_text.parse(text)
        encoded = encode(rich, xml=True)
        assert "\x00" not in encoded.text and "⟦" not in encoded.text
        round_trips_through_the_translator(rich)


def test_nothing_to_translate() -> None:
    for text in ("", "   ", ":tada:", "👍", "🙏🏽", "+1", "ok", "OK!", "<https://example.org/report.pdf>",
                 "`python -m bot`", ":flag-pt: :flag-fr:", "<@U1> <#C2>"):
        assert not has_words(slack_text.parse(text).parts), text
    for text in ("Merci !", "Дякую!", "ok, see you tomorrow", "*Bravo*"):
        assert has_words(slack_text.parse(text).parts), text


def test_long_texts_are_cut_for_the_translator_and_for_each_platform_without_losing_anything() -> None:
    text = ("Paragraph with <@U1> and <https://example.org/a-long-link>. " * 300 + "\n\n") * 3
    rich = slack_text.parse(text)
    pieces = split_pieces(rich.parts, 4500)
    assert RichText.of(*(RichText(p) for p in pieces)) == rich
    assert all(len(RichText(p).plain()) <= 4500 for p in pieces)
    posts = slack_text.split(rich, 2000)
    assert len(posts) > 1 and all(len(slack_text.render(p)) <= 2000 for p in posts)
    assert sum(len(list(mentions(p.parts))) for p in posts) == text.count("<@U1>")
    assert sum(slack_text.render(p).count("https://example.org/a-long-link") for p in posts) == 900
    discord = discord_text.parse(text.replace("<@U1>", "<@1>"))
    posts = discord_text.split(discord)
    assert all(len(discord_text.render(p)) <= 2000 for p in posts)
    assert sum(len(list(mentions(p.parts))) for p in posts) == text.count("<@U1>")


def test_each_platform_renders_the_same_neutral_text_its_own_way() -> None:
    rich = RichText.of("Q&A ", Styled(Style.bold, ("now",)), " with ", Mention(MentionKind.person, "U1", "ana"),
                       " ", Broadcast("here"), " ", Link("https://x.org/?a=1&b=2", ("the <agenda>",)))
    assert slack_text.render(rich) == ("Q&amp;A *now* with <@U1|ana> @\u2060here "
                                       "<https://x.org/?a=1&amp;b=2|the &lt;agenda&gt;>")
    assert slack_text.render(rich, quiet=True).startswith("Q&amp;A *now* with @ana @\u2060here")
    unlabelled = RichText.of(Mention(MentionKind.person, "U1"), " ", Mention(MentionKind.person, "U2"))
    assert slack_text.render(unlabelled, quiet=True, names={"U1": "Ana Silva"}) == "@Ana Silva @U2"
    assert discord_text.render(rich) == "Q&A **now** with <@U1> @\u200bhere [the <agenda>](https://x.org/?a=1&b=2)"
