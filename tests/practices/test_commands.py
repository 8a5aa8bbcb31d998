"""/share-practice and /practices through the dispatcher, as every platform drives them."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from bot.db import session_scope
from bot.forms import validate_field
from bot.messages import ButtonPressed, CommandInvoked, FormSubmitted, Identity, Response
from bot.models import Role
from bot.models.practices import Practice, PracticeStatus
from bot.ports import Capabilities
from bot.services import Services
from bot.settings import Settings
from bot.wiring import Core, build_core
from tests.practices.conftest import add_city, add_member
from tests.support.chat import RecordingChat

CHANNEL = Identity("console", "local", "general")
VALID = {
    "title": "Anti-rumours agents",
    "city": "Lisbon",
    "themes": "anti-rumours,education",
    "summary": "Volunteers answer rumours with facts.",
    "description": "Since 2010 volunteers are trained in libraries.",
    "results": "Fewer rumours heard.",
    "contact": "ana@example.org",
    "links": "https://example.org/agents",
    "language": "pt",
}


def who(user: str) -> Identity:
    return Identity("console", "local", user)


async def command(core: Core, user: str, name: str, text: str = "", caps: Capabilities | None = None) -> Response:
    return await core.dispatcher.handle(CommandInvoked(who(user), CHANNEL, name, text), caps or Capabilities())


async def submit(core: Core, user: str, form_id: str, values: dict[str, str], state: str = "") -> Response:
    return await core.dispatcher.handle(FormSubmitted(who(user), CHANNEL, form_id, values, state), Capabilities())


async def press(core: Core, user: str, action_id: str, value: str) -> Response:
    return await core.dispatcher.handle(ButtonPressed(who(user), CHANNEL, action_id, value), Capabilities())


def text_of(response: Response) -> str:
    parts = []
    for reply in response.replies:
        parts.append(reply.text)
        parts += [f"{s.title}\n{s.text}" for s in reply.sections]
    return "\n".join(parts)


def stored(services: Services) -> int:
    with session_scope(services.engine) as session:
        return int(session.exec(select(func.count()).select_from(Practice)).one())


@pytest.fixture
def people(services: Services) -> Services:
    lisbon = add_city(services, "Lisbon", "PT", "pt")
    add_city(services, "Oslo", "NO", "nb")
    add_member(services, "ana", city=lisbon, language="pt")
    add_member(services, "boss", role=Role.icc_team, language="en")
    add_member(services, "plain", role=Role.member, city=lisbon)
    return services


def test_build_core_on_a_settings_url(tmp_path) -> None:  # type: ignore[no-untyped-def]
    core = build_core(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/x.sqlite3"))  # type: ignore[call-arg]
    assert "share-practice" in core.registry.commands and "practices" in core.registry.commands
    assert core.services.practices.search(words="anything").hits == []


async def test_share_practice_opens_a_localised_form(core: Core, people: Services) -> None:
    response = await command(core, "ana", "share-practice", "Agentes anti-rumor")
    form = response.form
    assert form is not None and form.form_id == "share-practice"
    assert [f.name for f in form.fields] == [
        "title", "city", "themes", "summary", "description", "results", "contact", "links", "language"]
    assert form.field("city").initial == "Lisbon"
    assert form.field("language").initial == "pt"
    assert form.field("title").initial == "Agentes anti-rumor"
    assert form.title != "Share a good practice"  # Portuguese
    labels = {choice.value: choice.label for choice in form.field("themes").choices}
    assert labels["anti-rumours"] == "Antirrumores"
    assert form.field("summary").max_length == 300


async def test_a_plain_member_cannot_share(core: Core, people: Services) -> None:
    response = await command(core, "plain", "share-practice")
    assert response.form is None and "coordinat" in text_of(response)
    response = await submit(core, "plain", "share-practice", VALID)
    assert stored(people) == 0 and response.form is None


async def test_submitting_the_form_records_the_practice(core: Core, people: Services) -> None:
    response = await submit(core, "ana", "share-practice", VALID)
    assert not response.errors and response.direct_messages == []
    assert "«Anti-rumours agents»" in text_of(response) and " 1." in text_of(response)  # in Portuguese
    practice = people.practices.get(1)
    assert practice is not None and practice.status is PracticeStatus.submitted and practice.language == "pt"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "   "),
        ("summary", "s" * 301),
        ("description", "d" * 100_000),
        ("themes", "anti-rumours,gardening"),
        ("themes", ""),
        ("city", "Atlantis"),
        ("city", "Oslo"),
        ("links", "www.example.org"),
        ("language", "xx"),
    ],
)
async def test_every_mistake_is_shown_beside_its_field_and_nothing_kept(
    core: Core, people: Services, field: str, value: str
) -> None:
    response = await submit(core, "ana", "share-practice", VALID | {field: value})
    assert field in response.errors and response.errors[field]
    assert stored(people) == 0


async def test_search_show_and_mine(core: Core, people: Services) -> None:
    await submit(core, "ana", "share-practice", VALID)
    await submit(core, "ana", "share-practice", VALID | {"title": "Second", "summary": "Other rumours."})
    mine = await command(core, "ana", "practices", "mine")
    assert "Second" in text_of(mine) and "Anti-rumours agents" in text_of(mine)
    nothing = await command(core, "ana", "practices", "search rumours")
    assert nothing.replies[0].sections == []  # not published yet
    for number in (1, 2):
        await command(core, "boss", "practices", f"approve {number}")
        await command(core, "boss", "practices", f"publish #{number}")
    found = await command(core, "plain", "practices", 'search rumours theme:anti-rumours city:"lisbon"')
    sections = found.replies[0].sections
    assert [s.title.split(" · ")[0] for s in sections] == ["#1", "#2"]  # the title match first
    assert "Lisbon" in sections[0].text and sections[0].buttons[0].action_id == "practice-show:1"
    shown = await press(core, "plain", "practice-show", "1")
    assert "Since 2010 volunteers" in text_of(shown) and "https://example.org/agents" in text_of(shown)
    assert (await command(core, "plain", "practices", "show 99")).replies[0].text
    bad = await command(core, "plain", "practices", "show twelve")
    assert "twelve" in text_of(bad)


async def test_search_pages_with_buttons(core: Core, people: Services) -> None:
    for number in range(7):
        await submit(core, "boss", "share-practice", VALID | {"title": f"Sport {number}", "themes": "sport"})
        await command(core, "boss", "practices", f"approve {number + 1}")
        await command(core, "boss", "practices", f"publish {number + 1}")
    first = await command(core, "plain", "practices", "search sport")
    assert len(first.replies[0].sections) == 5
    [following] = first.replies[0].buttons
    assert following.action_id == "practice-search:2"
    second = await press(core, "plain", following.action_id, following.value)
    assert len(second.replies[0].sections) == 2
    assert [b.action_id for b in second.replies[0].buttons] == ["practice-search:1"]
    assert json.loads(following.value)["p"] == 2
    stale = await press(core, "plain", "practice-search:9", "{not json")
    assert stale.replies and stale.replies[0].text
    by_text = await command(core, "plain", "practices", "search sport page:2")
    assert len(by_text.replies[0].sections) == 2


@pytest.mark.parametrize("words", ['"', "NEAR(", "' OR 1=1 --", "🙂", "مرحبا", "a\x00b", "*", "(", "OR"])
async def test_search_command_with_nasty_words(core: Core, people: Services, words: str) -> None:
    response = await command(core, "plain", "practices", f"search {words}")
    assert response.replies and "something went wrong" not in text_of(response)


async def test_review_workflow_through_buttons(core: Core, people: Services, chat: RecordingChat) -> None:
    await submit(core, "ana", "share-practice", VALID)
    refused = await press(core, "plain", "practice-approve:1", "1")
    assert "ICC team" in text_of(refused)
    refused = await command(core, "ana", "practices", "review")
    assert "ICC" in text_of(refused) and not refused.replies[0].sections
    listing = await command(core, "boss", "practices", "review")
    actions = [b.action_id for b in listing.replies[0].sections[0].buttons]
    assert actions == ["practice-show:1", "practice-approve:1", "practice-reject:1"]
    approved = await press(core, "boss", "practice-approve:1", "1")
    assert "approved" in text_of(approved)
    published = await press(core, "boss", "practice-publish:1", "1")
    assert "published" in text_of(published)
    again = await press(core, "boss", "practice-reject:1", "1")
    assert again.form is not None
    refused = await submit(core, "boss", "practice-reject", {"reason": "Too late"}, state="1")
    assert "already published" in text_of(refused)
    await core.dispatcher.drain()
    assert [to for to, _ in chat.directs()] == [who("ana"), who("ana")]
    # Ana reads Portuguese: both messages are in her language.
    assert all("Obrigad" in r.text or "aprov" in r.text for _, r in chat.directs())
    assert people.practices.get(1).status is PracticeStatus.published  # type: ignore[union-attr]


async def test_rejection_asks_for_a_reason_and_tells_the_author(
    core: Core, people: Services, chat: RecordingChat
) -> None:
    await submit(core, "ana", "share-practice", VALID)
    asked = await press(core, "boss", "practice-reject:1", "1")
    assert asked.form is not None and asked.form.form_id == "practice-reject" and asked.form.state == "1"
    empty = await submit(core, "boss", "practice-reject", {"reason": "  "}, state="1")
    assert "reason" in empty.errors
    assert people.practices.get(1).status is PracticeStatus.submitted  # type: ignore[union-attr]
    bad_state = await submit(core, "boss", "practice-reject", {"reason": "x"}, state="1; DROP")
    assert bad_state.replies and people.practices.get(1).status is PracticeStatus.submitted  # type: ignore[union-attr]
    done = await submit(core, "boss", "practice-reject", {"reason": "Please add the results."}, state="1")
    assert "rejected" in text_of(done)
    await core.dispatcher.drain()
    [(to, reply)] = chat.directs()
    assert to == who("ana") and "Please add the results." in reply.text and "Motivo" in reply.text
    second = await command(core, "boss", "practices", "approve 1")
    assert "already rejected" in text_of(second)


async def test_review_by_text_where_there_are_no_buttons(core: Core, people: Services) -> None:
    await submit(core, "ana", "share-practice", VALID)
    listing = await command(core, "boss", "practices", "review")
    assert "/practices approve 1" in text_of(listing)
    done = await command(core, "boss", "practices", "reject 1 Not an ICC city practice")
    assert "rejected" in text_of(done)
    assert (await command(core, "boss", "practices", "review")).replies[0].sections == []


# ---------------------------------------------------------------- every form validator, any text


@pytest.fixture
def share_form(core: Core, people: Services):  # type: ignore[no-untyped-def]
    ctx = core.dispatcher.context(who("ana"), CHANNEL, Capabilities())
    return core.registry.forms["share-practice"].build(ctx, "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=500), name=st.sampled_from(
    ["title", "city", "themes", "summary", "description", "results", "contact", "links", "language"]))
def test_share_form_validators_answer_any_text(share_form, value: str, name: str) -> None:  # type: ignore[no-untyped-def]
    clean, error = validate_field(share_form.field(name), value, "pt")
    assert error is None or (isinstance(error, str) and error)
    assert "\x00" not in clean


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(links=st.lists(st.from_regex(r"https?://[a-z]{1,10}\.[a-z]{2,5}(/[a-z0-9]{0,8})?", fullmatch=True),
                      min_size=1, max_size=5))
def test_web_links_pass_the_links_validator(share_form, links: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert validate_field(share_form.field("links"), "\n".join(links), "en")[1] is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=300))
def test_reject_reason_validator_answers_any_text(core: Core, people: Services, value: str) -> None:
    ctx = core.dispatcher.context(who("boss"), CHANNEL, Capabilities())
    form = core.registry.forms["practice-reject"].build(ctx, "1")
    clean, error = validate_field(form.field("reason"), value, "en")
    assert (error is None) == bool(clean)


async def test_a_long_description_is_one_section_for_every_platform_to_cut_to_its_own_limits(core: Core) -> None:
    add_member(core.services, "ana", city=add_city(core.services, "Lisbon"))
    long_description = " ".join(f"Step {n}: the city trains volunteers as anti-rumours agents." for n in range(300))
    assert len(long_description) > 15_000
    submitted = await submit(core, "ana", "share-practice", {**VALID, "description": long_description})
    assert not submitted.errors
    read = await command(core, "ana", "practices", "show 1")
    [description] = [s for s in read.replies[0].sections if s.text.startswith("Step 0")]
    assert description.text == long_description  # whole: the core does not know any platform's limit
