"""The dispatcher: turns a platform-neutral event into a handler call and a neutral response.

Every adapter calls `Dispatcher.handle`; this is where people are recognised, their language chosen,
their role checked, and every error turned into a localised reply, so that no input can crash the bot.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bot.context import Context, has_role, refusal, user_error_text
from bot.errors import UserError
from bot.forms import validate_form
from bot.i18n import t
from bot.messages import (
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    FormSubmitted,
    Identity,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    Reply,
    Response,
    TranslationRequested,
)
from bot.models import Member
from bot.ports import Capabilities, Chat
from bot.registry import (
    Args,
    ArgsError,
    Command,
    Registry,
    Resolver,
    check_values,
    parse_text,
    resolve_mentions,
)
from bot.services import Services
from bot.settings import SUPPORTED_LOCALES
from bot.shutdown import WorkInFlight
from bot.submissions import Claim, ClaimState, FormSubmissions

log = logging.getLogger(__name__)

#: Called with every channel message and the chat of its platform (translation listens here).
MessageListener = Callable[[MessagePosted, Chat], Awaitable[None]]
#: How long, and how often, a form sent again waits for the first submission's answer (recorded meanwhile by
#: another request, maybe in another process) before saying it is on its way.
RESUBMISSION_WAIT = 2.0
RESUBMISSION_POLL = 0.05

#: Called with every reaction and the chat of its platform (translation on a flag emoji).
ReactionListener = Callable[[ReactionAdded, Chat], Awaitable[None]]
#: Called with every edited or deleted message and the chat of its platform (translations follow them).
EditListener = Callable[[MessageEdited, Chat], Awaitable[None]]
DeleteListener = Callable[[MessageDeleted, Chat], Awaitable[None]]
#: Answers someone who asked for a message in their language ("Translate" on a message).
TranslationRequestHandler = Callable[[Context, TranslationRequested], Awaitable[Response]]


class Dispatcher:
    """Routes events to the registry's handlers and sends direct messages through the right platform."""

    def __init__(self, services: Services, registry: Registry) -> None:
        self.services = services
        self.registry = registry
        self.submissions = FormSubmissions(services.engine, clock=services.clock)
        self.resubmission_wait = RESUBMISSION_WAIT
        self.chats: dict[str, Chat] = {}
        self.message_listeners: list[MessageListener] = []
        self.reaction_listeners: list[ReactionListener] = []
        self.edit_listeners: list[EditListener] = []
        self.delete_listeners: list[DeleteListener] = []
        self.translation_request: TranslationRequestHandler | None = None
        #: The events being handled now; once the process is stopping, new ones are refused.
        self.work = WorkInFlight()

    # ------------------------------------------------------------ set-up

    def attach_chat(self, chat: Chat) -> None:
        """Make `chat` the way to reach people on its platform (for listeners, deliveries and jobs)."""
        self.chats[chat.platform] = chat
        self.services.delivery.attach_chat(chat)

    def on_message(self, listener: MessageListener) -> None:
        self.message_listeners.append(listener)

    def on_reaction(self, listener: ReactionListener) -> None:
        self.reaction_listeners.append(listener)

    def on_edit(self, listener: EditListener) -> None:
        self.edit_listeners.append(listener)

    def on_delete(self, listener: DeleteListener) -> None:
        self.delete_listeners.append(listener)

    def on_translation_request(self, handler: TranslationRequestHandler) -> None:
        """What answers "Translate" on a message (the translation feature)."""
        self.translation_request = handler

    # ------------------------------------------------------------ who and which language

    def locale_for(self, member: Member, platform_locale: str | None = None) -> str:
        """The person's chosen language, else their platform's, else the network's (`MemberService.locale_for`)."""
        return self.services.members.locale_for(member, platform_locale)

    def context(
        self,
        actor: Identity,
        channel: Identity,
        capabilities: Capabilities,
        *,
        platform_locale: str | None = None,
        display_name: str = "",
        welcome: bool = True,
    ) -> Context:
        """Who is acting, where, in which language. `welcome=False` leaves a newcomer's welcome to the caller (a
        request welcomes after it is answered, so a first command that gives the city is no "which city?")."""
        member = self.services.members.get_or_create(
            actor, display_name=display_name, platform_locale=platform_locale
        )
        if welcome and member.welcomed_at is None:
            self.first_contact(member)
        return Context(
            actor=actor,
            channel=channel,
            member=member,
            locale=self.locale_for(member, platform_locale),
            services=self.services,
            capabilities=capabilities,
        )

    def first_contact(self, member: Member) -> None:
        """Someone the bot had not welcomed yet: a newcomer (no city, no role) gets the welcome, once."""
        try:
            self.services.onboarding.first_contact(member)
        except Exception:
            # The request itself goes on (and says what failed, once, when it is the database): a warning here.
            log.warning("could not welcome %s", member.user_id, exc_info=True)

    # ------------------------------------------------------------ events

    async def handle(
        self,
        event: CommandInvoked | FormSubmitted | ButtonPressed | TranslationRequested,
        capabilities: Capabilities,
        *,
        args: Args | None = None,
        resolver: Resolver | None = None,
    ) -> Response:
        """Answer one event. Never raises: errors become localised replies (and a log line when unexpected).

        Args:
            event: what happened.
            capabilities: what the platform the event came from can show.
            args: already-typed options (Discord); otherwise a command's text is parsed.
            resolver: the adapter's way of finding the people and channels options name.
        """
        what = f"{type(event).__name__} from {event.actor}"
        if not self.work.admit(what):
            locale = (event.platform_locale or "")[:2].lower()
            return Response.text(t(locale if locale in SUPPORTED_LOCALES else self.services.settings.default_locale,
                                   "The bot is restarting: nothing was done. Please try again in a minute."))
        with self.work.track(what):
            return await self._handle(event, capabilities, args=args, resolver=resolver)

    async def _handle(
        self,
        event: CommandInvoked | FormSubmitted | ButtonPressed | TranslationRequested,
        capabilities: Capabilities,
        *,
        args: Args | None,
        resolver: Resolver | None,
    ) -> Response:
        locale = self.services.settings.default_locale
        ctx: Context | None = None
        try:
            ctx = self.context(
                event.actor,
                event.channel,
                capabilities,
                platform_locale=event.platform_locale,
                display_name=getattr(event, "display_name", ""),
                welcome=False,
            )
            locale = ctx.locale
            if isinstance(event, CommandInvoked):
                response = await self._command(ctx, event, args, resolver)
            elif isinstance(event, FormSubmitted):
                response = await self._form(ctx, event)
            elif isinstance(event, TranslationRequested):
                response = await self._translation_request(ctx, event)
            else:
                response = await self._button(ctx, event)
        except UserError as exc:
            text = user_error_text(exc, locale)
            response = Response.text(text)
            if exc.field and isinstance(event, FormSubmitted):
                # Shown beside the field on the form, not as a separate message.
                response = Response(errors={exc.field: text})
        except Exception:
            log.exception("failed to handle %s from %s", type(event).__name__, event.actor)
            response = Response.text(
                t(locale, "Sorry, something went wrong on our side. Nothing was changed; please try again.")
            )
        if response.direct_messages:
            self.enqueue_direct_messages(response.direct_messages)
            response.direct_messages = []
        if ctx is not None and ctx.member.welcomed_at is None:
            # As the request left them: someone whose first command gave their city is no newcomer any more.
            self.first_contact(self.services.members.get(ctx.member.id or 0) or ctx.member)
        return response

    async def _command(
        self, ctx: Context, event: CommandInvoked, args: Args | None, resolver: Resolver | None
    ) -> Response:
        command = self.registry.commands.get(event.name.lstrip("/").lower())
        if command is None:
            return Response.text(ctx.t("Unknown command /{name}. Type /help to see what I can do.",
                                       name=event.name.lstrip("/")[:40]))
        try:
            parsed = check_values(command, args) if args is not None else parse_text(command, event.text)
        except ArgsError as exc:
            return Response.text(ctx.t(exc.msgid, **exc.params) + "\n" + usage(ctx, command))
        needed = command.role_needed(parsed.sub)
        if not has_role(ctx.member, needed):
            return Response.text(refusal(needed, ctx.locale))
        try:
            # After the role check: nobody learns who or what exists through a command they may not use.
            parsed = await resolve_mentions(command, parsed, resolver, ctx.actor)
        except ArgsError as exc:
            return Response.text(ctx.t(exc.msgid, **exc.params))
        return await command.handler_for(parsed.sub)(ctx, parsed)

    async def _form(self, ctx: Context, event: FormSubmitted) -> Response:
        spec = self.registry.forms.get(event.form_id)
        if spec is None:
            return Response.text(ctx.t("This form has expired or was never opened. Please start again."))
        if not has_role(ctx.member, spec.min_role):
            return Response.text(refusal(spec.min_role, ctx.locale))
        form = spec.build(ctx, event.state)
        clean, errors = validate_form(form, event.values, ctx.locale)
        if errors:
            return Response(errors=errors)
        if not event.idempotency_key:
            return await spec.submit(ctx, clean, event.state)
        claim = self.submissions.claim(event.actor, event.form_id, event.idempotency_key)
        if claim.state is ClaimState.answered:
            log.info("form %s of %s sent again: answered as the first time", event.form_id, event.actor)
            return Response(replies=claim.answer)
        if claim.state is ClaimState.running:
            return await self._answer_of_first(ctx, claim)
        try:
            response = await spec.submit(ctx, clean, event.state)
        except BaseException:
            self.submissions.release(claim)
            raise
        if response.errors:
            self.submissions.release(claim)  # nothing recorded: the corrected form may come again
        else:
            kept = response.replies
            if response.private:  # an anonymous answer is never stored with who sent it
                kept = [Reply(text=ctx.t("This form was sent already and recorded."))]
            self.submissions.record(claim, kept)
        return response

    async def _answer_of_first(self, ctx: Context, claim: Claim) -> Response:
        """The same form is being recorded by another request: its answer, as soon as it is there."""
        tries = max(1, int(self.resubmission_wait / RESUBMISSION_POLL))
        for attempt in range(tries):
            answer = self.submissions.answer_of(claim)
            if answer is not None:
                return Response(replies=answer)
            if attempt < tries - 1:
                await asyncio.sleep(RESUBMISSION_POLL)
        return Response.text(ctx.t("This form is already being recorded: its answer is on its way."))

    async def _button(self, ctx: Context, event: ButtonPressed) -> Response:
        handler = self.registry.action(event.action_id)
        if handler is None:
            return Response.text(ctx.t("This button is no longer in use."))
        return await handler(ctx, event.value)

    async def _translation_request(self, ctx: Context, event: TranslationRequested) -> Response:
        if self.translation_request is None:
            return Response.text(ctx.t("Translation is not available here."))
        response = await self.translation_request(ctx, event)
        for reply in response.replies:
            reply.ephemeral = True  # for the person who asked only
        return response

    async def message_posted(self, event: MessagePosted) -> None:
        """Give a channel message to every listener (translation…); one failing listener spares the others."""
        await self._notify(self.message_listeners, event)

    async def message_edited(self, event: MessageEdited) -> None:
        await self._notify(self.edit_listeners, event)

    async def message_deleted(self, event: MessageDeleted) -> None:
        await self._notify(self.delete_listeners, event)

    async def reaction_added(self, event: ReactionAdded) -> None:
        await self._notify(self.reaction_listeners, event)

    async def _notify(self, listeners: list[Any],
                      event: MessagePosted | MessageEdited | MessageDeleted | ReactionAdded) -> None:
        chat = self.chats.get(event.channel.platform)
        if chat is None:
            log.warning("no %s connection for %s", event.channel.platform, type(event).__name__)
            return
        what = f"{type(event).__name__} {event.message_id} in {event.channel}"
        if not self.work.admit(what):
            return
        with self.work.track(what):
            await self._tell(listeners, event, chat)

    async def _tell(self, listeners: list[Any], event: MessagePosted | MessageEdited | MessageDeleted | ReactionAdded,
                    chat: Chat) -> None:
        for listener in listeners:
            try:
                await listener(event, chat)
            except Exception:
                log.exception("%s listener %s failed in %s", type(event).__name__,
                              getattr(listener, "__qualname__", listener), event.channel)

    # ------------------------------------------------------------ delivery

    def enqueue_direct_messages(self, messages: list[DirectMessage]) -> None:
        """Hand `messages` to the delivery service (once per key and person) and have them sent at once."""
        delivery = self.services.delivery
        for message in messages:
            key = message.key or f"direct:{uuid.uuid4().hex}"
            try:
                delivery.to_person(key, message.to, _already_composed(message.reply))
            except Exception:
                log.exception("could not enqueue a direct message to %s", message.to)
        delivery.kick()

    async def send_direct_messages(self, messages: list[DirectMessage]) -> None:
        """Enqueue `messages` and send what is due now (the platform's refusals are recorded, not raised)."""
        self.enqueue_direct_messages(messages)
        await self.services.delivery.drain()

    async def drain(self) -> None:
        """Send the deliveries due now and wait for those under way (tests, the end of a console session)."""
        await self.services.delivery.drain()


def _already_composed(reply: Reply) -> Callable[[str], Reply]:
    """A direct message comes composed by its handler (in the person's language): the same in any locale."""
    return lambda _locale: reply


def usage(ctx: Context, command: Command) -> str:
    """A one-line reminder of how to call `command`, in the person's language."""
    if command.subcommands:
        subs = " | ".join(sub.name for sub in command.subcommands)
        return ctx.t("Usage: /{name} {subcommands}", name=command.name, subcommands=subs)
    words = " ".join(f"[{o.name}]" if not o.required else f"<{o.name}>" for o in command.options)
    return ctx.t("Usage: /{name} {subcommands}", name=command.name, subcommands=words).rstrip()
