"""Neutral replies and forms rendered as Block Kit (built with `slack_sdk.models`), within Slack's limits.

Limits respected here: 3,000 characters per section text (longer texts become several sections, never cut),
50 blocks per message (more become several messages), 25 buttons per actions block, 100 options per select
(more become option groups), 100 blocks per modal, 24 characters for a modal's title and buttons, 3,000 for
its private metadata.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import t
from bot.messages import Button, ButtonStyle, FieldKind, Form, FormField, Reply
from integrations.slack.text import render, sanitize_mrkdwn, split_text

SECTION_TEXT_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
#: Slack truncates a message's text at 40,000 characters; blocks of one message stay well below it.
MESSAGE_TEXT_LIMIT = 40_000
MESSAGE_CHARACTER_BUDGET = 36_000
FALLBACK_TEXT_LIMIT = 3000
BUTTONS_PER_BLOCK = 25
OPTIONS_PER_SELECT = 100
MODAL_BLOCK_LIMIT = 100
MODAL_TEXT_LIMIT = 24
PRIVATE_METADATA_LIMIT = 3000
INPUT_MAX_LENGTH = 3000
ERROR_TEXT_LIMIT = 1000
#: The action_id of every input element in our modals; the block_id is the form field's name.
INPUT_ACTION_ID = "value"
#: Continuation boxes of a long text: `<name>__more2`, `<name>__more3`.
CONTINUATION = "__more"
MAX_CONTINUATIONS = 2

def plain(text: str, limit: int) -> str:
    """Text for a `plain_text` object, shortened with an ellipsis to `limit` characters."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- replies as messages


@dataclass
class SlackMessage:
    """One message to send: the notification `text` and its `blocks` (already validated dicts)."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def _button(button: Button) -> ButtonElement:
    style = button.style.value if button.style is not ButtonStyle.default else None
    return ButtonElement(
        text=PlainTextObject(text=plain(button.label, ButtonElement.text_max_length) or "…", emoji=True),
        action_id=button.action_id,
        value=button.value or None,
        style=style,
    )


def _actions(buttons: list[Button] | tuple[Button, ...]) -> list[Block]:
    """Actions blocks of at most 25 buttons, never two buttons with the same action_id in one block."""
    blocks: list[Block] = []
    current: list[ButtonElement] = []
    seen: set[str] = set()
    for button in buttons:
        if len(current) == BUTTONS_PER_BLOCK or button.action_id in seen:
            blocks.append(ActionsBlock(elements=current))
            current, seen = [], set()
        current.append(_button(button))
        seen.add(button.action_id)
    if current:
        blocks.append(ActionsBlock(elements=current))
    return blocks


def _sections(text: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(text, SECTION_TEXT_LIMIT)
            if piece.strip()]


def reply_mrkdwn(reply: Reply, names: Mapping[str, str] | None = None) -> str:
    """The body of `reply` as mrkdwn: its rich text rendered (quietly when it repeats someone's words), or its
    text made safe; `names` are the display names of the people a quiet rendering shows."""
    allow = reply.allow_broadcast_mentions
    if reply.rich is not None:
        return render(reply.rich, quiet=reply.quiet, names=names, allow_broadcast=allow)
    return sanitize_mrkdwn(reply.text, allow_broadcast=allow)


def reply_blocks(reply: Reply, names: Mapping[str, str] | None = None) -> list[Block]:
    """Every block of `reply`, in order, before it is cut into messages."""
    allow = reply.allow_broadcast_mentions
    blocks: list[Block] = []
    body = reply_mrkdwn(reply, names)
    if body.strip():
        blocks.extend(_sections(body))
    titled = sum(1 for s in reply.sections if s.title) > 1
    for index, section in enumerate(reply.sections):
        if titled and index > 0:
            blocks.append(DividerBlock())
        body = sanitize_mrkdwn(section.text, allow_broadcast=allow)
        if section.title:
            title = sanitize_mrkdwn(" ".join(section.title.split()), allow_broadcast=False)
            body = f"*{title}*\n{body}" if body.strip() else f"*{title}*"
        blocks.extend(_sections(body))
        blocks.extend(_actions(section.buttons))
    blocks.extend(_actions(reply.buttons))
    return blocks


def _block_text_length(block: dict[str, Any]) -> int:
    text = block.get("text")
    return len(text.get("text", "")) if isinstance(text, dict) else 0


def render_reply(reply: Reply, names: Mapping[str, str] | None = None) -> list[SlackMessage]:
    """`reply` as one or more Slack messages (more when it exceeds 50 blocks), each with a fallback text."""
    rendered = [block.to_dict() for block in reply_blocks(reply, names)]  # to_dict() validates every limit
    if not rendered:
        return []
    messages: list[SlackMessage] = []
    current: list[dict[str, Any]] = []
    size = 0
    for block in rendered:
        length = _block_text_length(block)
        if current and (len(current) == MESSAGE_BLOCK_LIMIT or size + length > MESSAGE_CHARACTER_BUDGET):
            messages.append(SlackMessage(text="", blocks=current))
            current, size = [], 0
        current.append(block)
        size += length
    messages.append(SlackMessage(text="", blocks=current))
    head = reply_mrkdwn(reply, names).strip()
    for message in messages:
        first_text = next((b["text"]["text"] for b in message.blocks if _block_text_length(b)), "")
        fallback = head if message is messages[0] and head else first_text
        message.text = split_text(fallback, FALLBACK_TEXT_LIMIT)[0] if fallback else "…"
    return messages


# ---------------------------------------------------------------- forms as modals


class FormTooLarge(ValueError):
    """A form Slack cannot show as one modal (more than 100 fields, or too much state to carry)."""


def form_metadata(form: Form, channel_id: str | None) -> str:
    """The modal's private metadata: the form's state and the conversation it was opened from."""
    metadata = json.dumps({"v": 1, "state": form.state, "channel": channel_id or ""}, separators=(",", ":"))
    if len(metadata) > PRIVATE_METADATA_LIMIT:
        raise FormTooLarge(f"form {form.form_id} carries {len(metadata)} characters of state")
    return metadata


def read_metadata(private_metadata: str | None) -> dict[str, str] | None:
    """The state and channel of one of our modals; None when the metadata is not ours (form never opened)."""
    try:
        data = json.loads(private_metadata or "")
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != 1:
        return None
    return {"state": str(data.get("state") or ""), "channel": str(data.get("channel") or "")}


def _options(form_field: FormField) -> list[Option]:
    return [
        Option(value=choice.value, text=PlainTextObject(text=plain(choice.label or choice.value, 75), emoji=True))
        for choice in form_field.choices
    ]


def _option_groups(options: list[Option], locale: str) -> list[OptionGroup]:
    groups = []
    for start in range(0, len(options), OPTIONS_PER_SELECT):
        chunk = options[start : start + OPTIONS_PER_SELECT]
        label = t(locale, "{first} to {last}", first=start + 1, last=start + len(chunk))
        groups.append(OptionGroup(label=PlainTextObject(text=plain(label, 75)), options=chunk))
    return groups


def _choices_fit(form_field: FormField) -> bool:
    return (
        0 < len(form_field.choices) <= OPTIONS_PER_SELECT * 100
        and all(0 < len(choice.value) <= Option.value_max_length for choice in form_field.choices)
    )


def _text_input(form_field: FormField, locale: str) -> PlainTextInputElement:
    multiline = form_field.kind in (FieldKind.long_text, FieldKind.url_list)
    limit = min(form_field.max_length or INPUT_MAX_LENGTH, INPUT_MAX_LENGTH)
    placeholder = None
    if form_field.kind is FieldKind.url_list:
        placeholder = PlainTextObject(text=plain(t(locale, "One link per line: https://…"), 150))
    elif form_field.choices:
        # Too many or too long choices for a select: typed in, and checked on submission like any field.
        placeholder = PlainTextObject(text=plain(", ".join(c.value for c in form_field.choices), 150))
    return PlainTextInputElement(
        action_id=INPUT_ACTION_ID,
        multiline=multiline or None,
        max_length=limit,
        initial_value=form_field.initial[:limit] or None,
        placeholder=placeholder,
    )


def _element(form_field: FormField, locale: str) -> Any:
    if form_field.kind in (FieldKind.choice, FieldKind.multi_choice) and _choices_fit(form_field):
        options = _options(form_field)
        wanted = {v.strip() for v in form_field.initial.split(",") if v.strip()}
        initial = [option for option in options if option.value in wanted]
        grouped = len(options) > OPTIONS_PER_SELECT
        choices: dict[str, Any] = (
            {"option_groups": _option_groups(options, locale)} if grouped else {"options": options}
        )
        if form_field.kind is FieldKind.multi_choice:
            return StaticMultiSelectElement(action_id=INPUT_ACTION_ID, initial_options=initial or None, **choices)
        return StaticSelectElement(action_id=INPUT_ACTION_ID, initial_option=initial[0] if initial else None,
                                   **choices)
    return _text_input(form_field, locale)


def _continuations(form_field: FormField) -> int:
    """Extra boxes for a long text that may exceed one Slack input (3,000 characters), at most two."""
    if form_field.kind is not FieldKind.long_text or not form_field.max_length:
        return 0
    return min(MAX_CONTINUATIONS, -(-form_field.max_length // INPUT_MAX_LENGTH) - 1)


def _input_blocks(form_field: FormField, locale: str) -> list[InputBlock]:
    label = plain(form_field.label, InputBlock.label_max_length) or form_field.name
    blocks = [
        InputBlock(
            block_id=form_field.name,
            label=PlainTextObject(text=label),
            element=_element(form_field, locale),
            optional=not form_field.required,
            hint=PlainTextObject(text=plain(form_field.hint, InputBlock.hint_max_length)) if form_field.hint else None,
        )
    ]
    initial = form_field.initial[INPUT_MAX_LENGTH:]
    for number in range(2, _continuations(form_field) + 2):
        chunk, initial = initial[:INPUT_MAX_LENGTH], initial[INPUT_MAX_LENGTH:]
        continued = t(locale, "{field} (continued)", field=form_field.label)
        blocks.append(InputBlock(
            block_id=f"{form_field.name}{CONTINUATION}{number}",
            label=PlainTextObject(text=plain(continued, InputBlock.label_max_length)),
            element=PlainTextInputElement(action_id=INPUT_ACTION_ID, multiline=True, max_length=INPUT_MAX_LENGTH,
                                          initial_value=chunk or None),
            optional=True,
            hint=PlainTextObject(text=plain(t(locale, "Only if the text above is full."), 150)),
        ))
    return blocks


def render_form(form: Form, *, locale: str, channel_id: str | None = None) -> View:
    """`form` as a modal: input blocks whose block_id is the field's name, validated by slack_sdk.

    A long text that may exceed Slack's 3,000 characters per input gets continuation boxes
    (`<name>__more2`, …), joined back into one value on submission.
    """
    blocks = [block for form_field in form.fields for block in _input_blocks(form_field, locale)]
    if len(blocks) > MODAL_BLOCK_LIMIT:
        raise FormTooLarge(f"form {form.form_id} needs {len(blocks)} blocks; a modal holds {MODAL_BLOCK_LIMIT}")
    view = View(
        type="modal",
        callback_id=form.form_id,
        title=PlainTextObject(text=plain(form.title, MODAL_TEXT_LIMIT) or "ICC Bot"),
        submit=PlainTextObject(text=plain(form.submit_label, MODAL_TEXT_LIMIT) or "OK"),
        close=PlainTextObject(text=plain(t(locale, "Cancel"), MODAL_TEXT_LIMIT)),
        private_metadata=form_metadata(form, channel_id),
        blocks=blocks,
    )
    view.to_dict()  # validates every limit now, not when Slack refuses it
    return view


def notice_view(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (a form that expired, work in progress): no submit button."""
    blocks = _sections(sanitize_mrkdwn(text))[: MODAL_BLOCK_LIMIT]
    view = View(type="modal", title=PlainTextObject(text=plain(title, MODAL_TEXT_LIMIT) or "ICC Bot"),
                close=PlainTextObject(text="OK"), blocks=blocks)
    return view.to_dict()


def form_values(state_values: dict[str, Any] | None) -> dict[str, str]:
    """A submitted modal's `view.state.values` as `{field name: text}`; multiple choices are comma-separated,
    continuation boxes are joined to their field."""
    values: dict[str, str] = {}
    continued: list[tuple[str, int, str]] = []
    for block_id, actions in (state_values or {}).items():
        if not isinstance(actions, dict):
            continue
        element = actions.get(INPUT_ACTION_ID)
        if element is None and actions:
            element = next(iter(actions.values()))
        name, _, number = str(block_id).partition(CONTINUATION)
        if number.isdigit():
            continued.append((name, int(number), _element_value(element)))
        else:
            values[name] = _element_value(element)
    for name, _number, text in sorted(continued):
        if text.strip():
            values[name] = (values.get(name, "").rstrip("\n") + "\n" + text).strip("\n")
    return values


def _element_value(element: Any) -> str:
    if not isinstance(element, dict):
        return ""
    if isinstance(element.get("selected_option"), dict):
        return str(element["selected_option"].get("value") or "")
    if isinstance(element.get("selected_options"), list):
        return ",".join(str(o.get("value")) for o in element["selected_options"] if isinstance(o, dict))
    value = element.get("value")
    return value if isinstance(value, str) else ""


def view_errors(errors: dict[str, str], form_fields: list[str]) -> dict[str, str]:
    """Errors keyed by block_id; an error for a name that is not on the modal goes on its first field."""
    shown: dict[str, str] = {}
    for name, message in errors.items():
        block_id = name if name in form_fields or not form_fields else form_fields[0]
        text = plain(message, ERROR_TEXT_LIMIT)
        shown[block_id] = f"{shown[block_id]} {text}" if block_id in shown else text
    return shown
