"""Forms as Discord modals, in steps of five inputs, keeping what was typed until the form is sent.

A modal holds at most 5 inputs. A longer form is asked in steps: modal 1, then a private message with a
"Continue" button that opens modal 2, and so on. Each step is checked with `bot.forms.validate_field` as soon
as it is submitted; errors come back in the person's language with a button that reopens the step, pre-filled
with what they typed. The whole form goes to the core (`FormSubmitted`) once every step is valid; if the core
still finds a field wrong, its step is reopened the same way.

What was typed lives in a `Draft` in memory, per person and form, for `DRAFT_TTL` seconds; running the
command again within that time pre-fills the form with it. The draft's token names the filled-in form for the
core (`FormSubmitted.idempotency_key`): the same modal sent twice, at once or later (Discord said the first
Send failed), reaches the core as the same submission and gets the first answer. Choice fields with at most 25
choices are select menus inside the modal (what a Discord user expects); longer lists are text inputs checked
against the choices.

Modals are only drawn by discord.py; their submissions are routed by custom id (`icc-form:modal:…`) from
`on_interaction` through `InteractionFlow.form_step_submitted`, which asks `submitted` here for the whole form and
gives the core's answer back to `answered`; a submission that outlives a restart still gets an answer (with what
was typed in it).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.forms import validate_field
from bot.i18n import t
from bot.messages import FieldKind, Form, FormField, FormSubmitted, Identity, Reply, Response, Section
from integrations.discord.answers import ActiveInteractions, Languages, acknowledge, send
from integrations.discord.components import FORM_PREFIX, form_view
from integrations.discord.render import MAX_BUTTON_LABEL, channel_of, render_reply, shorten

log = logging.getLogger(__name__)

MAX_MODAL_FIELDS = 5
MAX_TITLE = 45
MAX_LABEL = 45
MAX_DESCRIPTION = 100
MAX_PLACEHOLDER = 100
MAX_VALUE = 4000
MAX_SELECT_OPTIONS = 25
DRAFT_TTL = 3600.0
MAX_DRAFTS = 5_000
#: How long a sent form's modal, sent again, still gets the first answer (the core keeps it as long).
SENT_TTL = 24 * 3600.0

MODAL_PREFIX = f"{FORM_PREFIX}modal:"


@dataclass
class Draft:
    """A form being filled in by one person: the form as the core built it, and what they typed so far."""

    token: str
    form: Form
    user_id: int
    actor: Identity
    channel: Identity
    platform_locale: str | None
    steps: list[list[FormField]]
    values: dict[str, str] = field(default_factory=dict)
    valid_steps: set[int] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    expires: float = 0.0

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.user_id, self.actor.workspace, self.form.form_id, self.form.state)

    def next_step(self) -> int | None:
        return next((index for index in range(len(self.steps)) if index not in self.valid_steps), None)

    def step_of(self, name: str) -> int | None:
        return next((i for i, fields in enumerate(self.steps) if any(f.name == name for f in fields)), None)


def steps_of(form: Form) -> list[list[FormField]]:
    """The form's fields in groups of at most five, in order."""
    fields = list(form.fields)
    return [fields[i : i + MAX_MODAL_FIELDS] for i in range(0, len(fields), MAX_MODAL_FIELDS)] or [[]]


def submitted_values(components: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Values by custom id from a modal submission (action rows or labels; text inputs or selects)."""
    values: dict[str, str] = {}
    for top in components:
        children = list(top.get("components") or [])
        if isinstance(top.get("component"), dict):
            children.append(top["component"])
        for child in children:
            custom_id = str(child.get("custom_id") or "")
            if not custom_id:
                continue
            if "values" in child:
                values[custom_id] = ",".join(str(value) for value in child.get("values") or [])
            else:
                value = child.get("value")
                values[custom_id] = value if isinstance(value, str) else ""
    return values


class StepModal(discord.ui.Modal):
    """One step of a form, drawn by discord.py; `FormFlow.submitted` answers its submission (see module doc)."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        self.stop()  # nothing to keep in discord.py's store: the submission is routed by custom id
        return False


class FormFlow:
    """Opens forms as modals, step by step, and sends the whole form to the core when every step is valid."""

    def __init__(
        self,
        client: discord.Client,
        *,
        languages: Languages,
        active: ActiveInteractions,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.languages = languages
        self.active = active
        self.clock = clock
        self.drafts: OrderedDict[str, Draft] = OrderedDict()
        self._by_key: dict[tuple[int, str, str, str], str] = {}
        #: Forms sent, by draft token (the newest `MAX_DRAFTS`, for a day): their modal sent again goes to the
        #: core as the same submission, which answers as the first time.
        self.sent: OrderedDict[str, tuple[float, int, FormSubmitted]] = OrderedDict()

    # ------------------------------------------------------------ drafts

    def _prune(self) -> None:
        now = self.clock()
        for token in [token for token, draft in self.drafts.items() if draft.expires <= now]:
            self._drop(token)
        while len(self.drafts) > MAX_DRAFTS:
            self._drop(next(iter(self.drafts)))
        for token in [token for token, (expires, _, _) in self.sent.items() if expires <= now]:
            del self.sent[token]
        while len(self.sent) > MAX_DRAFTS:
            self.sent.popitem(last=False)

    def _drop(self, token: str) -> None:
        draft = self.drafts.pop(token, None)
        if draft is not None and self._by_key.get(draft.key) == token:
            del self._by_key[draft.key]

    def draft(self, token: str) -> Draft | None:
        self._prune()
        return self.drafts.get(token)

    def new_draft(self, *, form: Form, user_id: int, actor: Identity, channel: Identity,
                  platform_locale: str | None) -> Draft:
        """A draft for `form`, pre-filled with what this person typed in the same form recently."""
        self._prune()
        draft = Draft(token=secrets.token_hex(8), form=form, user_id=user_id, actor=actor, channel=channel,
                      platform_locale=platform_locale, steps=steps_of(form), expires=self.clock() + DRAFT_TTL)
        earlier_token = self._by_key.get(draft.key)
        if earlier_token is not None and earlier_token in self.drafts:
            names = {f.name for f in form.fields}
            draft.values = {k: v for k, v in self.drafts[earlier_token].values.items() if k in names}
            self._drop(earlier_token)
        self.drafts[draft.token] = draft
        self._by_key[draft.key] = draft.token
        return draft

    # ------------------------------------------------------------ opening

    async def start(self, interaction: discord.Interaction, form: Form, locale: str) -> None:
        """Open `form` for the person behind `interaction`: a modal if Discord allows one now, else a button."""
        draft = self.new_draft(form=form, user_id=interaction.user.id, actor=self.languages.people.actor(interaction),
                               channel=channel_of(interaction), platform_locale=str(interaction.locale))
        if not interaction.response.is_done() and interaction.type is not discord.InteractionType.modal_submit:
            await interaction.response.send_modal(self.modal(draft, 0))
            return
        # A modal can only answer a command or a button, straight away: offer a button that opens it.
        await self._prompt(interaction, t(locale, "Your form “{title}” is ready.", title=form.title),
                        view=form_view(draft.token, 0, self._label(t(locale, "Open the form"))))

    async def offer(self, user: Identity, form: Form, locale: str) -> None:
        """Send `form` to `user` in a direct message, as a button that opens it (no interaction to answer)."""
        target = self.client.get_user(int(user.id)) or await self.client.fetch_user(int(user.id))
        channel = await target.create_dm()
        draft = self.new_draft(form=form, user_id=int(user.id), actor=user,
                               channel=Identity(user.platform, user.workspace, str(channel.id)),
                               platform_locale=None)
        await channel.send(t(locale, "Your form “{title}” is ready.", title=form.title),
                           view=form_view(draft.token, 0, self._label(t(locale, "Open the form"))),
                           allowed_mentions=discord.AllowedMentions.none())

    async def open_step(self, interaction: discord.Interaction, token: str, step: int) -> None:
        """A "Continue"/"Correct"/"Open the form" button: open that step, pre-filled."""
        draft = self.draft(token)
        if draft is None or draft.user_id != interaction.user.id or not 0 <= step < len(draft.steps):
            text = t(self.languages.of(interaction), "This form has expired or was already sent. Please start again.")
            await self._private(interaction, Reply(text=text))
            return
        self.active.remember(interaction)
        await interaction.response.send_modal(self.modal(draft, step))

    def modal(self, draft: Draft, step: int) -> StepModal:
        """The modal of one step, its inputs pre-filled with what was typed (or the form's initial values)."""
        title = draft.form.title
        if len(draft.steps) > 1:
            suffix = f" ({step + 1}/{len(draft.steps)})"
            title = shorten(title, MAX_TITLE - len(suffix)) + suffix
        modal = StepModal(title=shorten(title, MAX_TITLE) or "ICC Bot", custom_id=f"{MODAL_PREFIX}{draft.token}:{step}",
                          timeout=DRAFT_TTL)
        for form_field in draft.steps[step]:
            value = draft.values.get(form_field.name, form_field.initial)
            modal.add_item(self._input(form_field, value, draft.errors.get(form_field.name)))
        return modal

    @staticmethod
    def _input(form_field: FormField, value: str, error: str | None) -> discord.ui.Label[Any]:
        label = form_field.label.strip() or form_field.name
        description = form_field.hint
        if len(label) > MAX_LABEL:
            description = f"{label} {description}".strip()
            label = shorten(label, MAX_LABEL)
        if error:
            description = f"⚠ {error}"
        component: discord.ui.Item[Any]
        choices = form_field.choices
        if form_field.kind in (FieldKind.choice, FieldKind.multi_choice) and 0 < len(choices) <= MAX_SELECT_OPTIONS:
            picked = set(value.split(",")) if form_field.kind is FieldKind.multi_choice else {value}
            component = discord.ui.Select(
                custom_id=form_field.name,
                options=[
                    discord.SelectOption(label=shorten(choice.label or choice.value, 100), value=choice.value[:100],
                                         default=choice.value in picked)
                    for choice in choices
                ],
                min_values=1 if form_field.required else 0,
                max_values=len(choices) if form_field.kind is FieldKind.multi_choice else 1,
                required=form_field.required,
            )
        else:
            limit = min(form_field.max_length or MAX_VALUE, MAX_VALUE)
            one_line = form_field.kind in (FieldKind.text, FieldKind.choice)
            placeholder = None
            if choices:  # too many for a menu: say what is accepted
                placeholder = shorten(", ".join(choice.value for choice in choices), MAX_PLACEHOLDER)
            component = discord.ui.TextInput(
                custom_id=form_field.name,
                style=discord.TextStyle.short if one_line else discord.TextStyle.paragraph,
                required=form_field.required,
                max_length=limit,
                default=value[:limit] or None,
                placeholder=placeholder,
            )
        return discord.ui.Label(text=label, component=component,
                                description=shorten(description, MAX_DESCRIPTION) or None)

    # ------------------------------------------------------------ submitting

    async def submitted(self, interaction: discord.Interaction, locale: str) -> FormSubmitted | None:
        """A modal step came back: check it, then ask for the next step (None), or return the whole form for the
        core once every step is valid."""
        data: dict[str, Any] = dict(interaction.data or {})
        token, _, step_text = str(data.get("custom_id", ""))[len(MODAL_PREFIX):].partition(":")
        typed = submitted_values(data.get("components") or [])
        draft = self.draft(token)
        sent = self.sent.get(token)
        if draft is None and sent is not None and sent[1] == interaction.user.id:
            return sent[2]  # sent already (its answer may not have arrived): the core answers as the first time
        if draft is None or draft.user_id != interaction.user.id or not step_text.isdigit():
            await self._expired(interaction, typed, locale)
            return None
        step = int(step_text)
        if not 0 <= step < len(draft.steps):
            await self._expired(interaction, typed, locale)
            return None
        draft.expires = self.clock() + DRAFT_TTL
        errors: dict[str, str] = {}
        for form_field in draft.steps[step]:
            raw = typed.get(form_field.name, "")
            draft.values[form_field.name] = raw
            _clean, error = validate_field(form_field, raw, locale)
            if error:
                errors[form_field.name] = error
        for form_field in draft.steps[step]:
            draft.errors.pop(form_field.name, None)
        if errors:
            draft.valid_steps.discard(step)
            draft.errors.update(errors)
            await self._show_errors(interaction, draft, step, errors, locale)
            return None
        draft.valid_steps.add(step)
        following = draft.next_step()
        if following is not None:
            await self._prompt(
                interaction,
                t(locale, "Step {done} of {total} saved. Continue with the next part of the form.",
                  done=len(draft.valid_steps), total=len(draft.steps)),
                view=form_view(draft.token, following, self._label(t(locale, "Continue"))),
            )
            return None
        # The draft's token names this filled-in form: sent twice, it is still one submission for the core.
        return FormSubmitted(actor=draft.actor, channel=draft.channel, form_id=draft.form.form_id,
                             values=dict(draft.values), state=draft.form.state,
                             platform_locale=str(interaction.locale), idempotency_key=draft.token)

    async def answered(self, interaction: discord.Interaction, event: FormSubmitted, response: Response,
                       locale: str) -> bool:
        """The core's answer to a whole form: done (the draft goes), or its wrong fields' step reopened.

        Returns False when the answer is still to be shown (errors that no field of the form can hold).
        """
        draft = self.drafts.get(event.idempotency_key)
        if draft is None or not response.errors:
            if draft is not None:
                self._drop(draft.token)
                self.sent[draft.token] = (self.clock() + SENT_TTL, draft.user_id, event)
            return True
        fields = {f.name for f in draft.form.fields}
        draft.errors = {name: error for name, error in response.errors.items() if name in fields}
        for name in draft.errors:
            index = draft.step_of(name)
            if index is not None:
                draft.valid_steps.discard(index)
        step = draft.next_step()
        if step is None:  # errors about no field of the form: nothing to reopen
            self._drop(draft.token)
            return False
        await self._show_errors(interaction, draft, step, response.errors, locale)
        return True

    async def _show_errors(self, interaction: discord.Interaction, draft: Draft, step: int,
                           errors: dict[str, str], locale: str) -> None:
        labels = {f.name: f.label for f in draft.form.fields}
        lines = [f"• **{shorten(labels.get(name, name), MAX_LABEL)}**: {error}" for name, error in errors.items()]
        text = t(locale, "Please correct this and send again (what you typed is kept):") + "\n" + "\n".join(lines)
        await self._prompt(interaction, text, view=form_view(draft.token, step, self._label(t(locale, "Correct"))))

    async def _expired(self, interaction: discord.Interaction, typed: dict[str, str], locale: str) -> None:
        sections = [Section(title=name, text=shorten(value, 1000)) for name, value in typed.items() if value.strip()]
        text = t(locale, "This form has expired or was already sent. Please start again.")
        if sections:
            text += "\n" + t(locale, "Here is what you typed, so you can copy it:")
        await self._private(interaction, Reply(text=text, sections=sections[:10], ephemeral=True), locale)

    async def _private(self, interaction: discord.Interaction, reply: Reply, locale: str | None = None) -> None:
        """An answer only the person sees (the form's own messages carry no buttons of the core)."""
        sent = False
        for outgoing in render_reply(reply):
            sent = await send(interaction, outgoing, ephemeral=True) or sent
        if not sent:
            await acknowledge(interaction, lambda: t(locale or self.languages.of(interaction), "Done."))

    @staticmethod
    def _label(text: str) -> str:
        return shorten(text, MAX_BUTTON_LABEL)

    async def _prompt(self, interaction: discord.Interaction, text: str, *, view: discord.ui.View) -> None:
        """A private message with one form button; it replaces our previous one when that is where it came from."""
        mentions = discord.AllowedMentions.none()
        try:
            message = interaction.message
            if (not interaction.response.is_done() and interaction.type is discord.InteractionType.modal_submit
                    and message is not None and message.flags.ephemeral):
                await interaction.response.edit_message(content=text, embeds=[], view=view, allowed_mentions=mentions)
            elif not interaction.response.is_done():
                await interaction.response.send_message(text, view=view, ephemeral=True, allowed_mentions=mentions)
            else:
                await interaction.followup.send(text, view=view, ephemeral=True, allowed_mentions=mentions)
        except discord.HTTPException as exc:
            log.warning("could not answer form interaction %s: %s %s", interaction.id, exc.status, exc.text)
