"""Forms as modals: `/share-practice` in two steps, values kept, errors shown in the person's language."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from bot.context import Context
from bot.errors import UserError
from bot.i18n import t
from bot.messages import Choice, FieldKind, Form, FormField, Response
from bot.models import Practice, Role
from bot.models.practices import PracticeTheme
from bot.registry import Args, Command, FormSpec
from bot.wiring import Core
from tests.discord.helpers import (
    ALICE,
    BOB,
    add_city,
    answer,
    buttons,
    content,
    identity,
    map_role,
    modal_inputs,
    running_bot,
)
from tests.fakes import discord as fd

DISCORD_LIMITS = {"title": 45, "label": 45, "description": 100, "placeholder": 100, "value": 4000}

STEP_1 = {
    "title": "Anti-rumours agents",
    "city": "Lisbon",
    "themes": ["anti-rumours", "education"],
    "summary": "Volunteers trained to answer rumours about migrants with facts.",
    "description": "Since 2010 the city trains volunteers as anti-rumours agents in libraries and markets.",
}
STEP_2 = {"results": "3,000 people reached.", "contact": "icc@lisboa.pt", "links": "https://www.lisboa.pt",
          "language": ["en"]}


def coordinator_in_lisbon(core: Core, fake: fd.FakeDiscord) -> None:
    add_city(core, "Lisbon")
    add_city(core, "Porto")
    map_role(core, fake, "Coordinators", Role.coordinator)
    core.services.members.get_or_create(identity(ALICE))
    core.services.members.set_city(identity(ALICE), "Lisbon")


def assert_within_discord_limits(modal: dict[str, Any]) -> None:
    assert len(modal["title"]) <= DISCORD_LIMITS["title"]
    assert 1 <= len(modal["components"]) <= 5
    for item in modal_inputs(modal):
        assert len(item["_label"]) <= DISCORD_LIMITS["label"]
        assert len(item["_description"] or "") <= DISCORD_LIMITS["description"]
        assert len(item.get("placeholder") or "") <= DISCORD_LIMITS["placeholder"]
        if item["type"] == 4:
            assert item["max_length"] <= DISCORD_LIMITS["value"]
            assert len(item.get("value") or "") <= item["max_length"]
        else:
            assert len(item["options"]) <= 25


async def test_share_practice_in_two_modals_keeps_every_value(core: Core, fake: fd.FakeDiscord) -> None:
    coordinator_in_lisbon(core, fake)
    async with running_bot(core, fake):
        opened = await answer(fake, fake.slash_command_interaction("share-practice", user_id=ALICE, locale="fr"))
        assert opened["type"] == 9
        first = opened["data"]
        assert first["title"] == t("fr", "Share a good practice") + " (1/2)"
        assert [i["custom_id"] for i in modal_inputs(first)] == ["title", "city", "themes", "summary", "description"]
        city = modal_inputs(first)[1]
        assert city["_label"] == t("fr", "City") and city["value"] == "Lisbon"  # pre-filled with theirs
        themes = modal_inputs(first)[2]
        assert themes["type"] == 3 and themes["max_values"] == len(themes["options"])  # a multi-select menu
        assert_within_discord_limits(first)

        saved = await answer(fake, fake.modal_submit_interaction(first["custom_id"], values=STEP_1, user_id=ALICE))
        assert saved["data"]["flags"] & 64
        assert content(saved) == t("fr", "Step {done} of {total} saved. Continue with the next part of the form.",
                                   done=1, total=2)
        [go_on] = buttons(saved["data"])
        assert go_on["label"] == t("fr", "Continue")

        press = fake.component_interaction(go_on["custom_id"], user_id=ALICE)
        second = (await answer(fake, press))["data"]
        assert second["title"].endswith("(2/2)")
        assert [i["custom_id"] for i in modal_inputs(second)] == ["results", "contact", "links", "language"]
        language = modal_inputs(second)[3]
        assert [o["value"] for o in language["options"] if o.get("default")] == ["fr"]  # the form's initial value
        assert_within_discord_limits(second)

        done = await answer(fake, fake.modal_submit_interaction(second["custom_id"], values=STEP_2, user_id=ALICE,
                                                               message=press["message"]))
    assert t("fr", "Thank you! Your practice “{title}” is recorded as #{id}. It will be reviewed by the ICC team, "
                   "and I will tell you when it is published.", title=STEP_1["title"], id=1) in content(done)
    with Session(core.engine) as session:
        practice = session.exec(select(Practice)).one()
        themes = set(session.exec(select(PracticeTheme.theme)))
    assert (practice.title, practice.summary, practice.contact, practice.language) == (
        STEP_1["title"], STEP_1["summary"], STEP_2["contact"], "en")
    assert practice.results == STEP_2["results"] and themes == {"anti-rumours", "education"}


async def test_a_field_over_the_limit_is_shown_and_its_step_reopened_prefilled(
    core: Core, fake: fd.FakeDiscord
) -> None:
    coordinator_in_lisbon(core, fake)
    too_long = "A" * 250  # Discord's client stops at max_length 200; a forged or stale submission does not
    async with running_bot(core, fake):
        first = (await answer(fake, fake.slash_command_interaction("share-practice", user_id=ALICE)))["data"]
        assert modal_inputs(first)[0]["max_length"] == 200
        refused = await answer(fake, fake.modal_submit_interaction(
            first["custom_id"], values={**STEP_1, "title": too_long, "summary": ""}, user_id=ALICE))
        text = content(refused)
        assert text.startswith(t("fr", "Please correct this and send again (what you typed is kept):"))
        assert t("fr", "{field} is too long: {length} characters, at most {limit}.",
                 field=t("fr", "Title"), length=250, limit=200) in text
        assert t("fr", "{field} is required.", field=t("fr", "Summary")) in text
        [fix] = buttons(refused["data"])
        assert fix["label"] == t("fr", "Correct")
        again = (await answer(fake, fake.component_interaction(fix["custom_id"], user_id=ALICE)))["data"]
        title, city, _themes, summary, description = modal_inputs(again)
        assert title["value"] == too_long[:200] and title["_description"].startswith("⚠")
        assert city["value"] == "Lisbon" and description["value"] == STEP_1["description"]
        assert summary["_description"].startswith("⚠")
        assert again["custom_id"] == first["custom_id"]
        saved = await answer(fake, fake.modal_submit_interaction(again["custom_id"], values=STEP_1, user_id=ALICE))
    assert content(saved).startswith(t("fr", "Step {done} of {total} saved. Continue with the next part of the form.",
                                       done=1, total=2))


def add_long_form(core: Core) -> list[dict[str, str]]:
    """A seven-field form whose submit refuses f2 = "bad" (an error found by the core, not by a field check)."""
    submitted: list[dict[str, str]] = []

    def build(ctx: Context, state: str) -> Form:
        fields = [FormField(name=f"f{i}", label=f"Field {i}") for i in range(1, 7)]
        fields.append(FormField(
            name="f7", label="A label far longer than the forty-five characters Discord shows",
            kind=FieldKind.choice, hint="Pick one of the many options.",
            choices=[Choice(f"c{n}", f"Choice {n}") for n in range(30)],
        ))
        return Form(form_id="long", title="A long form with a title longer than Discord's", submit_label="Send",
                    fields=fields, state=state)

    async def submit(ctx: Context, values: dict[str, str], state: str) -> Response:
        if values["f2"] == "bad":
            raise UserError("“{value}” is not accepted here.", field="f2", value=values["f2"])
        submitted.append(values)
        return Response.text(f"got {len(values)} values, state {state}")

    async def open_form(ctx: Context, args: Args) -> Response:
        return Response(form=build(ctx, "s1"))

    core.registry.add_form(FormSpec(form_id="long", build=build, submit=submit))
    core.registry.add(Command(name="long-form", description="Open the long form.", handler=open_form))
    return submitted


async def test_an_error_found_by_the_core_reopens_the_right_step(core: Core, fake: fd.FakeDiscord) -> None:
    submitted = add_long_form(core)
    values = {f"f{i}": f"value {i}" for i in range(1, 6)}
    async with running_bot(core, fake):
        first = (await answer(fake, fake.slash_command_interaction("long-form", user_id=BOB, locale="de")))["data"]
        assert_within_discord_limits(first)
        saved = await answer(fake, fake.modal_submit_interaction(first["custom_id"], values={**values, "f2": "bad"},
                                                                user_id=BOB, locale="de"))
        second = (await answer(fake, fake.component_interaction(buttons(saved["data"])[0]["custom_id"],
                                                                user_id=BOB, locale="de")))["data"]
        f6, f7 = modal_inputs(second)
        assert_within_discord_limits(second)
        # 30 choices do not fit a select menu: a text input, checked against the choices.
        assert f7["type"] == 4 and f7["placeholder"].startswith("c0, c1, c2")
        assert f7["_label"].endswith("…") and f7["_description"].startswith("A label far longer")
        wrong = await answer(fake, fake.modal_submit_interaction(second["custom_id"], values={"f6": "x", "f7": "c99"},
                                                                user_id=BOB, locale="de"))
        assert t("de", "“{value}” is not a valid choice for {field}.", value="c99",
                 field="A label far longer than the forty-five characters Discord shows") in content(wrong)
        refused = await answer(fake, fake.modal_submit_interaction(second["custom_id"], values={"f6": "x", "f7": "c29"},
                                                                  user_id=BOB, locale="de"))
        assert "“bad” is not accepted here." in content(refused)  # no catalogue entry: the msgid itself
        reopened = (await answer(fake, fake.component_interaction(buttons(refused["data"])[0]["custom_id"],
                                                                  user_id=BOB, locale="de")))["data"]
        assert reopened["custom_id"] == first["custom_id"]  # step 1, where f2 is
        assert [i["value"] for i in modal_inputs(reopened)] == [values["f1"], "bad", *list(values.values())[2:]]
        done = await answer(fake, fake.modal_submit_interaction(reopened["custom_id"], values=values, user_id=BOB,
                                                               locale="de"))
    assert content(done) == "got 7 values, state s1"
    assert submitted == [{**values, "f6": "x", "f7": "c29"}]


async def test_someone_else_cannot_continue_my_form(core: Core, fake: fd.FakeDiscord) -> None:
    add_long_form(core)
    async with running_bot(core, fake):
        first = (await answer(fake, fake.slash_command_interaction("long-form", user_id=BOB)))["data"]
        saved = await answer(fake, fake.modal_submit_interaction(
            first["custom_id"], values={f"f{i}": "v" for i in range(1, 6)}, user_id=BOB))
        stolen = await answer(fake, fake.component_interaction(buttons(saved["data"])[0]["custom_id"],
                                                               user_id=ALICE, locale="fr"))
    assert stolen["type"] == 4
    assert content(stolen) == t("fr", "This form has expired or was already sent. Please start again.")


async def test_a_submission_that_outlived_its_draft_gives_back_what_was_typed(core: Core, fake: fd.FakeDiscord) -> None:
    async with running_bot(core, fake):
        payload = fake.modal_submit_interaction("icc-form:modal:0123abcd:0",
                                                values={"title": "My practice", "summary": "Typed before a restart"},
                                                user_id=BOB, locale="it")
        reply = await answer(fake, payload)
    text = content(reply)
    assert text.startswith(t("it", "This form has expired or was already sent. Please start again."))
    assert "Typed before a restart" in text and "My practice" in text


async def test_running_the_command_again_prefills_what_was_typed(core: Core, fake: fd.FakeDiscord) -> None:
    add_long_form(core)
    async with running_bot(core, fake):
        first = (await answer(fake, fake.slash_command_interaction("long-form", user_id=BOB)))["data"]
        await answer(fake, fake.modal_submit_interaction(first["custom_id"], values={"f1": "kept", "f2": ""},
                                                         user_id=BOB))
        again = (await answer(fake, fake.slash_command_interaction("long-form", user_id=BOB)))["data"]
    assert modal_inputs(again)[0]["value"] == "kept"


async def test_the_same_form_sent_twice_at_once_or_again_later_is_one_practice_with_the_same_answer(
    core: Core, fake: fd.FakeDiscord
) -> None:
    """Discord said the first Send failed (no answer in time), so the person sends the same modal again, once
    at once and once later: each is a new interaction carrying the same form draft in its custom id."""
    coordinator_in_lisbon(core, fake)
    async with running_bot(core, fake):
        first = (await answer(fake, fake.slash_command_interaction("share-practice", user_id=ALICE)))["data"]
        saved = await answer(fake, fake.modal_submit_interaction(first["custom_id"], values=STEP_1, user_id=ALICE))
        press = fake.component_interaction(buttons(saved["data"])[0]["custom_id"], user_id=ALICE)
        second = (await answer(fake, press))["data"]
        sends = [fake.modal_submit_interaction(second["custom_id"], values=STEP_2, user_id=ALICE,
                                               message=press["message"]) for _ in range(3)]
        await fake.send_interaction(sends[0])
        await fake.send_interaction(sends[1])
        await fake.wait_until(lambda: fake.callbacks(sends[0]) and fake.callbacks(sends[1]))
        late = await answer(fake, sends[2])
    thanks = t("fr", "Thank you! Your practice “{title}” is recorded as #{id}. It will be reviewed by the ICC team, "
                     "and I will tell you when it is published.", title=STEP_1["title"], id=1)
    answers = [content(fake.callbacks(sends[0])[0]), content(fake.callbacks(sends[1])[0]), content(late)]
    assert answers == [thanks] * 3
    with Session(core.engine) as session:
        assert len(session.exec(select(Practice)).all()) == 1
