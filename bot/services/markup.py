"""Chat markup that must survive translation: mentions, channel links, URLs, emoji, code, bold and italic.

A message is parsed into segments: plain text (translated), atoms (kept byte for byte: mentions, URLs, emoji,
code) and wraps (kept delimiters around translated text: bold, italic, a link's label). The translatable
form sent to DeepL replaces atoms by empty XML elements (`<x3/>`) and wraps by elements (`<w1>…</w1>`), or,
for languages where DeepL has no tag handling, by bracketed placeholders (`⟦3⟧`, `⟦1⟧…⟦/1⟧`). Decoding is
forgiving: an atom the translation lost is appended, an atom it repeated or invented is dropped, so a
translation never adds a mention, and never loses a link or a code block.

`render(parse(text)) == text` for any text, and decoding an untouched encoding gives the text back.
"""

from __future__ import annotations

import enum
import html
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field


class Dialect(enum.StrEnum):
    """How a platform writes plain text: Slack escapes `&`, `<` and `>` as entities; the others do not."""

    slack = "slack"
    discord = "discord"
    plain = "plain"

    @classmethod
    def of(cls, platform: str) -> Dialect:
        return {"slack": cls.slack, "discord": cls.discord}.get(platform, cls.plain)


class AtomKind(enum.StrEnum):
    mention = "mention"  # a person or a role
    broadcast = "broadcast"  # @here, @channel, @everyone
    channel = "channel"
    url = "url"
    emoji = "emoji"
    code = "code"
    other = "other"  # dates, slash-command links, control characters, quote marks


@dataclass(frozen=True)
class Atom:
    """Markup kept exactly as written."""

    raw: str
    kind: AtomKind = AtomKind.other


@dataclass(frozen=True)
class Wrap:
    """Delimiters kept exactly around text that is translated (bold, italic, a link's label)."""

    open: str
    close: str
    children: tuple[Segment, ...] = ()


Segment = str | Atom | Wrap

# ---------------------------------------------------------------- parsing

_URL_TAIL = ".,;:!?'\")]}"
_DELIMS = ("**", "__", "~~", "||", "*", "_", "~")

_TOKEN = re.compile(
    r"""
    (?P<codeblock>```[\s\S]*?```|```[\s\S]*\Z)                     # code block, also half-closed
  | (?P<code>``[^`]+?``|`[^`\n]+`)                                  # code span
  | (?P<slacklink><(?:https?://|mailto:)[^<>|\s]+\|)(?P<label>[^<>]*)>   # <https://…|label>
  | (?P<angle><(?:
          [@\#!][^<>\s|]*(?:\|[^<>]*)?                              # <@U1>, <@U1|ann>, <#C1|x>, <!here>, <@&1>
        | a?:[\w~-]+:\d+                                            # <:name:id>, <a:name:id>
        | t:-?\d+(?::[tTdDfFR])?                                    # <t:1700000000:R>
        | /[\w -]+:\d+                                              # </command:id>
        | (?:https?://|mailto:)[^<>|\s]+                            # <https://…>
      )>)
  | (?P<mdlink>\[(?P<mdlabel>[^\[\]\n]*)\](?P<mdurl>\(https?://[^()\s]+\)))   # [label](https://…)
  | (?P<url>(?:https?|ftp)://[^\s<>]+|www\.[^\s<>]+\.[^\s<>]+)
  | (?P<emoji>(?<!\w):[a-z0-9_+'-]+:(?=\W|\Z))                      # :flag-fr:, :+1:, :skin-tone-2:
  | (?P<broadcast>@(?:everyone|here|channel))                           # Discord pings them anywhere
  | (?P<quote>^(?:&gt;|>{1,3})\ (?=\S)|^(?:&gt;|>{1,3})$)            # quote marks at a line start
  | (?P<odd>[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\ud800-\udfff⟦⟧])       # never sent: XML forbids them, or ours
  | (?P<wrap>(?<![\w*_~|\\])(?P<delim>\*\*|__|~~|\|\||\*|_|~)(?=[^\s*_~|])     # *bold*, _it_, ~~s~~, ||spoiler||
        (?P<inner>[^\n]*?[^\s\\])(?P=delim)(?![\w*_~|]))
    """,
    re.VERBOSE | re.MULTILINE,
)


def _angle_kind(raw: str) -> AtomKind:
    body = raw[1:-1]
    if body.startswith(("@", "!subteam")):
        return AtomKind.mention
    if body.startswith("!"):
        name = body[1:].split("|", 1)[0].split("^", 1)[0]
        return AtomKind.broadcast if name in ("here", "channel", "everyone") else AtomKind.other
    if body.startswith("#"):
        return AtomKind.channel
    if body.startswith(("http", "mailto:")):
        return AtomKind.url
    if ":" in body and body.split(":", 1)[0] in ("", "a"):
        return AtomKind.emoji
    return AtomKind.other


def parse(text: str) -> list[Segment]:
    """Split `text` into plain text, atoms and wraps; `render` gives `text` back exactly."""
    out: list[Segment] = []
    pos = 0
    while True:
        match = _TOKEN.search(text, pos)
        if match is None:
            break
        start, end = match.span()
        group = match.group
        if start > pos:
            out.append(text[pos:start])
        if group("codeblock") is not None or group("code") is not None:
            out.append(Atom(match.group(0), AtomKind.code))
        elif group("slacklink") is not None:
            out.append(Wrap(group("slacklink"), ">", tuple(parse(group("label")))))
        elif group("angle") is not None:
            out.append(Atom(group("angle"), _angle_kind(group("angle"))))
        elif group("mdlink") is not None:
            out.append(Wrap("[", "]" + group("mdurl"), tuple(parse(group("mdlabel")))))
        elif group("url") is not None:
            url = group("url")
            trimmed = url.rstrip(_URL_TAIL)
            # A closing bracket belongs to the URL when the URL opened one (Wikipedia links).
            while len(trimmed) < len(url) and url[len(trimmed)] == ")" and trimmed.count("(") > trimmed.count(")"):
                trimmed += ")"
            out.append(Atom(trimmed, AtomKind.url))
            end = start + len(trimmed)
        elif group("emoji") is not None:
            out.append(Atom(group("emoji"), AtomKind.emoji))
        elif group("broadcast") is not None:
            out.append(Atom(group("broadcast"), AtomKind.broadcast))
        elif group("quote") is not None or group("odd") is not None:
            out.append(Atom(match.group(0)))
        else:
            delim = group("delim")
            out.append(Wrap(delim, delim, tuple(parse(group("inner")))))
        pos = end
    if pos < len(text):
        out.append(text[pos:])
    return _merge(out)


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if isinstance(segment, str) and merged and isinstance(merged[-1], str):
            merged[-1] += segment
        elif segment != "":
            merged.append(segment)
    return merged


def render(segments: Sequence[Segment]) -> str:
    """The text of `segments`, markup included."""
    parts: list[str] = []
    for segment in segments:
        if isinstance(segment, str):
            parts.append(segment)
        elif isinstance(segment, Atom):
            parts.append(segment.raw)
        else:
            parts.append(segment.open + render(segment.children) + segment.close)
    return "".join(parts)


def atoms(segments: Sequence[Segment]) -> Iterator[Atom]:
    for segment in segments:
        if isinstance(segment, Atom):
            yield segment
        elif isinstance(segment, Wrap):
            yield from atoms(segment.children)


def words_of(segments: Sequence[Segment], dialect: Dialect = Dialect.plain) -> str:
    """The translatable words only (for language identification), markup removed, entities decoded."""
    parts: list[str] = []
    for segment in segments:
        if isinstance(segment, str):
            parts.append(_slack_unescape(segment) if dialect is Dialect.slack else segment)
        elif isinstance(segment, Wrap):
            parts.append(words_of(segment.children, dialect))
        else:
            parts.append(" ")
    return "".join(parts)


#: Replies that read the same in every language: nothing to translate.
UNIVERSAL_REPLIES = frozenset(
    {"ok", "okay", "oki", "k", "kk", "lol", "xd", "haha", "hahaha", "ahah", "wow", "+1", "-1", "+100", "ok!"}
)


_LONGEST_UNIVERSAL = max(len(reply) for reply in UNIVERSAL_REPLIES)


def has_words(segments: Sequence[Segment], dialect: Dialect = Dialect.plain) -> bool:
    """Whether anything in `segments` is worth translating: letters, and not a universal reply ("+1", "ok")."""
    words = words_of(segments, dialect)
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


@dataclass
class Encoded:
    """A message made ready for the translator, and what is needed to put its markup back."""

    text: str
    xml: bool
    slots: list[Atom | Wrap] = field(default_factory=list)
    #: For each slot, the index after its last inner slot (wraps hold slots of their own).
    ends: list[int] = field(default_factory=list)
    dialect: Dialect = Dialect.plain


def _slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") if "&" in text else text


def _text_to_xml(text: str, dialect: Dialect) -> str:
    if dialect is Dialect.slack:
        text = _slack_unescape(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_from_xml(text: str, dialect: Dialect) -> str:
    text = html.unescape(text) if "&" in text else text
    if dialect is Dialect.slack:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def encode(segments: Sequence[Segment], *, xml: bool, dialect: Dialect = Dialect.plain) -> Encoded:
    """The text to send: atoms as `<x0/>` (or `⟦0⟧`), wraps as `<w1>…</w1>` (or `⟦1⟧…⟦/1⟧`)."""
    encoded = Encoded(text="", xml=xml, dialect=dialect)
    parts: list[str] = []

    def walk(items: Sequence[Segment]) -> None:
        for segment in items:
            if isinstance(segment, str):
                parts.append(_text_to_xml(segment, dialect) if xml else segment)
                continue
            index = len(encoded.slots)
            encoded.slots.append(segment)
            encoded.ends.append(index + 1)
            if isinstance(segment, Atom):
                parts.append(f"<x{index}/>" if xml else f"⟦{index}⟧")
            else:
                parts.append(f"<w{index}>" if xml else f"⟦{index}⟧")
                walk(segment.children)
                parts.append(f"</w{index}>" if xml else f"⟦/{index}⟧")
                encoded.ends[index] = len(encoded.slots)

    walk(segments)
    encoded.text = "".join(parts)
    return encoded


_XML_TAG = re.compile(r"<\s*(/?)\s*([xw])\s*(\d+)\s*(/?)\s*>")
_PLACEHOLDER = re.compile(r"⟦\s*(/?)\s*(\d+)\s*⟧")


def decode(translated: str, encoded: Encoded) -> list[Segment]:
    """Put the markup back into a translation of `encoded.text`.

    Each atom appears once at most: repeated ones are dropped, lost ones are appended at the end (after a
    space), so no mention is added and no link or code is lost. Text of the translation never turns into
    markup: it is escaped (Slack) or defused (`@everyone`, `<@…>` get a zero-width space).
    """
    pattern = _XML_TAG if encoded.xml else _PLACEHOLDER
    root: list[Segment] = []
    stack: list[tuple[int, list[Segment]]] = []
    used: set[int] = set()
    current = root
    pos = 0

    def add_text(text: str) -> None:
        if not text:
            return
        if encoded.xml:
            text = _text_from_xml(text, encoded.dialect)
        current.append(defuse(text, encoded.dialect))

    for match in pattern.finditer(translated):
        add_text(translated[pos : match.start()])
        pos = match.end()
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
            if isinstance(slot, Wrap) and any(i == index for i, _ in stack):
                while stack:
                    opened, children = stack.pop()
                    wrap = encoded.slots[opened]
                    assert isinstance(wrap, Wrap)
                    current = stack[-1][1] if stack else root
                    current.append(Wrap(wrap.open, wrap.close, tuple(_merge(children))))
                    if opened == index:
                        break
            continue
        if index in used:
            continue
        used.add(index)
        if isinstance(slot, Atom):
            current.append(slot)
        elif selfclosing or letter == "x":
            current.append(Wrap(slot.open, slot.close, ()))
        else:
            children = []
            stack.append((index, children))
            current = children
    add_text(translated[pos:])
    while stack:  # wraps the translation left open close at the end
        opened, children = stack.pop()
        wrap = encoded.slots[opened]
        assert isinstance(wrap, Wrap)
        current = stack[-1][1] if stack else root
        current.append(Wrap(wrap.open, wrap.close, tuple(_merge(children))))
    skip: set[int] = set()
    for index, slot in enumerate(encoded.slots):
        if index in used or index in skip:
            continue
        if isinstance(slot, Atom):
            root.extend((" ", slot))
        elif slot.open != slot.close:
            # A link the translation lost: keep it whole (the URL is in its delimiters).
            root.extend((" ", Atom(render([slot]))))
            skip.update(range(index + 1, encoded.ends[index]))
    return _merge(root)


_DEFUSE = re.compile(r"@(?=everyone|here|channel)|<(?=[@#!][^<>\s|]*(?:\|[^<>]*)?>)")


def defuse(text: str, dialect: Dialect = Dialect.plain) -> str:
    """Make translated plain text unable to mention anyone (markup from the source is kept as atoms)."""
    if dialect is Dialect.slack:
        # Slack text is escaped: `<` cannot start a mention; plain "@here" does not notify in Slack.
        return text
    return _DEFUSE.sub(lambda m: m.group(0) + "\u200b", text)


# ---------------------------------------------------------------- splitting long texts


def split_segments(segments: Sequence[Segment], limit: int) -> list[list[Segment]]:
    """Cut `segments` into pieces whose text is at most `limit` characters where possible.

    Cuts fall at paragraph breaks, then line breaks, then sentence ends, then spaces, only inside plain
    text; an atom or a wrap longer than `limit` makes a piece of its own. Nothing is lost:
    `"".join(render(p) for p in pieces) == render(segments)`.
    """
    pieces: list[list[Segment]] = []
    current: list[Segment] = []
    size = 0
    for segment in segments:
        length = len(render([segment]))
        if size + length <= limit:
            current.append(segment)
            size += length
            continue
        if isinstance(segment, str):
            rest = segment
            while size + len(rest) > limit:
                room = limit - size
                cut = _cut_point(rest, room)
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
            current, size = [segment], length
    if current:
        pieces.append(current)
    return [_merge(piece) for piece in pieces]


_SENTENCE_END = re.compile(r"[.!?。！？]\s+")


def _cut_point(text: str, room: int) -> int:
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


def split_text(text: str, limit: int) -> list[str]:
    """Split a rendered message into posts of at most `limit` characters, never inside a mention or a URL."""
    if len(text) <= limit:
        return [text]
    return [render(piece) for piece in split_segments(parse(text), limit)]
