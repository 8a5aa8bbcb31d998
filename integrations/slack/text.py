"""Slack message text ("mrkdwn") in and out: parsed into the core's neutral rich text, rendered back from it.

Slack delivers the `&`, `<` and `>` people type as `&amp;`, `&lt;` and `&gt;`, and uses `<…>` for its markup
(`<@U1>`, `<#C1|general>`, `<!here>`, `<https://…|label>`). `parse` decodes them once; `render` encodes once,
quiets mentions when asked (a translation repeats what someone wrote: nobody is notified again), and defuses
broadcast mentions unless the ICC team asked for them. `split_text` is the one place Slack text is cut to
Slack's limits, never inside a `<…>` sequence or an `&…;` escape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

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
    mentions,
    merge,
)

#: Put between "@" and "here": the text still reads "@here", but nothing can turn it into a mention.
WORD_JOINER = "\u2060"

# ---------------------------------------------------------------- escaping


def escape(text: str) -> str:
    """Plain text as Slack expects it: `&`, `<` and `>` as entities (the only three Slack escapes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def unescape(text: str) -> str:
    """Slack text back to what was typed, in one pass (`&amp;lt;` is the four characters `&lt;`)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text) if "&" in text else text


# ---------------------------------------------------------------- parsing what Slack delivers

_TOKEN = re.compile(
    r"""
    (?P<codeblock>```(?P<block>[^<]*?)```)                                    # code block (with no markup in it)
  | (?P<code>`(?P<span>[^`\n<]+)`)                                          # code span (with no markup in it)
  | (?P<link><(?P<url>(?:https?://|mailto:)[^<>|\s]+)(?:\|(?P<label>[^<>]*))?>)   # <https://…> <https://…|label>
  | (?P<angle><(?P<sigil>[@\#!])(?P<body>[^<>\s|]*)(?:\|(?P<name>[^<>]*))?>)       # <@U1> <#C1|x> <!here>
  | (?P<other><[^<>]*>)                                                     # anything else Slack marks up
  | (?P<bare>(?:https?|ftp)://[^\s<>]+)                                     # a URL Slack did not bracket
  | (?P<emoji>(?<!\w):(?P<emoji_name>[a-z0-9_+'-]+):(?=\W|\Z))              # :flag-fr:, :+1:, :skin-tone-2:
  | (?P<quote>^(?P<marks>&gt;(?:&gt;&gt;)?)(?P<space>\ )?)                  # a quote mark at a line start
  | (?P<wrap>(?<![\w*_~\\])(?P<delim>[*_~])(?=[^\s*_~])                     # *bold*, _italic_, ~struck~
        (?P<inner>[^\n]*?[^\s\\])(?P=delim)(?![\w*_~]))
    """,
    re.VERBOSE | re.MULTILINE,
)
_STYLES = {"*": Style.bold, "_": Style.italic, "~": Style.strike}
_DELIMITERS = {style: delimiter for delimiter, style in _STYLES.items()}
_URL_TAIL = ".,;:!?'\")]}"
_BROADCASTS = ("here", "channel", "everyone")


def _angle(sigil: str, body: str, name: str | None, raw: str) -> Inline:
    label = unescape(name or "")
    if sigil == "@" and body:
        return Mention(MentionKind.person, body, label)
    if sigil == "#" and body:
        return Mention(MentionKind.channel, body, label)
    if sigil == "!":
        if body.startswith("subteam^"):
            return Mention(MentionKind.group, body.partition("^")[2], label)
        word = body.split("^", 1)[0]
        if word in _BROADCASTS:
            return Broadcast(word)
    return Verbatim(raw)


def parse(text: str) -> RichText:
    """Slack message text (as the Events API delivers it) as neutral rich text; `&…;` decoded once."""
    return RichText(_parse(text))


def _parse(text: str) -> tuple[Inline, ...]:
    out: list[Inline] = []
    position = 0
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        group = match.group
        if start < position:
            continue
        if group("bare") is not None:
            url = group("bare")
            trimmed = url.rstrip(_URL_TAIL)
            end = start + len(trimmed)
            out.extend((unescape(text[position:start]), Link(unescape(trimmed))))
            position = end
            continue
        out.append(unescape(text[position:start]))
        position = end
        if group("codeblock") is not None:
            out.append(Code(unescape(group("block")), block=True))
        elif group("code") is not None:
            out.append(Code(unescape(group("span"))))
        elif group("link") is not None:
            label = group("label")
            out.append(Link(unescape(group("url")), _parse(label) if label else ()))
        elif group("angle") is not None:
            out.append(_angle(group("sigil"), group("body"), group("name"), group("angle")))
        elif group("other") is not None:
            out.append(Verbatim(group("other")))
        elif group("emoji") is not None:
            out.append(Emoji(group("emoji_name")))
        elif group("quote") is not None:
            out.append(Quote(rest=len(group("marks")) > 4, spaced=group("space") is not None))
        else:
            out.append(Styled(_STYLES[group("delim")], _parse(group("inner"))))
    out.append(unescape(text[position:]))
    return merge(out)


# ---------------------------------------------------------------- rendering for Slack

_PLAIN_BROADCAST = re.compile(r"(?<![\w@])@(channel|here|everyone)\b", re.IGNORECASE)


def defuse_plain(text: str) -> str:
    """Already-escaped plain text in which a typed "@here" can never become a mention."""
    return _PLAIN_BROADCAST.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)


def render(text: RichText, *, quiet: bool = False, names: Mapping[str, str] | None = None,
           allow_broadcast: bool = False) -> str:
    """`text` as Slack mrkdwn.

    Args:
        quiet: the text repeats what someone wrote (a translation): people, groups and broadcasts it mentions
            are shown by name and notified of nothing (Slack notifies for every `<@U…>` a bot posts).
        names: display names by user id, for quiet mentions (the id is shown when the name is unknown).
        allow_broadcast: `@here`, `@channel`, `@everyone` and user groups notify (only the ICC team asks).
    """
    return "".join(_render(part, quiet, names or {}, allow_broadcast) for part in text.parts)


def _render(part: Inline, quiet: bool, names: Mapping[str, str], allow: bool) -> str:
    if isinstance(part, str):
        return defuse_plain(escape(part))
    if isinstance(part, Mention):
        if part.kind is MentionKind.channel:
            return f"<#{part.id}|{escape(part.label)}>" if part.label else f"<#{part.id}>"
        if part.kind is MentionKind.person:
            if quiet:
                return "@" + escape(part.label.lstrip("@") or names.get(part.id) or part.id)
            return f"<@{part.id}|{escape(part.label)}>" if part.label else f"<@{part.id}>"
        if allow and not quiet:
            return f"<!subteam^{part.id}|{escape(part.label)}>" if part.label else f"<!subteam^{part.id}>"
        return escape(part.label) if part.label.startswith("@") else "@" + escape(part.label or "team")
    if isinstance(part, Broadcast):
        return f"<!{part.name}>" if allow and not quiet else "@" + WORD_JOINER + part.name
    if isinstance(part, Link):
        if part.label:
            return f"<{escape(part.url)}|{''.join(_render(p, quiet, names, allow) for p in part.label)}>"
        return f"<{escape(part.url)}>"
    if isinstance(part, Code):
        fence = "```" if part.block else "`"
        return fence + escape(part.text) + fence
    if isinstance(part, Emoji):
        return f":{part.name}:"
    if isinstance(part, Styled):
        inner = "".join(_render(p, quiet, names, allow) for p in part.children)
        delimiter = _DELIMITERS.get(part.style, "")
        return delimiter + inner + delimiter
    if isinstance(part, Quote):
        return ("&gt;&gt;&gt;" if part.rest else "&gt;") + (" " if part.spaced else "")
    return part.raw


def mentioned_people(text: RichText) -> list[str]:
    """The user ids `text` mentions, in order, once each (whose names a quiet rendering needs)."""
    return list(dict.fromkeys(m.id for m in mentions(text.parts) if m.kind is MentionKind.person))


# ---------------------------------------------------------------- mrkdwn of neutral replies

#: Control sequences a reply's text may carry through: people, channels, links and dates.
_KEPT = r"<(?:[@#][A-Z][A-Z0-9]+(?:\|[^<>]*)?|(?:https?|mailto):[^<>\s|]+(?:\|[^<>]*)?|!date\^[^<>]*)>"
#: Mentions that notify a whole channel or group: `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^S…>`.
_BROADCAST = r"<!(?:channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|[^<>]*)?>"
_TOKENS = re.compile(f"({_KEPT})|({_BROADCAST})", re.IGNORECASE)
_BROADCAST_NAME = re.compile(r"<!(channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|([^<>]*))?>", re.IGNORECASE)


def sanitize_mrkdwn(text: str, *, allow_broadcast: bool = False) -> str:
    """Make a reply's plain text safe to post as Slack mrkdwn (rich text goes through `render`).

    `&`, `<` and `>` are escaped, except in mentions of people and channels, links and dates, which pass
    through. `@channel`, `@here`, `@everyone` and user-group mentions, written either way, notify people
    only when `allow_broadcast` is True (the ICC team asked for it, `Reply.allow_broadcast_mentions`);
    otherwise they are shown as harmless text.
    """
    out: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        out.append(_plain_part(text[position : match.start()], allow_broadcast))
        if match.group(1):
            out.append(match.group(1))
        elif allow_broadcast:
            out.append(match.group(2))
        else:
            named = _BROADCAST_NAME.match(match.group(2))
            name = (named.group(2) or named.group(1)) if named else "channel"
            name = name.lstrip("@").split("^")[0]
            out.append("@" + WORD_JOINER + escape(name))
        position = match.end()
    out.append(_plain_part(text[position:], allow_broadcast))
    return "".join(out)


def _plain_part(text: str, allow_broadcast: bool) -> str:
    text = escape(text)
    if allow_broadcast:
        return _PLAIN_BROADCAST.sub(lambda m: f"<!{m.group(1).lower()}>", text)
    return defuse_plain(text)


# ---------------------------------------------------------------- splitting to Slack's limits


#: Slack's limit for the text of one section block.
SECTION_TEXT_LIMIT = 3000


def split_text(text: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """Cut mrkdwn into pieces of at most `limit` characters, losing nothing but the spaces at the cuts.

    Cuts fall between paragraphs, else lines, else words; never inside a `<…>` sequence or an `&…;` escape.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 3:
            cut = window.rfind("\n")
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut < limit // 3:
            cut = limit
        cut = _safe_cut(rest, cut)
        piece = rest[:cut].rstrip("\n ")
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        pieces.append(rest)
    return pieces or [""]


def _safe_cut(text: str, cut: int) -> int:
    opened = text.rfind("<", 0, cut)
    if opened > text.rfind(">", 0, cut) and opened > 0:
        cut = opened
    amp = text.rfind("&", max(0, cut - 6), cut)
    if amp >= 0 and ";" not in text[amp:cut] and amp > 0:
        cut = amp
    return cut


def split(text: RichText, limit: int) -> list[RichText]:
    """`text` in pieces that each fit one Slack message of `limit` characters, cut by `split_text`."""
    rendered = render(text, allow_broadcast=True)  # everything kept as markup, so the pieces read back the same
    if len(rendered) <= limit:
        return [text]
    return [parse(piece) for piece in split_text(rendered, limit)]


def join(pieces: Iterable[RichText]) -> RichText:
    """Pieces of text one after the other, each on its own paragraph."""
    return RichText.of("\n\n").join(pieces)
