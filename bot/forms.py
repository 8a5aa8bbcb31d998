"""Form checking shared by every platform: normalising values and validating each field."""

from __future__ import annotations

import re
import unicodedata

import regex

from bot.i18n import t
from bot.messages import FieldKind, Form, FormField

# Control characters other than tab and newline never belong in a form value.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lone surrogates are what undecodable input bytes become (Python's "surrogateescape"); no database can
# store them as text.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Bidi embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) reorder everything that
# follows them, so a title could display as another text ("Trojan Source"): they are removed. The marks
# U+200E, U+200F and U+061C are kept: they only give neutral characters (punctuation, digits) a direction,
# which mixed Arabic or Hebrew and Latin text needs to read right, and they cannot reorder letters.
_BIDI_REORDERING = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Characters that display as nothing (Unicode's Default_Ignorable_Code_Point): zero-width space, joiners
# and non-joiner, word joiner, byte order mark, soft hyphen, variation selectors, Hangul fillers, tags…
_INVISIBLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_GRAPHEME = regex.compile(r"\X")
_CHOICE_SEPARATORS = re.compile(r"[,;\n]")


def looks_empty(value: str) -> bool:
    """True when `value` shows nothing: only blanks and invisible characters (zero-width, joiners…)."""
    return not _INVISIBLE.sub("", value).strip()


def _trim_invisible(value: str) -> str:
    """`value` without the blank or invisible characters at either end.

    Whole grapheme clusters are dropped, so a variation selector or joiner that belongs to the emoji or
    letter before it (❤️, 👩‍💻) stays with it; one that stands alone at an end goes.
    """
    clusters = _GRAPHEME.findall(value)
    shown = [index for index, cluster in enumerate(clusters) if not looks_empty(cluster)]
    if not shown:
        return ""
    return "".join(clusters[shown[0] : shown[-1] + 1])


def normalise(value: str, kind: FieldKind = FieldKind.text) -> str:
    """The value as it is stored: what a person meant, without what they could not see.

    Removes control characters (NUL included), undecodable input and bidi reordering controls; blank and
    invisible characters around the value; and line breaks from one-line fields. A value that shows
    nothing (only zero-width or other invisible characters) becomes "", so a required field refuses it.
    """
    value = _BIDI_REORDERING.sub("", _SURROGATE.sub("", _CONTROL.sub("", value or "")))
    value = unicodedata.normalize("NFC", value)
    if kind in (FieldKind.text, FieldKind.choice):
        value = " ".join(value.split())
    else:
        value = "\n".join(line.rstrip() for line in value.strip().splitlines())
    return _trim_invisible(value)


def split_choices(value: str) -> list[str]:
    """The items of a multi-choice value (separated by commas, semicolons or lines); empty ones left out."""
    items = (normalise(part) for part in _CHOICE_SEPARATORS.split(value or ""))
    return [item for item in items if item]


def validate_field(form_field: FormField, raw: str, locale: str) -> tuple[str, str | None]:
    """Normalise `raw` and check it; returns the clean value and a localised error (or None)."""
    value = normalise(raw, form_field.kind)
    picked = split_choices(value) if form_field.kind is FieldKind.multi_choice else [value]
    if form_field.kind is FieldKind.multi_choice and not picked:
        value = ""  # only separators (";", ", ,"): no choice was made
    if not value:
        if form_field.required:
            return value, t(locale, "{field} is required.", field=form_field.label)
        return value, None
    if form_field.max_length is not None and len(value) > form_field.max_length:
        return value, t(
            locale,
            "{field} is too long: {length} characters, at most {limit}.",
            field=form_field.label,
            length=len(value),
            limit=form_field.max_length,
        )
    if form_field.choices:
        allowed = {choice.value for choice in form_field.choices}
        unknown = [item for item in picked if item not in allowed]
        if unknown:
            return value, t(
                locale,
                "“{value}” is not a valid choice for {field}.",
                value=unknown[0][:60],
                field=form_field.label,
            )
        if form_field.kind is FieldKind.multi_choice:
            value = ",".join(dict.fromkeys(picked))
    error = form_field.check(value)
    return value, error


def validate_form(form: Form, values: dict[str, str], locale: str) -> tuple[dict[str, str], dict[str, str]]:
    """Check every field of `form`; returns (clean values, errors by field name)."""
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for form_field in form.fields:
        value, error = validate_field(form_field, values.get(form_field.name, ""), locale)
        clean[form_field.name] = value
        if error:
            errors[form_field.name] = error
    return clean, errors
