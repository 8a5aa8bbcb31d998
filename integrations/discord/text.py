"""Discord message content in and out: parsed into the core's neutral rich text, rendered back from it.

Discord content is Markdown with its own mentions (`<@1>`, `<@&2>`, `<#3>`), custom emoji (`<:name:4>`),
timestamps (`<t:…>`) and `@everyone`/`@here`. `render` writes neutral rich text back and makes plain text
unable to mention anyone (a zero-width space after the `@` or `<`), whatever the message's allowed mentions
say; `split_text` is the one place content is cut to Discord's 2,000 characters.
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

MAX_CONTENT = 2000
ZERO_WIDTH_SPACE = "\u200b"

# ---------------------------------------------------------------- parsing what Discord delivers

_TOKEN = re.compile(
    r"""
    (?P<codeblock>```(?P<block>[\s\S]*?)```)                                  # code block
  | (?P<code>``(?P<span2>[^`]+?)``|`(?P<span>[^`\n]+)`)                      # code span
  | (?P<mention><(?P<sigil>@!?|@&|\#)(?P<id>\d+)>)                           # <@1>, <@!1>, <@&2>, <#3>
  | (?P<custom><(?P<animated>a?):(?P<emoji_name>[\w~-]+):(?P<emoji_id>\d+)>) # <:icc:1234>, <a:wave:5678>
  | (?P<other><(?:t:-?\d+(?::[tTdDfFR])?|/[\w -]+:\d+|(?:https?://|mailto:)[^<>\s]+)>)  # <t:…>, </cmd:1>, <url>
  | (?P<mdlink>\[(?P<label>[^\[\]\n]*)\]\((?P<url>https?://[^()\s]+)\))      # [label](https://…)
  | (?P<bare>(?:https?|ftp)://[^\s<>]+|www\.[^\s<>]+\.[^\s<>]+)
  | (?P<emoji>(?<!\w):(?P<short>[a-z0-9_+'-]+):(?=\W|\Z))                    # :tada:
  | (?P<broadcast>@(?:everyone|here)\b)
  | (?P<quote>^(?P<marks>>(?:>>)?)(?P<space>\ )?(?=\S|$))                    # > quote, >>> quote
  | (?P<wrap>(?<![\w*_~|\\])(?P<delim>\*\*|__|~~|\|\||\*|_)(?=[^\s*_~|])     # **b**, *i*, _i_, __u__, ~~s~~, ||x||
        (?P<inner>[^\n]*?[^\s\\])(?P=delim)(?![\w*_~|]))
    """,
    re.VERBOSE | re.MULTILINE,
)
_STYLES = {"**": Style.bold, "*": Style.italic, "_": Style.italic, "__": Style.underline, "~~": Style.strike,
           "||": Style.spoiler}
_DELIMITERS = {Style.bold: "**", Style.italic: "*", Style.underline: "__", Style.strike: "~~", Style.spoiler: "||"}
_URL_TAIL = ".,;:!?'\")]}"
_KINDS = {"@": MentionKind.person, "@!": MentionKind.person, "@&": MentionKind.group, "#": MentionKind.channel}


def parse(content: str) -> RichText:
    """Discord message content as neutral rich text."""
    return RichText(_parse(content))


def _parse(text: str) -> tuple[Inline, ...]:
    out: list[Inline] = []
    position = 0
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        group = match.group
        if start < position:
            continue
        out.append(text[position:start])
        position = end
        if group("codeblock") is not None:
            out.append(Code(group("block"), block=True))
        elif group("code") is not None:
            out.append(Code(group("span") if group("span") is not None else group("span2")))
        elif group("mention") is not None:
            out.append(Mention(_KINDS[group("sigil")], group("id")))
        elif group("custom") is not None:
            out.append(Emoji(group("emoji_name"), group("emoji_id"), animated=bool(group("animated"))))
        elif group("other") is not None:
            out.append(Verbatim(group("other")))
        elif group("mdlink") is not None:
            out.append(Link(group("url"), _parse(group("label"))))
        elif group("bare") is not None:
            url = group("bare")
            trimmed = url.rstrip(_URL_TAIL)
            # A closing bracket belongs to the URL when the URL opened one (Wikipedia links).
            while len(trimmed) < len(url) and url[len(trimmed)] == ")" and trimmed.count("(") > trimmed.count(")"):
                trimmed += ")"
            out.append(Link(trimmed))
            position = start + len(trimmed)
        elif group("emoji") is not None:
            out.append(Emoji(group("short")))
        elif group("broadcast") is not None:
            out.append(Broadcast(group("broadcast")[1:]))
        elif group("quote") is not None:
            out.append(Quote(rest=len(group("marks")) == 3, spaced=group("space") is not None))
        else:
            out.append(Styled(_STYLES[group("delim")], _parse(group("inner"))))
    out.append(text[position:])
    return merge(out)


# ---------------------------------------------------------------- rendering for Discord

_DEFUSE = re.compile(r"@(?=everyone|here)|<(?=[@#][!&]?\d+>|a?:[\w~-]+:\d+>)")


def defuse(text: str) -> str:
    """Plain text that cannot mention anyone: a zero-width space after an `@everyone`'s `@` or a mention's `<`."""
    return _DEFUSE.sub(lambda m: m.group(0) + ZERO_WIDTH_SPACE, text)


def render(text: RichText, *, allow_broadcast: bool = False) -> str:
    """`text` as Discord content. Mentions of people, roles and channels keep their syntax (who is notified is
    the message's allowed mentions); `@everyone`/`@here` are real only when `allow_broadcast` (the ICC team)."""
    return "".join(_render(part, allow_broadcast) for part in text.parts)


def _render(part: Inline, allow: bool) -> str:
    if isinstance(part, str):
        return defuse(part)
    if isinstance(part, Mention):
        sigil = {MentionKind.person: "@", MentionKind.group: "@&", MentionKind.channel: "#"}[part.kind]
        return f"<{sigil}{part.id}>"
    if isinstance(part, Broadcast):
        return "@" + part.name if allow else "@" + ZERO_WIDTH_SPACE + part.name
    if isinstance(part, Link):
        if part.label:
            return "[" + "".join(_render(p, allow) for p in part.label) + f"]({part.url})"
        return part.url
    if isinstance(part, Code):
        if part.block:
            return f"```{part.text}```"
        if "`" not in part.text and "\n" not in part.text:
            return f"`{part.text}`"
        # Double backticks hold a backtick or a line break; a space keeps a backtick at either end apart.
        spaced = part.text.startswith("`") or part.text.endswith("`")
        return f"`` {part.text} ``" if spaced else f"``{part.text}``"
    if isinstance(part, Emoji):
        if part.id:
            return f"<{'a' if part.animated else ''}:{part.name}:{part.id}>"
        return f":{part.name}:"
    if isinstance(part, Styled):
        delimiter = _DELIMITERS[part.style]
        return delimiter + "".join(_render(p, allow) for p in part.children) + delimiter
    if isinstance(part, Quote):
        return (">>>" if part.rest else ">") + (" " if part.spaced else "")
    return part.raw


# ---------------------------------------------------------------- splitting to Discord's limit


def split_text(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Cut content into pieces of at most `limit` characters: at a line break, else a space, else anywhere;
    never inside a `<…>` mention."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
        opened = rest.rfind("<", 0, cut)
        if opened > rest.rfind(">", 0, cut) and opened > limit // 2:
            cut = opened
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:]
        if rest[:1] in ("\n", " "):
            rest = rest[1:]
    if rest.strip():
        pieces.append(rest)
    return pieces


def split(text: RichText, limit: int = MAX_CONTENT) -> list[RichText]:
    """`text` in pieces that each fit one Discord message, cut by `split_text`."""
    rendered = render(text, allow_broadcast=True)  # everything kept as markup, so the pieces read back the same
    if len(rendered) <= limit:
        return [text]
    return [parse(piece) for piece in split_text(rendered, limit)]
