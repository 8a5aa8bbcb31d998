"""A form submitted twice is one record: the same answer again, in one process, across processes, and a day on."""

from __future__ import annotations

import asyncio
import io
import threading

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.dispatch import Dispatcher
from bot.errors import UserError
from bot.i18n import t
from bot.messages import (
    ButtonPressed,
    CommandInvoked,
    Form,
    FormField,
    FormSubmitted,
    Identity,
    Reply,
    Response,
)
from bot.models import City, Practice, Role
from bot.models.submissions import FormSubmission
from bot.ports import Capabilities
from bot.registry import FormSpec
from bot.settings import Settings
from bot.wiring import Core, build_core
from integrations.console.adapter import ConsoleSession
from tests.support.clock import MovableClock

ANA = Identity("console", "local", "ana")
HERE = Identity("console", "local", "anti-rumours")
VALUES = {
    "title": "Anti-rumours agents", "city": "Lisbon", "themes": "anti-rumours", "language": "en",
    "summary": "Volunteers answer rumours with facts.", "description": "Since 2010 volunteers are trained.",
}


def with_coordinator(core: Core) -> Core:
    core.services.cities.add(City(name="Lisbon", country="PT", languages="pt"))
    core.services.members.set_role(ANA, Role.coordinator)
    core.services.members.set_city(ANA, "Lisbon")
    return core


def practices(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Practice)).one())


def sent(key: str, **values: str) -> FormSubmitted:
    return FormSubmitted(actor=ANA, channel=HERE, form_id="share-practice", values={**VALUES, **values},
                         platform_locale="en", idempotency_key=key)


async def send(core: Core, event: FormSubmitted | CommandInvoked | ButtonPressed) -> Response:
    return await core.dispatcher.handle(event, Capabilities())


def said(response: Response) -> str:
    return "\n".join(reply.text for reply in response.replies)


def thanks(number: int, title: str = VALUES["title"]) -> str:
    return t("en", "Thank you! Your practice “{title}” is recorded as #{id}. It will be reviewed by the ICC team, "
                   "and I will tell you when it is published.", title=title, id=number)


async def test_the_same_form_sent_again_is_answered_as_the_first_time_and_recorded_once(core: Core) -> None:
    with_coordinator(core)
    first = await send(core, sent("view-1"))
    again = await send(core, sent("view-1"))
    assert said(first) == said(again) == thanks(1)
    assert practices(core.engine) == 1
    # Another filled-in form is another practice, even with the same words.
    assert said(await send(core, sent("view-2"))) == thanks(2)
    # Without a key (an adapter that cannot name its forms) nothing changes: each submission is recorded.
    assert said(await send(core, sent(""))) == thanks(3)


async def test_a_refused_or_failed_form_can_be_corrected_and_sent_again(core: Core) -> None:
    attempts: list[str] = []

    def build(ctx: object, state: str) -> Form:
        return Form(form_id="note", title="Note", submit_label="Send", fields=[FormField("text", "Text")])

    async def submit(ctx: object, values: dict[str, str], state: str) -> Response:
        attempts.append(values["text"])
        if values["text"] == "wrong":
            raise UserError("{field} is required.", field="text")
        if values["text"] == "crash":
            raise RuntimeError("the database went away")
        return Response(replies=[Reply(text=f"noted {values['text']} ({len(attempts)})")])

    core.registry.add_form(FormSpec(form_id="note", build=build, submit=submit))

    def note(text: str) -> FormSubmitted:
        return FormSubmitted(ANA, HERE, "note", {"text": text}, platform_locale="en", idempotency_key="modal-7")

    assert (await send(core, note("wrong"))).errors  # shown beside the field: nothing recorded
    assert said(await send(core, note("crash"))).startswith("Sorry, something went wrong")
    assert said(await send(core, note("right"))) == "noted right (3)"
    assert said(await send(core, note("right"))) == "noted right (3)"  # the answer of the one record
    assert attempts == ["wrong", "crash", "right"]


async def test_a_day_later_the_form_is_forgotten_and_old_submissions_are_pruned(
    core: Core, engine: Engine, clock: MovableClock
) -> None:
    core = with_coordinator(core)
    await send(core, sent("view-1"))
    clock.advance(hours=23)
    assert said(await send(core, sent("view-1"))) == thanks(1)  # within a day: the first answer
    clock.advance(hours=2)
    core.dispatcher.submissions.prune_every = 1  # every claim prunes (a process prunes every 200 claims)
    assert said(await send(core, sent("view-9", title="Another practice"))) == thanks(2, "Another practice")
    with Session(engine) as session:
        keys = session.exec(select(FormSubmission.submission_key)).all()
    assert keys == ["view-9"]  # the day-old one is gone


async def test_a_form_claimed_by_a_process_that_died_is_recorded_after_a_while(
    core: Core, engine: Engine, clock: MovableClock
) -> None:
    core = with_coordinator(core)
    core.dispatcher.submissions.claim(ANA, "share-practice", "view-1")  # a process that died right after
    core.dispatcher.resubmission_wait = 0  # the test does not wait for an answer that will never come
    busy = await send(core, sent("view-1"))
    assert said(busy) == t("en", "This form is already being recorded: its answer is on its way.")
    assert practices(engine) == 0
    clock.advance(minutes=3)
    assert said(await send(core, sent("view-1"))) == thanks(1)
    assert said(await send(core, sent("view-1"))) == thanks(1)
    assert practices(engine) == 1


def test_the_database_itself_keeps_one_submission_per_person_form_and_key(engine: Engine) -> None:
    constraints = inspect(engine).get_unique_constraints("form_submission")
    assert {"platform", "workspace_id", "user_id", "form_id", "submission_key"} in [
        set(constraint["column_names"]) for constraint in constraints]


def test_two_web_processes_receiving_the_same_form_at_once_record_it_once(settings: Settings,
                                                                         engine: Engine) -> None:
    """Each "process" has its own engine and core on the same database; they hand the form to the core together."""
    processes = 3
    cores = [with_coordinator(build_core(settings, migrate=False))]
    cores += [build_core(settings, migrate=False) for _ in range(processes - 1)]
    start = threading.Barrier(processes)
    answers: list[str] = []

    def web_process(core: Core) -> None:
        start.wait(timeout=30)
        answers.append(said(asyncio.run(send(core, sent("view-1")))))

    threads = [threading.Thread(target=web_process, args=(core,)) for core in cores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert practices(cores[0].engine) == 1
        assert answers == [thanks(1)] * processes
    finally:
        for core in cores:
            core.engine.dispose()


class RecordingDispatcher(Dispatcher):
    """The core's dispatcher, keeping the forms the console sends (to send one again, as a retry would)."""

    forms: list[FormSubmitted]

    async def handle(self, event, capabilities, **kwargs):  # type: ignore[no-untyped-def,override]
        if isinstance(event, FormSubmitted):
            self.forms.append(event)
        return await super().handle(event, capabilities, **kwargs)


async def test_the_console_names_each_form_it_opens_and_a_form_sent_again_gets_the_first_answer(core: Core) -> None:
    with_coordinator(core)
    dispatcher = RecordingDispatcher(core.services, core.registry)
    dispatcher.forms = []
    answers = [VALUES["title"], "", "anti-rumours", VALUES["summary"], "", VALUES["description"], "", "", "", "",
               ""]
    script = "/share-practice\n" + "\n".join(answers) + "\n/exit\n"
    out = io.StringIO()
    session = ConsoleSession(dispatcher, user="ana", city="Lisbon", role="coordinator", channel="anti-rumours",
                             locale="en", stdin=io.StringIO(script), stdout=out)
    assert await session.run() == 0
    assert thanks(1) in out.getvalue()
    [form] = dispatcher.forms
    assert form.idempotency_key  # made when the form opened
    again = await dispatcher.handle(form, Capabilities())
    assert said(again) == thanks(1)
    assert practices(core.engine) == 1
