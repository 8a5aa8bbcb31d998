"""Form checking shared by every platform: normalising values and validating each field."""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import t
from bot.messages import FieldKind, Form, FormField

# Control characters other than tab and newline never belong in a form value.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise(value: str, kind: FieldKind = FieldKind.text) -> str:
    """Strip control characters (NUL included) and surrounding blanks; one-line fields lose line breaks."""
    value = unicodedata.normalize("NFC", _CONTROL.sub("", value or ""))
    if kind in (FieldKind.text, FieldKind.choice):
        value = " ".join(value.split())
    else:
        value = "\n".join(line.rstrip() for line in value.strip().splitlines())
    return value.strip()


def split_choices(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]


def validate_field(form_field: FormField, raw: str, locale: str) -> tuple[str, str | None]:
    """Normalise `raw` and check it; returns the clean value and a localised error (or None)."""
    value = normalise(raw, form_field.kind)
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
        picked = split_choices(value) if form_field.kind is FieldKind.multi_choice else [value]
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
