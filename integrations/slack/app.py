"""The Slack adapter: a slack-bolt `AsyncApp` whose listeners turn Slack requests into neutral events for the core.

Every listener acknowledges first (within Slack's 3 seconds) and does the work after, in a task the adapter
tracks, answering through `respond`, `chat.postEphemeral`, `chat.postMessage`, `views.open` or `views.publish`.
A modal's submission is the one exception: its answer (errors shown beside the fields) *is* the
acknowledgement, so the core checks it first, within a deadline.

Commands are not declared here one by one: one listener takes every slash command and the core's registry
decides (`python -m bot slack manifest` lists the registry's commands for Slack).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import negotiate, t
from bot.messages import CommandInvoked, Identity, MessageDeleted, MessageEdited, MessagePosted, Reply, Response
from bot.ports import Clock, SystemClock
from bot.secrets import SecretBox
from integrations.slack import convert
from integrations.slack.blocks import (
    FormTooLarge,
    SlackMessage,
    notice_view,
    render_form,
    render_reply,
    view_errors,
)
from integrations.slack.bolt_app import build_bolt_app
from integrations.slack.chat import (
    CAPABILITIES,
    OPEN_FORM_ACTION,
    SlackChat,
    WorkspaceClients,
    parse_form_button_value,
)
from integrations.slack.home import HOME_LANGUAGE_ACTION, build_home
from integrations.slack.installs import InstallationStore
from integrations.slack.manifest import TRANSLATE_SHORTCUT
from integrations.slack.people import PeopleCache, SlackPerson
from integrations.slack.place import Place, ResponseUrl
from integrations.slack.redact import install_token_redaction
from integrations.slack.stores import DatabaseOAuthStateStore, EventReceipts, RequestReplays

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

#: How long a modal's submission may take in the core before the modal says "working on it" instead
#: (with the person lookup's 0.8 s at most before it, the acknowledgement leaves well within Slack's 3 s).
VIEW_SUBMISSION_DEADLINE = 1.8
PERSON_LOOKUP_DEADLINE = 0.8




class SlackAdapter:
    """Slack for one core: builds bolt apps (HTTP or Socket Mode) and is the core's `slack` chat."""

    def __init__(
        self,
        core: Core,
        *,
        clock: Clock | None = None,
        people: PeopleCache | None = None,
        view_deadline: float = VIEW_SUBMISSION_DEADLINE,
    ) -> None:
        install_token_redaction()
        settings = core.settings
        self.core = core
        self.dispatcher = core.dispatcher
        self.settings = settings
        self.clock = clock or getattr(core.services, "clock", None) or SystemClock()
        self.default_locale = settings.default_locale
        self.view_deadline = view_deadline
        self.oauth = settings.slack_oauth_enabled
        self.bot_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        self.installation_store: InstallationStore | None = None
        self.state_store: DatabaseOAuthStateStore | None = None
        if self.oauth:
            assert settings.slack_client_id is not None
            self.installation_store = InstallationStore(
                core.engine, client_id=settings.slack_client_id.get_secret_value(),
                box=SecretBox.required(settings), clock=self.clock, forget=self.forget_workspace,
            )
            self.state_store = DatabaseOAuthStateStore(core.engine, clock=self.clock)
        self.clients = WorkspaceClients(
            base_url=settings.slack_api_url,
            bot_token=None if self.oauth else self.bot_token,
            installation_store=self.installation_store,
        )
        self.people = people or PeopleCache()
        self.chat = SlackChat(self.clients, default_locale=self.default_locale, people=self.people)
        self.receipts = EventReceipts(core.engine, clock=self.clock)
        #: Signed requests already taken in over HTTP (on the wall clock, as the signature check).
        self.replays = RequestReplays(core.engine)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self.dispatcher.attach_chat(self.chat)

    # ------------------------------------------------------------ building bolt apps

    def build_app(self, *, socket_mode: bool = False) -> AsyncApp:
        """A bolt app with every listener. HTTP apps verify signatures; Socket Mode needs no public endpoint."""
        return build_bolt_app(self, socket_mode=socket_mode)

    def register(self, app: AsyncApp, *, single_workspace: bool) -> None:
        """Attach every middleware and listener to `app`."""
        app.middleware(self._not_while_stopping)
        if single_workspace:
            app.middleware(self._only_our_workspace)
        app.error(self._on_error)
        app.command(re.compile(r"^/.+"))(self.on_command)
        app.action(HOME_LANGUAGE_ACTION)(self.on_home_language)
        app.action(OPEN_FORM_ACTION)(self.on_open_form)
        app.action(re.compile(r".*"))(self.on_action)
        app.view(re.compile(r".*"))(self.on_view_submission)
        app.view_closed(re.compile(r".*"))(self._ack_only)
        app.shortcut(TRANSLATE_SHORTCUT)(self.on_translate_shortcut)
        app.shortcut(re.compile(r".*"))(self.on_unknown_shortcut)
        app.event("message")(self.on_message)
        app.event("reaction_added")(self.on_reaction_added)
        app.event("app_home_opened")(self.on_app_home_opened)
        if app.installation_store is not None:
            # bolt deletes the installation's rows (bot, people's tokens, or all) and our store forgets the rest.
            app.enable_token_revocation_listeners()
        else:
            app.event("tokens_revoked")(self.on_token_revoked)
            app.event("app_uninstalled")(self.on_token_revoked)
        app.event(re.compile(r".*"))(self._ignore_event)
        app.options(re.compile(r".*"))(self._no_options)

    # ------------------------------------------------------------ background work

    def spawn(self, work: Coroutine[Any, Any, None], *, what: str) -> None:
        """Run `work` after the acknowledgement; failures are logged with what was being done."""

        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("Slack: %s failed", what)

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until the work started by earlier requests is done (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.dispatcher.drain()

    async def close(self) -> None:
        """Finish the work in progress, then release the HTTP session (shutdown)."""
        await self.drain()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------ middleware

    async def _not_while_stopping(
        self, body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        """While the process stops (SIGTERM), an event is left unacknowledged: Slack delivers it again, to the
        process that takes over. Commands and actions get the core's "restarting" answer instead."""
        if body.get("type") == "event_callback" and self.dispatcher.work.stopping:
            log.info("Slack: left event %s unacknowledged while stopping (Slack delivers it again)",
                     body.get("event_id"))
            return BoltResponse(status=503, body="")
        return await next()

    async def _only_our_workspace(
        self, context: Any, body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        """With one bot token, requests from any other workspace are refused, and nothing is done."""
        result = context.authorize_result
        ours = getattr(result, "team_id", None) if result is not None else None
        theirs = context.team_id
        if ours and theirs and theirs != ours and context.enterprise_id is None:
            log.warning("Slack: refused a request from workspace %s (this bot serves %s)", theirs, ours)
            if body.get("command") or body.get("type") in ("block_actions", "shortcut", "message_action"):
                return BoltResponse(status=200, body=t(self.default_locale, "ICC Bot is not installed in this "
                                                       "workspace. Ask a workspace administrator to install it."))
            return BoltResponse(status=200, body="")
        return await next()

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack: listener failed on a %s request: %s", body.get("type") or body.get("command"),
                  type(error).__name__, exc_info=error)

    async def _ack_only(self, ack: AsyncAck) -> None:
        await ack()

    async def _ignore_event(self) -> None:
        """Events we do not act on are acknowledged (bolt does it), so Slack does not retry them."""

    async def _no_options(self, ack: AsyncAck) -> None:
        await ack(options=[])

    # ------------------------------------------------------------ who and which language

    async def person(self, client: AsyncWebClient, workspace: str, user_id: str) -> SlackPerson:
        return await self.people.lookup(client, workspace, user_id)

    def place(self, body: dict[str, Any], client: AsyncWebClient, actor: Identity, channel_id: str,
              platform_locale: str | None, **extra: Any) -> Place:
        """Where to answer a request from `actor`; their language is looked up only if an answer needs it."""
        return Place(client=client, workspace=actor.workspace, user_id=actor.id, channel_id=channel_id,
                     resolve_locale=lambda: self.locale_of(actor, platform_locale),
                     trigger_id=str(body.get("trigger_id") or "") or None, **extra)

    def names(self, client: AsyncWebClient) -> convert.SlackNames:
        """How this request's person and channel options become identities."""

        async def name_of(workspace: str, user_id: str) -> str:
            return (await self.person(client, workspace, user_id)).display_name

        return convert.SlackNames(self.core.services.members, name_of)

    def response_url(self, body: dict[str, Any]) -> ResponseUrl | None:
        url = body.get("response_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return None
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return ResponseUrl(url, self._session)

    def locale_of(self, actor: Identity, platform_locale: str | None) -> str:
        """The language to speak to `actor`: their chosen one, else their Slack locale, else the default."""
        member = self.core.services.members.find(actor)
        if member is None:
            return negotiate(platform_locale, default=self.default_locale)
        return self.dispatcher.locale_for(member, platform_locale)

    # ------------------------------------------------------------ slash commands

    async def on_command(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        self.spawn(self._command(body, client), what=f"command {body.get('command')}")

    async def _command(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        workspace = convert.workspace_of(body)
        person = await self.person(client, workspace, str(body.get("user_id") or ""))
        event = convert.to_command_event(body, locale=person.locale, display_name=person.display_name)
        response = await self.dispatcher.handle(event, CAPABILITIES, resolver=self.names(client))
        place = self.place(body, client, event.actor, event.channel.id, person.locale,
                           respond=self.response_url(body))
        await self.deliver(response, place)

    # ------------------------------------------------------------ buttons and selects

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        self.spawn(self._action(body, client), what="a button")

    async def _action(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        workspace = convert.workspace_of(body)
        user_id = convert.person(workspace, str((body.get("user") or {}).get("id") or "")).id
        person = await self.person(client, workspace, user_id)
        event = convert.to_button_pressed(body, locale=person.locale)
        if not event.action_id or not event.actor.id:
            return
        response = await self.dispatcher.handle(event, CAPABILITIES)
        container = body.get("container") if isinstance(body.get("container"), dict) else {}
        in_message = (container or {}).get("type") == "message"
        place = self.place(
            body, client, event.actor, event.channel.id, person.locale,
            respond=self.response_url(body) if in_message else None,
            replace_original=bool(in_message and (container or {}).get("is_ephemeral")),
            in_modal=(container or {}).get("type") == "view" and ((body.get("view") or {}).get("type") == "modal"),
        )
        await self.deliver(response, place)

    async def on_open_form(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The button `SlackChat.open_form` sends when a form had to be offered without a trigger."""
        await ack()
        self.spawn(self._open_form_button(body, client), what="opening a form")

    async def _open_form_button(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        event = convert.to_button_pressed(body)
        form_id, state = parse_form_button_value(event.value)
        person = await self.person(client, event.actor.workspace, event.actor.id)
        ctx = self.dispatcher.context(event.actor, event.channel, CAPABILITIES, platform_locale=person.locale)
        spec = self.core.registry.forms.get(form_id)
        place = self.place(body, client, event.actor, event.channel.id, person.locale)
        if spec is None:
            await self.deliver(Response.text(t(ctx.locale, "This form has expired or was never opened. "
                                                           "Please start again.")), place)
            return
        await self.deliver(Response(form=spec.build(ctx, state)), place)

    # ------------------------------------------------------------ modals

    async def on_view_submission(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A modal came back: its errors (in the person's language, beside the fields) are the acknowledgement."""
        view = body.get("view") if isinstance(body.get("view"), dict) else {}
        workspace = convert.workspace_of(body)
        user_id = str((body.get("user") or {}).get("id") or "")
        known = self.people.cached(workspace, user_id)
        if known is None:
            try:
                known = await asyncio.wait_for(self.person(client, workspace, user_id), timeout=PERSON_LOOKUP_DEADLINE)
            except TimeoutError:
                known = SlackPerson(locale=None, display_name="")
        event = convert.to_form_submitted(body, locale=known.locale)
        actor = convert.person(workspace, user_id)
        locale = self.locale_of(actor, known.locale)
        if event is None or event.form_id not in self.core.registry.forms:
            log.info("Slack: submission of a modal we do not know (%s)", (view or {}).get("callback_id"))
            await ack(response_action="update", view=notice_view(
                t(locale, "Form expired"),
                t(locale, "This form has expired or was never opened. Please start again.")))
            return
        handling = asyncio.ensure_future(self.dispatcher.handle(event, CAPABILITIES))
        done, _ = await asyncio.wait({handling}, timeout=self.view_deadline)
        place = self.place(body, client, actor, event.channel.id, known.locale)
        if not done:
            await ack(response_action="update", view=notice_view(
                t(locale, "Working on it"), t(locale, "Working on it… I will send you a message when it is done.")))
            self.spawn(self._finish_submission(handling, place), what=f"form {event.form_id}")
            return
        response = handling.result()
        if response.errors:
            await ack(response_action="errors",
                      errors=view_errors(response.errors, convert.modal_field_names(view or {})))
            return
        if response.form is not None:
            try:
                await ack(response_action="update",
                          view=render_form(response.form, locale=locale, channel_id=event.channel.id).to_dict())
                response.form = None
            except FormTooLarge:
                log.exception("Slack: the next step of form %s does not fit in a modal", event.form_id)
                await ack()
                response.form = None
                response.replies.insert(0, Reply(text=t(locale, "Sorry, this form cannot be shown in Slack.")))
        else:
            await ack()
        self.spawn(self.deliver(response, place), what=f"answering form {event.form_id}")

    async def _finish_submission(self, handling: asyncio.Future[Response], place: Place) -> None:
        response = await handling
        if response.errors:
            # Too late to show them on the modal: say them in a message, so nothing is lost.
            response.replies.insert(0, Reply(text="\n".join(f"• {error}" for error in response.errors.values())))
            response.errors = {}
        response.form = None
        await self.deliver(response, place)

    # ------------------------------------------------------------ shortcuts

    async def on_translate_shortcut(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        self.spawn(self._translate_shortcut(body, client), what="the Translate shortcut")

    async def _translate_shortcut(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        workspace = convert.workspace_of(body)
        person = await self.person(client, workspace, str((body.get("user") or {}).get("id") or ""))
        event = convert.to_translation_requested(body, locale=person.locale)
        response = await self.dispatcher.handle(event, CAPABILITIES)
        place = self.place(body, client, event.actor, event.channel.id, person.locale,
                           respond=self.response_url(body))
        await self.deliver(response, place)

    async def on_unknown_shortcut(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        self.spawn(self._unknown_shortcut(body, client), what="an unknown shortcut")

    async def _unknown_shortcut(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        workspace = convert.workspace_of(body)
        user_id = str((body.get("user") or {}).get("id") or "")
        person = await self.person(client, workspace, user_id)
        locale = self.locale_of(convert.person(workspace, user_id), person.locale)
        log.info("Slack: unknown shortcut %r", body.get("callback_id"))
        if body.get("trigger_id"):
            await client.views_open(trigger_id=body["trigger_id"], view=notice_view(
                "ICC Bot", t(locale, "This shortcut is no longer in use.")))

    # ------------------------------------------------------------ events

    def _first_time(self, body: dict[str, Any]) -> bool:
        """False for an event already taken in (Slack's retry, or another web process got it first)."""
        event_id = str(body.get("event_id") or "")
        if self.receipts.first_time(event_id, str(body.get("team_id") or "")):
            return True
        log.info("Slack: event %s already handled (retry %s)", event_id, body.get("retry_attempt", "?"))
        return False

    async def on_message(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if not self._first_time(body):
            return
        message = convert.to_message_event(event, convert.workspace_of(body))
        if isinstance(message, MessagePosted):
            if event.get("channel_type") == "im":  # written to the bot itself: a contact (a newcomer is welcomed)
                self.spawn(self.meet(client, message.author), what="a direct message")
            self.spawn(self.dispatcher.message_posted(message), what="a message")
        elif isinstance(message, MessageEdited):
            self.spawn(self.dispatcher.message_edited(message), what="an edit")
        elif isinstance(message, MessageDeleted):
            self.spawn(self.dispatcher.message_deleted(message), what="a deletion")

    async def on_reaction_added(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if not self._first_time(body):
            return
        reaction = convert.to_reaction_added(event, convert.workspace_of(body))
        if reaction is not None:
            self.spawn(self.dispatcher.reaction_added(reaction), what="a reaction")

    async def on_app_home_opened(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home" or not self._first_time(body):
            return
        self.spawn(self.publish_home(client, convert.workspace_of(body), str(event.get("user") or "")),
                   what="the App Home")

    async def meet(self, client: AsyncWebClient, actor: Identity) -> None:
        """The core meets someone who wrote to the bot (in their Slack language, for a newcomer's welcome)."""
        person = await self.person(client, actor.workspace, actor.id)
        self.dispatcher.context(actor, convert.conversation(actor.workspace, ""), CAPABILITIES,
                                platform_locale=person.locale, display_name=person.display_name)

    async def publish_home(self, client: AsyncWebClient, workspace: str, user_id: str) -> None:
        """Show the person their App Home: profile, clusters, events, surveys, practices, language."""
        if not user_id:
            return
        person = await self.person(client, workspace, user_id)
        actor = convert.person(workspace, user_id)
        ctx = self.dispatcher.context(actor, convert.conversation(workspace, ""), CAPABILITIES,
                                      platform_locale=person.locale, display_name=person.display_name)
        parts = await asyncio.to_thread(self.core.services.home.for_person, ctx.member, ctx.locale)
        await client.views_publish(user_id=user_id, view=build_home(parts, locale=ctx.locale,
                                                                    chosen_language=ctx.member.preferred_language))

    async def on_home_language(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The language select of the App Home: the `/language` command, then the home again, in that language."""
        await ack()
        self.spawn(self._home_language(body, client), what="the App Home language")

    async def _home_language(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        pressed = convert.to_button_pressed(body)
        person = await self.person(client, pressed.actor.workspace, pressed.actor.id)
        event = CommandInvoked(actor=pressed.actor, channel=pressed.channel, name="language",
                               text=pressed.value or "auto", platform_locale=person.locale)
        # The select offers only languages the bot speaks: the answer is the home itself, shown in it.
        await self.dispatcher.handle(event, CAPABILITIES)
        await self.publish_home(client, pressed.actor.workspace, pressed.actor.id)

    async def on_token_revoked(self, body: dict[str, Any]) -> None:
        """One workspace by token: nothing is stored to delete, so say what happened and forget the workspace."""
        workspace = convert.workspace_of(body)
        log.warning("Slack: %s in %s; SLACK_BOT_TOKEN no longer works there", (body.get("event") or {}).get("type"),
                    workspace)
        self.forget_workspace(workspace)

    def forget_workspace(self, workspace: str) -> None:
        """Drop what is cached for a workspace whose tokens no longer work (its client, its people)."""
        self.clients.forget(workspace)
        self.people.forget_workspace(workspace)

    # ------------------------------------------------------------ answering

    async def deliver(self, response: Response, place: Place) -> None:
        """Send a neutral response: open its form, then its replies, each where the platform shows it best."""
        if response.form is not None:
            await self._open_form(response, place)
        if response.errors:
            text = "\n".join(f"• {error}" for error in response.errors.values())
            response.replies.insert(0, Reply(text=text))
        for reply in response.replies:
            await self.send_reply(reply, place)
        if response.direct_messages:
            await self.dispatcher.send_direct_messages(response.direct_messages)

    async def _open_form(self, response: Response, place: Place) -> None:
        assert response.form is not None
        form = response.form
        try:
            view = render_form(form, locale=place.locale, channel_id=place.channel_id or None)
        except FormTooLarge:
            log.exception("Slack: form %s does not fit in a modal", form.form_id)
            response.replies.insert(0, Reply(text=t(place.locale, "Sorry, this form cannot be shown in Slack.")))
            return
        if not place.trigger_id:
            await self.chat.open_form(convert.person(place.workspace, place.user_id), form, locale=place.locale,
                                      channel=convert.conversation(place.workspace, place.channel_id))
            return
        try:
            if place.in_modal:
                await place.client.views_push(trigger_id=place.trigger_id, view=view)
            else:
                await place.client.views_open(trigger_id=place.trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("Slack: could not open form %s: %s", form.form_id, exc.response.get("error"))
            response.replies.insert(0, Reply(text=t(place.locale, "Slack did not let me open the form in time. "
                                                                 "Please try again.")))

    async def send_reply(self, reply: Reply, place: Place) -> None:
        """One reply: through the response_url while it lasts, else the Web API (ephemeral, or in the channel)."""
        messages = render_reply(reply, await self.chat.names(place.client, place.workspace, reply))
        for index, message in enumerate(messages):
            replace = place.replace_original and not place.sent
            if reply.in_thread_of and place.channel_id:
                await self._post(place, message, thread_ts=reply.in_thread_of)
            elif place.respond is not None and place.responses_left > 0:
                place.responses_left -= 1
                await place.respond(
                    text=message.text, blocks=message.blocks,
                    response_type="ephemeral" if reply.ephemeral else "in_channel",
                    replace_original=replace,
                )
            elif reply.ephemeral or not place.channel_id:
                await self._ephemeral(place, message)
            else:
                await self._post(place, message)
            place.sent.append(message.text)
            if index == 0:
                place.replace_original = False

    async def _post(self, place: Place, message: SlackMessage, **extra: Any) -> None:
        try:
            await place.client.chat_postMessage(channel=place.channel_id, **message.as_kwargs(), **extra)
        except SlackApiError as exc:
            if exc.response.get("error") not in ("not_in_channel", "channel_not_found", "is_archived"):
                raise
            await self._direct(place, message)

    async def _ephemeral(self, place: Place, message: SlackMessage) -> None:
        if not place.channel_id:
            await self._direct(place, message)
            return
        try:
            await place.client.chat_postEphemeral(channel=place.channel_id, user=place.user_id,
                                                  **message.as_kwargs())
        except SlackApiError as exc:
            if exc.response.get("error") not in ("not_in_channel", "channel_not_found", "user_not_in_channel",
                                                 "is_archived"):
                raise
            await self._direct(place, message)

    async def _direct(self, place: Place, message: SlackMessage) -> None:
        opened = await place.client.conversations_open(users=place.user_id)
        await place.client.chat_postMessage(channel=opened["channel"]["id"], **message.as_kwargs())
