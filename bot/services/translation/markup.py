"""Markup that must survive translation: rich text made ready for the translator, and put back together after.

The translatable form sent to DeepL replaces markup elements (mentions, links, code, emoji, quote marks) by
empty XML elements (`<x3/>`) and styled text or a link's label by elements around it (`<w1>…</w1>`), or, for
languages where DeepL has no tag handling, by bracketed placeholders (`⟦3⟧`, `⟦1⟧…⟦/1⟧`). Plain text is
XML-escaped once in that form and unescaped once in the answer. Decoding is forgiving: an element the
translation lost is appended, one it repeated or invented is dropped, so a translation never adds a mention,
and never loses a link or a code block. Texts differing only by a mention are the same text to the translator.

`decode(encode(text).text, encode(text)) == text` for any text (the round trip of an untouched encoding).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.richtext import Code, Inline, Link, Quote, RichText, Styled, merge

# ---------------------------------------------------------------- reading the words


def words_of(parts: Sequence[Inline]) -> str:
    """The translatable words only (for language identification), markup removed."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Styled):
            out.append(words_of(part.children))
        elif isinstance(part, Link) and part.label:
            out.append(words_of(part.label))
        else:
            out.append(" ")
    return "".join(out)


#: Replies that read the same in every language: nothing to translate.
UNIVERSAL_REPLIES = frozenset(
    {"ok", "okay", "oki", "k", "kk", "lol", "xd", "haha", "hahaha", "ahah", "wow", "+1", "-1", "+100", "ok!"}
)
_LONGEST_UNIVERSAL = max(len(reply) for reply in UNIVERSAL_REPLIES)


def has_words(parts: Sequence[Inline]) -> bool:
    """Whether anything in `parts` is worth translating: letters, and not a universal reply ("+1", "ok")."""
    words = words_of(parts)
    letters = 0
    for ch in words:
        if unicodedata.category(ch).startswith("L"):
            letters += 1
            if letters > _LONGEST_UNIVERSAL:  # more letters than any universal reply has: words (and no need to
                return True  # look at the rest of a long message)
    if not letters:
        return False
    folded = "".join(ch for ch in words.casefold() if not unicodedata.category(ch).startswith(("P", "Z", "S", "C")))
    return folded not in UNIVERSAL_REPLIES


# ---------------------------------------------------------------- the form sent to the translator


@dataclass(frozen=True)
class _Kept:
    """Characters of plain text that are never sent: XML forbids them, or they are our placeholders' brackets."""

    text: str


_ODD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\ud800-\udfff⟦⟧]+")

Slot = Inline | _Kept


def _is_wrap(slot: Slot) -> bool:
    """Elements whose inside is translated: styled text, and a link's label."""
    return isinstance(slot, Styled) or (isinstance(slot, Link) and bool(slot.label))


def _inside(slot: Slot) -> tuple[Inline, ...]:
    if isinstance(slot, Styled):
        return slot.children
    if isinstance(slot, Link):
        return slot.label
    return ()


def _rebuilt(slot: Slot, children: Sequence[Inline]) -> Inline:
    if isinstance(slot, Styled):
        return Styled(slot.style, merge(children))
    assert isinstance(slot, Link)
    return Link(slot.url, merge(children))


@dataclass
class Encoded:
    """A text made ready for the translator, and what is needed to put its markup back."""

    text: str
    xml: bool
    slots: list[Slot] = field(default_factory=list)
    #: For each slot, the index after its last inner slot (wraps hold slots of their own).
    ends: list[int] = field(default_factory=list)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode(parts: Sequence[Inline] | RichText, *, xml: bool) -> Encoded:
    """The text to send: elements as `<x0/>` (or `⟦0⟧`), styled text and labels as `<w1>…</w1>` (or `⟦1⟧…⟦/1⟧`);
    with `xml`, plain text is XML-escaped."""
    encoded = Encoded(text="", xml=xml)
    out: list[str] = []

    def atom(slot: Slot) -> None:
        index = len(encoded.slots)
        encoded.slots.append(slot)
        encoded.ends.append(index + 1)
        out.append(f"<x{index}/>" if xml else f"⟦{index}⟧")

    def walk(items: Sequence[Inline]) -> None:
        for part in items:
            if isinstance(part, str):
                position = 0
                for odd in _ODD.finditer(part):
                    text = part[position : odd.start()]
                    out.append(_xml_escape(text) if xml else text)
                    atom(_Kept(odd.group(0)))
                    position = odd.end()
                text = part[position:]
                out.append(_xml_escape(text) if xml else text)
            elif _is_wrap(part):
                index = len(encoded.slots)
                encoded.slots.append(part)
                encoded.ends.append(index + 1)
                out.append(f"<w{index}>" if xml else f"⟦{index}⟧")
                walk(_inside(part))
                out.append(f"</w{index}>" if xml else f"⟦/{index}⟧")
                encoded.ends[index] = len(encoded.slots)
            else:
                atom(part)

    walk(tuple(parts))
    encoded.text = "".join(out)
    return encoded


_XML_TAG = re.compile(r"<\s*(/?)\s*([xw])\s*(\d+)\s*(/?)\s*>")
_PLACEHOLDER = re.compile(r"⟦\s*(/?)\s*(\d+)\s*⟧")


def decode(translated: str, encoded: Encoded) -> RichText:
    """Put the markup back into a translation of `encoded.text`.

    Each element appears once at most: repeated ones are dropped, lost ones are appended at the end (after a
    space), so no mention is added and no link or code is lost. Text of the translation stays plain text: it
    never turns into markup (each adapter escapes it for its platform).
    """
    pattern = _XML_TAG if encoded.xml else _PLACEHOLDER
    root: list[Inline] = []
    stack: list[tuple[int, list[Inline]]] = []
    used: set[int] = set()
    current = root
    position = 0

    def add_text(text: str) -> None:
        if text:
            current.append(html.unescape(text) if encoded.xml and "&" in text else text)

    def close(index: int) -> None:
        nonlocal current
        while stack:
            opened, children = stack.pop()
            current = stack[-1][1] if stack else root
            current.append(_rebuilt(encoded.slots[opened], children))
            if opened == index:
                break

    for match in pattern.finditer(translated):
        add_text(translated[position : match.start()])
        position = match.end()
        if encoded.xml:
            closing, letter, number, selfclosing = match.groups()
        else:
            closing, number = match.groups()
            letter, selfclosing = "", ""
        index = int(number)
        if index >= len(encoded.slots):
            continue
        slot = encoded.slots[index]
        if closing:
            if _is_wrap(slot) and any(i == index for i, _ in stack):
                close(index)
            continue
        if index in used:
            continue
        used.add(index)
        if not _is_wrap(slot):
            current.append(slot.text if isinstance(slot, _Kept) else slot)
        elif selfclosing or letter == "x":
            current.append(_rebuilt(slot, ()))
        else:
            children: list[Inline] = []
            stack.append((index, children))
            current = children
    add_text(translated[position:])
    if stack:  # wraps the translation left open close at the end
        close(stack[0][0])
    skip: set[int] = set()
    for index, slot in enumerate(encoded.slots):
        if index in used or index in skip:
            continue
        if isinstance(slot, _Kept):
            root.append(slot.text)
        elif not _is_wrap(slot):
            root.extend((" ", slot))
        elif isinstance(slot, Link):
            # A link the translation lost: kept whole, with its label as written.
            root.extend((" ", slot))
            skip.update(range(index + 1, encoded.ends[index]))
    return RichText(merge(root))


# ---------------------------------------------------------------- cutting long texts for the translator


def _size(part: Inline) -> int:
    if isinstance(part, str):
        return len(part)
    if isinstance(part, Styled):
        return 2 + sum(map(_size, part.children))
    if isinstance(part, Link):
        return len(part.url) + sum(map(_size, part.label))
    if isinstance(part, Code):
        return len(part.text)
    if isinstance(part, Quote):
        return 2
    return len(RichText((part,)).plain())


def split_pieces(parts: Sequence[Inline], limit: int) -> list[tuple[Inline, ...]]:
    """Cut `parts` into pieces of at most about `limit` characters each, for the translator's requests.

    Cuts fall at paragraph breaks, then line breaks, then sentence ends, then spaces, only inside plain
    text; an element longer than `limit` makes a piece of its own. Nothing is lost: the pieces joined are `parts`.
    """
    pieces: list[list[Inline]] = []
    current: list[Inline] = []
    size = 0
    for part in parts:
        length = _size(part)
        if size + length <= limit:
            current.append(part)
            size += length
            continue
        if isinstance(part, str):
            rest = part
            while size + len(rest) > limit:
                room = limit - size
                cut = cut_point(rest, room)
                if cut <= 0:
                    if current:
                        pieces.append(current)
                        current, size = [], 0
                        continue
                    cut = room  # one endless word: cut it where the limit falls
                current.append(rest[:cut])
                pieces.append(current)
                current, size = [], 0
                rest = rest[cut:]
            if rest:
                current.append(rest)
                size += len(rest)
        else:
            if current:
                pieces.append(current)
            current, size = [part], length
    if current:
        pieces.append(current)
    return [merge(piece) for piece in pieces]


_SENTENCE_END = re.compile(r"[.!?。！？]\s+")


def cut_point(text: str, room: int) -> int:
    """Where to cut `text` so the first part has at most `room` characters (0: nowhere good)."""
    window = text[: room + 1]
    for separator in ("\n\n", "\n"):
        at = window.rfind(separator, 0, room)
        if at > 0:
            return at + len(separator)
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= room]
    if ends:
        return ends[-1]
    at = window.rfind(" ", 0, room)
    return at + 1 if at > 0 else 0
