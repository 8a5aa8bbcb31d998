"""Console text in and out: what is typed at the terminal as neutral rich text, and rich text as terminal lines.

A terminal has no markup of its own: code (backticks) and web addresses are recognised, so that they are
never translated; everything else is words. Nothing printed can notify anyone.
"""

from __future__ import annotations

import re

from bot.richtext import (
    Broadcast,
    Code,
    Emoji,
    Inline,
    Link,
    Mention,
    MentionKind,
    Quote,
    RichText,
    Style,
    Styled,
    Verbatim,
    merge,
)

_TOKEN = re.compile(
    r"(?P<block>```(?P<code_block>[\s\S]*?)```)|(?P<span>`(?P<code>[^`\n]+)`)"
    r"|(?P<url>(?:https?|ftp)://[^\s<>]+)|(?P<broadcast>@(?:everyone|here|channel)\b)"
)
_URL_TAIL = ".,;:!?'\")]}"


def parse(line: str) -> RichText:
    """A typed line as rich text: code and web addresses marked, the rest words."""
    out: list[Inline] = []
    position = 0
    for match in _TOKEN.finditer(line):
        if match.start() < position:
            continue
        out.append(line[position : match.start()])
        position = match.end()
        if match.group("block") is not None:
            out.append(Code(match.group("code_block"), block=True))
        elif match.group("span") is not None:
            out.append(Code(match.group("code")))
        elif match.group("url") is not None:
            url = match.group("url").rstrip(_URL_TAIL)
            out.append(Link(url))
            position = match.start() + len(url)
        else:
            out.append(Broadcast(match.group("broadcast")[1:]))
    out.append(line[position:])
    return RichText(merge(out))


def render(text: RichText) -> str:
    """Rich text as the terminal shows it: bold as plain words, italics in brackets, links with their address."""
    return "".join(_render(part) for part in text.parts)


def _render(part: Inline) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Mention):
        prefix = "#" if part.kind is MentionKind.channel else "@"
        return prefix + (part.label.lstrip("@#") or part.id)
    if isinstance(part, Broadcast):
        return "@" + part.name
    if isinstance(part, Link):
        return f"{render(RichText(part.label))} ({part.url})" if part.label else part.url
    if isinstance(part, Code):
        fence = "```" if part.block else "`"
        return fence + part.text + fence
    if isinstance(part, Emoji):
        return f":{part.name}:"
    if isinstance(part, Styled):
        inner = render(RichText(part.children))
        return f"({inner})" if part.style is Style.italic else inner
    if isinstance(part, Quote):
        return "> " if part.spaced else ">"
    assert isinstance(part, Verbatim)
    return part.raw
