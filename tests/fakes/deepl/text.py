"""How the DeepL fake translates: plain text, XML/HTML markup, glossary entries, parameters."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

from .wire import _HTML_VOID, _ApiError

# --------------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------------

_MARKUP_RE = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>|<[^>]*>", re.S)
_TAG_NAME_RE = re.compile(r"\s*([^\s/>]+)")
_ENTITY_RE = re.compile(r"(&[#\w]+;)")


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _glossary_replacer(entries: dict[str, str], *, escape: bool) -> Callable[[str], str]:
    if not entries:
        return lambda s: s
    terms = sorted(entries, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)")

    def repl(m: re.Match[str]) -> str:
        value = entries[m.group(0)]
        return _xml_escape(value) if escape else value

    return lambda s: pattern.sub(repl, s)


def _split_ws(s: str) -> tuple[str, str, str]:
    core = s.strip()
    if not core:
        return s, "", ""
    start = s.index(core)
    return s[:start], core, s[start + len(core) :]


def _translate_plain(text: str, prefix: str, glossaries: list[Callable[[str], str]]) -> str:
    if not text.strip():
        return text
    for apply in glossaries:
        text = apply(text)
    return prefix + text


def _translate_markup(
    text: str, prefix: str, glossaries: list[Callable[[str], str]], ignore: set[str], html: bool
) -> str:
    out: list[str] = []
    stack: list[str] = []

    def text_node(seg: str) -> str:
        lead, core, trail = _split_ws(seg)
        if not core or any(name in ignore for name in stack):
            return seg
        parts = _ENTITY_RE.split(core)
        for apply in glossaries:
            parts = [p if i % 2 else apply(p) for i, p in enumerate(parts)]
        return lead + prefix + "".join(parts) + trail

    pos = 0
    for m in _MARKUP_RE.finditer(text):
        out.append(text_node(text[pos : m.start()]))
        tag = m.group(0)
        out.append(tag)
        pos = m.end()
        if tag.startswith(("<!", "<?")):
            continue
        closing = tag.startswith("</")
        nm = _TAG_NAME_RE.match(tag, 2 if closing else 1)
        if not nm:
            continue
        name = nm.group(1).lower() if html else nm.group(1)
        if closing:
            if name in stack:
                while stack and stack.pop() != name:
                    pass
        elif not tag.endswith("/>") and not (html and name in _HTML_VOID):
            stack.append(name)
    out.append(text_node(text[pos:]))
    return "".join(out)


def _parse_entries(entries: str, fmt: str) -> dict[str, str]:
    result: dict[str, str] = {}
    if fmt == "tsv":
        rows = [line.split("\t") for line in entries.splitlines() if line.strip()]
        for i, row in enumerate(rows, 1):
            if len(row) != 2:
                raise _ApiError(
                    400, "Invalid glossary entries provided", f"line {i}: expected 2 tab-separated terms"
                )
    elif fmt == "csv":
        rows = [row for row in csv.reader(io.StringIO(entries)) if row]
        for i, row in enumerate(rows, 1):
            if len(row) not in (2, 4):
                raise _ApiError(
                    400, "Invalid glossary entries provided", f"line {i}: expected 2 or 4 columns"
                )
    else:
        raise _ApiError(400, "Value for 'entries_format' not supported.")
    for i, row in enumerate(rows, 1):
        source, target = row[0].strip(), row[1].strip()
        if not source or not target:
            raise _ApiError(400, "Invalid glossary entries provided", f"line {i}: empty term")
        if source in result:
            raise _ApiError(400, "Invalid glossary entries provided", f"line {i}: duplicate source term")
        result[source] = target
    if not result:
        raise _ApiError(400, "Invalid glossary entries provided", "no entries")
    return result


def _to_params(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, list | tuple):
        return [item for v in value for item in _to_params(v)] if value else []
    if isinstance(value, dict):
        return [json.dumps(value, ensure_ascii=False)]
    return [str(value)]


def _truthy(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


