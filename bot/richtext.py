"""Neutral rich text: what a chat message says and how it is marked up, in no platform's syntax.

Adapters parse what their platform delivers into `RichText` (Slack's `&amp;` and `<@U1>`, Discord's `<@1>` and
`**bold**`) and render `RichText` back in their own syntax, with their own escaping, quieting of mentions,
length limits and splitting. Plain text inside is plain: `&`, `<` and `>` are themselves, decoded once on the
way in and encoded once on the way out, by the adapter. The core reads and writes only these elements.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class MentionKind(enum.StrEnum):
    person = "person"
    group = "group"  # a Slack user group, a Discord role
    channel = "channel"


@dataclass(frozen=True)
class Mention:
    """A person, a group or a channel named by its id (the platform shows it by its name)."""

    kind: MentionKind
    id: str
    #: The name the platform sent along (Slack's `<@U1|ana>`, `<#C1|general>`), or "".
    label: str = ""


@dataclass(frozen=True)
class Broadcast:
    """A mention of everyone: `here`, `channel` or `everyone`."""

    name: str


@dataclass(frozen=True)
class Link:
    """A link; with a label, the label is shown (and translated) instead of the address."""

    url: str
    label: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class Code:
    """Code, shown as written and never translated: a span, or a block (its first line may name a language)."""

    text: str
    block: bool = False


@dataclass(frozen=True)
class Emoji:
    """An emoji written by name (`:tada:`), or a platform's custom one (with its id)."""

    name: str
    id: str = ""
    animated: bool = False


class Style(enum.StrEnum):
    bold = "bold"
    italic = "italic"
    strike = "strike"
    underline = "underline"
    spoiler = "spoiler"


@dataclass(frozen=True)
class Styled:
    """Text shown in a style; the text inside is translated."""

    style: Style
    children: tuple[Inline, ...] = ()


@dataclass(frozen=True)
class Quote:
    """The mark that starts a quoted line (`> `), or, `rest`, a quotation to the end of the message."""

    rest: bool = False
    #: Whether a space follows the mark (a quote mark alone on its line has none).
    spaced: bool = True


@dataclass(frozen=True)
class Verbatim:
    """Platform markup with no neutral meaning (a Discord timestamp, a Slack date), kept exactly as written."""

    raw: str


Inline = str | Mention | Broadcast | Link | Code | Emoji | Styled | Quote | Verbatim


@dataclass(frozen=True)
class RichText:
    """A message as a sequence of plain strings and markup elements."""

    parts: tuple[Inline, ...] = ()

    @classmethod
    def of(cls, *parts: Inline | RichText) -> RichText:
        """Rich text from strings, elements and other rich texts (adjacent strings joined, empty ones dropped)."""
        return cls(merge(_flatten(parts)))

    def __add__(self, other: RichText | Inline) -> RichText:
        return RichText.of(self, other)

    def __radd__(self, other: Inline) -> RichText:
        return RichText.of(other, self)

    def __bool__(self) -> bool:
        return bool(self.parts)

    def __iter__(self) -> Iterator[Inline]:
        return iter(self.parts)

    def plain(self) -> str:
        """The text as a person reads it, markup left out (mentions as `@name`, links by their label)."""
        return plain(self.parts)

    def join(self, pieces: Iterable[RichText]) -> RichText:
        """`pieces` with this text between each two (like `str.join`)."""
        out: list[Inline | RichText] = []
        for index, piece in enumerate(pieces):
            if index:
                out.append(self)
            out.append(piece)
        return RichText.of(*out)


def _flatten(parts: Iterable[Inline | RichText]) -> Iterator[Inline]:
    for part in parts:
        if isinstance(part, RichText):
            yield from part.parts
        else:
            yield part


def merge(parts: Iterable[Inline]) -> tuple[Inline, ...]:
    """`parts` with adjacent strings joined and empty strings dropped."""
    merged: list[Inline] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += part
                continue
        merged.append(part)
    return tuple(merged)


def plain(parts: Iterable[Inline]) -> str:
    """What `RichText.plain` reads for a sequence of elements."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Mention):
            prefix = "#" if part.kind is MentionKind.channel else "@"
            out.append(prefix + (part.label.lstrip("@#") or part.id))
        elif isinstance(part, Broadcast):
            out.append("@" + part.name)
        elif isinstance(part, Link):
            out.append(plain(part.label) if part.label else part.url)
        elif isinstance(part, Code):
            out.append(part.text)
        elif isinstance(part, Emoji):
            out.append(f":{part.name}:")
        elif isinstance(part, Styled):
            out.append(plain(part.children))
        elif isinstance(part, Quote):
            out.append(">>> " if part.rest else "> " if part.spaced else ">")
        else:
            out.append(part.raw)
    return "".join(out)


def mentions(parts: Iterable[Inline]) -> Iterator[Mention]:
    """Every mention in `parts`, link labels and styled text included, in order."""
    for part in parts:
        if isinstance(part, Mention):
            yield part
        elif isinstance(part, Styled):
            yield from mentions(part.children)
        elif isinstance(part, Link):
            yield from mentions(part.label)
