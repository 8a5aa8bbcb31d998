"""Markup protection at its edges: the exact text sent to the translator, what each kind of element becomes, how
a translation that loses, repeats, invents or leaves open an element is put back, and where long texts are cut
(each test kills mutants of bot/services/translation/markup.py that the round-trip properties miss)."""

from __future__ import annotations

import pytest

from bot.richtext import Code, Link, Mention, MentionKind, Quote, RichText, Style, Styled
from bot.services.translation.markup import cut_point, decode, encode, has_words, split_pieces

ANA = Mention(MentionKind.person, "U1", "ana")
TEAM = Mention(MentionKind.group, "S1")
BOLD = Styled(Style.bold, ("very",))
LINK = Link("https://coe.int/icc", ("the index",))
BARE = Link("https://coe.int/bare")


def parts(*items: object) -> RichText:
    return RichText.of(*items)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the form sent to the translator


def test_each_element_has_its_form_in_xml_and_in_placeholders() -> None:
    rich = parts("a < b ", ANA, " & ", BOLD, " ", LINK, " ", BARE, "\x00z>")
    encoded = encode(rich, xml=True)
    assert encoded.text == "a &lt; b <x0/> &amp; <w1>very</w1> <w2>the index</w2> <x3/><x4/>z&gt;"
    assert encoded.slots[:4] == [ANA, BOLD, LINK, BARE] and encoded.ends[1:3] == [2, 3]
    placeholders = encode(rich, xml=False)
    assert placeholders.text == "a < b ⟦0⟧ & ⟦1⟧very⟦/1⟧ ⟦2⟧the index⟦/2⟧ ⟦3⟧⟦4⟧z>"


def test_text_before_an_odd_character_is_escaped_too() -> None:
    """Turning off the escaping of the text before a control character must fail a test (issue 6's blind spot)."""
    assert encode(parts("a<b & c\rd>e"), xml=True).text == "a&lt;b &amp; c<x0/>d&gt;e"
    assert encode(parts("x > y\x01"), xml=False).text == "x > y⟦0⟧"


def test_a_wrap_holds_the_slots_inside_it() -> None:
    rich = parts(Link("https://x.org", ("see ", ANA, " and ", Styled(Style.italic, ("this", TEAM)))), "!")
    encoded = encode(rich, xml=True)
    assert encoded.text == "<w0>see <x1/> and <w2>this<x3/></w2></w0>!"
    assert encoded.ends == [4, 2, 4, 4]


# ------------------------------------------------------------------ putting the markup back


def test_a_translated_wrap_keeps_its_translated_inside() -> None:
    encoded = encode(parts("It is ", BOLD, " good, see ", LINK), xml=True)
    back = decode("C'est <w0>très</w0> bien, voir <w1>l'index</w1>", encoded)
    assert back.parts == ("C'est ", Styled(Style.bold, ("très",)), " bien, voir ",
                          Link("https://coe.int/icc", ("l'index",)))


def test_text_of_the_answer_is_unescaped_once() -> None:
    encoded = encode(parts("x"), xml=True)
    assert decode("a &amp;lt; b &lt; c", encoded).parts == ("a &lt; b < c",)
    assert decode("a &amp; b", encode(parts("x"), xml=False)).parts == ("a &amp; b",)


def test_invented_and_repeated_tags_are_dropped_and_the_rest_still_read() -> None:
    encoded = encode(parts(ANA, " meets ", TEAM), xml=True)
    assert decode("<x7/>A <x0/> <x0/> voit <x1/>.", encoded).parts == ("A ", ANA, "  voit ", TEAM, ".")
    assert decode("</x9>A <x0/> voit <x1/>", encoded).parts == ("A ", ANA, " voit ", TEAM)
    placeholders = encode(parts(ANA, " meets ", TEAM), xml=False)
    assert decode("⟦5⟧A ⟦0⟧ ⟦0⟧ voit ⟦1⟧", placeholders).parts == ("A ", ANA, "  voit ", TEAM)


def test_a_stray_closing_tag_of_an_element_closes_nothing() -> None:
    encoded = encode(parts(Styled(Style.bold, ("see ", ANA, " now"))), xml=True)
    assert encoded.text == "<w0>see <x1/> now</w0>"
    back = decode("<w0>voir </x1><x1/> maintenant</w0> fin", encoded)
    assert back.parts == (Styled(Style.bold, ("voir ", ANA, " maintenant")), " fin")


def test_a_closing_tag_of_a_wrap_that_is_not_open_closes_nothing() -> None:
    encoded = encode(parts(Styled(Style.bold, ("one",)), " and ", Styled(Style.italic, ("two",))), xml=True)
    assert encoded.text == "<w0>one</w0> and <w1>two</w1>"
    back = decode("<w1>deux </w0>encore</w1> et <w0>un</w0>", encoded)
    assert back.parts == (Styled(Style.italic, ("deux encore",)), " et ", Styled(Style.bold, ("un",)))


def test_a_wrap_written_as_an_element_is_kept_empty() -> None:
    encoded = encode(parts("a ", BOLD, " b"), xml=True)
    assert decode("a <w0/> b", encoded).parts == ("a ", Styled(Style.bold, ()), " b")
    assert decode("a <x0> b", encoded).parts == ("a ", Styled(Style.bold, ()), " b")
    assert decode("a <w0> b</w0>", encoded).parts == ("a ", Styled(Style.bold, (" b",)))


@pytest.mark.parametrize("xml", [True, False])
def test_wraps_left_open_close_at_the_end(xml: bool) -> None:
    rich = parts(Styled(Style.bold, ("a ", Styled(Style.italic, ("b",)))), " c")
    encoded = encode(rich, xml=xml)
    opened = "<w0>A <w1>B" if xml else "⟦0⟧A ⟦1⟧B"
    assert decode(opened, encoded).parts == (Styled(Style.bold, ("A ", Styled(Style.italic, ("B",)))),)
    one = "<w0>A" if xml else "⟦0⟧A"
    assert decode(one, encoded).parts == (Styled(Style.bold, ("A",)),)


def test_lost_elements_come_back_at_the_end_after_a_space_and_lost_styles_do_not() -> None:
    encoded = encode(parts(ANA, " and ", BOLD, " with ", TEAM, "\x00", LINK), xml=True)
    assert encoded.text == "<x0/> and <w1>very</w1> with <x2/><x3/><w4>the index</w4>"
    back = decode("<x0/> et tout", encoded)
    assert back.parts == (ANA, " et tout ", TEAM, "\x00 ", LINK)


def test_a_lost_link_comes_back_whole_without_its_inside_twice() -> None:
    link = Link("https://x.org", (ANA, " and ", TEAM))
    encoded = encode(parts("Read ", link, " then ", Code("x")), xml=True)
    assert encoded.text == "Read <w0><x1/> and <x2/></w0> then <x3/>"
    assert decode("Lisez ensuite", encoded).parts == ("Lisez ensuite ", link, " ", Code("x"))


# ------------------------------------------------------------------ words


def test_universal_replies_with_punctuation_spaces_symbols_or_invisible_characters() -> None:
    for text in ("Ok.", "o k", "ok 👍", "ok\u200b", "hahaha", "HaHaHa!"):
        assert not has_words(parts(text)), text
    for text in ("hahahah", "okay then", "ok ok"):
        assert has_words(parts(text)), text
    assert has_words(parts(Link("https://x.org", ("Bonjour à tous",))))
    assert not has_words(parts(Link("https://x.org", ("ok",)), " ", BARE))


# ------------------------------------------------------------------ where long texts are cut


@pytest.mark.parametrize(("text", "room", "cut"), [
    ("ab\n\ncd\nef gh", 9, 4),  # a paragraph first
    ("ab\n\ncd\n\nef gh", 12, 8),  # the last paragraph break that fits
    ("abc\ndef ghi", 9, 4),  # then a line
    ("\n\nabc\ndef", 8, 6),  # a break at the very start is no cut
    ("a\n\nbc\nd", 7, 3),
    ("Abc. Def ghi jkl", 10, 5),  # then a sentence
    ("A. B. C. dddd", 10, 9),  # the last sentence that fits
    ("Ab. cdef! gh", 10, 10),  # a sentence ending exactly at the room
    ("Abcdefgh. x", 10, 10),  # the space after the full stop is past the room
    ("abc def ghi", 9, 8),  # then a space
    ("abc def\nxyz", 7, 4),  # a line break just past the room does not count
    ("abcdefg hij", 7, 0),  # nor a space just past it
    (" abcdefgh", 5, 0),  # a space at the very start is no cut
    ("a bcdefgh", 5, 2),
    ("abcdefgh", 5, 0),  # nowhere good
])
def test_where_a_long_text_is_cut(text: str, room: int, cut: int) -> None:
    assert cut_point(text, room) == cut


def test_pieces_fill_up_to_the_limit_exactly() -> None:
    assert split_pieces(["abcde"], 5) == [("abcde",)]
    assert split_pieces(["abc", Code("de")], 5) == [("abc", Code("de"))]
    assert split_pieces(["abcd", BOLD], 10) == [("abcd", BOLD)]  # bold "very": 4 + 2 for its marks
    assert split_pieces(["abcde", BOLD], 10) == [("abcde",), (BOLD,)]
    assert split_pieces(["abcdefgh", Styled(Style.bold, ("x",))], 10) == [("abcdefgh",), (Styled(Style.bold, ("x",)),)]
    link = Link("http://a", ("ab",))  # 8 + 2
    assert split_pieces(["x", link], 11) == [("x", link)]
    assert split_pieces(["x", link], 10) == [("x",), (link,)]
    assert split_pieces(["abcdefgh", Quote()], 10) == [("abcdefgh", Quote())]
    assert split_pieces(["abcdefghi", Quote()], 10) == [("abcdefghi",), (Quote(),)]


def test_long_text_is_cut_after_what_is_already_in_the_piece() -> None:
    assert split_pieces(["abc", Code("d"), "efghij"], 6) == [("abc", Code("d")), ("efghij",)]
    assert split_pieces(["abc", Code("d"), "efghijklmn"], 6) == [("abc", Code("d")), ("efghij",), ("klmn",)]
    assert split_pieces(["abcdefgh"], 4) == [("abcd",), ("efgh",)]
    assert split_pieces(["ab cd ef gh"], 6) == [("ab cd ",), ("ef gh",)]
    assert split_pieces(["ab", Code("c"), "d e fgh ij"], 6) == [("ab", Code("c"), "d "), ("e fgh ",), ("ij",)]
    assert split_pieces(["a b", Code("cdefgh"), "ij"], 5) == [("a b",), (Code("cdefgh"),), ("ij",)]
    assert split_pieces([], 5) == []
    assert split_pieces(["xy ab cd"], 5) == [("xy ",), ("ab cd",)]  # what is left fits exactly: no more cuts
    assert split_pieces(["ab cdefgh", Code("xyz")], 6) == [("ab ",), ("cdefgh",), (Code("xyz"),)]
